"""weighted_length vs twitter-text-parser on a mixed corpus: agreement and μs/text.

Run: .venv/bin/python bench/bench_length.py   (needs the `bench` extra: twitter-text-parser,
setuptools<82). Prints numbers only; no assertions.
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.text import weighted_length  # noqa: E402

PIECES = [
    "The quick brown fox jumps over the lazy dog", "Read more at https://example.com/a/b?c=d",
    "see example.org and t.co/abc123", "emoji 😀 👍🏽 👨‍👩‍👧‍👦 🇯🇵 ❤️", "日本語のテキストです。",
    "中文文本，还有标点。", "한국어 문장입니다.", "café naïve résumé", "3.14 and 1,000 items",
    "@someone #hashtag $CASH", "line\r\nbreak", "ทดสอบภาษาไทย", "Ünïcödé → arrows … “quotes”",
    "http://www.twitter.com/path_(parens)", "v1.2.3 is out.", "plain ascii words only here",
]


def corpus(n: int, seed: int = 7) -> list[str]:
    rnd = random.Random(seed)
    return [" ".join(rnd.choice(PIECES) for _ in range(rnd.randint(1, 8))) for _ in range(n)]


def per_text_us(func, texts: list[str]) -> float:
    start = time.perf_counter()
    for text in texts:
        func(text)
    return (time.perf_counter() - start) / len(texts) * 1e6


def best_of(funcs, texts: list[str], rounds: int = 5) -> list[float]:
    """Best time per text of each function, rounds interleaved (fair on a busy machine)."""
    best = [float("inf")] * len(funcs)
    for _ in range(rounds):
        for i, func in enumerate(funcs):
            best[i] = min(best[i], per_text_us(func, texts))
    return best


def main() -> None:
    from twitter_text import parse_tweet

    def reference(text: str) -> int:
        return parse_tweet(text).weightedLength

    texts = corpus(2000)
    disagree = [t for t in texts if weighted_length(t) != reference(t)]
    print(f"corpus: {len(texts)} texts, disagreements: {len(disagree)}")
    for text in disagree[:5]:
        print(f"  {text!r}: ours {weighted_length(text)} ref {reference(text)}")
    ours, ref = best_of([weighted_length, reference], texts)
    ascii_texts = [t for t in corpus(2000, seed=3) if t.isascii() and "." not in t] or ["a b c"]
    print(f"weighted_length:      {ours:8.2f} us/text")
    print(f"twitter-text-parser:  {ref:8.2f} us/text")
    print(f"speedup:              {ref / ours:8.1f}x")
    fast, fast_ref = best_of([weighted_length, reference], ascii_texts)
    print(f"ascii fast path:      {fast:8.2f} us/text vs {fast_ref:.2f} ({fast_ref / fast:.0f}x,"
          f" {len(ascii_texts)} ASCII texts without '.')")


if __name__ == "__main__":
    main()
