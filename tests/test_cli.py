"""The command line as a user meets it: one-line errors, exit codes, JSON and summary output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from extractor import Report
from tests.llm_responder import responder

SEED = Path(__file__).resolve().parents[1] / "eval" / "gold" / "anyang-2024.txt"


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "EXTRACTOR_"))}
    base["EXTRACTOR_CACHE"] = os.devnull + ".nope"  # never the user's cache
    return subprocess.run(
        [sys.executable, "-m", "extractor.cli", *args],
        capture_output=True,
        text=True,
        env={**base, **(env or {})},
        timeout=120,
    )


def test_version():
    r = cli("--version")
    assert r.returncode == 0 and r.stdout.startswith("extractor 0.")


def test_missing_file_is_one_line_exit_1(fake_llm, tmp_path):
    r = cli("extract", str(tmp_path / "nope.txt"), "--base-url", fake_llm.base_url, "-m", "x")
    assert r.returncode == 1
    assert r.stderr.count("\n") == 1 and "nope.txt" in r.stderr
    assert "Traceback" not in r.stderr


def test_empty_file_is_one_line(fake_llm, tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    r = cli("extract", str(empty), "--base-url", fake_llm.base_url, "-m", "x")
    assert r.returncode == 1 and "empty.txt" in r.stderr and r.stderr.count("\n") == 1


def test_unknown_mode_is_a_usage_error(fake_llm):
    r = cli("extract", str(SEED), "--base-url", fake_llm.base_url, "-m", "x", "--mode", "yaml")
    assert r.returncode == 2 and "yaml" in r.stderr and "Traceback" not in r.stderr


def test_no_endpoint_says_what_to_configure():
    r = cli("extract", str(SEED), "--backend", "llm")
    assert r.returncode == 2 and "OPENAI_BASE_URL" in r.stderr


def test_json_output_is_a_contract_report(fake_llm, tmp_path):
    fake_llm.responder = responder
    out = tmp_path / "out.json"
    r = cli(
        "extract", str(SEED), "--backend", "llm", "--base-url", fake_llm.base_url,
        "--model", "fake", "--mode", "json", "--no-cache", "-o", str(out),
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    report = Report.model_validate_json(out.read_text("utf-8"))
    assert report.facts and report.spans_ok()
    assert report.source is not None and report.source.path == str(SEED)
    # the summary names the counts the JSON holds
    assert f"{len(report.facts)} facts" in r.stdout


def test_json_to_stdout(fake_llm):
    fake_llm.responder = responder
    r = cli(
        "extract", str(SEED), "--json", "--base-url", fake_llm.base_url, "--model", "fake",
        "--mode", "tools", "--no-cache",
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["schema_version"] == "1" and data["run"]["calls"] == fake_llm.calls


def test_failing_endpoint_is_one_line(fake_llm):
    from tests.fakeserver import Reply

    fake_llm.responder = lambda request: Reply(status=500)
    r = cli(
        "extract", str(SEED), "--base-url", fake_llm.base_url, "--model", "fake", "--mode", "json",
        "--no-cache", "--max-retries", "0",
    )  # fmt: skip
    assert r.returncode == 1
    assert r.stderr.count("\n") == 1 and "HTTP 500" in r.stderr


def test_help_names_the_environment_and_the_choices():
    r = cli("extract", "--help")
    assert r.returncode == 0
    shown = " ".join(r.stdout.split())  # help text wraps at any space
    for hint in ("OPENAI_BASE_URL", "OPENAI_API_KEY", "EXTRACTOR_MODEL", "EXTRACTOR_MODE"):
        assert f"[env var: {hint}]" in shown, hint
    assert "[auto|llm|rules|hybrid]" in shown
    assert "[tools|json|json_schema|md_json]" in shown


def test_json_is_a_flag_not_a_value(tmp_path: Path):
    r = cli("extract", str(SEED), "--backend", "rules", "--json")
    assert r.returncode == 0, r.stderr
    assert Report.model_validate_json(r.stdout).facts


def test_batch_needs_a_database_named():
    r = cli("batch", str(SEED), "--backend", "rules")
    assert r.returncode == 2 and "--db" in r.stderr


def test_two_inputs_with_one_name_are_written_to_two_files(tmp_path: Path):
    for year in ("2023", "2024"):
        (tmp_path / year).mkdir()
        text = SEED.read_text("utf-8").replace("2024年", f"{year}年", 1)
        (tmp_path / year / "report.txt").write_text(text, "utf-8")
    out = tmp_path / "out"
    r = cli(
        "extract", str(tmp_path / "2023" / "report.txt"), str(tmp_path / "2024" / "report.txt"),
        "--backend", "rules", "-o", str(out),
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    written = sorted(out.glob("*.json"))
    assert len(written) == 2 and all(p.name.startswith("report-") for p in written)
    paths = {Report.model_validate_json(p.read_text("utf-8")).source.path for p in written}
    assert paths == {str(tmp_path / y / "report.txt") for y in ("2023", "2024")}


def test_check_can_gate_a_pipeline_on_flagged_facts(tmp_path: Path):
    facts = {"facts": [
        {"subject": "优良天数", "value": 262, "unit": "天", "quote": "全年优良天数226天"},
        {"subject": "优良天数", "value": 226, "unit": "天", "quote": "全年优良天数226天"},
    ]}  # fmt: skip
    path = tmp_path / "facts.json"
    path.write_text(json.dumps(facts, ensure_ascii=False), "utf-8")
    relaxed = cli("check", str(path), "--source", str(SEED))
    assert relaxed.returncode == 0
    gated = cli("check", str(path), "--source", str(SEED), "--fail-on", "flagged")
    assert gated.returncode == 1 and "1 facts flagged (--fail-on flagged)" in gated.stderr


def test_the_summary_counts_transport_retries(fake_llm, tmp_path: Path):
    from tests.fakeserver import Reply

    small = tmp_path / "small.txt"
    small.write_text("全年优良天数226天，同比增加14天。\n", "utf-8")
    meta = Reply(content=json.dumps({"title": "t", "doc_type": "other"}))
    facts = Reply(content=json.dumps({"facts": []}))
    fake_llm.script(meta, Reply(status=500), facts)
    r = cli(
        "extract", str(small), "--backend", "llm", "--base-url", fake_llm.base_url, "-m", "fake",
        "--mode", "json", "--no-cache", "--no-repair", "-c", "1",
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "2 calls (3 HTTP requests with transport retries" in r.stdout
