"""Run many reports through extraction into a ``Store``, resumably.

Each document is stored the moment it finishes, in one transaction, so an interrupted batch
keeps every document done so far and none half-written. The next run skips what is stored,
retries the failed sections of incomplete documents (answers already cached are reused),
and retries documents that failed whole only when asked (``retry_failed``). A file with the
text of another is recorded as its copy; an edited file supersedes its earlier version. One
bad document never stops the batch: it becomes a ``failed`` row with a one-line error.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from extractor import aio
from extractor.backends import open_model
from extractor.batch._models import BatchItem, BatchSummary
from extractor.batch._pool import Failure, Workers
from extractor.batch._progress import BatchProgress
from extractor.errors import ExtractorError, InputError, UsageError
from extractor.llm.protocol import ChatModel
from extractor.loading import LoadedDocument, load
from extractor.options import ExtractOptions
from extractor.pipeline import aextract_document
from extractor.schemas import Report
from extractor.storage import Store, report_id, source_key

__all__ = ["BatchSettings", "arun_batch", "run_batch"]

_MAX_ERROR = 500


@dataclass(frozen=True)
class BatchSettings:
    """How a batch runs (not what it extracts: that is ``ExtractOptions``)."""

    doc_concurrency: int = 2  # documents in flight
    force: bool = False  # re-extract documents already stored
    retry_failed: bool = False  # retry documents that failed whole
    workers: int = 1  # processes for the rules backend and the checker
    progress: str = "auto"  # auto | lines | quiet


def _one_line(e: BaseException | str) -> str:
    # The item and the row already carry the path; the error need not repeat it.
    if isinstance(e, str):
        text = " ".join(e.split())
    else:
        text = " ".join((e.problem if isinstance(e, InputError) else str(e)).split())
        if not isinstance(e, ExtractorError):
            text = f"{type(e).__name__}: {text}" if text else type(e).__name__
    text = text or "unknown error"
    return text if len(text) <= _MAX_ERROR else text[: _MAX_ERROR - 1] + "…"


class _Run:
    def __init__(
        self,
        store: Store,
        opts: ExtractOptions,
        config: str,
        settings: BatchSettings,
        count: int,
        model: ChatModel | None = None,
    ) -> None:
        self.store = store
        self.model = model  # one client for the run: its connections, gate and rate limits
        self.opts = opts
        self.config = config
        self.settings = settings
        self.workers = Workers(settings.workers) if settings.workers > 1 else None
        # doc_id → the first path with that text in this run: a copy is not extracted twice.
        self.claimed: dict[str, str] = {}
        # Loads finish in any order, but texts are claimed in input order, so which of two
        # identical files is stored (and which is recorded as its copy) never depends on
        # timing. Slots are taken in input order too, so the document every other waits on
        # always holds one.
        self.claims = [asyncio.Event() for _ in range(count)]
        self.queued = [asyncio.Event() for _ in range(count)]

    async def _load(self, path: Path) -> LoadedDocument | Failure:
        if self.workers is not None:
            return await self.workers.load(str(path), self.opts.max_mb)
        try:
            # Reading a PDF can take seconds; off the loop, other documents' calls go on.
            return await aio.off_loop(partial(load, max_mb=self.opts.max_mb), path)
        except Exception as e:  # InputError, or anything a broken file provokes
            return Failure(_one_line(e), unreadable=True)

    async def _extract(self, doc: LoadedDocument) -> Report | Failure:
        if self.workers is not None:
            return await self.workers.extract(doc, self.opts)
        try:
            return await aextract_document(doc, self.opts, model=self.model)
        except Exception as e:  # a bad document must never end the batch
            return Failure(_one_line(e), unreadable=False)

    async def one(self, i: int, path: Path) -> BatchItem:
        aio.set_rank(i)  # the CPU stages and the calls of earlier documents go first
        aio.on_calls_queued(self.queued[i].set)
        try:
            return await self._one(i, path)
        finally:
            self.queued[i].set()  # stored, skipped or failed: the next one need not wait

    async def _one(self, i: int, path: Path) -> BatchItem:
        started = time.perf_counter()
        shown = str(path)

        def item(**fields: object) -> BatchItem:
            seconds = round(time.perf_counter() - started, 3)
            return BatchItem.model_validate({"path": shown, "seconds": seconds, **fields})

        try:
            if self.model is not None:
                # the model path reads documents in turn, each once the one before has queued
                # its calls and they would not keep the endpoint busy for a round: reading all
                # of them at once would hold the first documents' calls back behind the
                # reading of the last ones
                if i:
                    await self.queued[i - 1].wait()
                await self.model.room()
            doc = await self._load(path)
            if i:
                await self.claims[i - 1].wait()
            if isinstance(doc, Failure):
                error = _one_line(doc.message)
                rid = self.store.save_failure(path=shown, error=error, config=self.config)
                return item(doc_id=None, status="failed", report_id=rid, error=error)
            doc_id = doc.doc_id
            skipped = self._skip(doc_id, shown)
        finally:
            self.claims[i].set()
        if skipped is not None:
            rid, note = skipped
            return item(doc_id=doc_id, status="skipped", report_id=rid, error=None, note=note)

        report = await self._extract(doc)
        if isinstance(report, Failure):
            error = _one_line(report.message)
            rid = self.store.save_failure(
                path=shown, error=error, config=self.config, doc_id=doc_id
            )
            return item(doc_id=doc_id, status="failed", report_id=rid, error=error)
        if not report.doc_id:
            report = report.model_copy(update={"doc_id": doc_id})
        # A StoreError here is not about this document (disk full, file locked): let it stop
        # the batch instead of failing every remaining document the same way.
        rid = self.store.save_report(report, config=self.config, path=shown)
        failed = [s for s in report.sections if s.status == "failed"]
        run = report.run
        return item(
            doc_id=doc_id,
            status="incomplete" if failed else "ok",
            report_id=rid,
            error=f"{len(failed)} section(s) failed: {failed[0].error}" if failed else None,
            facts=len(report.facts),
            calls=run.calls,
            tokens=run.prompt_tokens + run.completion_tokens,
            cost=run.cost,
        )

    def _skip(self, doc_id: str, shown: str) -> tuple[str, str] | None:
        """Why this document needs no extraction now (its report id and a note), or None."""
        rid = report_id(doc_id, self.config)
        if doc_id in self.claimed:
            same_as = self.claimed[doc_id]
            self.store.record_copy(path=shown, doc_id=doc_id, config=self.config, same_as=same_as)
            return rid, f"same text as {same_as}"
        self.claimed[doc_id] = shown
        if self.settings.force:
            return None
        row = self.store.report_row(rid)
        if row is None or row.status == "incomplete":
            return None  # new, or some sections to retry
        if row.status == "failed":
            if self.settings.retry_failed:
                return None
            return rid, f"failed before ({row.error}); --retry-failed to try again"
        if row.superseded_by is None and row.source_key not in (None, source_key(shown)):
            # stored as another file that still holds this text: this one is its copy
            same_as = row.path or row.source_key or "?"
            self.store.record_copy(path=shown, doc_id=doc_id, config=self.config, same_as=same_as)
            return rid, f"same text as {same_as} (already stored)"
        self.store.make_current(rid, shown)
        return rid, "already stored"

    def close(self) -> None:
        if self.workers is not None:
            self.workers.close()


async def arun_batch(
    paths: list[Path],
    store: Store,
    opts: ExtractOptions,
    settings: BatchSettings | None = None,
) -> BatchSummary:
    """Extract every path into ``store``, ``settings.doc_concurrency`` documents at a time.
    Returns one item per path, in input order."""
    settings = settings or BatchSettings()
    started = time.perf_counter()
    config = opts.config_key()  # a settings problem stops the batch before any document
    if settings.workers > 1 and opts.resolved_backend() != "rules":
        raise UsageError(
            "--workers runs the rules backend in processes; the model path waits on the "
            "endpoint, not the CPU: use --concurrency and --docs for it"
        )
    model = open_model(opts) if settings.workers <= 1 else None
    run = _Run(store, opts, config, settings, len(paths), model)
    gate = asyncio.Semaphore(max(1, settings.doc_concurrency, settings.workers))
    items: list[BatchItem | None] = [None] * len(paths)

    try:
        with BatchProgress(len(paths), settings.progress) as bar:

            async def one(i: int, path: Path) -> None:
                async with gate:
                    bar.begin(path.name)
                    done: BatchItem | None = None
                    try:
                        done = items[i] = await run.one(i, path)
                    finally:
                        bar.end(path.name, done)

            tasks = [asyncio.create_task(one(i, p)) for i, p in enumerate(paths)]
            try:
                await asyncio.gather(*tasks)
            except BaseException:
                # Ctrl-C or a broken store: stop the documents still running (what finished
                # is already stored) and wait for them so none is left writing.
                for t in tasks:
                    t.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
                raise
    finally:
        run.close()
        if model is not None:
            await model.aclose()

    done = [i for i in items if i is not None]
    return BatchSummary(
        items=done,
        ok=sum(i.status == "ok" for i in done),
        incomplete=sum(i.status == "incomplete" for i in done),
        failed=sum(i.status == "failed" for i in done),
        skipped=sum(i.status == "skipped" for i in done),
        seconds=round(time.perf_counter() - started, 3),
        calls=sum(i.calls for i in done),
        tokens=sum(i.tokens for i in done),
        cost=_total_cost(done),
    )


def _total_cost(items: list[BatchItem]) -> float | None:
    costs = [i.cost for i in items if i.cost is not None]
    return round(sum(costs), 6) if costs else None


def run_batch(
    paths: list[Path],
    store: Store,
    opts: ExtractOptions,
    settings: BatchSettings | None = None,
) -> BatchSummary:
    """``arun_batch`` for synchronous callers."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return aio.run(arun_batch(paths, store, opts, settings))
    raise UsageError("run_batch() was called inside a running event loop: use `await arun_batch`")
