"""A run: the solver (``extract`` under some options) over every gold document, scored."""

from __future__ import annotations

import asyncio
import hashlib
import os
import subprocess
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from extractor import aio, prompts
from extractor.backends import open_model
from extractor.errors import ExtractorError, UsageError
from extractor.evaluation._gold import DEFAULT_GOLD, GoldDoc, load_gold
from extractor.llm.protocol import ChatModel
from extractor.options import ExtractOptions
from extractor.pipeline import aextract_document
from extractor.schemas import Report
from extractor.scoring import DocScore, RunScores, score_report, summarize


class EvalRun(BaseModel):
    run_id: str
    started_at: str
    git_commit: str | None = None
    backend: str
    model: str | None = None
    prompt_version: str | None = None
    gold_dir: str
    seconds: float = 0.0
    scores: RunScores
    reports: dict[str, Report] = Field(default_factory=dict, exclude=True)
    texts: dict[str, str] = Field(default_factory=dict, exclude=True)
    gold: dict[str, Report] = Field(default_factory=dict, exclude=True)


def git_commit(where: Path | None = None) -> str | None:
    """Short commit of the checkout, "+dirty" when it has uncommitted changes; None outside git."""
    try:
        cwd = where or Path(__file__).resolve().parent
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=cwd, capture_output=True, text=True,
            timeout=5, check=True,
        ).stdout.strip()  # fmt: skip
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"], cwd=cwd,
            capture_output=True, text=True, timeout=5, check=True,
        ).stdout.strip()  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return None
    return f"{head}+dirty" if dirty else head


async def aevaluate(
    gold_dir: str | os.PathLike[str] = DEFAULT_GOLD,
    opts: ExtractOptions | None = None,
    *,
    progress: Callable[[int, int, str], None] | None = None,
) -> EvalRun:
    """Extract every gold text with ``opts`` and score it; failures are recorded, not raised."""
    opts = opts or ExtractOptions()
    backend = opts.resolved_backend()  # a configuration error stops before any document
    docs = load_gold(gold_dir)
    started = datetime.now(UTC)
    t0 = time.monotonic()
    scores: list[DocScore] = []
    reports: dict[str, Report] = {}
    model: str | None = None
    shared = open_model(opts)  # one client, its gate and rate limits, for the whole run
    try:
        for i, g in enumerate(docs):
            if progress is not None:
                progress(i, len(docs), g.name)
            one = await _extract_one(g, opts, shared)
            if isinstance(one, str):
                scores.append(score_report(g.name, g.gold, None, one, optional=g.optional))
                continue
            reports[g.name] = one
            model = model or one.run.model
            scores.append(score_report(g.name, g.gold, one, optional=g.optional))
    finally:
        if shared is not None:
            await shared.aclose()
    if progress is not None:
        progress(len(docs), len(docs), "scored")
    stamp = started.strftime("%Y%m%dT%H%M%S")
    salt = hashlib.sha256(f"{started.isoformat()}{opts.describe()}".encode()).hexdigest()[:6]
    return EvalRun(
        run_id=f"{stamp}-{salt}",
        started_at=started.isoformat(timespec="milliseconds"),
        git_commit=git_commit(),
        backend=backend,
        model=model,
        prompt_version=prompts.prompt_version() if backend != "rules" else None,
        gold_dir=str(gold_dir),
        seconds=round(time.monotonic() - t0, 3),
        scores=summarize(scores),
        reports=reports,
        texts={g.name: g.doc.text for g in docs},
        gold={g.name: g.gold for g in docs},
    )


async def _extract_one(g: GoldDoc, opts: ExtractOptions, model: ChatModel | None) -> Report | str:
    """The document's Report, or why it failed in one line (a failed document is data, never
    the end of the run)."""
    try:
        return await aextract_document(g.doc, opts, model=model)
    except Exception as e:
        message = " ".join(str(e).split()) or type(e).__name__
        if not isinstance(e, ExtractorError):
            message = f"{type(e).__name__}: {message}"
        return message


def evaluate(
    gold_dir: str | os.PathLike[str] = DEFAULT_GOLD,
    *,
    progress: Callable[[int, int, str], None] | None = None,
    **options: Any,
) -> EvalRun:
    """``aevaluate`` for synchronous callers; ``options`` are ``extract``'s."""
    opts = ExtractOptions(**options)
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return aio.run(aevaluate(gold_dir, opts, progress=progress))
    raise UsageError("evaluate() was called inside a running event loop: use `await aevaluate`")
