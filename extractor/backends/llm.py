"""The LLM backend: a model fills the reply schemas section by section (meta from the title
block and footer, facts from status and measures sections, findings from problems and
recommendations), each model quote placed in its section by grounding; flagged facts go back
once (repair). The model is injected: an ``LLMClient`` over HTTP, or a ``FunctionModel``."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from extractor import prompts
from extractor.backends import CheckFn, Extraction, ProgressFn
from extractor.errors import ExtractionError, LLMError, ModeRefusedError
from extractor.grounding import grounded
from extractor.llm.protocol import ChatModel
from extractor.llm.settings import Usage
from extractor.loading import LoadedDocument
from extractor.numbers import find_numbers
from extractor.options import ExtractOptions
from extractor.schemas import Change, Fact, Finding, Rank, RepairInfo, ReportMeta, RunInfo, Section
from extractor.schemas.responses import (
    FactDraft,
    FactsReply,
    FindingDraft,
    FindingsReply,
    MetaReply,
)
from extractor.sectioning import chunk_spans, heading_title
from extractor.units import canonical_unit, plain_number, to_std

FACT_KINDS = frozenset({"status", "measures", "other"})
FINDING_KINDS = frozenset({"problems", "recommendations"})
CHUNK_OVERLAP = 80
_DETAIL_CHARS = 240


def output_cap(chars: int, ceiling: int) -> int:
    """max_tokens for a call over ``chars`` of section text: JSON facts run ~2 tokens per
    source character at worst; an uncapped weak model can talk for minutes."""
    return max(512, min(ceiling, 300 + 2 * chars))


def section_path(sec: Section) -> str:
    return " > ".join(sec.path) or "(no heading)"


@dataclass
class _SectionResult:
    facts: list[Fact] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    error: str | None = None


class LLMBackend:
    name = "llm"
    overlap = CHUNK_OVERLAP

    def __init__(
        self, model: ChatModel, opts: ExtractOptions, *, progress: ProgressFn | None = None
    ) -> None:
        self.model = model
        self.opts = opts
        self.progress = progress
        self.sem = asyncio.Semaphore(max(1, opts.concurrency))
        self.done = 0
        self.total = 0

    async def aclose(self) -> None:
        await self.model.aclose()

    # -- calls --------------------------------------------------------------------------

    async def ask(
        self, reply: type[Any], messages: list[dict[str, str]], chars: int, usage: Usage
    ) -> Any:
        async with self.sem:
            cap = output_cap(chars, self.model.settings.max_output_tokens)
            return await self.model.structured(reply, messages, usage=usage, max_tokens=cap)

    def tick(self, label: str, more: int = 0) -> None:
        """One call done (``more``: calls newly planned)."""
        self.total += more
        if label:
            self.done += 1
        if self.progress is not None and label:
            self.progress(self.done, self.total, label)

    async def facts_call(
        self,
        doc: LoadedDocument,
        usage: Usage,
        template: str,
        sec: Section,
        span: tuple[int, int],
        meta: ReportMeta,
        **extra: Any,
    ) -> list[Fact] | None:
        """One facts-shaped call over ``text[span]``; None when the call failed (the caller
        keeps what it had: a failed repair loses nothing)."""
        body = doc.text[span[0] : span[1]]
        msgs = prompts.messages(
            template, path=section_path(sec), text=body, title=meta.title, **extra
        )
        try:
            reply: FactsReply = await self.ask(FactsReply, msgs, len(body), usage)
        except LLMError:
            return None
        finally:
            self.tick(f"{template} {section_path(sec)}")
        return [fact_of(doc.text, d, sec, span[0]) for d in reply.facts]

    # -- the document -------------------------------------------------------------------

    async def extract(
        self, doc: LoadedDocument, sections: list[Section], check: CheckFn
    ) -> Extraction:
        usage = Usage()
        plan = _plan(sections, doc.text)
        self.tick("", 1 + sum(1 for t in plan.values() if t))
        meta, meta_error = await self._meta(doc, sections, usage)
        jobs = {
            sec.id: asyncio.create_task(self._section(doc, sec, meta, plan[sec.id], usage))
            for sec in sections
            if plan[sec.id]
        }
        try:
            results = {sid: await job for sid, job in jobs.items()}
        except BaseException:
            for job in jobs.values():
                job.cancel()
            raise
        x = _assemble(doc, sections, plan, meta, meta_error, results)
        repair: RepairInfo | None = None
        if self.opts.repair:
            from extractor.backends.repair import repair_facts

            checked, summary = check(x.facts, x.sections, meta.period)
            x.facts, repair = await repair_facts(
                self, doc, usage, checked, summary, x.sections, meta, plan, check
            )
        x.run = RunInfo(
            backend="llm",
            model=self.model.settings.model,
            mode=self.model.settings.mode,
            prompt_version=prompts.prompt_version(),
            calls=usage.calls,
            http_requests=usage.http_requests,
            prompt_tokens=usage.prompt_tokens,
            completion_tokens=usage.completion_tokens,
            cached_calls=usage.cached_calls,
            reasks=usage.reasks,
            repair=repair,
        )
        return x

    async def _meta(
        self, doc: LoadedDocument, sections: list[Section], usage: Usage
    ) -> tuple[ReportMeta, str | None]:
        text = doc.text
        front = [s for s in sections if s.kind == "front"]
        back = [s for s in sections if s.kind == "back"]
        head_end = front[0].end if front else min(len(text), 600)
        head = text[: min(head_end, 1200)]
        tail = text[back[0].start : back[-1].end][-600:] if back else text[-300:]
        msgs = prompts.messages("meta", head=head, tail=tail)
        try:
            reply: MetaReply = await self.ask(MetaReply, msgs, 200, usage)
        except ModeRefusedError:
            raise
        except LLMError as e:
            return ReportMeta(), str(e)
        finally:
            self.tick("meta")
        return ReportMeta(**reply.model_dump()), None

    async def _section(
        self,
        doc: LoadedDocument,
        sec: Section,
        meta: ReportMeta,
        tasks: tuple[str, ...],
        usage: Usage,
    ) -> _SectionResult:
        text = doc.text
        out = _SectionResult()
        path = section_path(sec)
        chunks = chunk_spans(text, sec.start, sec.end, self.opts.chunk_chars, CHUNK_OVERLAP)
        variables = {"title": meta.title, "region": meta.region, "period": meta.period}
        try:
            for c_start, c_end in chunks:
                body = text[c_start:c_end]
                if "facts" in tasks:
                    msgs = prompts.messages("facts", path=path, text=body, **variables)
                    freply: FactsReply = await self.ask(FactsReply, msgs, len(body), usage)
                    out.facts += [fact_of(text, d, sec, c_start) for d in freply.facts]
                if "findings" in tasks:
                    msgs = prompts.messages(
                        "findings", path=path, text=body, kind=sec.kind, **variables
                    )
                    greply: FindingsReply = await self.ask(FindingsReply, msgs, len(body), usage)
                    out.findings += [_finding(text, g, sec, c_start) for g in greply.findings]
        except ModeRefusedError:
            raise
        except LLMError as e:
            out.error = str(e)
        finally:
            self.tick(path)
        out.facts = dedupe_facts(out.facts)
        out.findings = _dedupe_findings(out.findings)
        return out


def _assemble(
    doc: LoadedDocument,
    sections: list[Section],
    plan: dict[str, tuple[str, ...]],
    meta: ReportMeta,
    meta_error: str | None,
    results: dict[str, _SectionResult],
) -> Extraction:
    """The sections with their status, and what they gave; ExtractionError when every section
    that was asked failed."""
    x = Extraction(meta=meta)
    failed: list[str] = []
    for sec in sections:
        tasks = plan[sec.id]
        if sec.kind == "front":
            sec = _with_status(sec, meta_error)
        elif not tasks:
            sec = sec.model_copy(update={"status": "skipped", "error": None})
        else:
            res = results[sec.id]
            sec = _with_status(sec, res.error)
            if res.error:
                failed.append(res.error)
            x.facts.extend(res.facts)
            target = x.problems if sec.kind == "problems" else x.recommendations
            target.extend(res.findings)
        x.sections.append(sec)
    attempted = sum(1 for t in plan.values() if t)
    if attempted and len(failed) == attempted:
        raise ExtractionError(
            f"all {attempted} sections failed; first error: {failed[0]}", doc_id=doc.doc_id
        )
    return x


def _with_status(sec: Section, error: str | None) -> Section:
    return sec.model_copy(update={"status": "failed" if error else "ok", "error": error})


def _plan(sections: list[Section], text: str) -> dict[str, tuple[str, ...]]:
    """The calls each section gets: ``("facts",)``, ``("findings",)``, both, or none.

    A problems/recommendations parent whose items live in its sub-sections only holds an
    intro sentence: asking for findings there invents them. A problems or recommendations
    section that states numbers ("损失优良天数仍达40天") is asked for facts as well.
    """
    plan: dict[str, tuple[str, ...]] = {}
    for i, sec in enumerate(sections):
        nxt = sections[i + 1] if i + 1 < len(sections) else None
        has_children = (
            nxt is not None
            and len(nxt.path) > len(sec.path)
            and nxt.path[: len(sec.path)] == sec.path
        )
        tasks: tuple[str, ...] = ()
        if sec.kind in FACT_KINDS:
            tasks = ("facts",)
        elif sec.kind in FINDING_KINDS and not has_children:
            tasks = ("findings",)
            if any(m.kind != "grade" for m in find_numbers(text[sec.start : sec.end])):
                tasks = ("facts", "findings")
        plan[sec.id] = tasks
    return plan


def fact_of(text: str, d: FactDraft, sec: Section, hint: int) -> Fact:
    """A model's fact, its quote placed in its section nearest the chunk it came from."""
    quote, span = grounded(text, d.quote, sec.start, sec.end, hint)
    unit = canonical_unit(d.unit)
    value = plain_number(d.value) if d.value is not None else None
    value_std, unit_std = to_std(value, unit)
    change = (
        Change(
            basis=d.change.basis,
            value=plain_number(d.change.value) if d.change.value is not None else None,
            unit=d.change.unit,
        )
        if d.change and (d.change.value is not None or d.change.basis)
        else None
    )
    rank = Rank(**d.rank.model_dump()) if d.rank and d.rank.position is not None else None
    return Fact(
        category=d.category,
        subject=d.subject.strip(),
        indicator=d.indicator,
        value=value,
        value_text=d.value_text,
        unit=unit,
        value_std=value_std,
        unit_std=unit_std,
        period=d.period,
        area=d.area,
        change=change,
        rank=rank,
        is_target=d.is_target,
        quote=quote,
        span=span,
        section=sec.id,
        origin="llm",
    )


def _finding(text: str, g: FindingDraft, sec: Section, hint: int) -> Finding:
    quote, span = grounded(text, g.quote, sec.start, sec.end, hint)
    # The contract's category is the heading the item sits under: the sectioner knows it for
    # certain, so the model's guess is only used for text without headings.
    category = heading_title(sec.path[-1]) if sec.path else g.category.strip()
    return Finding(
        category=heading_title(category),
        title=g.title.strip(),
        detail=g.detail.strip()[:_DETAIL_CHARS],
        quote=quote,
        span=span,
        section=sec.id,
    )


def dedupe_facts(facts: list[Fact]) -> list[Fact]:
    """Overlapping chunks restate a sentence: keep one fact per (value, unit, span or quote)."""
    seen: set[tuple[Any, ...]] = set()
    out: list[Fact] = []
    for f in facts:
        key = (f.value, f.value_text, f.unit, f.span or f.quote, f.subject)
        if key in seen:
            continue
        seen.add(key)
        out.append(f)
    return out


def _dedupe_findings(findings: list[Finding]) -> list[Finding]:
    seen: set[tuple[str, str]] = set()
    out: list[Finding] = []
    for f in findings:
        key = (f.category, f.title)
        if key in seen:
            continue
        seen.add(key)
        out.append(f)
    return out
