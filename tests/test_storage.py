"""The SQLite store: exact round trips, idempotent re-saves, failures replaced by successes,
atomic saves, migrations applied once, and one-line StoreErrors for files it cannot use.
Reports are built by hand; nothing here calls a model."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlite_utils import Database

from extractor.errors import StoreError
from extractor.schemas.report import (
    Change,
    CheckIssue,
    CheckSummary,
    CrossCheck,
    Fact,
    FactCheck,
    Finding,
    Rank,
    RepairInfo,
    Report,
    ReportMeta,
    RunInfo,
    Section,
    Source,
    UnaccountedNumber,
)
from extractor.storage import MIGRATIONS, Store, failure_id, report_id
from extractor.storage import _store as storage_module

HEAD = "一、总体情况\n"
P1 = "2024年，全市PM2.5年均浓度51微克/立方米，同比下降4.4%，改善率全省排名第2。"
P2 = "优良天数226天，占比61.7%。地表水水质达到II类。"
PROB_HEAD = "\n二、存在的问题\n"
PROB = "一是产业结构偏重。二是能源结构偏煤。"
REC_HEAD = "\n三、意见建议\n"
REC = "一是加快产业转型。"
TEXT = HEAD + P1 + P2 + PROB_HEAD + PROB + REC_HEAD + REC
DOC_ID = "0123456789abcdef"
CONFIG = "cfg-a"


def span_of(quote: str) -> tuple[int, int]:
    start = TEXT.index(quote)
    return start, start + len(quote)


def section_bounds(head: str, body: str) -> tuple[int, int]:
    start = TEXT.index(head)
    return start, TEXT.index(body) + len(body)


def make_report(n_facts: int = 4, *, failed_section: bool = False) -> Report:
    s1 = section_bounds(HEAD, P2)
    s2 = section_bounds(PROB_HEAD, PROB)
    s3 = section_bounds(REC_HEAD, REC)
    facts = [
        Fact(
            category="air",
            subject="PM2.5年均浓度",
            indicator="air.pm25_annual_mean",
            value=51,
            unit="微克/立方米",
            value_std=51,
            unit_std="微克/立方米",
            change=Change(basis="同比", value=-4.4, unit="%"),
            rank=Rank(scope="全省", position=2, metric="改善率", tied=False),
            quote="PM2.5年均浓度51微克/立方米",
            span=span_of("PM2.5年均浓度51微克/立方米"),
            section="s1",
            check=FactCheck(status="verified"),
            origin="llm",
        ),
        Fact(
            category="air",
            subject="优良天数比例",
            value=61.7,
            unit="%",
            value_std=61.7,
            unit_std="%",
            rank=Rank(scope="全市", position=6, tied=True),
            quote="占比61.7%",
            span=span_of("占比61.7%"),
            section="s1",
            check=FactCheck(
                status="flagged",
                issues=[CheckIssue(code="cross_check_failed", message="226/366 ≠ 61.7%")],
            ),
            origin="rules",
        ),
        Fact(
            category="water",
            subject="地表水水质",
            value_text="II类",
            quote="地表水水质达到II类",
            span=span_of("地表水水质达到II类"),
            section="s1",
            check=FactCheck(status="unverifiable"),
        ),
        # Unlocated and unchecked, and the same subject/value as nothing else: all optional
        # parts empty must come back empty, not as zero-filled objects.
        Fact(
            subject="焦化产能压减",
            value=100,
            unit="万吨",
            value_std=1000000,
            unit_std="吨",
            period="十四五",
            area="主城区",
            is_target=True,
            quote="压减焦化产能100万吨",
        ),
    ][:n_facts]
    return Report(
        doc_id=DOC_ID,
        source=Source(
            path="reports/anyang.txt", sha256="ab" * 32, chars=len(TEXT), encoding="gb18030"
        ),
        text=TEXT,
        meta=ReportMeta(
            title="关于2024年度环境状况的调研报告",
            doc_type="survey_report",
            issuer="安阳市人大常委会",
            region="安阳市",
            period="2024",
            issued_on="2025-04-20",
        ),
        sections=[
            Section(id="s1", path=["一、总体情况"], kind="status", start=s1[0], end=s1[1]),
            Section(
                id="s2",
                path=["二、存在的问题"],
                kind="problems",
                start=s2[0],
                end=s2[1],
                status="failed" if failed_section else "ok",
                error="LLMError: timed out after 3 retries" if failed_section else None,
            ),
            Section(id="s3", path=["三、意见建议"], kind="recommendations", start=s3[0], end=s3[1]),
        ],
        facts=facts,
        problems=[
            Finding(
                category="存在的问题",
                title="产业结构偏重",
                quote="一是产业结构偏重",
                span=span_of("一是产业结构偏重"),
                section="s2",
            ),
            Finding(category="存在的问题", title="能源结构偏煤", detail="煤炭占比高"),
        ],
        recommendations=[
            Finding(
                category="意见建议",
                title="加快产业转型",
                quote="一是加快产业转型",
                span=span_of("一是加快产业转型"),
                section="s3",
            )
        ],
        checks=CheckSummary(
            verified=1,
            flagged=1,
            unverifiable=1,
            cross_checks=[CrossCheck(rule="ratio", facts=[1], ok=False, detail="226/366")],
            unaccounted_numbers=[
                UnaccountedNumber(text="226", span=span_of("226"), clause="优良天数226天")
            ],
        ),
        run=RunInfo(
            backend="llm",
            model="qwen",
            mode="json_schema",
            prompt_version="p3",
            calls=4,
            http_requests=5,
            prompt_tokens=1200,
            completion_tokens=300,
            cached_calls=1,
            reasks=1,
            seconds=2.5,
        ),
    )


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(tmp_path / "results.db")
    try:
        yield s
    finally:
        s.close()


def counts(store: Store) -> dict[str, int]:
    return {
        t: store.db.table(t).count for t in ("reports", "sections", "facts", "findings", "runs")
    }


def row(store: Store, table: str, pk: str) -> dict[str, Any]:
    return store.db.table(table).get(pk)


# --- round trip ------------------------------------------------------------------------------


def test_save_then_load_gives_back_the_same_report(store: Store) -> None:
    report = make_report()
    rid = store.save_report(report, config=CONFIG, path="reports/anyang.txt")

    assert rid == report_id(DOC_ID, CONFIG)
    back = store.load_report(rid)
    assert back == report
    # Byte-identical JSON too: ints stay ints (51, not 51.0), spans stay pairs.
    assert back.model_dump_json() == report.model_dump_json()
    assert back.spans_ok()
    assert counts(store) == {"reports": 1, "sections": 3, "facts": 4, "findings": 3, "runs": 1}


def test_rows_are_queryable_and_spans_reslice_from_the_stored_text(store: Store) -> None:
    rid = store.save_report(
        make_report(failed_section=True), config=CONFIG, path="reports/anyang.txt"
    )

    sql = (
        "select substr(r.text, f.span_start + 1, f.span_end - f.span_start) = f.quote "
        "from facts f join reports r on r.id = f.report_id where f.span_start is not null"
    )
    assert [ok for (ok,) in store.db.execute(sql).fetchall()] == [1, 1, 1]
    (pm,) = store.db.table("facts").rows_where("indicator = ?", ["air.pm25_annual_mean"])
    assert (pm["value"], pm["change_value"], pm["rank_position"], pm["rank_tied"]) == (
        51,
        -4.4,
        2,
        0,
    )
    rep = row(store, "reports", rid)
    # one of its sections failed: stored, but incomplete (a later batch retries that section)
    assert (rep["status"], rep["region"], rep["n_facts"], rep["n_problems"]) == (
        "incomplete",
        "安阳市",
        4,
        2,
    )
    assert rep["failed_sections"] == 1
    assert rep["path"] == "reports/anyang.txt"
    assert row(store, "sections", f"{rid}:s2")["error"] == "LLMError: timed out after 3 retries"
    kinds = [r["kind"] for r in store.db.table("findings").rows_where(order_by="kind, idx")]
    assert kinds == ["problem", "problem", "recommendation"]


def test_a_report_without_source_or_run_round_trips(store: Store) -> None:
    report = Report(doc_id=DOC_ID, text="短文本。", facts=[Fact(subject="x", value=2.5)])
    assert store.load_report(store.save_report(report, config=CONFIG, path=None)) == report


def test_fact_ids_are_deterministic_and_distinct_for_identical_facts(store: Store) -> None:
    twin = Fact(subject="优良天数", value=226, unit="天")
    report = Report(doc_id=DOC_ID, text=TEXT, facts=[twin, twin])
    rid = store.save_report(report, config=CONFIG, path=None)
    ids = [r["id"] for r in store.db.table("facts").rows_where(order_by="idx")]
    assert len(set(ids)) == 2
    assert store.load_report(rid).facts == [twin, twin]
    store.save_report(report, config=CONFIG, path=None)
    assert [r["id"] for r in store.db.table("facts").rows_where(order_by="idx")] == ids


# --- re-saving -------------------------------------------------------------------------------


def test_resaving_the_same_report_is_idempotent(store: Store) -> None:
    report = make_report()
    rid = store.save_report(report, config=CONFIG, path="a.txt")
    before = counts(store)
    created = row(store, "reports", rid)["created_at"]
    fact_ids = sorted(r["id"] for r in store.db.table("facts").rows)

    assert store.save_report(report, config=CONFIG, path="a.txt") == rid
    assert counts(store) == before
    assert sorted(r["id"] for r in store.db.table("facts").rows) == fact_ids
    assert row(store, "reports", rid)["created_at"] == created
    assert store.load_report(rid) == report


def test_resaving_with_fewer_facts_removes_the_stale_rows(store: Store) -> None:
    rid = store.save_report(make_report(4), config=CONFIG, path="a.txt")
    smaller = make_report(2)
    smaller.problems = smaller.problems[:1]
    smaller.sections = smaller.sections[:1]

    store.save_report(smaller, config=CONFIG, path="a.txt")

    assert counts(store) == {"reports": 1, "sections": 1, "facts": 2, "findings": 2, "runs": 1}
    assert store.load_report(rid) == smaller
    assert row(store, "reports", rid)["n_facts"] == 2


def test_another_config_is_another_report(store: Store) -> None:
    a = store.save_report(make_report(), config="cfg-a", path="a.txt")
    b = store.save_report(make_report(1), config="cfg-b", path="a.txt")
    assert a != b
    assert store.has_report(DOC_ID, "cfg-a") and store.has_report(DOC_ID, "cfg-b")
    assert not store.has_report(DOC_ID, "cfg-c")
    assert len(store.load_report(a).facts) == 4 and len(store.load_report(b).facts) == 1


def test_a_save_that_breaks_halfway_leaves_the_previous_report_whole(store: Store) -> None:
    original = make_report()
    rid = store.save_report(original, config=CONFIG, path="a.txt")
    # the database itself refuses the findings, after the report row and its facts went in
    store.db.execute(
        "CREATE TRIGGER refuse BEFORE INSERT ON findings BEGIN "
        "SELECT RAISE(ABORT, 'disk I/O error'); END"
    )
    with pytest.raises(StoreError, match="disk I/O error"):
        store.save_report(make_report(1), config=CONFIG, path="a.txt")
    store.db.execute("DROP TRIGGER refuse")

    assert store.load_report(rid) == original
    assert counts(store)["facts"] == 4


# --- failures --------------------------------------------------------------------------------


def test_a_failure_is_replaced_by_a_later_success(store: Store) -> None:
    fid = store.save_failure(
        path="a.txt", error="ExtractionError: all 3\nsections failed", config=CONFIG, doc_id=DOC_ID
    )
    assert fid == report_id(DOC_ID, CONFIG)
    failed = row(store, "reports", fid)
    assert (failed["status"], failed["error"]) == (
        "failed",
        "ExtractionError: all 3 sections failed",
    )
    assert not store.has_report(DOC_ID, CONFIG)
    with pytest.raises(StoreError, match="failed"):
        store.load_report(fid)

    rid = store.save_report(make_report(), config=CONFIG, path="a.txt")

    assert rid == fid
    assert store.has_report(DOC_ID, CONFIG)
    ok = row(store, "reports", rid)
    assert (ok["status"], ok["error"]) == ("ok", None)
    assert ok["created_at"] == failed["created_at"]
    assert counts(store)["reports"] == 1


def test_an_unreadable_file_failure_is_keyed_by_path_and_cleared_once_it_reads(
    store: Store, tmp_path: Path
) -> None:
    path = str(tmp_path / "a.txt")
    fid = store.save_failure(path=path, error="a.txt: is empty", config=CONFIG)
    assert fid == failure_id(path, CONFIG)
    assert store.save_failure(path=path, error="a.txt: is empty", config=CONFIG) == fid
    assert counts(store)["reports"] == 1

    store.save_report(make_report(), config=CONFIG, path=path)

    statuses = [r["status"] for r in store.db.table("reports").rows]
    assert statuses == ["ok"]


def test_a_failure_never_overwrites_a_stored_success(store: Store) -> None:
    report = make_report()
    rid = store.save_report(report, config=CONFIG, path="a.txt")
    assert store.save_failure(path="a.txt", error="boom", config=CONFIG, doc_id=DOC_ID) == rid
    assert store.has_report(DOC_ID, CONFIG)
    assert store.load_report(rid) == report


def test_loading_an_unknown_id_is_a_store_error(store: Store) -> None:
    with pytest.raises(StoreError, match="no report with id ffff"):
        store.load_report("ffff")


# --- migrations ------------------------------------------------------------------------------


def test_migrations_are_recorded_by_name_and_not_reapplied(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "r.db"
    with Store(path) as s:
        assert s.applied == [name for name, _ in MIGRATIONS]
        assert [r["name"] for r in s.db.table("_migrations").rows] == s.applied
        s.save_report(make_report(), config=CONFIG, path=None)

    runs: list[str] = []

    def add_notes(db: Database) -> None:
        runs.append("0003")
        db.table("notes").create({"id": int, "note": str}, pk="id")

    monkeypatch.setattr(storage_module, "MIGRATIONS", [*MIGRATIONS, ("9999_notes", add_notes)])
    with Store(path) as s:
        assert s.applied == ["9999_notes"]
        assert s.has_report(DOC_ID, CONFIG)  # data written before the upgrade survives
    with Store(path) as s:
        assert s.applied == []
        names = [r["name"] for r in s.db.table("_migrations").rows_where(order_by="rowid")]
        assert names == [*(name for name, _ in MIGRATIONS), "9999_notes"]
        assert all(r["applied_at"] for r in s.db.table("_migrations").rows)
    assert runs == ["0003"]


def test_a_failing_migration_rolls_back_and_names_itself(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(db: Database) -> None:
        db.table("half").create({"id": int}, pk="id")
        db.execute("alter table nowhere add column x")

    monkeypatch.setattr(storage_module, "MIGRATIONS", [*MIGRATIONS, ("0003_broken", broken)])
    with pytest.raises(StoreError) as info:
        Store(tmp_path / "r.db")
    assert "0003_broken" in str(info.value) and "r.db" in str(info.value)
    db = Database(tmp_path / "r.db")
    assert "half" not in db.table_names()
    assert [r["name"] for r in db.table("_migrations").rows] == [name for name, _ in MIGRATIONS]
    db.close()


def test_expected_tables_and_indexes_exist(store: Store) -> None:
    assert {"reports", "sections", "facts", "findings", "runs", "_migrations"} <= set(
        store.db.table_names()
    )
    fact_indexes = {tuple(i.columns) for i in store.db.table("facts").indexes}
    assert {("report_id",), ("indicator",), ("subject",)} <= fact_indexes
    fks = {(fk.table, fk.column, fk.other_table) for fk in store.db.table("facts").foreign_keys}
    assert ("facts", "report_id", "reports") in fks


# --- files it cannot use ---------------------------------------------------------------------


def test_a_file_that_is_not_sqlite_is_a_one_line_store_error(tmp_path: Path) -> None:
    bogus = tmp_path / "notes.db"
    bogus.write_text("这不是数据库\n" * 200, encoding="utf-8")
    with pytest.raises(StoreError) as info:
        Store(bogus)
    message = str(info.value)
    assert str(bogus) in message and "not a SQLite database" in message
    assert "\n" not in message


def test_a_folder_is_a_store_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="is a folder"):
        Store(tmp_path)


def test_an_unusable_location_is_a_store_error(tmp_path: Path) -> None:
    # A regular file where a folder should be: fails for root too, unlike chmod.
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x", encoding="utf-8")
    with pytest.raises(StoreError) as info:
        Store(blocker / "results.db")
    assert str(blocker / "results.db") in str(info.value)
    assert "\n" not in str(info.value)


def test_a_read_only_file_is_a_store_error(tmp_path: Path) -> None:
    path = tmp_path / "r.db"
    Store(path).close()
    # Opening read-only through a URI works even as root, unlike chmod.
    uri = f"file:{path}?mode=ro"
    store = Store.__new__(Store)
    store.path = str(path)
    store.db = Database(sqlite3.connect(uri, uri=True))
    try:
        with pytest.raises(StoreError) as info:
            store.save_report(make_report(), config=CONFIG, path=None)
        assert str(path) in str(info.value) and "readonly" in str(info.value)
    finally:
        store.close()


def test_missing_parent_folders_are_created(tmp_path: Path) -> None:
    with Store(tmp_path / "a" / "b" / "results.db") as s:
        assert s.applied == [name for name, _ in MIGRATIONS]


def test_a_file_from_before_0002_is_upgraded_in_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "old.db"
    monkeypatch.setattr(storage_module, "MIGRATIONS", MIGRATIONS[:1])
    with Store(path) as s:  # what a 0001-era program wrote: no repair column
        assert "repair" not in s.db.table("runs").columns_dict
        s.db.table("reports").insert(
            {"id": "r1", "doc_id": DOC_ID, "config": CONFIG, "status": "ok", "text": "x",
             "created_at": "2026-01-01", "updated_at": "2026-01-01", "n_facts": 0,
             "n_problems": 0, "n_recommendations": 0}
        )  # fmt: skip
        s.db.table("runs").insert(
            {"report_id": "r1", "backend": "llm", "model": None, "mode": None,
             "prompt_version": None, "calls": 3, "http_requests": 3, "prompt_tokens": 10,
             "completion_tokens": 5, "cached_calls": 0, "reasks": 0, "seconds": 1.0,
             "checks": "{}"}
        )  # fmt: skip
    monkeypatch.setattr(storage_module, "MIGRATIONS", MIGRATIONS)
    with Store(path) as s:
        assert s.applied == [name for name, _ in MIGRATIONS[1:]]
        old_run = s.load_report("r1").run
        assert old_run.calls == 3 and old_run.repair is None  # the old row reads back
        repaired = make_report()
        repaired.run.repair = RepairInfo(sections=1, flagged_before=2, corrected=1, dropped=1)
        rid = s.save_report(repaired, config=CONFIG, path=None)
        assert s.load_report(rid).run.repair == repaired.run.repair


def test_every_table_has_exactly_the_columns_its_row_model_declares(store: Store) -> None:
    from extractor.storage import FactRow, FindingRow, ReportRow, RunRow, SectionRow

    for row in (ReportRow, SectionRow, FactRow, FindingRow, RunRow):
        assert set(store.db.table(row.table).columns_dict) == set(row.model_fields), row.table
    types = store.db.table("facts").columns_dict
    # numbers have NUMERIC affinity (declared ANY): 51 stays an integer, 4.803 a real
    assert (types["value"].__name__, types["rank_tied"], types["quote"]) == ("ANY", int, str)
