"""Offline summarize speed on a 5,000-word article (SPEC §3: well under 50 ms).

Run: .venv/bin/python bench/bench_summarize.py [--runs N] [--words W]
Prints the median ms per `summarize` run and, as a same-run reference, the median ms to
only tokenize the text (`core.generate.rank.tokenize`), with the ratio of the two; once by
wall clock and once by process CPU time (steadier on a busy machine).
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

from core.generate.offline import summarize
from core.generate.rank import tokenize
from core.models import Article, ThreadOptions

_VOCAB = (
    "the a of to and in that is for on with as was by at from it an be this are have has "
    "city council report shows new plans homes firms region engineers expect demand growth "
    "coming decade experts said costs fell battery grid solar storage power night cheaper "
    "utility capacity price market investors policy regulators households winter summer "
    "peak hours contracts project developers wind turbines transmission lines prices rose"
).split()


def make_article(words: int, seed: int = 1) -> Article:
    rng, out, paragraph, count = random.Random(seed), [], [], 0
    while count < words:
        n = rng.randint(8, 30)
        sentence = " ".join(rng.choice(_VOCAB) for _ in range(n))
        paragraph.append(sentence[0].upper() + sentence[1:] + rng.choice(".....?!"))
        count += n
        if len(paragraph) >= rng.randint(2, 6):
            out.append(" ".join(paragraph))
            paragraph = []
    out.append(" ".join(paragraph))
    return Article(
        text="\n\n".join(p for p in out if p),
        title="Grid batteries make solar power cheaper at night",
        url="https://example.com/story",
    )


def median_ms(fn, runs: int, clock=time.perf_counter) -> float:
    times = []
    for _ in range(runs):
        start = clock()
        fn()
        times.append((clock() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--words", type=int, default=5000)
    args = parser.parse_args()
    article = make_article(args.words)
    options = ThreadOptions(hashtags=3, emoji=True)
    posts = summarize(article, options)  # warm-up (compiles regexes, loads data)
    print(f"article: {len(article.text.split())} words, {len(posts)} posts")
    for clock_name, clock in (("wall", time.perf_counter), ("cpu", time.process_time)):
        summarize_ms = median_ms(lambda: summarize(article, options), args.runs, clock)
        tokenize_ms = median_ms(lambda: tokenize(article.text), args.runs, clock)
        print(
            f"{clock_name}: summarize {summarize_ms:.2f} ms median of {args.runs} "
            f"(goal < 50 ms); reference, tokenize only {tokenize_ms:.2f} ms; "
            f"ratio {summarize_ms / tokenize_ms:.1f}x"
        )


if __name__ == "__main__":
    main()
