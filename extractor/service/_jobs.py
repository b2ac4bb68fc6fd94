"""The service's jobs: stored in the results database before they run, so a restart loses
none; run a few at a time, each in a thread of its own (extraction is CPU work)."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import uuid
from typing import Any

from extractor.errors import ExtractorError
from extractor.options import ExtractOptions
from extractor.schemas import Report
from extractor.storage import JobRow, Store
from extractor.storage._migrations import now

log = logging.getLogger("extractor.service")

# what a request may choose; the endpoint, its key and the limits are the server's own
REQUEST_OPTIONS = ("backend", "model", "mode", "repair", "chunk_chars")


class Jobs:
    def __init__(self, db: str, base: ExtractOptions, max_jobs: int) -> None:
        self.db = db
        self.base = base
        self.slots = asyncio.Semaphore(max(1, max_jobs))
        self.tasks: set[asyncio.Task[Report | None]] = set()

    # -- the table ------------------------------------------------------------------------

    def _open(self) -> Store:
        return Store(self.db)  # one connection per use: jobs run in threads

    def create(self, text: str, filename: str | None, options: dict[str, Any]) -> JobRow:
        stamp = now()
        job = JobRow(
            id=uuid.uuid4().hex[:16], status="queued", filename=filename, text=text,
            chars=len(text), options=json.dumps(options, ensure_ascii=False),
            created_at=stamp, updated_at=stamp,
        )  # fmt: skip
        with self._open() as store:
            store.db.table("jobs").insert(job.model_dump(), pk="id")
        return job

    def get(self, job_id: str) -> JobRow | None:
        with self._open() as store:
            rows = list(store.db.table("jobs").rows_where("id = ?", [job_id]))
        return JobRow.model_validate(rows[0]) if rows else None

    def _update(self, job_id: str, **values: Any) -> None:
        with self._open() as store:
            store.db.table("jobs").update(job_id, {**values, "updated_at": now()})

    def counts(self) -> dict[str, int]:
        with self._open() as store:
            rows = store.db.execute("SELECT status, count(*) FROM jobs GROUP BY status").fetchall()
        return {status: n for status, n in rows}

    # -- running --------------------------------------------------------------------------

    def options_for(self, job: JobRow) -> ExtractOptions:
        asked = {k: v for k, v in json.loads(job.options).items() if k in REQUEST_OPTIONS}
        return dataclasses.replace(self.base, **asked)

    def _extract(self, job: JobRow) -> Report:
        from extractor import aio, load_text
        from extractor.pipeline import aextract_document

        opts = self.options_for(job)
        doc = load_text(job.text or "", path=job.filename, max_mb=None)
        report = aio.run(aextract_document(doc, opts))  # a thread of its own: its own loop
        with self._open() as store:
            rid = store.save_report(report, config=opts.config_key(), path=None)
        self._update(job.id, status="done", doc_id=report.doc_id, report_id=rid, text=None)
        return report

    async def run(self, job_id: str) -> Report | None:
        """Run a stored job; its report, or None when it failed (the row says why)."""
        async with self.slots:
            job = self.get(job_id)
            if job is None or job.status in ("done", "failed"):
                return None
            self._update(job_id, status="running")
            try:
                return await asyncio.to_thread(self._extract, job)
            except ExtractorError as e:
                self._update(job_id, status="failed", error=str(e))
            except Exception as e:  # a bug of ours: the job fails, the server goes on
                log.exception("job %s", job_id)
                self._update(job_id, status="failed", error=f"internal error: {type(e).__name__}")
            return None

    def start(self, job_id: str) -> None:
        task = asyncio.create_task(self.run(job_id))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    def resume(self) -> list[str]:
        """On start: every job the last server left queued or running goes again; one whose
        input is gone is marked failed, with the reason."""
        with self._open() as store:
            rows = list(store.db.table("jobs").rows_where("status IN ('queued', 'running')"))
        resumed = []
        for row in rows:
            job = JobRow.model_validate(row)
            if job.text is None:
                self._update(job.id, status="failed", error="the server stopped; input lost")
                continue
            self._update(job.id, status="queued")
            self.start(job.id)
            resumed.append(job.id)
        return resumed

    async def stop(self) -> None:
        for task in list(self.tasks):
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
