"""Batch files: the requests the model path would send, written as OpenAI Batch API JSONL
(which ``vllm run-batch`` reads too), and the engine's output read back.

``emit`` runs each document's model path with a client that sends nothing: every request the
response cache cannot answer is written to a file instead (``custom_id`` is the document and
the request's cache key, so it is the same for the same document, section, prompt version and
attempt). ``ingest`` puts the engine's answers in the response cache, joined on ``custom_id``,
then runs the documents again, exactly as online: a document whose requests are all answered
is grounded, checked and stored; what it still needs (a re-ask, a repair, a missed-numbers
pass, a halved chunk) is written as the next file.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from extractor.errors import ExtractionError, InputError, UsageError
from extractor.llm.cache import ResponseCache, open_cache, sent_body
from extractor.llm.client import LLMClient
from extractor.loading import load
from extractor.options import ExtractOptions
from extractor.pipeline import aextract_document
from extractor.storage import Store

__all__ = ["FileRound", "aemit", "aingest"]

MAX_LINES = 50_000  # the Batch API's limits per input file
MAX_BYTES = 200 * 1024 * 1024
MANIFEST = "manifest.json"


@dataclass
class FileRound:
    """What one emit or ingest did."""

    files: list[Path] = field(default_factory=list)  # request files written
    requests: int = 0  # requests in them
    stored: int = 0  # documents completed and stored (ingest)
    pending: int = 0  # documents still waiting on requests
    answered: int = 0  # output lines put in the cache (ingest)
    failed: list[str] = field(default_factory=list)  # output lines that were errors


def _options(opts: ExtractOptions) -> ExtractOptions:
    """The options a batch file is made with: the model path, and an endpoint identity even
    when none is set (the Batch API's own, as the online path would use)."""
    if opts.resolved_backend() == "rules":
        raise UsageError("batch files are for the model path: pass --backend llm and --model")
    return opts


def _client(opts: ExtractOptions, pending: list[tuple[str, dict[str, Any]]]) -> LLMClient:
    settings = opts.llm_settings()
    assert settings is not None
    cache = open_cache(opts.cache)
    if cache is None:
        raise UsageError("batch files need the response cache: leave out --no-cache")
    return LLMClient(settings, cache, defer=lambda key, body: pending.append((key, body)))


async def _round(
    paths: list[Path], opts: ExtractOptions, out: Path, store: Store | None, number: int
) -> FileRound:
    """Run every document with a client that sends nothing; store the ones it completes."""
    done = FileRound()
    lines: list[str] = []
    pending: list[tuple[str, dict[str, Any]]] = []
    client = _client(opts, pending)
    try:
        for path in paths:
            doc = load(path, max_mb=opts.max_mb)
            pending.clear()
            try:
                report = await aextract_document(doc, opts, model=client)
            except ExtractionError:
                report = None  # every section deferred: the first file asks them all
            if pending:
                done.pending += 1
                lines += [_line(doc.doc_id, key, body) for key, body in pending]
            elif report is not None and store is not None:
                store.save_report(report, config=opts.config_key(), path=str(path))
                done.stored += 1
    finally:
        await client.aclose()
    done.requests = len(lines)
    done.files = _write(lines, out, number)
    return done


def _line(doc_id: str, key: str, body: dict[str, Any]) -> str:
    sent = sent_body(body)
    request = {
        "custom_id": f"{doc_id}-{key}",
        "method": "POST",
        "url": "/v1/chat/completions",
        "body": sent,
    }
    return json.dumps(request, ensure_ascii=False, default=str)


def _write(lines: list[str], out: Path, number: int) -> list[Path]:
    """``lines`` in files of at most 50,000 lines and 200 MB: requests-NNN-K.jsonl."""
    files: list[Path] = []
    chunk: list[str] = []
    size = 0
    for line in [*lines, None]:
        full = line is None or len(chunk) >= MAX_LINES or size + len(line) + 1 > MAX_BYTES
        if full and chunk:
            path = out / f"requests-{number:03d}-{len(files) + 1}.jsonl"
            path.write_text("\n".join(chunk) + "\n", encoding="utf-8")
            files.append(path)
            chunk, size = [], 0
        if line is not None:
            chunk.append(line)
            size += len(line.encode("utf-8")) + 1
    return files


async def aemit(paths: list[Path], opts: ExtractOptions, out: Path) -> FileRound:
    """The first request files for ``paths``, and the manifest ``ingest`` reads."""
    opts = _options(opts)
    out.mkdir(parents=True, exist_ok=True)
    manifest = {
        "inputs": [str(p) for p in paths],
        "options": {k: v for k, v in opts.describe().items() if k != "cache"},
        "cache": str(opts.cache) if not isinstance(opts.cache, bool) else opts.cache,
        "round": 1,
    }
    (out / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), "utf-8")
    return await _round(paths, opts, out, None, 1)


def _answers(files: list[Path], cache: ResponseCache, model: str, done: FileRound) -> None:
    """Every output line into the cache, joined on custom_id; error lines are failures."""
    for file in files:
        text = file.read_bytes().decode("utf-8", errors="replace")
        for n, raw in enumerate(text.splitlines(), 1):
            if not raw.strip():
                continue
            try:
                line = json.loads(raw)
            except json.JSONDecodeError:
                line = None
            if not isinstance(line, dict):  # a torn or foreign line: a failure, not the end
                done.failed.append(f"{file.name}:{n}")
                continue
            custom_id = str(line.get("custom_id") or "")
            response = line.get("response") or {}
            if isinstance(response, dict) and "choices" in response:
                response = {"status_code": 200, "body": response}  # the completion itself
            body = response.get("body") if isinstance(response, dict) else None
            status = response.get("status_code", 200) if isinstance(response, dict) else None
            if line.get("error") or not isinstance(body, dict) or status != 200:
                done.failed.append(custom_id or "?")
                continue
            if not body.get("choices"):
                done.failed.append(custom_id)
                continue
            cache.put(custom_id.rsplit("-", 1)[-1], model, body)
            done.answered += 1


async def aingest(files: list[Path], out: Path, db: Store) -> FileRound:
    """Read the engine's output ``files`` (OpenAI batch output or error files, or vLLM
    run-batch output), complete and store every document they answer, and write the next
    request file for what is still missing."""
    try:
        manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as e:
        problem = f"no batch manifest here ({e}): pass the folder emit wrote"
        raise InputError(str(out), problem) from e
    options = dict(manifest["options"])
    options["cache"] = manifest.get("cache", True)
    opts = _options(endpoint_free(ExtractOptions(**options)))
    settings = opts.llm_settings()
    assert settings is not None
    cache = open_cache(opts.cache)
    if cache is None:
        raise UsageError("batch files need the response cache: emit without --no-cache")
    done = FileRound()
    try:
        _answers(files, cache, settings.model, done)
    finally:
        cache.close()
    number = int(manifest.get("round", 1)) + 1
    paths = [Path(p) for p in manifest["inputs"]]
    round_ = await _round(paths, opts, out, db, number)
    manifest["round"] = number
    (out / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), "utf-8")
    return replace(round_, answered=done.answered, failed=done.failed)


def endpoint_free(opts: ExtractOptions) -> ExtractOptions:
    """``opts`` with an endpoint identity when none is configured: a batch file needs no
    endpoint to be written, and the Batch API's answers are the default endpoint's."""
    if opts.base_url or opts.api_key or os.environ.get("OPENAI_BASE_URL"):
        return opts
    if os.environ.get("OPENAI_API_KEY"):
        return opts
    return replace(opts, api_key="batch")
