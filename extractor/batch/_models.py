"""What a batch reports: one item per input, and the run's totals."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

__all__ = ["BatchItem", "BatchSummary", "Status"]

# incomplete: stored, with some sections failed (the next run retries them)
Status = Literal["ok", "incomplete", "failed", "skipped"]


class BatchItem(BaseModel):
    path: str
    doc_id: str | None
    status: Status
    report_id: str | None
    error: str | None
    facts: int = 0
    seconds: float = 0
    note: str | None = None  # why a document was skipped
    calls: int = 0  # model calls this document made (cached ones included)
    tokens: int = 0  # prompt + completion tokens sent and received
    cost: float | None = None  # at --price-in / --price-out


class BatchSummary(BaseModel):
    items: list[BatchItem]
    ok: int
    incomplete: int = 0
    failed: int
    skipped: int
    seconds: float
    calls: int = 0
    tokens: int = 0
    cost: float | None = None
