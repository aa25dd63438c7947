"""split_into_posts on a 10,000-word text: ms per 1,000 words, against textwrap.wrap.

Run: .venv/bin/python bench/bench_split.py   Prints numbers only; no assertions.
"""

from __future__ import annotations

import random
import sys
import textwrap
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.models import ThreadOptions  # noqa: E402
from core.text import split_into_posts, weighted_length  # noqa: E402

WORDS = ("the of and to in is that it for was on are with as be at by this from have or an "
         "they which one you had not but what all were when we there can more if out so about "
         "article thread threadr counting numbers 3.14 1,000 @alice #python example.com/page "
         "https://example.org/a/b?c=1 café naïve 😀 👍🏽").split()


def article(words: int, seed: int = 1) -> str:
    rnd = random.Random(seed)
    out, count = [], 0
    while count < words:
        sentence = [rnd.choice(WORDS) for _ in range(rnd.randint(6, 24))]
        count += len(sentence)
        out.append(" ".join(sentence).capitalize() + rnd.choice([".", ".", "?", "!"]))
        if rnd.random() < 0.15:
            out.append("\n\n")
    return " ".join(out).replace(" \n\n ", "\n\n")


def best_ms(func, rounds: int = 5) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times) * 1000


def main() -> None:
    text = article(10_000)
    words = len(text.split())
    options = ThreadOptions()
    posts = split_into_posts(text, options)
    ours = best_ms(lambda: split_into_posts(text, options))
    naive = best_ms(lambda: textwrap.wrap(text, 270))
    print(f"text: {words} words, {len(text)} chars -> {len(posts)} posts, "
          f"longest {max(map(weighted_length, posts))}")
    print(f"split_into_posts: {ours:8.1f} ms total, {ours / words * 1000:6.2f} ms per 1,000 words")
    print(f"textwrap.wrap:    {naive:8.1f} ms total, {naive / words * 1000:6.2f} ms per 1,000 words"
          " (naive: no weights, URLs, numbering)")
    print(f"ratio split_into_posts / textwrap: {ours / naive:.2f}x")


if __name__ == "__main__":
    main()
