"""Repair: flagged facts go back once per chunk with the checker's findings, then the numbers
no fact covers are offered once as possibly missed facts; what now passes the check is kept.
The check is the pipeline's, handed in."""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING, Any

from extractor.backends import CheckFn
from extractor.llm.settings import Usage
from extractor.loading import LoadedDocument
from extractor.schemas import CheckSummary, Fact, RepairInfo, ReportMeta, Section
from extractor.sectioning import chunk_spans

if TYPE_CHECKING:
    from extractor.backends.llm import LLMBackend

_REPAIR_FIELDS = {"subject", "value", "value_text", "unit", "period", "area", "change", "rank"}

Job = tuple[Section, tuple[int, int], list[int]]  # section, chunk, indexes of its flagged facts


def _flagged(f: Fact) -> bool:
    return f.origin == "llm" and f.check is not None and f.check.status == "flagged"


def _for_repair(f: Fact) -> dict[str, Any]:
    """A flagged fact as the repair prompt shows it: what it claims and what the checker found."""
    claim = f.model_dump(include=_REPAIR_FIELDS | {"is_target", "quote"}, exclude_none=True)
    issues = [x.message for x in f.check.issues] if f.check is not None else []
    return {"fact": json.dumps(claim, ensure_ascii=False), "issues": issues}


def _fix_jobs(
    text: str, facts: list[Fact], sections: list[Section], chunk: int, overlap: int
) -> list[Job]:
    """Flagged facts, per chunk of their section: an unlocated fact goes with the first chunk,
    a located one with its own."""
    jobs: list[Job] = []
    for sec in sections:
        mine = [i for i, f in enumerate(facts) if f.section == sec.id and _flagged(f)]
        if not mine:
            continue
        for k, (c_start, c_end) in enumerate(chunk_spans(text, sec.start, sec.end, chunk, overlap)):
            unlocated = c_start if k == 0 else -1
            here = [i for i in mine if c_start <= _start(facts[i], unlocated) < c_end]
            mine = [i for i in mine if i not in here]
            if here:
                jobs.append((sec, (c_start, c_end), here))
    return jobs


def _start(f: Fact, unlocated: int) -> int:
    return f.span[0] if f.span is not None else unlocated


def _clip(sec: Section, numbers: list[Any], budget: int) -> tuple[int, int]:
    """The stretch of a section shown with its unaccounted numbers: the whole section when it
    fits the budget, else a budget-sized window starting just before the first number."""
    if sec.end - sec.start <= budget:
        return sec.start, sec.end
    lo = max(sec.start, min(n.span[0] for n in numbers) - budget // 4)
    return lo, min(sec.end, lo + budget)


async def repair_facts(
    backend: LLMBackend,
    doc: LoadedDocument,
    usage: Usage,
    facts: list[Fact],
    summary: CheckSummary,
    sections: list[Section],
    meta: ReportMeta,
    plan: dict[str, tuple[str, ...]],
    check: CheckFn,
) -> tuple[list[Fact], RepairInfo]:
    """``facts`` (checked) after one round of repair, and what it changed."""
    info = RepairInfo(flagged_before=sum(_flagged(f) for f in facts))
    rechecked, summary = await _fix(
        backend, doc, usage, (facts, summary), sections, meta, check, info
    )
    return await _missed(backend, doc, usage, rechecked, summary, sections, meta, plan, check, info)


async def _fix(
    backend: LLMBackend,
    doc: LoadedDocument,
    usage: Usage,
    checked: tuple[list[Fact], CheckSummary],
    sections: list[Section],
    meta: ReportMeta,
    check: CheckFn,
    info: RepairInfo,
) -> tuple[list[Fact], CheckSummary]:
    from extractor.backends.llm import dedupe_facts

    facts = checked[0]
    jobs = _fix_jobs(doc.text, facts, sections, backend.opts.chunk_chars, backend.overlap)
    info.sections = len(jobs)
    if not jobs:  # nothing flagged: the check stands as it is
        return checked
    backend.tick("", len(jobs))
    answers = await asyncio.gather(
        *(
            backend.facts_call(
                doc, usage, "repair", sec, span, meta, items=[_for_repair(facts[i]) for i in idx]
            )
            for sec, span, idx in jobs
        )
    )
    replaced: set[int] = set()
    fresh: list[Fact] = []
    for (_, _, idx), answer in zip(jobs, answers, strict=True):
        if answer is None:
            info.still_flagged += len(idx)  # the call failed: the facts stay as they were
            continue
        replaced.update(idx)
        info.dropped += max(0, len(idx) - len(answer))
        fresh += answer
    kept = [f for i, f in enumerate(facts) if i not in replaced]
    candidates = dedupe_facts(kept + fresh)
    rechecked, summary = check(candidates, sections, meta.period)
    n_kept = len([f for f in candidates if any(f is k for k in kept)])
    for f in rechecked[n_kept:]:
        if f.check is not None and f.check.status == "flagged":
            info.still_flagged += 1
        else:
            info.corrected += 1
    return rechecked, summary


async def _missed(
    backend: LLMBackend,
    doc: LoadedDocument,
    usage: Usage,
    rechecked: list[Fact],
    summary: CheckSummary,
    sections: list[Section],
    meta: ReportMeta,
    plan: dict[str, tuple[str, ...]],
    check: CheckFn,
    info: RepairInfo,
) -> tuple[list[Fact], RepairInfo]:
    """Numbers no fact covers, per section that asks for facts, offered once."""
    jobs: list[tuple[Section, list[Any]]] = []
    for sec in sections:
        if "facts" not in plan.get(sec.id, ()):
            continue
        numbers = [n for n in summary.unaccounted_numbers if sec.start <= n.span[0] < sec.end]
        if numbers:
            jobs.append((sec, numbers))
    info.offered = sum(len(n) for _, n in jobs)
    backend.tick("", len(jobs))
    more = await asyncio.gather(
        *(
            backend.facts_call(
                doc,
                usage,
                "missed",
                sec,
                _clip(sec, numbers, backend.opts.chunk_chars),
                meta,
                numbers=[n.model_dump() for n in numbers],
            )
            for sec, numbers in jobs
        )
    )
    from extractor.backends.llm import fact_key

    # an answer that restates a fact already there adds nothing, nor does the same statement
    # in the same words where the page repeats itself (a title or teaser printed twice)
    def said(f: Fact) -> tuple[Any, ...]:
        return fact_key(f.model_copy(update={"span": None}))

    have = {fact_key(f) for f in rechecked} | {said(f) for f in rechecked}
    added = [f for answer in more if answer for f in answer if not {fact_key(f), said(f)} & have]
    if added:
        base = len(rechecked)
        merged, _ = check(rechecked + added, sections, meta.period)
        new_ok = [f for f in merged[base:] if f.check is not None and f.check.status != "flagged"]
        info.added = len(new_ok)
        rechecked = merged[:base] + new_ok
    return rechecked, info
