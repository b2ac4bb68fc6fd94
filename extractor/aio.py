"""Running the async pipeline from synchronous code."""

from __future__ import annotations

import asyncio
import heapq
import itertools
import threading
from collections.abc import Callable, Coroutine
from concurrent.futures import Future
from contextvars import ContextVar
from typing import Any, TypeVar

T = TypeVar("T")


def run(coro: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(coro)``, with the result kept out of the main task.

    On its way out, ``asyncio.run`` (3.11) formats the SIGINT handler, which holds the main
    task, and so the repr of that task's result: seconds for the Report of a long text. The
    main task here returns nothing; the result is handed over beside it.
    """
    box: list[T] = []

    async def main() -> None:
        box.append(await coro)

    asyncio.run(main())
    return box[0]


class _CpuThread:
    """One thread for the pipeline's CPU stages, taking the lowest rank first: in a batch, the
    first documents are read and planned before the next ones, so their calls go out at once
    instead of after every document has been read."""

    def __init__(self) -> None:
        self._heap: list[tuple[int, int, Callable[..., Any], tuple[Any, ...], Future[Any]]] = []
        self._ready = threading.Condition()
        self._seq = itertools.count()
        # a daemon: the work is pure computation, and an interpreter on its way out must not
        # wait on it
        threading.Thread(target=self._work, name="extractor-cpu", daemon=True).start()

    def submit(self, rank: int, fn: Callable[..., T], args: tuple[Any, ...]) -> Future[T]:
        done: Future[T] = Future()
        with self._ready:
            heapq.heappush(self._heap, (rank, next(self._seq), fn, args, done))
            self._ready.notify()
        return done

    def _work(self) -> None:
        while True:
            with self._ready:
                while not self._heap:
                    self._ready.wait()
                _, _, fn, args, done = heapq.heappop(self._heap)
            if not done.set_running_or_notify_cancel():
                continue  # its caller was cancelled before it started
            try:
                done.set_result(fn(*args))
            except BaseException as e:  # handed to the awaiting task, raised there
                done.set_exception(e)


_CPU: _CpuThread | None = None
_CPU_LOCK = threading.Lock()
_RANK: ContextVar[int] = ContextVar("extractor_cpu_rank", default=0)


def set_rank(rank: int) -> None:
    """This task's place (and that of the tasks it starts) in the queues of the CPU thread
    and of the model client's gate: lower goes first. A batch ranks documents by input order."""
    _RANK.set(rank)


def rank() -> int:
    return _RANK.get()


_QUEUED: ContextVar[Callable[[], None] | None] = ContextVar("extractor_queued", default=None)


def on_calls_queued(fn: Callable[[], None]) -> None:
    """``fn()`` once this task's document has queued its model calls (``calls_queued``)."""
    _QUEUED.set(fn)


def calls_queued() -> None:
    """The model path's word that every call it planned for the document is queued: a batch
    starts reading its next document then."""
    fn = _QUEUED.get()
    if fn is not None:
        fn()


async def off_loop(fn: Callable[..., T], *args: Any) -> T:
    """``fn(*args)`` in the one thread kept for the pipeline's CPU stages (loading, reading
    numbers, grounding, checking), so the loop goes on sending calls meanwhile.

    One thread, not ``to_thread``'s pool: several CPU-bound threads would each take the GIL
    in turn, and the loop, waiting its turn behind all of them, would send calls late.
    """
    global _CPU
    if _CPU is None:
        with _CPU_LOCK:
            if _CPU is None:
                _CPU = _CpuThread()
    return await asyncio.wrap_future(_CPU.submit(rank(), fn, args))
