"""How many calls go out, and how fast: one gate and one pair of rate limits per client, so
``--concurrency``, ``--rpm`` and ``--tpm`` hold across every document of a run.

The gate is adaptive: a 429 halves the calls allowed in flight (never below one), and each
run of answered calls as long as the current limit lets it grow back by one, up to the limit
asked for. Requests and tokens per minute are a maintained leaky bucket (aiolimiter).
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
from types import TracebackType

from aiolimiter import AsyncLimiter

from extractor import aio

log = logging.getLogger("extractor.llm")


class AdaptiveGate:
    """At most ``current`` holders at once; ``current`` moves between 1 and ``limit``.

    A freed place goes to one waiter, the one of the earliest document (``aio`` rank), then
    the longest waiting: a batch's documents finish in turn instead of all at the end, and a
    release wakes one call, not every call queued behind it.
    """

    def __init__(self, limit: int) -> None:
        self.limit = max(1, limit)
        self.current = self.limit
        self.active = 0
        self.peak = 0  # the most holders seen at once
        self._streak = 0
        self._waiting: list[tuple[int, int, asyncio.Future[None]]] = []
        self._seq = itertools.count()
        self._room: list[asyncio.Future[None]] = []
        self._resume = 0.0  # loop time before which no call goes out (a 429's Retry-After)

    async def __aenter__(self) -> AdaptiveGate:
        await self._paused()
        if self.active < self.current and not self._waiting:
            self._take()
            return self
        place: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiting, (aio.rank(), next(self._seq), place))
        try:
            await place
        except asyncio.CancelledError:
            if place.done() and not place.cancelled():  # given a place, then cancelled
                self.active -= 1
            else:  # gone from the queue at once: ``room`` counts only calls still waiting
                self._waiting = [w for w in self._waiting if w[2] is not place]
                heapq.heapify(self._waiting)
            self._wake()
            raise
        try:
            await self._paused()  # handed a place while the endpoint asked for a pause
        except asyncio.CancelledError:
            self.active -= 1
            self._wake()
            raise
        return self

    async def _paused(self) -> None:
        loop = asyncio.get_running_loop()
        while (left := self._resume - loop.time()) > 0:
            await asyncio.sleep(left)

    def pause(self, seconds: float) -> None:
        """The endpoint said 429 and when to come back: no call goes out before then."""
        self._resume = max(self._resume, asyncio.get_running_loop().time() + seconds)

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.active -= 1
        self._wake()

    async def room(self) -> None:
        """Until fewer calls wait than may be in flight at once."""
        while len(self._waiting) >= self.current:
            ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._room.append(ready)
            await ready

    def _take(self) -> None:
        self.active += 1
        self.peak = max(self.peak, self.active)

    def _wake(self) -> None:
        # the place is taken for the waiter as it is handed over: nobody arriving meanwhile
        # can take it first
        while self._waiting and self.active < self.current:
            _, _, place = heapq.heappop(self._waiting)
            if not place.done():  # a waiter cancelled, not yet out of the queue: passed over
                self._take()
                place.set_result(None)
        if self._room and len(self._waiting) < self.current:
            for ready in self._room:
                if not ready.done():
                    ready.set_result(None)
            self._room.clear()

    def cut(self) -> None:
        """The endpoint said 429: halve the calls in flight."""
        self.current = max(1, self.current // 2)
        self._streak = 0
        log.debug("429: calls in flight cut to %d", self.current)

    async def answered(self) -> None:
        """One call answered: after ``current`` of them in a row, allow one more."""
        self._streak += 1
        if self.current < self.limit and self._streak >= self.current:
            self._streak = 0
            self.current += 1
            self._wake()


class RateLimits:
    """Requests per minute, smoothed to a per-second bucket so a whole minute's quota cannot
    go out in one burst, and tokens per minute."""

    def __init__(self, rpm: int | None = None, tpm: int | None = None) -> None:
        self.rpm = _per_second(rpm)
        # providers count a request's tokens (prompt and max_tokens) against a minute's quota
        self.tpm = AsyncLimiter(tpm, 60) if tpm else None

    async def acquire(self, tokens: int) -> None:
        if self.rpm is not None:
            await self.rpm.acquire()
        if self.tpm is not None:
            await self.tpm.acquire(min(tokens, self.tpm.max_rate))


def retry_after(headers: object, attempt: int) -> float:
    """Seconds to wait before asking again: what the server said (``retry-after-ms`` or
    ``retry-after``), else an exponential backoff from half a second, at most 60 s."""
    get = getattr(headers, "get", None)
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        value = get(name) if get is not None else None
        try:
            seconds = float(value) * scale if value is not None else None
        except ValueError:
            seconds = None
        if seconds is not None and 0 <= seconds <= 60:
            return seconds
    return min(60.0, 0.5 * 2**attempt)


def _per_second(per_minute: int | None) -> AsyncLimiter | None:
    if not per_minute:
        return None
    if per_minute >= 60:
        return AsyncLimiter(per_minute / 60, 1)
    return AsyncLimiter(1, 60 / per_minute)
