"""The results store as a panel: batches that resume (failed sections retried alone, a killed
batch rerun with every document stored once), versions that supersede, copies recorded, the
panel and conflict views, exports that round-trip, Datasette on loopback, extractor.panel(),
worker processes, progress lines and the size limit. Real SQLite, real HTTP, offline."""

from __future__ import annotations

import csv
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import extractor
from extractor.batch import BatchSettings, collect_inputs, run_batch
from extractor.cli import app
from extractor.export import export, rows_of
from extractor.options import ExtractOptions
from extractor.storage import Store
from tests.fakeserver import FakeLLM, Reply
from tests.llm_responder import responder

ROOT = Path(__file__).resolve().parents[1]
GOLD = ROOT / "eval" / "gold"
ANYANG = (GOLD / "anyang-2024.txt").read_text(encoding="utf-8")
PINGDINGSHAN = (GOLD / "pingdingshan-2025.txt").read_text(encoding="utf-8")
RULES = ExtractOptions(backend="rules")
QUIET = BatchSettings(progress="quiet")


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def batch(folder: Path, db: Path, opts: ExtractOptions = RULES, **kw: Any) -> Any:
    settings = BatchSettings(progress="quiet", **kw)
    with Store(db) as store:
        return run_batch(collect_inputs(str(folder)), store, opts, settings)


def query(db: Path, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
    with Store(db) as store:
        return [dict(r) for r in store.db.query(sql, params or [])]


@pytest.fixture
def seeds(tmp_path: Path) -> Path:
    """The two seeds, a revised copy of Anyang's (PM2.5 49, not 51) and an exact copy of
    Pingdingshan's."""
    docs = tmp_path / "docs"
    write(docs, "anyang-2024.txt", ANYANG)
    write(docs, "anyang-revised.txt", ANYANG.replace("PM_{2.5}年均浓度51", "PM_{2.5}年均浓度49"))
    write(docs, "pingdingshan-2025.txt", PINGDINGSHAN)
    write(docs, "zz-pingdingshan-copy.txt", PINGDINGSHAN)
    assert "年均浓度49" in (docs / "anyang-revised.txt").read_text(encoding="utf-8")
    return docs


# --- the panel and its conflicts --------------------------------------------------------


def test_the_panel_and_its_conflicts_on_the_seeds_and_their_variants(
    seeds: Path, tmp_path: Path
) -> None:
    db = tmp_path / "results.db"
    summary = batch(seeds, db)
    assert (summary.ok, summary.skipped) == (3, 1)

    # Read from the texts: Anyang 2024 PM2.5 51 (the revision says 49), Pingdingshan 36 up
    # to 16 September 2025.
    pm = query(db, "SELECT region, period, value, unit, status, path FROM panel "
               "WHERE indicator = 'pm25_annual_mean' ORDER BY region, value")  # fmt: skip
    expected = [
        ("安阳市", "2024", 49, "微克/立方米", "verified", "anyang-revised.txt"),
        ("安阳市", "2024", 51, "微克/立方米", "verified", "anyang-2024.txt"),
        ("平顶山市", "截至2025-09-16", 36, "微克/立方米", "verified", "pingdingshan"),
    ]
    # (of two files with one text, whichever is read first holds the report)
    assert [(*(r[k] for k in ("region", "period", "value", "unit", "status")),
             Path(r["path"]).name.replace("zz-", "").removesuffix("-copy.txt")
             .removesuffix("-2025.txt") if "pingdingshan" in r["path"]
             else Path(r["path"]).name) for r in pm] == expected  # fmt: skip
    assert all(isinstance(r["value"], int) for r in pm), "51 is stored as 51, not 51.0"

    # The two Anyang texts agree on everything but PM2.5: that is the only conflict, and
    # both of its statements are shown.
    conflicts = query(db, "SELECT indicator, region, value, n_values, path FROM panel_conflicts "
                      "WHERE is_target = 0 ORDER BY value")  # fmt: skip
    assert [(c["indicator"], c["region"], c["value"], c["n_values"]) for c in conflicts] == [
        ("pm25_annual_mean", "安阳市", 49, 2),
        ("pm25_annual_mean", "安阳市", 51, 2),
    ]

    # the copy is recorded with the file it copies; the panel has each figure once
    (copy,) = query(db, "SELECT path, same_as FROM copies")
    assert {Path(copy["path"]).name, Path(copy["same_as"]).name} == {
        "zz-pingdingshan-copy.txt", "pingdingshan-2025.txt",
    }  # fmt: skip
    good_days = query(db, "SELECT region, value FROM panel WHERE indicator = 'good_air_days' "
                      "ORDER BY region, value")  # fmt: skip
    assert [(r["region"], r["value"]) for r in good_days] == [
        ("安阳市", 226), ("安阳市", 226), ("平顶山市", 185),
    ]  # fmt: skip


def test_an_edited_file_supersedes_its_earlier_version(seeds: Path, tmp_path: Path) -> None:
    db = tmp_path / "results.db"
    batch(seeds, db)
    revised = seeds / "anyang-revised.txt"
    revised.write_text(ANYANG.replace("PM_{2.5}年均浓度51", "PM_{2.5}年均浓度50"), encoding="utf-8")
    batch(seeds, db)

    current = query(db, "SELECT path FROM current_reports ORDER BY path")
    assert [Path(r["path"]).name for r in current] == [
        "anyang-2024.txt", "anyang-revised.txt", "pingdingshan-2025.txt",
    ]  # fmt: skip
    versions = query(db, "SELECT superseded_by FROM reports WHERE source_key = ? "
                     "ORDER BY created_at, id", [str(revised.resolve())])  # fmt: skip
    assert len(versions) == 2 and sum(v["superseded_by"] is None for v in versions) == 1
    pm = query(db, "SELECT value FROM panel WHERE indicator = 'pm25_annual_mean' "
               "AND path LIKE '%revised%'")  # fmt: skip
    assert [r["value"] for r in pm] == [50]

    # edited back: the first version is current again, and nothing is extracted anew
    revised.write_text(ANYANG.replace("PM_{2.5}年均浓度51", "PM_{2.5}年均浓度49"), encoding="utf-8")
    again = batch(seeds, db)
    assert again.ok == 0
    pm = query(db, "SELECT value FROM panel WHERE indicator = 'pm25_annual_mean' "
               "AND path LIKE '%revised%'")  # fmt: skip
    assert [r["value"] for r in pm] == [49]


def test_a_store_from_before_the_panel_is_upgraded_and_has_the_views(tmp_path: Path) -> None:
    from extractor.storage import _store as store_module

    db = tmp_path / "old.db"
    full = store_module.MIGRATIONS
    try:
        store_module.MIGRATIONS = full[:2]
        with Store(db) as store:  # what a 0002-era program wrote
            store.db.table("reports").insert(
                {"id": "r1", "doc_id": "d" * 16, "config": "c", "path": "a.txt", "status": "ok",
                 "region": "安阳市", "period": "2024", "text": "PM2.5年均浓度51微克/立方米",
                 "created_at": "2026-01-01", "updated_at": "2026-01-01", "n_facts": 1,
                 "n_problems": 0, "n_recommendations": 0}
            )  # fmt: skip
            store.db.table("facts").insert(
                {"id": "f1", "report_id": "r1", "idx": 0, "category": "air",
                 "subject": "PM2.5年均浓度", "indicator": "pm25_annual_mean", "value": 51,
                 "unit": "微克/立方米", "quote": "PM2.5年均浓度51微克/立方米",
                 "check_status": "verified", "is_target": 0}
            )  # fmt: skip
            (old,) = store.db.execute("SELECT typeof(value) FROM facts").fetchall()
            assert old == ("real",)
    finally:
        store_module.MIGRATIONS = full
    with Store(db) as store:
        assert store.applied == [name for name, _ in full[2:]]
    rows = query(db, "SELECT region, value, typeof(value) AS t, qualifier FROM panel")
    assert rows == [{"region": "安阳市", "value": 51, "t": "integer", "qualifier": ""}]


# --- resuming -----------------------------------------------------------------------------


def _extraction_calls(requests: list[dict[str, Any]]) -> list[str]:
    """The user prompts of the calls that extract a section (not the checker's follow-ups,
    which are asked anew whenever the document's facts change)."""
    prompts = [r["messages"][-1]["content"] for r in requests]
    return [
        p for p in prompts
        if "A checker compared" not in p and "These numbers in the section" not in p
    ]  # fmt: skip


def test_a_resumed_batch_retries_only_the_failed_sections(
    fake_llm: FakeLLM, tmp_path: Path
) -> None:
    docs = tmp_path / "docs"
    write(docs, "anyang.txt", ANYANG)
    failing = "处置历史遗留铝灰"  # a sentence of one section of Anyang's, and of no other

    def flaky(request: dict[str, Any]) -> Reply:
        if failing in json.dumps(request, ensure_ascii=False):
            return Reply(status=500)
        return responder(request)

    fake_llm.responder = flaky
    opts = ExtractOptions(
        backend="llm", base_url=fake_llm.base_url, model="fake", api_key="k", mode="json",
        cache=str(tmp_path / "cache.db"), timeout=5.0, max_retries=0,
    )  # fmt: skip
    db = tmp_path / "results.db"
    first = batch(docs, db, opts)
    assert first.incomplete == 1 and first.ok == 0
    (row,) = query(db, "SELECT status, failed_sections FROM reports")
    assert (row["status"], row["failed_sections"]) == ("incomplete", 1)
    sent_first = len(fake_llm.chat_requests)

    fake_llm.responder = responder  # the endpoint is back
    second = batch(docs, db, opts)
    assert second.ok == 1
    again = _extraction_calls(fake_llm.chat_requests[sent_first:])
    # the failed section is asked again; every other section's answer comes from the cache
    assert again and all(failing in p for p in again), [p[:80] for p in again]
    (row,) = query(db, "SELECT status, failed_sections FROM reports")
    assert (row["status"], row["failed_sections"]) == ("ok", 0)

    sent_second = len(fake_llm.chat_requests)
    third = batch(docs, db, opts)
    assert third.skipped == 1 and len(fake_llm.chat_requests) == sent_second


def test_a_killed_batch_rerun_stores_every_document_exactly_once(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    for k in range(200):
        # distinct texts: each its own document
        write(docs, f"d{k:03d}.txt", f"第{k}号文件\n" + PINGDINGSHAN)
    db = tmp_path / "results.db"
    cmd = [sys.executable, "-m", "extractor.cli", "batch", str(docs), "--db", str(db),
           "--backend", "rules", "--docs", "1", "--quiet"]  # fmt: skip
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        stored = 0
        while time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.2)
            try:
                stored = len(query(db, "SELECT id FROM reports"))
            except Exception:
                continue  # the file is being created
            if stored >= 20:
                break
        assert proc.poll() is None, "the batch ended before it could be killed"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert 20 <= stored < 200

    rerun = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stderr
    reports = query(db, "SELECT doc_id, n_facts, id FROM reports")
    assert len(reports) == 200 and len({r["doc_id"] for r in reports}) == 200
    counts = {r["report_id"]: r["n"] for r in query(
        db, "SELECT report_id, COUNT(*) AS n FROM facts GROUP BY report_id")}  # fmt: skip
    runs = {r["report_id"] for r in query(db, "SELECT report_id FROM runs")}
    for r in reports:  # no half-written document: each has all its facts and its run row
        assert counts.get(r["id"], 0) == r["n_facts"] > 0 and r["id"] in runs


# --- exports -------------------------------------------------------------------------------


@pytest.fixture
def stored(seeds: Path, tmp_path: Path) -> Path:
    db = tmp_path / "results.db"
    batch(seeds, db)
    return db


@pytest.mark.parametrize("table", ["panel", "facts", "findings", "reports"])
@pytest.mark.parametrize("fmt", ["csv", "jsonl", "xlsx", "parquet"])
def test_every_export_round_trips(stored: Path, tmp_path: Path, table: str, fmt: str) -> None:
    out = tmp_path / f"out.{fmt}"
    n = export(stored, table, out)
    with Store(stored) as store:
        columns, rows = rows_of(store, table)
    assert n == len(rows) > 0
    back_columns, back = read_back(out, fmt)
    assert back_columns == columns
    for got, want in zip(back, rows, strict=True):
        for c in columns:
            assert same(got[c], want[c], fmt), (c, got[c], want[c])
    if table in ("panel", "facts", "findings"):
        assert {"doc_id", "path", "quote"} <= set(columns)


def read_back(path: Path, fmt: str) -> tuple[list[str], list[dict[str, Any]]]:
    if fmt == "csv":
        with path.open(encoding="utf-8", newline="") as f:
            reader = csv.DictReader(f)
            return list(reader.fieldnames or []), list(reader)
    if fmt == "jsonl":
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        return list(rows[0]), rows
    if fmt == "xlsx":
        from openpyxl import load_workbook

        sheet = load_workbook(path, read_only=True)["data"]
        values = [list(r) for r in sheet.iter_rows(values_only=True)]
        return [str(c) for c in values[0]], [
            dict(zip(values[0], r, strict=True)) for r in values[1:]
        ]
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    return table.column_names, table.to_pylist()


def same(got: Any, want: Any, fmt: str) -> bool:
    if fmt == "csv":  # text: the number as stated, nothing for null
        return got == ("" if want is None else str(want))
    if fmt == "xlsx" and want == "" and got is None:
        return True  # an empty string is an empty cell
    return bool(got == want)


def test_csv_keeps_numbers_as_stated(stored: Path, tmp_path: Path) -> None:
    out = tmp_path / "panel.csv"
    export(stored, "panel", out, indicator="pm25_annual_mean")
    text = out.read_text(encoding="utf-8")
    assert ",51," in text and ",51.0," not in text
    export(stored, "facts", tmp_path / "facts.csv")
    assert ",4.803," in (tmp_path / "facts.csv").read_text(encoding="utf-8")
    # and so does sqlite-utils, reading the database as it stands
    exe = Path(sys.executable).with_name("sqlite-utils")
    sql = "SELECT value FROM panel WHERE indicator = 'pm25_annual_mean' ORDER BY value"
    out = subprocess.run([str(exe), "query", str(stored), sql, "--csv"], capture_output=True,
                         text=True, check=True).stdout  # fmt: skip
    assert out.split() == ["value", "36", "49", "51"]


def test_the_wide_panel_shows_conflicts_side_by_side(stored: Path, tmp_path: Path) -> None:
    out = tmp_path / "wide.csv"
    export(stored, "panel", out, indicator="pm25_annual_mean", wide_form=True)
    with out.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    by_region = {r["region"]: r for r in rows}
    assert by_region["安阳市"]["2024"] == "51 | 49" or by_region["安阳市"]["2024"] == "49 | 51"
    assert by_region["平顶山市"]["截至2025-09-16"] == "36"
    with pytest.raises(extractor.UsageError, match="--indicator"):
        export(stored, "panel", tmp_path / "x.csv", wide_form=True)


def test_export_errors_are_one_line(stored: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    missing = runner.invoke(app, ["export", str(tmp_path / "none.db"), "-o", "x.csv"])
    assert missing.exit_code != 0 and "no such results database" in missing.output
    suffix = runner.invoke(app, ["export", str(stored), "-o", str(tmp_path / "x.txt")])
    assert suffix.exit_code == 2 and "--format" in suffix.output
    stdout = runner.invoke(app, ["export", str(stored), "-o", "-", "--indicator",
                                 "pm25_annual_mean", "--status", "verified"])  # fmt: skip
    assert stdout.exit_code == 0 and stdout.output.startswith("region,period,area,indicator")
    assert "Traceback" not in missing.output + suffix.output


def test_a_missing_extra_is_named(stored: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setitem(sys.modules, "openpyxl", None)
    with pytest.raises(extractor.ConfigError, match=r"extractor\[xlsx\]"):
        export(stored, "panel", tmp_path / "x.xlsx")


# --- reading the panel --------------------------------------------------------------------


def test_panel_from_python_as_rows_and_as_a_dataframe(stored: Path) -> None:
    rows = extractor.panel(stored, indicator="pm25_annual_mean", region="安阳市")
    assert sorted(r.value for r in rows) == [49, 51]
    assert all(r.quote and r.span_start is not None and r.status == "verified" for r in rows)
    frame = extractor.panel(stored, indicator="good_air_days", frame=True)
    assert list(frame["value"]) == [226, 226, 185] or sorted(frame["value"]) == [185, 226, 226]
    assert "quote" in frame.columns


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_datasette_serves_the_panel_on_loopback(stored: Path) -> None:
    meta = stored.with_name("results.metadata.json")
    from extractor.storage._datasette import write_datasette_metadata

    assert write_datasette_metadata(stored) == meta
    port = free_port()
    exe = Path(sys.executable).with_name("datasette")
    proc = subprocess.Popen(
        [str(exe), "serve", str(stored), "-m", str(meta), "--host", "127.0.0.1",
         "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{base}/-/versions.json", timeout=2)
                break
            except OSError:
                assert time.monotonic() < deadline and proc.poll() is None, (
                    "datasette did not start"
                )
                time.sleep(0.3)
        url = f"{base}/results/panel.json?_shape=array&indicator=pm25_annual_mean&_sort=value"
        rows = json.loads(urllib.request.urlopen(url, timeout=10).read())
        assert [(r["region"], r["value"]) for r in rows] == [
            ("平顶山市", 36), ("安阳市", 49), ("安阳市", 51),
        ]  # fmt: skip
        facets = json.loads(urllib.request.urlopen(f"{base}/results/panel.json", timeout=10).read())
        assert {"indicator", "region", "period", "status"} <= set(facets["facet_results"])
    finally:
        proc.terminate()
        proc.wait(timeout=10)


# --- the batch's ways of running ------------------------------------------------------------


def test_workers_store_what_one_process_stores(seeds: Path, tmp_path: Path) -> None:
    one, two = tmp_path / "one.db", tmp_path / "two.db"
    batch(seeds, one)
    summary = batch(seeds, two, workers=2)
    assert (summary.ok, summary.skipped) == (3, 1)
    for db in (one, two):
        assert len(query(db, "SELECT id FROM current_reports")) == 3
    with Store(one) as a, Store(two) as b:
        for (rid,) in a.db.execute("SELECT id FROM reports").fetchall():
            x, y = a.load_report(rid), b.load_report(rid)
            assert x.model_copy(update={"run": y.run}) == y


def test_of_two_identical_files_the_first_in_input_order_is_stored(
    seeds: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import extractor.batch._run as run_module

    real_load = run_module.load

    def slow_first(path: Path, **kw: Any) -> Any:
        if path.name == "pingdingshan-2025.txt":
            time.sleep(0.5)  # its copy, later in the input, finishes loading first
        return real_load(path, **kw)

    monkeypatch.setattr(run_module, "load", slow_first)
    db = tmp_path / "r.db"
    summary = batch(seeds, db, doc_concurrency=4)
    assert (summary.ok, summary.skipped) == (3, 1)
    (copy,) = query(db, "SELECT path, same_as FROM copies")
    assert Path(copy["path"]).name == "zz-pingdingshan-copy.txt"
    assert Path(copy["same_as"]).name == "pingdingshan-2025.txt"
    stored = {Path(r["path"]).name for r in query(db, "SELECT path FROM current_reports")}
    assert "pingdingshan-2025.txt" in stored and "zz-pingdingshan-copy.txt" not in stored


def test_workers_are_for_the_rules_backend(fake_llm: FakeLLM, seeds: Path, tmp_path: Path):
    opts = ExtractOptions(backend="llm", base_url=fake_llm.base_url, model="m", api_key="k")
    with pytest.raises(extractor.UsageError, match="--concurrency"):
        batch(seeds, tmp_path / "r.db", opts, workers=2)


def test_progress_is_a_line_per_document_when_not_on_a_terminal(seeds: Path, tmp_path: Path):
    runner = CliRunner()
    db = tmp_path / "r.db"
    result = runner.invoke(app, ["batch", str(seeds), "--db", str(db), "--backend", "rules"])
    assert result.exit_code == 0, result.output
    lines = [ln for ln in result.output.splitlines() if ln.startswith("[")]
    assert len(lines) == 4 and lines[0].startswith("[1/4] ")
    assert any(" ok " in ln and "facts" in ln and "ETA" in ln for ln in lines)
    assert any("skipped" in ln and "same text as" in ln for ln in lines)
    assert "3 stored" in result.output and "datasette" in result.output
    quiet = runner.invoke(app, ["batch", str(seeds), "--db", str(db), "--backend", "rules", "-q"])
    assert quiet.exit_code == 0 and not [
        ln for ln in quiet.output.splitlines() if ln.startswith("[")
    ]


def test_an_input_over_the_size_limit_is_one_line_naming_the_option(tmp_path: Path) -> None:
    big = write(tmp_path, "big.txt", ANYANG * 3)
    result = CliRunner().invoke(app, ["extract", str(big), "--max-mb", "0.01"])
    assert result.exit_code != 0
    (line,) = [ln for ln in result.output.splitlines() if ln.startswith("error:")]
    assert "--max-mb" in line and "MB" in line and "Traceback" not in result.output
    with pytest.raises(extractor.InputError, match="max_mb"):
        extractor.extract(ANYANG * 3, backend="rules", max_mb=0.01)
