"""Running the async pipeline from synchronous code."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
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
