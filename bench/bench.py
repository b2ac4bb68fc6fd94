"""Benchmarks that print figures (targets are read by people, never asserted in tests).

    .venv/bin/python bench/bench.py            # every benchmark
    .venv/bin/python bench/bench.py check      # one of: numbers, check, rules, real, scale

Targets: checking a 13 KB report < 50 ms (issue 4); rules extraction of a 13 KB report,
checker included, < 100 ms (issues 5 and 11). Each figure is the median of repeated runs
after one warm-up.
"""

from __future__ import annotations

import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

from extractor.evaluation import load_gold
from extractor.numbers import find_numbers
from extractor.pipeline import check_stage
from extractor.sectioning import split_sections

ROOT = Path(__file__).resolve().parents[1]
REPEAT = 20


def _measure(label: str, size: int, fn: Callable[[], object], target_ms: float | None) -> None:
    fn()  # warm-up: lazy imports and caches
    times = []
    for _ in range(REPEAT):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    median = statistics.median(times) * 1000
    verdict = ""
    if target_ms is not None:
        verdict = f"  target < {target_ms:g} ms: {'met' if median < target_ms else 'MISSED'}"
    print(
        f"{label:<42} {size / 1000:5.1f} KB  median {median:7.2f} ms  "
        f"min {min(times) * 1000:7.2f} ms  peak {peak / 1e6:5.1f} MB{verdict}"
    )


def bench_numbers() -> None:
    for g in load_gold(ROOT / "eval" / "gold"):
        text = g.doc.text
        _measure(f"find_numbers {g.name}", len(text.encode()), lambda t=text: find_numbers(t), None)


def bench_check() -> None:
    for g in load_gold(ROOT / "eval" / "gold"):
        text, facts, period = g.doc.text, g.gold.facts, g.gold.meta.period
        _measure(
            f"check {len(facts)} facts {g.name}",
            len(text.encode()),
            lambda f=facts, t=text, p=period: check_stage(t, f, split_sections(t), p),
            50,
        )


def bench_rules() -> None:
    try:
        from extractor import extract
    except ImportError:
        print("rules: not built yet")
        return
    for g in load_gold(ROOT / "eval" / "gold"):
        doc = g.doc
        _measure(
            f"rules extract {g.name}",
            len(doc.text.encode()),
            lambda d=doc: extract(d, backend="rules"),
            100,
        )


def bench_real() -> None:
    """Rules and checker over the real corpus, page by page (real text is noisier: furniture,
    gazetteer look-ups, ranking grids)."""
    from extractor import extract

    docs = [
        g.doc
        for folder in ("tuning", "first_contact")
        for g in load_gold(ROOT / "tests" / "data" / "real_corpus" / folder)
    ]
    size = sum(len(d.text.encode()) for d in docs)
    _measure(
        f"rules extract {len(docs)} real pages",
        size,
        lambda: [extract(d, backend="rules") for d in docs],
        None,
    )


def bench_scale() -> None:
    """A long bulletin: both seeds eight times over (~190 KB, ~900 facts). Time should grow
    with the text, not with its square."""
    from extractor import extract
    from extractor.loading import load_text

    text = "\n".join(g.doc.text for g in load_gold(ROOT / "eval" / "gold")) + "\n"
    for times in (1, 8):
        doc = load_text(text * times)
        _measure(
            f"rules extract seeds x{times}",
            len(doc.text.encode()),
            lambda d=doc: extract(d, backend="rules"),
            None,
        )


BENCHES = {
    "numbers": bench_numbers,
    "check": bench_check,
    "rules": bench_rules,
    "real": bench_real,
    "scale": bench_scale,
}

if __name__ == "__main__":
    names = sys.argv[1:] or list(BENCHES)
    for name in names:
        if name not in BENCHES:
            sys.exit(f"unknown benchmark {name!r}: use one of {', '.join(BENCHES)}")
        BENCHES[name]()
