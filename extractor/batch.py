"""Run many reports through extraction into a ``Store``, resumably.

Each document is stored the moment it finishes, so an interrupted batch keeps everything done
so far, and the next run skips what is stored and retries what failed. One bad document never
stops the batch: it becomes a ``failed`` row with a one-line error.
"""

from __future__ import annotations

import asyncio
import glob
import time
from pathlib import Path
from typing import Literal

from pydantic import BaseModel
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from extractor import aio
from extractor.errors import ExtractorError, InputError, UsageError
from extractor.loading import SUPPORTED_SUFFIXES, LoadedDocument, load
from extractor.options import ExtractOptions
from extractor.pipeline import aextract_document
from extractor.storage import Store, report_id

__all__ = ["BatchItem", "BatchSummary", "arun_batch", "collect_inputs", "run_batch"]

_MAX_ERROR = 500
_GLOB_CHARS = frozenset("*?[")


class BatchItem(BaseModel):
    path: str
    doc_id: str | None
    status: Literal["ok", "failed", "skipped"]
    report_id: str | None
    error: str | None
    facts: int = 0
    seconds: float = 0
    note: str | None = None  # why a document was skipped


class BatchSummary(BaseModel):
    items: list[BatchItem]
    ok: int
    failed: int
    skipped: int
    seconds: float


# --- inputs ----------------------------------------------------------------------------------


def _wanted(p: Path) -> bool:
    # Editors and Word leave hidden files and "~$name.docx" lock files beside the reports.
    return (
        p.is_file()
        and p.suffix.lower() in SUPPORTED_SUFFIXES
        and not p.name.startswith((".", "~$"))
    )


def collect_inputs(spec: str | list[str]) -> list[Path]:
    """Expand folders (recursively), globs and file names into the files to extract.

    Folders and globs keep only supported report files, sorted; a file named outright is kept
    whatever its type, so the batch records why it cannot be read. Duplicates are dropped.
    """
    specs = [spec] if isinstance(spec, str) else list(spec)
    if not specs:
        raise UsageError("no inputs given: pass a folder, a glob or report files")
    kinds = ", ".join(SUPPORTED_SUFFIXES)
    found: list[Path] = []
    for item in specs:
        p = Path(item).expanduser()
        if p.is_dir():
            hits = sorted(f for f in p.rglob("*") if _wanted(f))
            if not hits:
                raise UsageError(f"{item}: no report files ({kinds}) in this folder")
        elif p.is_file():
            hits = [p]
        elif _GLOB_CHARS & set(item):
            hits = sorted(f for f in map(Path, glob.glob(str(p), recursive=True)) if _wanted(f))
            if not hits:
                raise UsageError(f"{item}: the pattern matches no report files ({kinds})")
        else:
            raise UsageError(f"{item}: no such file or folder")
        found.extend(hits)
    seen: set[Path] = set()
    out: list[Path] = []
    for f in found:
        key = f.resolve()
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out


# --- progress --------------------------------------------------------------------------------


class _Bar:
    """done/total and the files in flight, on stderr; silent when not wanted or not a TTY."""

    def __init__(self, total: int, enabled: bool) -> None:
        console = Console(stderr=True)
        self.progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}", markup=False),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            disable=not (enabled and console.is_terminal),
        )
        self.task: TaskID = self.progress.add_task("", total=total)
        self.running: list[str] = []

    def __enter__(self) -> _Bar:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def _show(self) -> None:
        if not self.running:
            label = "done"
        else:
            label = self.running[-1]
            if len(label) > 40:
                label = label[:39] + "…"
            if len(self.running) > 1:
                label += f" (+{len(self.running) - 1})"
        self.progress.update(self.task, description=label)

    def begin(self, path: Path) -> None:
        self.running.append(path.name)
        self._show()

    def end(self, path: Path) -> None:
        self.running.remove(path.name)
        self.progress.advance(self.task)
        self._show()


# --- the batch -------------------------------------------------------------------------------


def _one_line(e: BaseException) -> str:
    # The item and the row already carry the path; the error need not repeat it.
    text = " ".join((e.problem if isinstance(e, InputError) else str(e)).split())
    if not isinstance(e, ExtractorError):
        text = f"{type(e).__name__}: {text}" if text else type(e).__name__
    text = text or type(e).__name__
    return text if len(text) <= _MAX_ERROR else text[: _MAX_ERROR - 1] + "…"


class _Run:
    def __init__(self, store: Store, opts: ExtractOptions, config: str, force: bool) -> None:
        self.store = store
        self.opts = opts
        self.config = config
        self.force = force
        # doc_id → the first path with that text in this run: a copy is not extracted twice.
        self.claimed: dict[str, str] = {}

    async def one(self, path: Path) -> BatchItem:
        started = time.perf_counter()
        shown = str(path)

        def item(**fields: object) -> BatchItem:
            seconds = round(time.perf_counter() - started, 3)
            return BatchItem.model_validate({"path": shown, "seconds": seconds, **fields})

        try:
            # Reading a PDF can take seconds; a thread keeps other documents' calls moving.
            doc: LoadedDocument = await asyncio.to_thread(load, path)
        except Exception as e:  # InputError, or anything a broken file provokes
            error = _one_line(e)
            rid = self.store.save_failure(path=shown, error=error, config=self.config)
            return item(doc_id=None, status="failed", report_id=rid, error=error)

        doc_id = doc.doc_id
        rid = report_id(doc_id, self.config)
        if doc_id in self.claimed:
            note = f"same text as {self.claimed[doc_id]}"
            return item(doc_id=doc_id, status="skipped", report_id=rid, error=None, note=note)
        self.claimed[doc_id] = shown
        if not self.force and self.store.has_report(doc_id, self.config):
            note = "already stored"
            return item(doc_id=doc_id, status="skipped", report_id=rid, error=None, note=note)

        try:
            report = await aextract_document(doc, self.opts)
        except Exception as e:  # a bad document must never end the batch
            error = _one_line(e)
            rid = self.store.save_failure(
                path=shown, error=error, config=self.config, doc_id=doc_id
            )
            return item(doc_id=doc_id, status="failed", report_id=rid, error=error)
        if not report.doc_id:
            report = report.model_copy(update={"doc_id": doc_id})
        # A StoreError here is not about this document (disk full, file locked): let it stop
        # the batch instead of failing every remaining document the same way.
        rid = self.store.save_report(report, config=self.config, path=shown)
        return item(doc_id=doc_id, status="ok", report_id=rid, error=None, facts=len(report.facts))


async def arun_batch(
    paths: list[Path],
    store: Store,
    opts: ExtractOptions,
    *,
    doc_concurrency: int = 2,
    progress: bool = True,
    force: bool = False,
) -> BatchSummary:
    """Extract every path into ``store``; ``doc_concurrency`` documents at a time.

    Stored documents (same text, same configuration) are skipped unless ``force``; failed ones
    are retried. Returns one item per path, in input order.
    """
    started = time.perf_counter()
    config = opts.config_key()  # a settings problem stops the batch before any document
    run = _Run(store, opts, config, force)
    gate = asyncio.Semaphore(max(1, doc_concurrency))
    items: list[BatchItem | None] = [None] * len(paths)

    with _Bar(len(paths), progress) as bar:

        async def one(i: int, path: Path) -> None:
            async with gate:
                bar.begin(path)
                try:
                    items[i] = await run.one(path)
                finally:
                    bar.end(path)

        tasks = [asyncio.create_task(one(i, p)) for i, p in enumerate(paths)]
        try:
            await asyncio.gather(*tasks)
        except BaseException:
            # Ctrl-C or a broken store: stop the documents still running (what finished is
            # already stored) and wait for them so none is left writing.
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            raise

    done = [i for i in items if i is not None]
    return BatchSummary(
        items=done,
        ok=sum(i.status == "ok" for i in done),
        failed=sum(i.status == "failed" for i in done),
        skipped=sum(i.status == "skipped" for i in done),
        seconds=round(time.perf_counter() - started, 3),
    )


def run_batch(
    paths: list[Path],
    store: Store,
    opts: ExtractOptions,
    *,
    doc_concurrency: int = 2,
    progress: bool = True,
    force: bool = False,
) -> BatchSummary:
    """``arun_batch`` for synchronous callers."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return aio.run(
            arun_batch(
                paths,
                store,
                opts,
                doc_concurrency=doc_concurrency,
                progress=progress,
                force=force,
            )
        )
    raise UsageError("run_batch() was called inside a running event loop: use `await arun_batch`")
