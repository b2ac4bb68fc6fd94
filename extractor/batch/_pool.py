"""Worker processes for the CPU-bound path: the rules backend and the checker run in N
processes; the batch's one writer (the parent) stores what they return."""

from __future__ import annotations

import asyncio
import multiprocessing
from concurrent.futures import Executor, ProcessPoolExecutor

from extractor import aio
from extractor.errors import InputError
from extractor.loading import LoadedDocument, load
from extractor.options import ExtractOptions
from extractor.pipeline import aextract_document
from extractor.schemas import Report

__all__ = ["Failure", "Workers"]


class Failure:
    """An error in a worker, carried back as text (exceptions need not pickle)."""

    def __init__(self, message: str, unreadable: bool) -> None:
        self.message = message
        self.unreadable = unreadable


def _message(e: BaseException) -> str:
    text = e.problem if isinstance(e, InputError) else str(e)
    return text if isinstance(e, InputError) else f"{type(e).__name__}: {text}".rstrip(": ")


def _load(path: str, max_mb: float) -> LoadedDocument | Failure:
    try:
        return load(path, max_mb=max_mb)
    except Exception as e:  # a broken file must not break the worker
        return Failure(_message(e), unreadable=True)


def _extract(doc: LoadedDocument, opts: ExtractOptions) -> Report | Failure:
    try:
        return aio.run(aextract_document(doc, opts))
    except Exception as e:
        return Failure(_message(e), unreadable=False)


class Workers:
    """``n`` processes that load and extract documents; awaitable from the batch's loop."""

    def __init__(self, n: int) -> None:
        # spawn: a fresh interpreter per worker, nothing of the parent's threads or loop
        self.pool: Executor = ProcessPoolExecutor(
            max_workers=n, mp_context=multiprocessing.get_context("spawn")
        )
        self.n = n

    async def load(self, path: str, max_mb: float) -> LoadedDocument | Failure:
        return await asyncio.get_running_loop().run_in_executor(self.pool, _load, path, max_mb)

    async def extract(self, doc: LoadedDocument, opts: ExtractOptions) -> Report | Failure:
        return await asyncio.get_running_loop().run_in_executor(self.pool, _extract, doc, opts)

    def close(self, *, wait: bool = True) -> None:
        self.pool.shutdown(wait=wait, cancel_futures=not wait)
