"""Batch runs: failures become rows instead of crashes, stored documents are skipped on the next
run and failed ones retried, ``force`` re-extracts, documents run concurrently, and input specs
expand to the right files. Extraction is a fake; files are read by the real loader."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import pytest

from extractor.batch import BatchSettings, arun_batch, collect_inputs
from extractor.batch import _run as batch
from extractor.batch import run_batch as _run_batch
from extractor.errors import ExtractionError, StoreError, UsageError
from extractor.loading import LoadedDocument
from extractor.options import ExtractOptions
from extractor.schemas.report import Fact, Report
from extractor.storage import Store
from tests.fakeserver import FakeLLM
from tests.llm_responder import responder

GOOD = "一、总体情况\n2024年，全市PM2.5年均浓度51微克/立方米，同比下降4.4%。\n"
GOLD = Path(__file__).resolve().parents[1] / "eval" / "gold"
SEEDS = [str(GOLD / "anyang-2024.txt"), str(GOLD / "pingdingshan-2025.txt")]
BAD = "一、总体情况\n全市优良天数226天。本文档会让模型出错。\n"


@dataclass(frozen=True)
class FakeOptions:
    key: str = "cfg-1"
    max_mb: float = 20.0

    def config_key(self) -> str:
        return self.key

    def resolved_backend(self) -> str:
        return "rules"  # no model client to open: extraction is the stand-in below


def options(key: str = "cfg-1") -> ExtractOptions:
    return cast(ExtractOptions, FakeOptions(key))


def run_batch(
    paths: list[Path], store: Store, opts: ExtractOptions, *, progress: bool = False, **kw: object
) -> batch.BatchSummary:
    return _run_batch(paths, store, opts, settings(progress=progress, **kw))


def settings(*, progress: bool = False, **kw: object) -> BatchSettings:
    return BatchSettings(progress="lines" if progress else "quiet", **kw)  # type: ignore[arg-type]


@dataclass
class FakeExtract:
    """Stands in for pipeline.aextract_document: one fact per document, or an error."""

    fail_marker: str | None = "出错"
    error: Exception = field(default_factory=lambda: RuntimeError("model said no\nat line 2"))
    delay: float = 0.0
    calls: list[str] = field(default_factory=list)
    in_flight: int = 0
    peak: int = 0

    async def __call__(self, doc: LoadedDocument, opts: ExtractOptions, **kw: object) -> Report:
        self.calls.append(Path(doc.path or "").name)
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        try:
            await asyncio.sleep(self.delay)
            if self.fail_marker and self.fail_marker in doc.text:
                raise self.error
            quote = doc.text[:6]
            return Report(
                doc_id=doc.doc_id,
                source=doc.source(),
                text=doc.text,
                facts=[Fact(subject="测试", value=len(doc.text), quote=quote, span=(0, 6))],
            )
        finally:
            self.in_flight -= 1


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeExtract:
    f = FakeExtract()
    monkeypatch.setattr(batch, "aextract_document", f)
    return f


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(tmp_path / "results.db")
    try:
        yield s
    finally:
        s.close()


@pytest.fixture
def three(tmp_path: Path) -> list[Path]:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a_good.txt").write_text(GOOD, encoding="utf-8")
    (docs / "b_empty.txt").write_text("", encoding="utf-8")
    (docs / "c_bad.txt").write_text(BAD, encoding="utf-8")
    return collect_inputs(str(docs))


def statuses(store: Store) -> dict[str, tuple[str, str | None]]:
    return {Path(r["path"]).name: (r["status"], r["error"]) for r in store.db.table("reports").rows}


# --- failures are rows -----------------------------------------------------------------------


def test_one_good_one_unreadable_one_failing_extraction(
    fake: FakeExtract, store: Store, three: list[Path]
) -> None:
    summary = run_batch(three, store, options(), progress=False)

    assert (summary.ok, summary.failed, summary.skipped) == (1, 2, 0)
    assert [i.status for i in summary.items] == ["ok", "failed", "failed"]
    good, empty, bad = summary.items
    assert good.facts == 1 and good.report_id and good.error is None
    assert empty.doc_id is None and empty.error and empty.error.startswith("is empty")
    assert bad.error == "RuntimeError: model said no at line 2"
    assert all("\n" not in (i.error or "") for i in summary.items)
    assert sorted(fake.calls) == ["a_good.txt", "c_bad.txt"]

    rows = statuses(store)
    assert rows["a_good.txt"] == ("ok", None)
    assert rows["b_empty.txt"][0] == "failed" and "empty" in (rows["b_empty.txt"][1] or "")
    assert rows["c_bad.txt"] == ("failed", "RuntimeError: model said no at line 2")
    assert store.load_report(good.report_id).facts[0].subject == "测试"


def test_second_run_skips_stored_and_failed_and_retries_failed_on_request(
    fake: FakeExtract, store: Store, three: list[Path]
) -> None:
    run_batch(three, store, options(), progress=False)
    assert sorted(fake.calls) == ["a_good.txt", "c_bad.txt"]

    again = run_batch(three, store, options(), progress=False)

    # the unreadable file is read again (no model is asked); the failed extraction waits for
    # --retry-failed
    assert [i.status for i in again.items] == ["skipped", "failed", "skipped"]
    assert again.items[0].note == "already stored"
    assert again.items[2].note and "--retry-failed" in again.items[2].note
    assert sorted(fake.calls) == ["a_good.txt", "c_bad.txt"]

    retried = run_batch(three, store, options(), progress=False, retry_failed=True)
    assert [i.status for i in retried.items] == ["skipped", "failed", "failed"]
    assert sorted(fake.calls) == ["a_good.txt", "c_bad.txt", "c_bad.txt"]

    # Both problems fixed: the retries succeed and replace the failure rows.
    three[1].write_text(GOOD.replace("51", "52"), encoding="utf-8")
    fake.fail_marker = None
    third = run_batch(three, store, options(), progress=False, retry_failed=True)

    assert [i.status for i in third.items] == ["skipped", "ok", "ok"]
    assert sorted(statuses(store).values()) == [("ok", None)] * 3


def test_force_re_extracts_stored_documents(
    fake: FakeExtract, store: Store, three: list[Path]
) -> None:
    run_batch(three, store, options(), progress=False)
    forced = run_batch(three, store, options(), progress=False, force=True)
    assert forced.items[0].status == "ok"
    assert fake.calls.count("a_good.txt") == 2


def test_a_new_configuration_is_extracted_again(
    fake: FakeExtract, store: Store, three: list[Path]
) -> None:
    run_batch(three[:1], store, options("cfg-1"), progress=False)
    summary = run_batch(three[:1], store, options("cfg-2"), progress=False)
    assert summary.ok == 1 and fake.calls == ["a_good.txt", "a_good.txt"]


def test_extractor_errors_keep_their_own_message(
    fake: FakeExtract, store: Store, three: list[Path]
) -> None:
    fake.error = ExtractionError("all 3 sections failed; first error: timed out")
    summary = run_batch(three[2:], store, options(), progress=False)
    assert summary.items[0].error == "all 3 sections failed; first error: timed out"


def test_the_same_text_twice_is_extracted_once(
    fake: FakeExtract, store: Store, tmp_path: Path
) -> None:
    first, copy = tmp_path / "x.txt", tmp_path / "y.md"
    first.write_text(GOOD, encoding="utf-8")
    copy.write_text(GOOD, encoding="utf-8")
    # One at a time, the first in input order is the one extracted.
    summary = run_batch([first, copy], store, options(), doc_concurrency=1, progress=False)
    assert [i.status for i in summary.items] == ["ok", "skipped"]
    assert summary.items[1].note == f"same text as {first}"
    assert summary.items[0].report_id == summary.items[1].report_id
    assert fake.calls == ["x.txt"]
    # Concurrently, whichever is read first wins, but still only one is extracted.
    summary = run_batch([first, copy], store, options("cfg-2"), progress=False)
    assert sorted(i.status for i in summary.items) == ["ok", "skipped"]
    assert len(fake.calls) == 2


def test_documents_run_concurrently_up_to_the_limit(
    fake: FakeExtract, store: Store, tmp_path: Path
) -> None:
    fake.delay = 0.05
    paths = []
    for k in range(5):
        p = tmp_path / f"d{k}.txt"
        p.write_text(GOOD.replace("51", str(60 + k)), encoding="utf-8")
        paths.append(p)
    summary = run_batch(paths, store, options(), doc_concurrency=2, progress=True)
    assert summary.ok == 5 and fake.peak == 2
    assert [Path(i.path).name for i in summary.items] == [p.name for p in paths]


def test_an_interrupted_batch_keeps_what_finished(
    fake: FakeExtract, store: Store, three: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    async def interrupted(doc: LoadedDocument, opts: ExtractOptions, **kw: object) -> Report:
        if "出错" in doc.text:
            raise KeyboardInterrupt
        return await fake(doc, opts)

    monkeypatch.setattr(batch, "aextract_document", interrupted)
    with pytest.raises(KeyboardInterrupt):
        run_batch([three[0], three[2]], store, options(), doc_concurrency=1, progress=False)
    assert statuses(store) == {"a_good.txt": ("ok", None)}


def test_a_broken_store_stops_the_batch(
    fake: FakeExtract, store: Store, three: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> str:
        raise StoreError("results.db: cannot save report: disk full")

    monkeypatch.setattr(store, "save_report", broken)
    with pytest.raises(StoreError, match="disk full"):
        run_batch(three[:1], store, options(), progress=False)


async def test_run_batch_inside_an_event_loop_points_to_arun_batch(
    fake: FakeExtract, store: Store, three: list[Path]
) -> None:
    with pytest.raises(UsageError, match="arun_batch"):
        run_batch(three, store, options(), progress=False)
    summary = await arun_batch(three, store, options(), settings())
    assert summary.ok == 1


# --- inputs ----------------------------------------------------------------------------------


def test_collect_inputs_from_a_folder_is_recursive_sorted_and_filtered(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    for name in [
        "b.txt",
        "a.docx",
        "sub/c.pdf",
        "sub/d.MD",
        "notes.csv",
        ".hidden.txt",
        "~$a.docx",
    ]:
        (tmp_path / name).write_text("x", encoding="utf-8")
    found = collect_inputs(str(tmp_path))
    assert [p.relative_to(tmp_path).as_posix() for p in found] == [
        "a.docx",
        "b.txt",
        "sub/c.pdf",
        "sub/d.MD",
    ]


def test_collect_inputs_from_a_glob_and_files(tmp_path: Path) -> None:
    for name in ["2023.txt", "2024.txt", "2024.pdf", "readme.csv"]:
        (tmp_path / name).write_text("x", encoding="utf-8")
    assert [p.name for p in collect_inputs(str(tmp_path / "*.txt"))] == ["2023.txt", "2024.txt"]
    assert [p.name for p in collect_inputs(str(tmp_path / "**" / "2024.*"))] == [
        "2024.pdf",
        "2024.txt",
    ]
    # Files named outright are kept as given (an unsupported one fails visibly in the batch);
    # a file reached twice is listed once.
    mixed = collect_inputs(
        [str(tmp_path / "readme.csv"), str(tmp_path / "*.txt"), str(tmp_path / "2023.txt")]
    )
    assert [p.name for p in mixed] == ["readme.csv", "2023.txt", "2024.txt"]


@pytest.mark.parametrize(
    ("spec", "needle"),
    [
        ("nowhere.txt", "no such file or folder"),
        ("*.nothing", "matches no report files"),
        ("empty_dir", "no report files"),
    ],
)
def test_collect_inputs_without_a_match_is_a_one_line_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, spec: str, needle: str
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "empty_dir").mkdir()
    with pytest.raises(UsageError) as info:
        collect_inputs(spec)
    assert needle in str(info.value) and spec in str(info.value)
    assert "\n" not in str(info.value)


def test_collect_inputs_with_nothing_given() -> None:
    with pytest.raises(UsageError, match="no inputs"):
        collect_inputs([])


# --- with the real pipeline ------------------------------------------------------------------


def test_real_pipeline_reports_round_trip_through_the_store(
    fake_llm: FakeLLM, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The seeds through the real pipeline over the loopback fake model: what is stored loads
    back equal to what the pipeline returned, and a second run costs no calls."""
    fake_llm.responder = responder
    produced: dict[str, Report] = {}
    real = batch.aextract_document

    async def capture(doc: LoadedDocument, opts: ExtractOptions, **kw: Any) -> Report:
        report = await real(doc, opts, **kw)
        produced[report.doc_id] = report
        return report

    monkeypatch.setattr(batch, "aextract_document", capture)
    opts = ExtractOptions(
        backend="llm", base_url=fake_llm.base_url, model="fake", api_key="k", mode="json",
        cache=False, timeout=5.0, max_retries=1,
    )  # fmt: skip
    summary = run_batch(collect_inputs(SEEDS), store, opts, progress=False)

    assert summary.ok == 2 and summary.failed == 0
    for item in summary.items:
        assert item.report_id and item.doc_id
        back = store.load_report(item.report_id)
        assert back == produced[item.doc_id]
        assert back.model_dump_json() == produced[item.doc_id].model_dump_json()
        assert back.facts and back.spans_ok()

    calls = fake_llm.calls
    again = run_batch(collect_inputs(SEEDS), store, opts, progress=False)
    assert again.skipped == 2 and fake_llm.calls == calls


def test_the_model_path_reads_the_next_document_once_the_queued_calls_run_short(
    fake_llm: FakeLLM, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two documents in flight, one call at a time: the second is read only once the first's
    queued calls are down to the one in flight, not at once (reading every document first
    would hold back the first one's calls), and it is still extracted."""

    def slow(request: dict[str, Any]) -> Any:
        reply = responder(request)
        reply.delay = 0.05
        return reply

    fake_llm.responder = slow
    answered_at_load: list[int] = []
    real_load = batch.load

    def load(path: Path, **kw: Any) -> LoadedDocument:
        answered_at_load.append(fake_llm.calls)
        return real_load(path, **kw)

    monkeypatch.setattr(batch, "load", load)
    opts = ExtractOptions(
        backend="llm", base_url=fake_llm.base_url, model="fake", api_key="k", mode="json",
        cache=False, timeout=5.0, max_retries=1, concurrency=1, repair=False,
    )  # fmt: skip
    summary = run_batch(collect_inputs(SEEDS), store, opts, doc_concurrency=2)

    assert summary.ok == 2
    first_doc_calls = summary.items[0].calls
    assert first_doc_calls >= 3
    assert answered_at_load[0] == 0
    # the first document's calls, all queued at once, had gone out but for the last
    assert answered_at_load[1] >= first_doc_calls - 2
