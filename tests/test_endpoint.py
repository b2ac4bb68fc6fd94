"""The endpoint as a shared, limited resource: one client for a run, ``--concurrency`` across
every document, ``--rpm``/``--tpm``, 429s met by cutting the calls in flight, and what each
kind of call cost. Real HTTP against the loopback server."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from extractor import extract
from extractor.batch import BatchSettings, collect_inputs, run_batch
from extractor.cli import app
from extractor.evaluation import load_gold
from extractor.llm.limits import AdaptiveGate, retry_after
from extractor.options import ExtractOptions
from extractor.storage import Store
from tests.fakeserver import FakeLLM, Reply
from tests.oracle import Oracle

SEEDS = Path("eval/gold")


class InFlight:
    """Wraps a responder: holds each request ``hold`` seconds and records how many were
    being answered at once."""

    def __init__(self, inner: Any, hold: float = 0.15) -> None:
        self.inner = inner
        self.hold = hold
        self.active = 0
        self.peak = 0
        self.lock = threading.Lock()

    def __call__(self, request: dict[str, Any]) -> Reply:
        with self.lock:
            self.active += 1
            self.peak = max(self.peak, self.active)
        try:
            time.sleep(self.hold)
            return self.inner(request)
        finally:
            with self.lock:
                self.active -= 1


def four_documents(tmp_path: Path) -> Path:
    docs = tmp_path / "docs"
    docs.mkdir()
    for g in load_gold(SEEDS):
        (docs / f"{g.name}.txt").write_text(g.doc.text, encoding="utf-8")
        variant = g.doc.text.replace("2024年", "2023年", 1).replace("2025年", "2026年", 1)
        (docs / f"{g.name}-b.txt").write_text(variant, encoding="utf-8")
    return docs


def options(fake: FakeLLM, **kw: Any) -> ExtractOptions:
    kw.setdefault("mode", "tools")
    return ExtractOptions(
        backend="llm", base_url=fake.base_url, model="oracle", api_key="k", cache=False, **kw
    )


def test_concurrency_bounds_calls_in_flight_across_the_whole_batch(
    fake_llm: FakeLLM, tmp_path: Path
) -> None:
    docs = four_documents(tmp_path)
    golds = load_gold(SEEDS)
    meter = fake_llm.responder = InFlight(Oracle(golds))
    with Store(tmp_path / "r.db") as store:
        summary = run_batch(
            collect_inputs(str(docs)),
            store,
            options(fake_llm, concurrency=2),
            BatchSettings(doc_concurrency=4, progress="quiet"),
        )
    assert summary.ok == 4
    assert meter.peak == 2  # four documents at once, never more than two calls
    # one client for the run: its connections are reused by every document
    assert fake_llm.connections_opened <= 2


def test_a_429_cuts_the_calls_in_flight_and_waits_as_told(fake_llm: FakeLLM) -> None:
    golds = load_gold(SEEDS)
    oracle = Oracle(golds)
    refused: list[float] = []
    lock = threading.Lock()

    def busy_at_first(request: dict[str, Any]) -> Reply:
        with lock:
            if len(refused) < 4:
                refused.append(time.monotonic())
                return Reply(status=429, headers={"Retry-After": "0.5"}, delay=0.1)
        return oracle(request)

    meter = InFlight(busy_at_first, hold=0.1)
    fake_llm.responder = meter
    text = golds[0].doc.text
    report = extract(
        text, backend="llm", base_url=fake_llm.base_url, model="oracle", api_key="k",
        mode="tools", cache=False, concurrency=4, max_retries=3,
    )  # fmt: skip
    assert len(refused) == 4 and report.facts
    assert [s.id for s in report.sections if s.status == "failed"] == []
    times = [r["time"] for r in fake_llm.requests]
    after = [t for t in times if t > refused[-1] + 0.05]
    assert after and min(after) - refused[0] >= 0.45  # Retry-After was honoured
    assert report.run.http_requests == len(fake_llm.requests)


def test_requests_per_minute_are_spread_out(fake_llm: FakeLLM) -> None:
    golds = load_gold(SEEDS)
    fake_llm.responder = Oracle(golds)
    extract(
        golds[0].doc.text, backend="llm", base_url=fake_llm.base_url, model="oracle",
        api_key="k", mode="tools", cache=False, concurrency=8, rpm=120,
    )  # fmt: skip
    times = sorted(r["time"] for r in fake_llm.requests)
    assert len(times) >= 6
    # 120 a minute is two a second: after a first burst of two, one every half second
    assert times[-1] - times[0] >= (len(times) - 2) * 0.5 * 0.9


def test_tokens_per_kind_and_the_cost_are_recorded_stored_and_shown(
    fake_llm: FakeLLM, tmp_path: Path
) -> None:
    golds = load_gold(SEEDS)
    fake_llm.responder = Oracle(golds)
    report = extract(
        golds[0].doc.text, backend="llm", base_url=fake_llm.base_url, model="oracle",
        api_key="k", mode="tools", cache=False, price_in=0.5, price_out=2.0,
    )  # fmt: skip
    run = report.run
    assert {"meta", "facts", "findings"} <= set(run.by_kind)
    assert sum(u.calls for u in run.by_kind.values()) == run.calls
    assert sum(u.prompt_tokens for u in run.by_kind.values()) == run.prompt_tokens
    assert sum(u.completion_tokens for u in run.by_kind.values()) == run.completion_tokens
    want = (run.prompt_tokens * 0.5 + run.completion_tokens * 2.0) / 1_000_000
    assert run.cost == pytest.approx(want)

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text(golds[0].doc.text, encoding="utf-8")
    db = tmp_path / "r.db"
    args = ["batch", str(docs), "--db", str(db), "--backend", "llm", "--base-url",
            fake_llm.base_url, "--model", "oracle", "--api-key", "k", "--no-cache",
            "--price-in", "0.5", "--price-out", "2"]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "cost ≈" in result.output
    with Store(db) as store:
        (rid,) = [r[0] for r in store.db.execute("SELECT id FROM reports").fetchall()]
        stored = store.load_report(rid).run
    assert stored.cost == pytest.approx(run.cost) and stored.by_kind == run.by_kind


def test_the_gate_halves_on_429_and_grows_back_one_at_a_time() -> None:
    async def scenario() -> list[int]:
        gate = AdaptiveGate(8)
        seen = [gate.current]
        gate.cut()
        gate.cut()
        seen.append(gate.current)
        for _ in range(2):
            await gate.answered()
        seen.append(gate.current)
        for _ in range(3):
            await gate.answered()
        seen.append(gate.current)
        for _ in range(100):
            await gate.answered()
        seen.append(gate.current)
        return seen

    assert asyncio.run(scenario()) == [8, 2, 3, 4, 8]


def test_retry_after_reads_what_the_server_says_else_backs_off() -> None:
    assert retry_after({"retry-after-ms": "250"}, 0) == 0.25
    assert retry_after({"retry-after": "2"}, 0) == 2.0
    assert retry_after({"retry-after": "soon"}, 2) == 2.0
    assert retry_after({}, 10) == 60.0


def test_a_freed_place_goes_to_the_earliest_document_and_wakes_one_call() -> None:
    from extractor import aio

    async def scenario() -> tuple[list[str], int]:
        gate = AdaptiveGate(1)
        order: list[str] = []
        release = asyncio.Event()

        async def call(rank: int, name: str) -> None:
            aio.set_rank(rank)
            async with gate:
                order.append(name)
                if name == "first":
                    await release.wait()

        first = asyncio.create_task(call(0, "first"))
        await asyncio.sleep(0)
        waiting = [
            asyncio.create_task(call(r, n)) for r, n in ((2, "doc2"), (1, "doc1"), (0, "doc0"))
        ]
        await asyncio.sleep(0.01)
        queued = len(gate._waiting)
        release.set()
        await asyncio.gather(first, *waiting)
        return order, queued

    order, queued = asyncio.run(scenario())
    assert queued == 3
    assert order == ["first", "doc0", "doc1", "doc2"]


def test_a_place_handed_over_is_not_taken_by_a_newcomer_and_cancelled_waiters_pass() -> None:
    async def scenario() -> tuple[list[str], int]:
        gate = AdaptiveGate(1)
        order: list[str] = []
        release = asyncio.Event()

        async def call(name: str) -> None:
            async with gate:
                order.append(name)
                if name == "holder":
                    await release.wait()

        holder = asyncio.create_task(call("holder"))
        await asyncio.sleep(0)
        gone = asyncio.create_task(call("gone"))
        queued = asyncio.create_task(call("queued"))
        await asyncio.sleep(0.01)
        gone.cancel()
        release.set()
        await holder  # its exit hands the place to "queued" (passing over "gone")
        late = asyncio.create_task(call("late"))
        await asyncio.gather(queued, late, gone, return_exceptions=True)
        return order, gate.active

    order, active = asyncio.run(scenario())
    assert order == ["holder", "queued", "late"] and active == 0


def test_room_waits_until_fewer_calls_wait_than_may_be_in_flight() -> None:
    async def scenario() -> list[tuple[str, int]]:
        gate = AdaptiveGate(2)
        seen: list[tuple[str, int]] = []
        releases = [asyncio.Event() for _ in range(5)]

        async def call(k: int) -> None:
            async with gate:
                await releases[k].wait()

        calls = [asyncio.create_task(call(k)) for k in range(5)]  # 2 in flight, 3 waiting
        await asyncio.sleep(0.01)

        async def reader() -> None:
            await gate.room()
            seen.append(("room", len(gate._waiting)))

        room = asyncio.create_task(reader())
        await asyncio.sleep(0.01)
        seen.append(("before", len(gate._waiting)))
        releases[0].set()  # one answered: 2 waiting, still not fewer than 2
        await asyncio.sleep(0.01)
        seen.append(("one answered", len(gate._waiting)))
        releases[1].set()  # another: 1 waiting
        await room
        for r in releases:
            r.set()
        await asyncio.gather(*calls)
        return seen

    assert asyncio.run(scenario()) == [("before", 3), ("one answered", 2), ("room", 1)]


def test_after_a_pause_no_call_enters_the_gate_until_it_is_over() -> None:
    async def scenario() -> tuple[bool, bool]:
        gate = AdaptiveGate(4)
        gate.pause(0.3)
        try:
            await asyncio.wait_for(gate.__aenter__(), 0.1)
            early = True
        except TimeoutError:
            early = False
        await asyncio.wait_for(gate.__aenter__(), 1.0)  # the pause is over: in at once
        return early, gate.active == 1

    assert asyncio.run(scenario()) == (False, True)


def test_calls_cancelled_while_queued_leave_room_for_the_next_document() -> None:
    async def scenario() -> int:
        gate = AdaptiveGate(1)
        release = asyncio.Event()

        async def call() -> None:
            async with gate:
                await release.wait()

        holder = asyncio.create_task(call())
        await asyncio.sleep(0)
        queued = [asyncio.create_task(call()) for _ in range(3)]
        await asyncio.sleep(0.01)
        for q in queued:  # e.g. a document given up: its calls are cancelled
            q.cancel()
        await asyncio.gather(*queued, return_exceptions=True)
        await asyncio.wait_for(gate.room(), 1.0)  # not stuck behind calls no longer waiting
        release.set()
        await holder
        return gate.active

    assert asyncio.run(scenario()) == 0
