"""The pipeline's CPU thread: the lowest rank runs first, a failure reaches the awaiting task,
and work whose caller was cancelled before it started is never run."""

from __future__ import annotations

import asyncio
import threading

import pytest

from extractor import aio


async def _ranked(rank: int, fn: object, *args: object) -> object:
    aio.set_rank(rank)  # this task's own context: the caller's rank is untouched
    return await aio.off_loop(fn, *args)  # type: ignore[arg-type]


class _Held:
    """The CPU thread kept busy until ``release``, so that work queues up behind it."""

    def __init__(self) -> None:
        self.busy, self.released = threading.Event(), threading.Event()

    def _block(self) -> None:
        self.busy.set()
        self.released.wait(5)

    async def start(self) -> asyncio.Task[object]:
        task = asyncio.create_task(_ranked(0, self._block))
        await asyncio.to_thread(self.busy.wait, 5)
        return task

    def release(self) -> None:
        self.released.set()


def test_queued_work_runs_lowest_rank_first_then_in_arrival_order() -> None:
    ran: list[str] = []
    held = _Held()

    async def scenario() -> None:
        first = await held.start()
        tasks = [
            asyncio.create_task(_ranked(rank, ran.append, name))
            for rank, name in ((3, "doc3"), (1, "doc1-a"), (2, "doc2"), (1, "doc1-b"))
        ]
        await asyncio.sleep(0.05)  # all four queued behind the blocker
        held.release()
        await asyncio.gather(first, *tasks)

    asyncio.run(scenario())
    assert ran == ["doc1-a", "doc1-b", "doc2", "doc3"]


def test_an_error_in_the_cpu_thread_is_raised_in_the_awaiting_task() -> None:
    def broken() -> None:
        raise ValueError("bad section")

    with pytest.raises(ValueError, match="bad section"):
        asyncio.run(_ranked(0, broken))


def test_work_cancelled_before_it_starts_is_never_run() -> None:
    ran: list[str] = []
    held = _Held()

    async def scenario() -> None:
        first = await held.start()
        doomed = asyncio.create_task(_ranked(0, ran.append, "cancelled"))
        kept = asyncio.create_task(_ranked(1, ran.append, "kept"))
        await asyncio.sleep(0.05)
        doomed.cancel()
        held.release()
        await asyncio.gather(first, kept)
        with pytest.raises(asyncio.CancelledError):
            await doomed

    asyncio.run(scenario())
    assert ran == ["kept"]
