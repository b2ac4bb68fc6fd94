"""The OpenAI Batch API for the files ``emit`` and ``ingest`` write: upload and start them
(``submit``), ask how they are doing (``status``), download what finished (``fetch``).
Through the openai SDK's files and batches endpoints, so any server that offers them works.
What was submitted is kept in ``submitted.json`` beside the files, so each call resumes."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

from extractor.errors import LLMError, UsageError
from extractor.options import ExtractOptions

__all__ = ["fetch", "status", "submit"]

LEDGER = "submitted.json"


def _client(opts: ExtractOptions) -> Any:
    import openai

    # the files and batches endpoints need no model name: the request files carry it
    settings = replace(opts, model=opts.model or "batch").llm_settings()
    if settings is None:
        raise UsageError("the Batch API needs an endpoint: set OPENAI_API_KEY (and --base-url)")
    return openai.OpenAI(
        api_key=settings.api_key, base_url=settings.base_url, timeout=settings.timeout
    )


def _ledger(out: Path) -> dict[str, dict[str, Any]]:
    path = out / LEDGER
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def _save(out: Path, ledger: dict[str, dict[str, Any]]) -> None:
    (out / LEDGER).write_text(json.dumps(ledger, indent=1), encoding="utf-8")


def submit(out: Path, opts: ExtractOptions) -> list[tuple[str, str]]:
    """Upload every request file not yet submitted and start a batch for it: (file, batch id)."""
    client = _client(opts)
    ledger = _ledger(out)
    started: list[tuple[str, str]] = []
    for path in sorted(out.glob("requests-*.jsonl")):
        if path.name.endswith((".out.jsonl", ".err.jsonl")) or path.name in ledger:
            continue
        try:
            with path.open("rb") as f:
                uploaded = client.files.create(file=f, purpose="batch")
            batch = client.batches.create(
                input_file_id=uploaded.id,
                endpoint="/v1/chat/completions",
                completion_window="24h",
            )
        except Exception as e:  # the SDK's errors: one line, the ledger keeps what went up
            _save(out, ledger)
            raise LLMError(f"could not submit {path.name}: {e}", kind="batch") from e
        ledger[path.name] = {"file_id": uploaded.id, "batch_id": batch.id, "status": batch.status}
        started.append((path.name, batch.id))
    _save(out, ledger)
    return started


def status(out: Path, opts: ExtractOptions) -> dict[str, dict[str, Any]]:
    """Each submitted file's batch: its status and request counts."""
    client = _client(opts)
    ledger = _ledger(out)
    for entry in ledger.values():
        batch = client.batches.retrieve(entry["batch_id"])
        counts = batch.request_counts
        entry["status"] = batch.status
        entry["counts"] = counts.model_dump() if counts is not None else None
        entry["output_file_id"] = batch.output_file_id
        entry["error_file_id"] = batch.error_file_id
    _save(out, ledger)
    return ledger


def fetch(out: Path, opts: ExtractOptions) -> list[Path]:
    """Download the output (and error) files of every finished batch not fetched yet."""
    client = _client(opts)
    ledger = status(out, opts)
    got: list[Path] = []
    for name, entry in ledger.items():
        if entry.get("status") != "completed" or entry.get("fetched"):
            continue
        for key, suffix in (("output_file_id", ".out.jsonl"), ("error_file_id", ".err.jsonl")):
            if entry.get(key):
                target = out / (name.removesuffix(".jsonl") + suffix)
                target.write_bytes(client.files.content(entry[key]).read())
                got.append(target)
        entry["fetched"] = True
    _save(out, ledger)
    return got
