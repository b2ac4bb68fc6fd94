"""The service through real HTTP: ``extractor serve`` in a process of its own on loopback,
each route, each bad input, the token, and a restart with a job in flight."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from extractor import extract
from tests.fakeserver import FakeLLM, Reply
from tests.llm_responder import responder

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "eval" / "gold" / "anyang-2024.txt"
TOKEN = "s3cret-token"
KEY = "sk-THE-MODELS-KEY-never-shown"
SHORT = "2024年桐江市环境状况报告\n一、总体情况\n全年优良天数226天，同比增加14天。罚款3136万元。\n"


class Service:
    def __init__(self, db: Path, *args: str) -> None:
        self.db = db
        self.args = args
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = db.with_suffix(".log")
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Service:
        env = {**os.environ, "NO_PROXY": "127.0.0.1", "EXTRACTOR_CACHE": str(self.db) + ".cache"}
        env.pop("EXTRACTOR_TOKEN", None)
        cmd = [sys.executable, "-m", "extractor.cli", "serve", "--db", str(self.db),
               "--port", str(self.port), *self.args]  # fmt: skip
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=log)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.1)
        raise AssertionError(f"the service did not start: {self.log.read_text()}")

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)  # no clean shutdown: as a crash or a power cut
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)

    def client(self, token: str | None = TOKEN) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=60)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def svc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    db = tmp_path_factory.mktemp("svc") / "results.db"
    service = Service(db, "--token", TOKEN, "--max-mb", "0.05", "--sync-chars", "2000",
                      "--backend", "rules", "--api-key", KEY).start()  # fmt: skip
    yield service
    service.stop()


def test_health_needs_no_token_and_everything_else_does(svc: Service) -> None:
    assert svc.client(token=None).get("/healthz").json()["status"] == "ok"
    for token in (None, "wrong"):
        with svc.client(token) as c:
            for path in ("/v1/jobs/x", "/v1/reports/x", "/v1/panel", "/openapi.json", "/docs"):
                r = c.get(path)
                assert r.status_code == 401, path
                assert "Authorization: Bearer" in r.json()["message"]
    with svc.client() as c:
        assert c.get("/openapi.json").json()["info"]["title"] == "extractor"


def test_a_short_text_is_answered_at_once_and_stored(svc: Service) -> None:
    with svc.client() as c:
        r = c.post("/v1/extract", json={"text": SHORT, "filename": "桐江.txt"})
        assert r.status_code == 200, r.text
        body = r.json()
        report = body["report"]
        assert {(f["value"], f["unit"]) for f in report["facts"]} >= {(226, "天"), (3136, "万元")}
        assert body["job"]["status"] == "done" and body["job"]["filename"] == "桐江.txt"
        doc_id = report["doc_id"]
        assert c.get(f"/v1/reports/{doc_id}").json() == report
        assert c.get(f"/v1/jobs/{body['job']['id']}").json()["doc_id"] == doc_id
        page = c.get(f"/v1/reports/{doc_id}/review")
        assert page.headers["content-type"].startswith("text/html")
        assert 'id="f-0"' in page.text
        rows = c.get("/v1/panel", params={"indicator": "good_air_days"}).json()
        assert rows and {r["indicator"] for r in rows} == {"good_air_days"}
        assert any(r["doc_id"] == doc_id and r["value"] == 226 for r in rows)
        assert c.get("/v1/panel", params={"region": "没有这个地方"}).json() == []


def test_a_file_upload_is_read_as_its_type(svc: Service) -> None:
    with svc.client() as c:
        files = {"file": ("short.md", SHORT.encode("utf-8"), "text/markdown")}
        r = c.post("/v1/extract", files=files, data={"options": json.dumps({"repair": False})})
        assert r.status_code == 200, r.text
        assert r.json()["job"]["filename"] == "short.md"
        gbk = {"file": ("gbk.txt", SHORT.encode("gbk"), "text/plain")}
        assert c.post("/v1/extract", files=gbk).json()["report"]["facts"]


def test_docx_and_pdf_uploads_are_read(svc: Service, tmp_path: Path) -> None:
    import docx

    from tests.test_loading import _pdf

    document = docx.Document()
    for line in SHORT.splitlines():
        document.add_paragraph(line)
    document.save(str(tmp_path / "r.docx"))
    pdf = _pdf(tmp_path / "r.pdf", "Air quality 2024: good days 226, PM2.5 annual mean 51 ug/m3.")
    with svc.client() as c:
        for path in (tmp_path / "r.docx", pdf):
            r = c.post("/v1/extract", files={"file": (path.name, path.read_bytes())})
            assert r.status_code == 200, r.text
            values = {f["value"] for f in r.json()["report"]["facts"]}
            assert 226 in values, (path.name, values)
        scan = _pdf(tmp_path / "scan.pdf", None)
        r = c.post("/v1/extract", files={"file": ("scan.pdf", scan.read_bytes())})
        assert r.status_code == 400 and "OCR" in r.json()["message"]


@pytest.mark.parametrize(
    ("send", "status", "words"),
    [
        ({"files": {"file": ("x.exe", b"MZ\x90\x00", "application/octet-stream")}}, 415, ".txt"),
        (
            {"files": {"file": ("x.txt", b"\x00\x01\x02\x03\xff\xfe\x00" * 50, "text/plain")}},
            400,
            "binary",
        ),
        ({"files": {"file": ("x.txt", b"", "text/plain")}}, 400, "empty"),
        ({"json": {"text": " \n "}}, 400, "no text"),
        ({"json": {"text": "字" * 20_000}}, 413, "limit"),
        ({"files": {"file": ("big.txt", "字".encode() * 20_000, "text/plain")}}, 413, "limit"),
        ({"content": b"{not json", "headers": {"content-type": "application/json"}}, 422, "JSON"),
        ({"json": {"txt": SHORT}}, 422, "text"),
        ({"json": {"text": SHORT, "options": {"api_key": "x"}}}, 422, "options.api_key"),
        ({"json": {"text": SHORT, "options": {"backend": "gpt"}}}, 422, "options.backend"),
        ({"content": SHORT.encode(), "headers": {"content-type": "text/plain"}}, 415, "JSON"),
        ({"files": {"file": ("a.txt", b"x")}, "data": {"options": "{"}}, 422, "options"),
    ],
)
def test_bad_input_is_a_4xx_that_says_what_was_wrong(
    svc: Service, send: dict[str, Any], status: int, words: str
) -> None:
    with svc.client() as c:
        r = c.post("/v1/extract", **send)
        assert r.status_code == status, r.text
        body = r.json()
        assert body["error"] and words in body["message"], body
        assert c.get("/healthz").status_code == 200  # and the server goes on


def test_unknown_ids_are_404(svc: Service) -> None:
    with svc.client() as c:
        for path in ("/v1/jobs/nope", "/v1/reports/nope", "/v1/reports/nope/review"):
            r = c.get(path)
            assert r.status_code == 404 and r.json()["error"] == "not_found"


def test_a_long_text_is_a_job_to_poll(svc: Service) -> None:
    text = SEED.read_text(encoding="utf-8")
    assert len(text) > 2000
    with svc.client() as c:
        r = c.post("/v1/extract", json={"text": text})
        assert r.status_code == 202, r.text
        job = r.json()
        done = _wait(c, job["id"], "done")
        report = c.get(done["report_url"]).json()
        assert report["doc_id"] == extract(text).doc_id
        assert len(report["facts"]) == len(extract(text).facts)


def test_the_model_key_is_never_returned_logged_or_stored(svc: Service) -> None:
    with svc.client() as c:
        c.post("/v1/extract", json={"text": SHORT})
        seen = c.get("/openapi.json").text + c.get("/healthz").text
    assert KEY not in seen
    assert KEY.encode() not in svc.db.read_bytes()
    assert KEY not in svc.log.read_text(encoding="utf-8", errors="replace")


def _wait(c: httpx.Client, job_id: str, status: str, seconds: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job = c.get(f"/v1/jobs/{job_id}").json()
        if job["status"] == status:
            return job
        assert job["status"] != "failed", job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} never became {status}: {job}")


def test_a_job_in_flight_when_the_server_dies_is_resumed_on_start(tmp_path: Path) -> None:
    with FakeLLM() as fake:
        slow = True

        def answer(request: dict[str, Any]) -> Reply:
            reply = responder(request)
            reply.delay = 25.0 if slow else 0.0
            return reply

        fake.responder = answer
        args = ("--backend", "llm", "--base-url", fake.base_url, "--model", "m", "--api-key",
                KEY, "--sync-chars", "0", "--no-cache", "--timeout", "60")  # fmt: skip
        first = Service(tmp_path / "r.db", *args).start()
        try:
            with first.client(token=None) as c:
                job = c.post("/v1/extract", json={"text": SHORT}).json()
                assert job["status"] == "queued"
                _wait(c, job["id"], "running")
            deadline = time.monotonic() + 20
            while not fake.requests and time.monotonic() < deadline:
                time.sleep(0.05)
            assert fake.requests  # its model calls are out
        finally:
            first.kill()
        slow = False
        second = Service(tmp_path / "r.db", *args).start()
        try:
            with second.client(token=None) as c:
                done = _wait(c, job["id"], "done")
                report = c.get(done["report_url"]).json()
            assert {f["value"] for f in report["facts"]} >= {226, 3136}
        finally:
            second.stop()


def test_without_the_service_extra_the_error_names_it(monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    from extractor import ConfigError, service

    real = builtins.__import__

    def no_fastapi(name: str, *a: Any, **kw: Any) -> Any:
        if name == "fastapi":
            raise ImportError("No module named 'fastapi'", name="fastapi")
        return real(name, *a, **kw)

    monkeypatch.setattr(builtins, "__import__", no_fastapi)
    with pytest.raises(ConfigError, match=r"pip install 'extractor\[service\]'"):
        service.settings(db="x.db", options=None)
