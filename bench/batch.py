"""Batch-scale benchmarks, whole processes (what a user waits for), printing figures.

    .venv/bin/python bench/batch.py scale      # 1, 4, 16, 64, 256 copies of a seed (+ 10 MB)
    .venv/bin/python bench/batch.py workers    # documents/s for 1 and N workers, 1,000 docs

Targets (issue 12): time near-linear in the text (slope of log time on log size near 1), a
10 MB text in under 60 s and under 1 GB; workers scale documents/s on the rules backend.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXTRACTOR = [sys.executable, "-m", "extractor.cli"]
SEED = (ROOT / "eval" / "gold" / "anyang-2024.txt").read_text(encoding="utf-8")
TEN_MB = 10_000_000


def _run(cmd: list[str]) -> tuple[float, float]:
    """Wall seconds and peak resident MB of one child process."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    if status != 0:
        raise SystemExit(f"{' '.join(cmd)} failed with status {status}")
    return seconds, usage.ru_maxrss / 1024


def bench_scale() -> None:
    sizes: list[tuple[int, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        copies = [1, 4, 16, 64, 256, math.ceil(TEN_MB / len((SEED + "\n").encode()))]
        for n in copies:
            path = Path(tmp) / f"seed-x{n}.txt"
            path.write_text((SEED + "\n") * n, encoding="utf-8")
            size = path.stat().st_size
            out = Path(tmp) / "out.json"
            cmd = [*EXTRACTOR, "extract", str(path), "--backend", "rules", "-o", str(out)]
            seconds, peak = _run([*cmd, "--max-mb", "50"])
            sizes.append((size, seconds))
            print(
                f"rules extract seed x{n:<4d} {size / 1e6:8.2f} MB  {seconds:7.2f} s  "
                f"peak {peak:6.0f} MB",
                flush=True,
            )
    # slope of log(time) on log(size), from the 16-copy run up (below it, start-up dominates)
    big = [(math.log(s), math.log(t)) for s, t in sizes if s > 150_000]
    mx = sum(x for x, _ in big) / len(big)
    my = sum(y for _, y in big) / len(big)
    slope = sum((x - mx) * (y - my) for x, y in big) / sum((x - mx) ** 2 for x, _ in big)
    print(f"slope of log time on log size (16 copies up): {slope:.2f} (1.0 is linear)")


def _corpus(folder: Path, n: int) -> None:
    """``n`` distinct documents: the real pages, written corpora and seeds, each with its own
    heading line so no two share a text."""
    texts = [
        p.read_text(encoding="utf-8")
        for p in sorted((ROOT / "tests" / "data").rglob("*.txt"))
        + sorted((ROOT / "eval" / "gold").glob("*.txt"))
    ]
    for k in range(n):
        (folder / f"doc{k:04d}.txt").write_text(f"文件{k}\n{texts[k % len(texts)]}", "utf-8")


def bench_workers() -> None:
    n_docs = 1000
    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory() as tmp:
        docs = Path(tmp) / "docs"
        docs.mkdir()
        _corpus(docs, n_docs)
        for workers in sorted({1, cores}):
            db = Path(tmp) / f"w{workers}.db"
            cmd = [*EXTRACTOR, "batch", str(docs), "--db", str(db), "--backend", "rules",
                   "--workers", str(workers), "--quiet"]  # fmt: skip
            seconds, peak = _run(cmd)
            print(
                f"batch {n_docs} docs, {workers} worker(s): {seconds:6.1f} s  "
                f"{n_docs / seconds:6.1f} docs/s  peak {peak:5.0f} MB",
                flush=True,
            )


BENCHES = {"scale": bench_scale, "workers": bench_workers}

if __name__ == "__main__":
    for name in sys.argv[1:] or list(BENCHES):
        if name not in BENCHES:
            sys.exit(f"unknown benchmark {name!r}: use one of {', '.join(BENCHES)}")
        BENCHES[name]()
