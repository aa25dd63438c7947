"""k-fold cross-validation of the extractor's tuned numbers over the extraction dev set.

    .venv/bin/python bench/cv_extraction.py [DATA_DIR] [--folds 5]

Every setting of a small grid around `Tuning` (core/articles/extract_main.py) is scored on
every page. For each fold, the setting with the best mean F1 on the other folds is chosen
and scored on the fold itself; the per-fold figures and their mean estimate F1 on pages
nobody tuned for. The shipped defaults are scored per fold alongside. Folds: sha1(id) mod k.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_extraction import DEFAULT_DATA, load_evaluator  # noqa: E402
from core.articles import extract_main  # noqa: E402
from core.articles.extract_html import parse_html  # noqa: E402
from core.articles.metadata import read_metadata  # noqa: E402

GRID = {
    "agreement": (0.5, 0.6, 0.7),
    "prose_words": (12, 20, 30),
    "recover": (0.25, 0.5, 1.0),
}


def settings() -> list[extract_main.Tuning]:
    names = list(GRID)
    return [extract_main.Tuning(**dict(zip(names, values, strict=True)))
            for values in itertools.product(*GRID.values())]


def page_scores(data_dir: Path, tunings: list) -> tuple[list[str], dict]:
    """F1 per (tuning, page id). trafilatura's output is computed once per page."""
    evaluator = load_evaluator(data_dir)
    gold = json.loads((data_dir / "ground-truth.json").read_text(encoding="utf-8"))
    ids = sorted(gold)
    found = {}
    original = extract_main._trafilatura_paragraphs
    extract_main._trafilatura_paragraphs = lambda tree, url: list(found[url])
    scores = {}
    try:
        for page in ids:
            html, url = evaluator.read_html(str(data_dir), page)[0], gold[page].get("url")
            found[url] = original(parse_html(html), url)
            tree = parse_html(html)
            meta = read_metadata(tree, url)
            for tuning in tunings:
                text = "\n\n".join(extract_main.main_paragraphs(tree, url, meta, tuning))
                scores[tuning, page] = evaluator.score(text, gold[page]["articleBody"])[2]
    finally:
        extract_main._trafilatura_paragraphs = original
    return ids, scores


def fold_of(page: str, k: int) -> int:
    return int(hashlib.sha1(page.encode()).hexdigest(), 16) % k


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data_dir", nargs="?", default=str(DEFAULT_DATA))
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args(argv)
    tunings = settings()
    ids, scores = page_scores(Path(args.data_dir).resolve(), tunings)
    mean = lambda tuning, pages: statistics.fmean(scores[tuning, p] for p in pages)  # noqa: E731
    chosen_f1, default_f1 = [], []
    for k in range(args.folds):
        test = [p for p in ids if fold_of(p, args.folds) == k]
        train = [p for p in ids if fold_of(p, args.folds) != k]
        best = max(tunings, key=lambda t: (mean(t, train), t == extract_main.DEFAULT))
        chosen_f1.append(mean(best, test))
        default_f1.append(mean(extract_main.DEFAULT, test))
        print(f"fold {k}: pages={len(test)} f1_chosen={chosen_f1[-1]:.3f} "
              f"f1_default={default_f1[-1]:.3f} chosen={best}")
    overall = sorted(mean(t, ids) for t in tunings)
    print(f"grid: {len(tunings)} settings, in-sample f1 {overall[0]:.3f}..{overall[-1]:.3f}")
    print(f"cv folds={args.folds} f1_mean={statistics.fmean(chosen_f1):.3f} "
          f"f1_min={min(chosen_f1):.3f} default_f1_mean={statistics.fmean(default_f1):.3f} "
          f"in_sample_default={mean(extract_main.DEFAULT, ids):.3f} pages={len(ids)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
