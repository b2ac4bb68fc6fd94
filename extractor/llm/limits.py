"""How many calls go out, and how fast: one gate and one pair of rate limits per client, so
``--concurrency``, ``--rpm`` and ``--tpm`` hold across every document of a run.

The gate is adaptive: a 429 halves the calls allowed in flight (never below one), and each
run of answered calls as long as the current limit lets it grow back by one, up to the limit
asked for. Requests and tokens per minute are a maintained leaky bucket (aiolimiter).
"""

from __future__ import annotations

import asyncio
import logging
from types import TracebackType

from aiolimiter import AsyncLimiter

log = logging.getLogger("extractor.llm")


class AdaptiveGate:
    """At most ``current`` holders at once; ``current`` moves between 1 and ``limit``."""

    def __init__(self, limit: int) -> None:
        self.limit = max(1, limit)
        self.current = self.limit
        self.active = 0
        self.peak = 0  # the most holders seen at once
        self._streak = 0
        self._free = asyncio.Condition()

    async def __aenter__(self) -> AdaptiveGate:
        async with self._free:
            await self._free.wait_for(lambda: self.active < self.current)
            self.active += 1
            self.peak = max(self.peak, self.active)
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        async with self._free:
            self.active -= 1
            self._free.notify_all()

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
            async with self._free:
                self.current += 1
                self._free.notify_all()


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
