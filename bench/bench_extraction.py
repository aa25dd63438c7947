"""Extraction quality and speed: Threadr vs trafilatura vs readability-lxml, in one run.

    .venv/bin/python bench/bench_extraction.py [DATA_DIR] [--repeat N]

DATA_DIR defaults to shared/bench/extraction found next to the repo (../shared, or
../../shared from a worktree under wt/), or under $THREADR_SHARED_DIR. Scores use the shared
evaluator's own tokenizer and `score` (imported from DATA_DIR/evaluate.py, not copied).
Pages are timed interleaved (each page through every extractor in turn, order rotating),
so machine load hits all extractors alike; with --repeat N each page's time is the median
of N runs.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def shared_data() -> Path | None:
    """The shared extraction dev set, if this checkout can see it."""
    import os

    roots = [Path(os.environ["THREADR_SHARED_DIR"])] if os.environ.get("THREADR_SHARED_DIR") else []
    roots += [ROOT.parent / "shared", ROOT.parent.parent / "shared"]
    found = [r / "bench" / "extraction" for r in roots]
    return next((d for d in found if (d / "ground-truth.json").is_file()), None)


DEFAULT_DATA = shared_data() or ROOT / ".." / "shared" / "bench" / "extraction"
sys.path.insert(0, str(ROOT))


def load_evaluator(data_dir: Path):
    spec = importlib.util.spec_from_file_location("shared_evaluate", data_dir / "evaluate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def extractors() -> dict:
    import lxml.html
    import trafilatura
    from readability import Document

    from bench.extraction_adapter import extract_text

    def trafilatura_text(html, url):
        return trafilatura.extract(html, url=url, include_comments=False) or ""

    def readability_text(html, url):
        summary = Document(html, url=url).summary(html_partial=True)
        return lxml.html.fromstring(summary).text_content() if summary.strip() else ""

    return {"threadr": extract_text, "trafilatura": trafilatura_text,
            "readability": readability_text}


def run(data_dir: Path, repeat: int) -> dict[str, dict]:
    evaluator = load_evaluator(data_dir)
    gold = json.loads((data_dir / "ground-truth.json").read_text(encoding="utf-8"))
    pages = [(i, evaluator.read_html(str(data_dir), i)[0], gold[i]) for i in sorted(gold)]
    funcs = extractors()
    names = list(funcs)
    for name in names:  # untimed warm-up, as the evaluator does
        funcs[name](pages[0][1], pages[0][2].get("url"))
    rows: dict[str, list] = {name: [] for name in names}
    for n, (_, html, truth) in enumerate(pages):
        order = names[n % len(names):] + names[: n % len(names)]
        for name in order:
            times, out = [], ""
            for _ in range(repeat):
                t0 = time.perf_counter()
                try:
                    out = funcs[name](html, truth.get("url")) or ""
                except Exception:
                    out = ""
                times.append((time.perf_counter() - t0) * 1000)
            p, r, f = evaluator.score(out, truth.get("articleBody") or "")
            rows[name].append((p, r, f, statistics.median(times)))
    return {name: summarise(evaluator, rows[name]) for name in names}


def summarise(evaluator, rows: list) -> dict:
    ms = [row[3] for row in rows]
    return {
        "f1": statistics.fmean(row[2] for row in rows),
        "precision": statistics.fmean(row[0] for row in rows),
        "recall": statistics.fmean(row[1] for row in rows),
        "ms_mean": statistics.fmean(ms),
        "ms_p95": evaluator.percentile(ms, 95),
        "pages": len(rows),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data_dir", nargs="?", default=str(DEFAULT_DATA))
    parser.add_argument("--repeat", type=int, default=1, help="runs per page (median time)")
    args = parser.parse_args(argv)
    results = run(Path(args.data_dir).resolve(), max(1, args.repeat))
    base = results["trafilatura"]["ms_mean"] or 1.0
    for name, r in results.items():
        print(f"{name:12} f1={r['f1']:.3f} precision={r['precision']:.3f} "
              f"recall={r['recall']:.3f} ms_mean={r['ms_mean']:.1f} ms_p95={r['ms_p95']:.1f} "
              f"pages={r['pages']} time_vs_trafilatura={r['ms_mean'] / base:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
