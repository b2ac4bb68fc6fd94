"""load → section → backend → ground → check → Report, each stage once.

The orchestration lives here and nowhere else: the API, the CLI, batch and evaluation all call
``aextract_document``. ``check_stage`` is the only place facts are grounded and checked; the
backends that need a check (repair, hybrid) are handed it.
"""

from __future__ import annotations

import asyncio
import os
import re
import time
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from extractor import aio
from extractor.backends import Extraction, ProgressFn, make_backend
from extractor.checker import Memo, check_facts
from extractor.errors import ConfigError, InputError
from extractor.grounding import ground_facts
from extractor.loading import MAX_MB, LoadedDocument, load, load_bytes, load_text
from extractor.numbers import Mention, find_numbers
from extractor.options import ExtractOptions
from extractor.schemas import CheckSummary, Fact, Report, Section
from extractor.sectioning import split_sections

if TYPE_CHECKING:
    from extractor.llm.protocol import ChatModel

__all__ = ["aextract", "aextract_document", "check", "check_stage", "extract"]

Source = str | os.PathLike[str] | bytes | LoadedDocument
# A string that names a file rather than holding a report: one short line ending in an
# extension (report.txt, 报告.docx); PM2.5 or 2.5 end in digits and are text.
_LOOKS_LIKE_PATH = re.compile(r"\.[A-Za-z][A-Za-z0-9]{0,4}$")
_PATH_CHARS = 1024


def check_stage(
    text: str,
    facts: list[Fact],
    sections: list[Section],
    meta_period: str | None,
    mentions: list[Mention] | None = None,
    memo: Memo | None = None,
) -> tuple[list[Fact], CheckSummary]:
    """Ground every fact's quote in ``text``, then check it (``mentions``: the text's numbers,
    when they have been found already; ``memo``: the checks of this text's facts so far)."""
    if mentions is None:
        mentions = find_numbers(text, include_masked=True)
    grounded = ground_facts(facts, text, mentions)
    return check_facts(
        grounded.facts,
        text,
        sections=sections,
        meta_period=meta_period,
        mentions=mentions,
        notes=grounded.notes,
        memo=memo,
    )


async def aextract_document(
    doc: LoadedDocument,
    opts: ExtractOptions,
    *,
    progress: ProgressFn | None = None,
    model: ChatModel | None = None,
) -> Report:
    """The one place every surface (API, CLI, batch, evaluation) extracts a document.
    ``model`` replaces the HTTP model the options describe (a ``FunctionModel`` in tests)."""
    started = time.monotonic()
    # in a thread, like the check below: in a batch, the first documents' calls go out while
    # the next ones are still being read
    sections, mentions = await aio.off_loop(_read, doc.text)
    backend = make_backend(opts, model=model, progress=progress)
    # the model path checks more than once (each section before its repair, then the whole
    # document): the numbers are found once, and a fact is checked once
    check = partial(check_stage, doc.text, mentions=mentions, memo={})
    try:
        x: Extraction = await backend.extract(doc, sections, check)
    finally:
        await backend.aclose()
    # in a thread: in a batch, the loop goes on sending other documents' calls meanwhile
    facts, checks = await aio.off_loop(check, x.facts, x.sections, x.meta.period)
    return Report(
        doc_id=doc.doc_id,
        source=doc.source(),
        text=doc.text,
        meta=x.meta,
        sections=x.sections,
        facts=facts,
        problems=x.problems,
        recommendations=x.recommendations,
        checks=checks,
        run=x.run.model_copy(update={"seconds": round(time.monotonic() - started, 3)}),
    )


def _read(text: str) -> tuple[list[Section], list[Mention]]:
    return split_sections(text), find_numbers(text, include_masked=True)


def check(report: Report, text: str | None = None) -> Report:
    """Re-check every fact of ``report`` against ``text`` (default: ``report.text``)."""
    source = report.text if text is None else text
    same_text = source == report.text
    # Spans and sections index the text they were made on; against another text they are
    # found again from the quotes.
    sections = report.sections if same_text and report.sections else split_sections(source)
    facts = (
        report.facts if same_text else [f.model_copy(update={"span": None}) for f in report.facts]
    )
    facts, summary = check_stage(source, facts, sections, report.meta.period)
    update: dict[str, Any] = {"facts": facts, "checks": summary}
    if not same_text:
        update["text"] = source
        update["sections"] = sections
    return report.model_copy(update=update)


def as_document(source: Source, *, max_mb: float | None = MAX_MB) -> LoadedDocument:
    """A path, a text, bytes (decoded like a file's) or a loaded document."""
    if isinstance(source, LoadedDocument):
        return source
    if isinstance(source, os.PathLike):
        return load(source, max_mb=max_mb)
    if isinstance(source, bytes | bytearray):
        return load_bytes(bytes(source), max_mb=max_mb)
    if not isinstance(source, str):
        raise InputError(
            None,
            f"cannot extract from {type(source).__name__}: pass a file path, the report's "
            "text or its bytes",
        )
    if "\n" not in source and len(source) < _PATH_CHARS:
        if _is_file(source):
            return load(source, max_mb=max_mb)
        if _LOOKS_LIKE_PATH.search(source.strip()):
            # a path that does not exist: say so, never read it as text
            return load(source, max_mb=max_mb)
    return load_text(source, max_mb=max_mb)


def _is_file(source: str) -> bool:
    try:
        return Path(source).is_file()
    except (OSError, ValueError):
        return False  # too long for a file name, or a NUL in it: the text itself


async def aextract(
    source: Source,
    *,
    progress: ProgressFn | None = None,
    model_client: ChatModel | None = None,
    **options: Any,
) -> Report:
    """Extract a Report from a path, a text, bytes or a loaded document (async)."""
    opts = ExtractOptions(**options)
    doc = as_document(source, max_mb=opts.max_mb)
    return await aextract_document(doc, opts, progress=progress, model=model_client)


def extract(
    source: Source,
    *,
    backend: str = "auto",
    model: str | None = None,
    base_url: str | None = None,
    api_key: str | None = None,
    mode: str | None = None,
    concurrency: int = 4,
    cache: bool | str | os.PathLike[str] = True,
    progress: ProgressFn | None = None,
    model_client: ChatModel | None = None,
    **more: Any,
) -> Report:
    """Extract a Report from a path (.txt .md .docx .pdf), the report's text, or its bytes.

    ``backend``: ``auto`` (a model when an endpoint is configured, else the offline rules),
    ``rules``, ``llm`` or ``hybrid``. ``cache``: True for the default response cache, a path,
    or False. ``model_client``: a ``ChatModel`` to use instead of an endpoint. ``more``: the
    other ``ExtractOptions`` (``timeout``, ``chunk_chars``, ``repair`` …).
    """
    options = dict(
        backend=backend, model=model, base_url=base_url, api_key=api_key, mode=mode,
        concurrency=concurrency, cache=cache, **more,
    )  # fmt: skip
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return aio.run(aextract(source, progress=progress, model_client=model_client, **options))
    raise ConfigError("extract() was called inside a running event loop: use `await aextract(...)`")
