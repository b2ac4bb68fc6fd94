"""The command line as a user meets it: one-line errors, exit codes, JSON and summary output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from extractor import Report
from tests.llm_responder import responder

SEED = Path(__file__).resolve().parents[2] / "shared" / "seeds" / "anyang-2024-renda-survey.txt"


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
