"""Progress of a batch on stderr: a bar with an ETA, documents ok and failed, model calls and
tokens on a terminal; one plain line per document otherwise (logs, CI, nohup); nothing when
quiet."""

from __future__ import annotations

import sys
import time
from typing import TextIO

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from extractor.batch._models import BatchItem

__all__ = ["BatchProgress"]

_NAME_CHARS = 40


def _tokens(n: int) -> str:
    return f"{n / 1000:.1f}k" if n >= 1000 else str(n)


class BatchProgress:
    """Counts documents as they finish and shows them; ``mode`` is ``auto`` (a bar on a
    terminal, lines elsewhere), ``lines`` or ``quiet``."""

    def __init__(self, total: int, mode: str = "auto", stream: TextIO | None = None) -> None:
        self.total = total
        self.stream = stream or sys.stderr
        console = Console(file=self.stream)
        self.bar = mode == "auto" and console.is_terminal
        self.lines = mode == "lines" or (mode == "auto" and not self.bar)
        self.done = self.ok = self.failed = self.incomplete = self.skipped = 0
        self.calls = self.tokens = 0
        self.cost: float | None = None
        self.started = time.monotonic()
        self.running: list[str] = []
        self.progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}", markup=False),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            TextColumn("{task.fields[counts]}", markup=False),
            console=console,
            disable=not self.bar,
        )
        self.task: TaskID = self.progress.add_task("", total=total, counts="")

    def __enter__(self) -> BatchProgress:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def counts(self) -> str:
        parts = [f"ok {self.ok}", f"failed {self.failed}"]
        if self.incomplete:
            parts.insert(1, f"incomplete {self.incomplete}")
        if self.skipped:
            parts.append(f"skipped {self.skipped}")
        if self.calls:
            parts.append(f"{self.calls} calls · {_tokens(self.tokens)} tokens")
        if self.cost is not None:
            parts.append(f"cost ≈ {self.cost:.4f}")
        return " · ".join(parts)

    def eta(self) -> str:
        worked = self.done - self.skipped
        if not worked:
            return "?"
        left = (time.monotonic() - self.started) / max(1, self.done) * (self.total - self.done)
        return f"{int(left // 60)}:{int(left % 60):02d}"

    def begin(self, name: str) -> None:
        self.running.append(name)
        self._describe()

    def end(self, name: str, item: BatchItem | None) -> None:
        self.running.remove(name)
        self.done += 1
        if item is not None:
            self._count(item)
            if self.lines:
                print(self._line(item), file=self.stream, flush=True)
        self.progress.update(self.task, advance=1, counts=self.counts())
        self._describe()

    def _count(self, item: BatchItem) -> None:
        if item.status == "ok":
            self.ok += 1
        elif item.status == "incomplete":
            self.incomplete += 1
        elif item.status == "failed":
            self.failed += 1
        else:
            self.skipped += 1
        self.calls += item.calls
        self.tokens += item.tokens
        if item.cost is not None:
            self.cost = (self.cost or 0.0) + item.cost

    def _line(self, item: BatchItem) -> str:
        what = item.note or item.error or f"{item.facts} facts"
        if item.calls:
            what += f" · {item.calls} calls · {_tokens(item.tokens)} tokens"
        if item.cost is not None:
            what += f" · cost ≈ {item.cost:.4f}"
        return (
            f"[{self.done}/{self.total}] {item.status} {item.path}: {what} · "
            f"{item.seconds:.1f} s · ETA {self.eta()}"
        )

    def _describe(self) -> None:
        if not self.running:
            label = "done"
        else:
            label = self.running[-1]
            if len(label) > _NAME_CHARS:
                label = label[: _NAME_CHARS - 1] + "…"
            if len(self.running) > 1:
                label += f" (+{len(self.running) - 1})"
        self.progress.update(self.task, description=label)
