"""Running the async pipeline from synchronous code."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
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


_CPU: ThreadPoolExecutor | None = None


async def off_loop(fn: Callable[..., T], *args: Any) -> T:
    """``fn(*args)`` in the one thread kept for the pipeline's CPU stages (reading numbers,
    grounding, checking), so the loop goes on sending calls meanwhile.

    One thread, not ``to_thread``'s pool: several CPU-bound threads would each take the GIL
    in turn, and the loop, waiting its turn behind all of them, would send calls late.
    """
    global _CPU
    if _CPU is None:
        _CPU = ThreadPoolExecutor(1, thread_name_prefix="extractor-cpu")
    return await asyncio.get_running_loop().run_in_executor(_CPU, fn, *args)
