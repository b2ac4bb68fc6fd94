"""The service's OpenAPI schema, run property-based (Schemathesis) against the live server:
every operation, bounded in examples and time. Whatever it sends, the server answers as its
schema says, never with a 5xx, and stays up."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.test_service import SHORT, TOKEN, Service


def test_the_openapi_schema_holds_for_generated_requests(tmp_path: Path) -> None:
    svc = Service(tmp_path / "r.db", "--token", TOKEN, "--backend", "rules", "--max-mb", "1")
    svc.start()
    try:
        with svc.client() as c:  # a stored report, so the report routes are reached too
            doc_id = c.post("/v1/extract", json={"text": SHORT}).json()["report"]["doc_id"]
        run = subprocess.run(
            [sys.executable, "-m", "schemathesis.cli", "run", f"{svc.url}/openapi.json",
             "-H", f"Authorization: Bearer {TOKEN}", "--max-examples", "15", "--max-time", "45",
             "--seed", "20261202", "--generation-deterministic", "--phases", "examples,coverage,fuzzing",
             # a schema cannot say which bytes are a readable report (a PDF without a text
             # layer, a .png named as a file): rejecting those with a 4xx is right
             "--exclude-checks", "positive_data_acceptance"],
            capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
        assert "API Operations" in run.stdout
        with svc.client() as c:
            assert c.get("/healthz").status_code == 200
            assert c.get(f"/v1/reports/{doc_id}").status_code == 200
        assert "Traceback" not in svc.log.read_text(encoding="utf-8", errors="replace")
    finally:
        svc.stop()
