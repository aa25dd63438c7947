"""Offline summary quality against human highlights, beside the Lead baseline, in one run.

    .venv/bin/python bench/bench_quality.py [DATA.jsonl] [--half even|odd] [--show N]

DATA defaults to shared/bench/summaries/dev.jsonl next to the repo (or a worktree's parents). The figures are
the shared evaluator's (its `clean`, `lead`, `dangling` and patterns are imported from
DATA's directory, not copied): r2 deltas vs Lead cut to the same word count (default
length and max_posts=3), the thread's own r1/r2 beside Lead's r1/r2 at the same length,
posts_median, short/unfinished/dangling shares, datelines and boilerplate counts.
`--half` scores every other article (by position: even or odd) for cross-validation;
`--show N` prints the first N threads in full. Needs `pip install rouge-score`.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_DEV = Path("shared", "bench", "summaries", "dev.jsonl")
DEFAULT_DATA = next((p / _DEV for p in ROOT.parents if (p / _DEV).exists()), ROOT.parent / _DEV)
sys.path.insert(0, str(ROOT))

from core.generate.offline import summarize  # noqa: E402
from core.models import Article, ThreadOptions  # noqa: E402


def posts(article: str, max_posts: int | None) -> list[str]:
    """The evaluator's adapter: a pasted article, default options, summarize mode."""
    return summarize(Article(text=article), ThreadOptions(max_posts=max_posts))


def load_evaluator(data: Path):
    spec = importlib.util.spec_from_file_location("shared_summaries", data.parent / "evaluate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def score(rows: list[dict], ev, generate) -> dict[str, float]:
    from rouge_score import rouge_scorer

    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2"], use_stemmer=True)
    f = {k: [] for k in ("d", "d3", "r1", "r2", "lead_r1", "lead_r2", "n")}
    short = unfinished = body = bad = checked = datelines = furniture = 0
    for row in rows:
        article, ref = row["article"], row["reference"]
        thread = generate(article, None)
        text = " ".join(ev.clean(p) for p in thread)
        s, base = scorer.score(ref, text), scorer.score(ref, ev.lead(article, len(text.split())))
        three = " ".join(ev.clean(p) for p in generate(article, 3))
        s3, b3 = scorer.score(ref, three), scorer.score(ref, ev.lead(article, len(three.split())))
        f["r1"].append(100 * s["rouge1"].fmeasure)
        f["r2"].append(100 * s["rouge2"].fmeasure)
        f["lead_r1"].append(100 * base["rouge1"].fmeasure)
        f["lead_r2"].append(100 * base["rouge2"].fmeasure)
        f["d"].append(f["r2"][-1] - f["lead_r2"][-1])
        f["d3"].append(100 * (s3["rouge2"].fmeasure - b3["rouge2"].fmeasure))
        f["n"].append(len(thread))
        for p in thread[:-1]:
            body += 1
            short += len(p) < 140
            unfinished += not ev.SENTENCE_END.search(ev.clean(p))
        b, c = ev.dangling(thread, article)
        bad, checked = bad + b, checked + c
        datelines += any(ev.DATELINE.search(p) for p in thread)
        furniture += any(ev.FURNITURE.search(p) for p in thread)
    pct = lambda a, b: 100.0 * a / b if b else 0.0  # noqa: E731
    out = {k: statistics.mean(v) for k, v in f.items() if k != "n"}
    out.update(posts_median=statistics.median(f["n"]), short=pct(short, body),
               unfinished=pct(unfinished, body), dangling=pct(bad, checked),
               datelines=datelines, boilerplate=furniture, articles=len(rows))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", nargs="?", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--half", choices=("even", "odd"))
    parser.add_argument("--show", type=int, default=0)
    args = parser.parse_args()
    ev = load_evaluator(args.data)
    rows = [json.loads(line) for line in open(args.data, encoding="utf-8") if line.strip()]
    if args.half:
        rows = rows[args.half == "odd" :: 2]
    for row in rows[: args.show]:
        print(f"--- {row['id']}")
        print("\n\n".join(posts(row["article"], None)))
    s = score(rows, ev, posts)
    print(f"r2_delta_default={s['d']:+.2f} r2_delta_3posts={s['d3']:+.2f} "
          f"r1={s['r1']:.1f} r2={s['r2']:.1f} (Lead same words: r1={s['lead_r1']:.1f} "
          f"r2={s['lead_r2']:.1f}) posts_median={s['posts_median']:g} "
          f"short_posts={s['short']:.1f}% unfinished={s['unfinished']:.1f}% "
          f"dangling={s['dangling']:.1f}% datelines={s['datelines']} "
          f"boilerplate={s['boilerplate']} articles={s['articles']}"
          + (f" half={args.half}" if args.half else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
