"""Batch files: emit the model path's requests as Batch API JSONL, answer them with a fake
batch engine (the perfect model, line by line, as OpenAI's Batch API or vllm run-batch would),
ingest the output: the stored Reports are the online path's for the same replies."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from extractor.batch import BatchSettings, collect_inputs, run_batch
from extractor.cli import app
from extractor.evaluation import load_gold
from extractor.options import ExtractOptions
from extractor.storage import Store
from tests.fakeserver import FakeLLM, completion_body
from tests.oracle import Oracle

SEEDS = Path("eval/gold")


def engine(requests: Path, oracle: Oracle, output: Path, *, fail: int = 0) -> int:
    """A batch engine: answers each request line, in reverse order (the output is joined on
    custom_id, never on order); the first ``fail`` lines come back as errors."""
    lines = [json.loads(x) for x in requests.read_text(encoding="utf-8").splitlines() if x]
    out = []
    for k, line in enumerate(reversed(lines)):
        if k < fail:
            out.append({"id": f"b{k}", "custom_id": line["custom_id"], "response": None,
                        "error": {"code": "server_error", "message": "engine failed"}})  # fmt: skip
            continue
        body = completion_body(line["body"], oracle(line["body"]), k)
        out.append(
            {"id": f"b{k}", "custom_id": line["custom_id"],
             "response": {"status_code": 200, "request_id": f"r{k}", "body": body},
             "error": None}
        )  # fmt: skip
    output.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in out), "utf-8")
    return len(lines)


def docs_folder(tmp_path: Path) -> Path:
    docs = tmp_path / "docs"
    docs.mkdir()
    for g in load_gold(SEEDS):
        (docs / f"{g.name}.txt").write_text(g.doc.text, encoding="utf-8")
    return docs


def model_args(cache: Path) -> list[str]:
    return ["--backend", "llm", "--model", "oracle", "--mode", "tools", "--cache", str(cache)]


def emitted(tmp_path: Path) -> tuple[Path, Path]:
    """The seeds emitted into tmp_path/files: the folder and its first request file."""
    out = tmp_path / "files"
    args = ["batch", "emit", str(docs_folder(tmp_path)), "--out", str(out),
            *model_args(tmp_path / "c.db")]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    (first,) = sorted(out.glob("requests-001-*.jsonl"))
    return out, first


def stored(db: Path) -> dict[str, Any]:
    with Store(db) as store:
        ids = [r[0] for r in store.db.execute("SELECT id FROM reports").fetchall()]
        reports = [store.load_report(i) for i in ids]
    return {r.doc_id: r for r in reports}


def same(a: Any, b: Any) -> None:
    """Two Reports alike in everything but how the run went (calls, cache hits, seconds)."""
    assert a.facts == b.facts
    assert a.problems == b.problems and a.recommendations == b.recommendations
    assert a.meta == b.meta and a.checks == b.checks
    assert [s.status for s in a.sections] == [s.status for s in b.sections]


def test_emit_engine_ingest_gives_the_online_path_s_reports(
    fake_llm: FakeLLM, tmp_path: Path
) -> None:
    oracle = Oracle(load_gold(SEEDS))
    docs = docs_folder(tmp_path)
    runner = CliRunner()
    out, db = tmp_path / "batchfiles", tmp_path / "offline.db"

    emitted = runner.invoke(app, ["batch", "emit", str(docs), "--out", str(out),
                                  *model_args(tmp_path / "offline-cache.db")])  # fmt: skip
    assert emitted.exit_code == 0, emitted.output
    files = sorted(out.glob("requests-001-*.jsonl"))
    assert files and (out / "manifest.json").exists()
    first = [json.loads(x) for x in files[0].read_text(encoding="utf-8").splitlines()]
    assert all(x["url"] == "/v1/chat/completions" and x["body"]["model"] == "oracle" for x in first)
    assert len({x["custom_id"] for x in first}) == len(first)

    rounds = 0
    pending = files
    while pending:
        rounds += 1
        assert rounds <= 4, "the rounds never finish"
        outputs = []
        for f in pending:
            engine(f, oracle, f.with_suffix(".out.jsonl"))
            outputs.append(f.with_suffix(".out.jsonl"))
        result = runner.invoke(app, ["batch", "ingest", *map(str, outputs),
                                     "--out", str(out), "--db", str(db)])  # fmt: skip
        assert result.exit_code == 0, result.output
        pending = sorted(out.glob(f"requests-{rounds + 1:03d}-*.jsonl"))
    offline = stored(db)
    assert len(offline) == 2

    # the online path, same replies
    fake_llm.responder = oracle
    opts = ExtractOptions(
        backend="llm", base_url=None, api_key="batch", model="oracle", mode="tools",
        cache=False,
    )  # fmt: skip
    online_db = tmp_path / "online.db"
    with Store(online_db) as store:
        direct = opts.__class__(**{**opts.describe(), "base_url": fake_llm.base_url})
        run_batch(collect_inputs(str(docs)), store, direct, BatchSettings(progress="quiet"))
    online = stored(online_db)
    assert set(online) == set(offline)
    for doc_id, report in online.items():
        same(offline[doc_id], report)


def test_a_second_emit_leaves_out_what_the_cache_already_answers(tmp_path: Path) -> None:
    oracle = Oracle(load_gold(SEEDS))
    runner = CliRunner()
    out, first = emitted(tmp_path)
    n = engine(first, oracle, tmp_path / "answers.jsonl", fail=2)
    result = runner.invoke(app, ["batch", "ingest", str(tmp_path / "answers.jsonl"),
                                 "--out", str(out), "--db", str(tmp_path / "r.db")])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert f"{n - 2} answers read, 2 failed" in result.output
    # the two failed lines are asked again in the next file; nothing answered is
    (again,) = sorted(out.glob("requests-002-*.jsonl"))
    ids = {json.loads(x)["custom_id"] for x in again.read_text(encoding="utf-8").splitlines()}
    firsts = [json.loads(x)["custom_id"] for x in first.read_text(encoding="utf-8").splitlines()]
    assert set(firsts[-2:]) <= ids  # the engine answered in reverse: the last two failed
    assert not (set(firsts[:-2]) & ids)


def test_submit_status_fetch_through_the_batch_endpoints(fake_llm: FakeLLM, tmp_path: Path) -> None:
    fake_llm.responder = Oracle(load_gold(SEEDS))
    docs = docs_folder(tmp_path)
    runner = CliRunner()
    out, db = tmp_path / "files", tmp_path / "r.db"
    endpoint = ["--base-url", fake_llm.base_url, "--api-key", "k"]
    args = ["batch", "emit", str(docs), "--out", str(out), *model_args(tmp_path / "c.db")]
    assert runner.invoke(app, [*args, *endpoint]).exit_code == 0
    for _ in range(4):
        submitted = runner.invoke(app, ["batch", "submit", "--out", str(out), *endpoint])
        assert submitted.exit_code == 0, submitted.output
        if "0 batches started" in submitted.output:
            break
        shown = runner.invoke(app, ["batch", "status", "--out", str(out), *endpoint])
        assert shown.exit_code == 0 and "completed" in shown.output, shown.output
        fetched = runner.invoke(
            app, ["batch", "fetch", "--out", str(out), "--db", str(db), *endpoint]
        )
        assert fetched.exit_code == 0, fetched.output
    assert "0 batches started" in submitted.output
    assert len(stored(db)) == 2
    # every chat request went through the batch endpoints, none to chat/completions online
    paths = {r["path"] for r in fake_llm.requests}
    assert "/v1/batches" in paths and "/v1/files" in paths
    assert not any(p.endswith("/chat/completions") for p in paths)
    ledger = json.loads((out / "submitted.json").read_text(encoding="utf-8"))
    assert all(e["status"] == "completed" and e["fetched"] for e in ledger.values())


def test_ingest_reads_output_lines_whose_response_is_the_completion_itself(
    tmp_path: Path,
) -> None:
    oracle = Oracle(load_gold(SEEDS))
    runner = CliRunner()
    out, first = emitted(tmp_path)
    engine(first, oracle, tmp_path / "a.jsonl")
    flat = [json.loads(x) for x in (tmp_path / "a.jsonl").read_text(encoding="utf-8").splitlines()]
    for x in flat:
        x["response"] = x["response"]["body"]  # some servers write the completion bare
    (tmp_path / "b.jsonl").write_text("\n".join(json.dumps(x) for x in flat), encoding="utf-8")
    result = runner.invoke(app, ["batch", "ingest", str(tmp_path / "b.jsonl"),
                                 "--out", str(out), "--db", str(tmp_path / "r.db")])  # fmt: skip
    assert result.exit_code == 0 and f"{len(flat)} answers read, 0 failed" in result.output


def test_a_torn_output_line_is_a_failure_not_the_end_of_the_ingest(tmp_path: Path) -> None:
    oracle = Oracle(load_gold(SEEDS))
    out, first = emitted(tmp_path)
    n = engine(first, oracle, tmp_path / "a.jsonl")
    text = (tmp_path / "a.jsonl").read_text(encoding="utf-8")
    (tmp_path / "a.jsonl").write_text(text + '\n{"custom_id": "x", "resp', encoding="utf-8")
    result = CliRunner().invoke(app, ["batch", "ingest", str(tmp_path / "a.jsonl"),
                                      "--out", str(out), "--db", str(tmp_path / "r.db")])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert f"{n} answers read, 1 failed" in result.output and "Traceback" not in result.output
