"""The LLM backend: a model fills the reply schemas section by section (meta from the title
block and footer, facts from status and measures sections, findings from problems and
recommendations), each model quote placed in its section by grounding; flagged facts go back
once (repair). The model is injected: an ``LLMClient`` over HTTP, or a ``FunctionModel``."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
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
from extractor.rules.meta import read_meta
from extractor.schemas import Change, Fact, Finding, Rank, RepairInfo, ReportMeta, RunInfo, Section
from extractor.schemas.report import KindUsage
from extractor.schemas.responses import (
    FactDraft,
    FactsReply,
    FindingDraft,
    FindingsReply,
    MetaReply,
)
from extractor.sectioning import chunk_spans, halve, heading_title
from extractor.units import canonical_unit, plain_number, to_std

FACT_KINDS = frozenset({"status", "measures", "other"})
FINDING_KINDS = frozenset({"problems", "recommendations"})
CHUNK_OVERLAP = 80
_DETAIL_CHARS = 240


# A facts reply is sized by the numbers it has to write, not by the text's length: a
# 400-character paragraph of a ranking bulletin states 20 numbers and needs ~2,000 tokens,
# a 1,800-character narrative with three numbers needs ~400. A fact's JSON with its quote,
# change and rank is ~100 tokens; counting every number and list item of the text as one
# (more than the facts it gives), 100 each covered every chunk of the seeds and real pages.
FACT_TOKENS = 100
REPLY_BASE = 400
MIN_CAP = 512


def facts_cap(numbers: int, ceiling: int) -> int:
    """max_tokens for a facts reply over a text stating ``numbers`` numbers: room for every
    one (an uncapped weak model can talk for minutes, so there is a cap at all)."""
    return max(MIN_CAP, min(ceiling, REPLY_BASE + FACT_TOKENS * numbers))


def findings_cap(chars: int, ceiling: int) -> int:
    """max_tokens for a findings reply: details copy the text, ~2 tokens per character."""
    return max(MIN_CAP, min(ceiling, 300 + 2 * chars))


def numbers_in(text: str) -> int:
    """How many facts a text may give: its numbers, and the items of its lists (a ranking
    list gives a fact per place named)."""
    return len(find_numbers(text)) + text.count("、")


def section_path(sec: Section) -> str:
    return " > ".join(sec.path) or "(no heading)"


@dataclass
class _SectionResult:
    facts: list[Fact] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    error: str | None = None
    deferred: bool = False  # a call went to a batch file instead of the endpoint


class LLMBackend:
    name = "llm"
    overlap = CHUNK_OVERLAP

    def __init__(
        self,
        model: ChatModel,
        opts: ExtractOptions,
        *,
        progress: ProgressFn | None = None,
        owns: bool = True,
    ) -> None:
        self.model = model
        self.owns = owns
        self.opts = opts
        self.progress = progress
        self.sem = asyncio.Semaphore(max(1, opts.concurrency))
        self.done = 0
        self.total = 0

    async def aclose(self) -> None:
        if self.owns:
            await self.model.aclose()

    # -- calls --------------------------------------------------------------------------

    @property
    def ceiling(self) -> int:
        return self.model.settings.max_output_tokens

    async def ask(
        self,
        reply: type[Any],
        messages: list[dict[str, str]],
        cap: int,
        usage: Usage,
        kind: str,
    ) -> Any:
        """One call; what it cost is added to ``usage`` under ``kind``."""
        one = Usage()
        try:
            async with self.sem:
                return await self.model.structured(reply, messages, usage=one, max_tokens=cap)
        finally:
            usage.absorb(one, kind)

    def pieces(self, text: str, span: tuple[int, int]) -> list[tuple[int, int]]:
        """``span`` cut (in halves, as often as needed) until each part's facts fit the
        output ceiling: a dense ranking paragraph is two calls at once, not a cut-off reply
        and then two calls."""
        if REPLY_BASE + FACT_TOKENS * numbers_in(text[span[0] : span[1]]) <= self.ceiling:
            return [span]
        cut = halve(text, *span)
        if cut is None:
            return [span]
        return self.pieces(text, (span[0], cut)) + self.pieces(text, (cut, span[1]))

    async def facts_over(
        self,
        text: str,
        sec: Section,
        span: tuple[int, int],
        usage: Usage,
        template: str,
        *,
        expect: int | None = None,
        cap: int | None = None,
        **variables: Any,
    ) -> list[Fact]:
        """The facts of one facts-shaped call over ``text[span]``, with room for every number
        in it (``expect``: how many the reply is to cover, when not all of them). A reply cut
        off at the cap is not lost: it is asked again with the whole ceiling, and if that is
        cut off too, the span is halved and each half asked again."""
        body = text[span[0] : span[1]]
        want = numbers_in(body) if expect is None else expect
        msgs = prompts.messages(template, path=section_path(sec), text=body, **variables)
        cap = cap or facts_cap(want, self.ceiling)
        try:
            reply: FactsReply = await self.ask(FactsReply, msgs, cap, usage, template)
        except LLMError as e:
            if e.kind == "truncated" and cap < self.ceiling:
                return await self.facts_over(
                    text, sec, span, usage, template, cap=self.ceiling, **variables
                )
            cut = halve(text, *span) if e.kind == "truncated" else None
            if cut is None or isinstance(e, ModeRefusedError):
                raise
            halves = ((span[0], cut), (cut, span[1]))
            parts = await asyncio.gather(
                *(self.facts_over(text, sec, h, usage, template, **variables) for h in halves)
            )
            return parts[0] + parts[1]
        taken: set[int] = set()
        return [fact_of(text, d, sec, span[0], taken) for d in reply.facts]

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
        expect = len(extra["numbers"]) if "numbers" in extra else None
        try:
            return await self.facts_over(
                doc.text, sec, span, usage, template, expect=expect, title=meta.title, **extra
            )
        except LLMError:
            return None
        finally:
            self.tick(f"{template} {section_path(sec)}")

    # -- the document -------------------------------------------------------------------

    async def extract(
        self, doc: LoadedDocument, sections: list[Section], check: CheckFn
    ) -> Extraction:
        usage = Usage()
        plan = _plan(sections, doc.text)
        groups = _groups(sections, plan, self.opts.chunk_chars, doc.text, self.ceiling)
        self.tick("", 1 + len(groups))
        # Sections do not wait for the meta call: the rules' reading of the title block is
        # there at once, and it is all a section's prompt needs of it.
        hint = read_meta(doc.text, sections)
        asked = asyncio.create_task(self._meta(doc, sections, usage))
        jobs = [
            asyncio.create_task(self._section(doc, _merged(g), hint, (task,), usage))
            for task, g in groups
        ]
        try:
            meta, meta_error = await asked
            done = [await job for job in jobs]
            results = await self._regroup(doc, groups, done, hint, plan, usage)
        except BaseException:
            for job in (asked, *jobs):
                job.cancel()
            raise
        x = _assemble(doc, sections, plan, meta, meta_error, results)
        repair: RepairInfo | None = None
        # repair needs every first answer; with some deferred, the next batch file asks it
        if self.opts.repair and not any(r.deferred for r in done):
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
            by_kind={
                k: KindUsage(calls=c, prompt_tokens=p, completion_tokens=o)
                for k, (c, p, o) in sorted(usage.by_kind.items())
            },
            cost=usage.cost(self.opts.price_in, self.opts.price_out),
        )
        return x

    async def _regroup(
        self,
        doc: LoadedDocument,
        groups: list[Group],
        done: list[_SectionResult],
        meta: ReportMeta,
        plan: dict[str, tuple[str, ...]],
        usage: Usage,
    ) -> dict[str, _SectionResult]:
        """Each section's result. A group whose call failed is asked again section by
        section, so a failure costs only the section whose text the endpoint will not take
        (and a resumed batch retries that section alone)."""
        results = {sid: _SectionResult() for sid, tasks in plan.items() if tasks}
        # a deferred call is not a failure: its group goes to the batch file as it is
        again = [
            (t, g)
            for (t, g), r in zip(groups, done, strict=True)
            if r.error and not r.deferred and len(g) > 1
        ]
        self.tick("", sum(len(g) for _, g in again))
        alone = await asyncio.gather(
            *(self._section(doc, sec, meta, (t,), usage) for t, g in again for sec in g)
        )
        retried = iter(alone)
        for (_, group), result in zip(groups, done, strict=True):
            if result.error and not result.deferred and len(group) > 1:
                parts = [_distribute(doc.text, [sec], next(retried)) for sec in group]
            else:
                parts = [_distribute(doc.text, group, result)]
            for part in parts:
                for sid, r in part.items():
                    mine = results[sid]
                    mine.facts += r.facts
                    mine.findings += r.findings
                    mine.error = mine.error or r.error
        return results

    async def _meta(
        self, doc: LoadedDocument, sections: list[Section], usage: Usage
    ) -> tuple[ReportMeta, str | None]:
        text = doc.text
        front = [s for s in sections if s.kind == "front"]
        back = [s for s in sections if s.kind == "back"]
        head_end = front[0].end if front else min(len(text), 600)
        # the title block and the signature say what a report is; the body says nothing more
        head = text[: min(head_end, 600)]
        tail = text[back[0].start : back[-1].end][-300:] if back else text[-200:]
        msgs = prompts.messages("meta", head=head, tail=tail)
        try:
            reply: MetaReply = await self.ask(MetaReply, msgs, MIN_CAP, usage, "meta")
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
        """Every call of a section at once (its chunks, facts and findings), each failing
        alone: a chunk that fails does not cost the chunks after it."""
        text = doc.text
        chunks = chunk_spans(text, sec.start, sec.end, self.opts.chunk_chars, CHUNK_OVERLAP)
        variables: dict[str, Any] = {"title": meta.title, "region": meta.region}
        variables["period"] = meta.period
        calls: list[Awaitable[list[Fact] | list[Finding]]] = []
        if "facts" in tasks:
            pieces = [p for c in chunks for p in self.pieces(text, c)]
            calls += [self.facts_over(text, sec, p, usage, "facts", **variables) for p in pieces]
        if "findings" in tasks:
            calls += [self._findings(text, sec, c, usage, variables) for c in chunks]
        out = _SectionResult()
        try:
            results = await asyncio.gather(*calls, return_exceptions=True)
        finally:
            self.tick(section_path(sec))
        errors: list[str] = []
        for r in results:
            if isinstance(r, ModeRefusedError):
                raise r
            if isinstance(r, LLMError):
                errors.append(str(r))
                out.deferred = out.deferred or r.kind == "deferred"
            elif isinstance(r, BaseException):
                raise r
            else:
                for item in r:
                    if isinstance(item, Fact):
                        out.facts.append(item)
                    else:
                        out.findings.append(item)
        if errors:
            more = f" (and {len(errors) - 1} more calls)" if len(errors) > 1 else ""
            out.error = errors[0] + more
        out.facts = dedupe_facts(out.facts)
        out.findings = _dedupe_findings(out.findings)
        return out

    async def _findings(
        self,
        text: str,
        sec: Section,
        span: tuple[int, int],
        usage: Usage,
        variables: dict[str, Any],
    ) -> list[Finding]:
        body = text[span[0] : span[1]]
        msgs = prompts.messages(
            "findings", path=section_path(sec), text=body, kind=sec.kind, **variables
        )
        reply: FindingsReply = await self.ask(
            FindingsReply, msgs, findings_cap(len(body), self.ceiling), usage, "findings"
        )
        return [_finding(text, g, sec, span[0]) for g in reply.findings]


Group = tuple[str, list[Section]]  # a task (facts | findings) and the sections it asks


def _groups(
    sections: list[Section],
    plan: dict[str, tuple[str, ...]],
    budget: int,
    text: str,
    ceiling: int,
) -> list[Group]:
    """For each task, runs of neighbouring sections asked it (of one kind, for findings),
    each within ``budget`` characters and, for facts, with room for their facts under the
    output ``ceiling``: one call for a handful of short sections, not one each. Every call
    re-sends the instructions and the schema, ~1,500 tokens."""
    groups: list[Group] = []
    for task in ("facts", "findings"):
        runs: list[list[Section]] = []
        for sec in (s for s in sections if task in plan[s.id]):
            last = runs[-1] if runs else None
            if last is not None and _joins(last, sec, task, budget, text, ceiling):
                last.append(sec)
            else:
                runs.append([sec])
        groups += [(task, run) for run in runs]
    return groups


def _joins(
    run: list[Section], sec: Section, task: str, budget: int, text: str, ceiling: int
) -> bool:
    if run[-1].end != sec.start or sec.end - run[0].start > budget:
        return False
    if task == "findings":
        return run[-1].kind == sec.kind
    return REPLY_BASE + FACT_TOKENS * numbers_in(text[run[0].start : sec.end]) <= ceiling


def _merged(group: list[Section]) -> Section:
    """One section spanning a group, for its calls (its facts are given back to their own)."""
    first, last = group[0], group[-1]
    if len(group) == 1:
        return first
    return first.model_copy(update={"end": last.end, "path": last.path[:1] or first.path})


def _distribute(
    text: str, group: list[Section], result: _SectionResult
) -> dict[str, _SectionResult]:
    """A group's facts and findings, each to the section its quote lies in; a failure is every
    section's of the group."""
    out = {s.id: _SectionResult(error=result.error) for s in group}

    def home(span: tuple[int, int] | None) -> Section:
        at = span[0] if span else group[0].start
        return next((s for s in reversed(group) if s.start <= at), group[0])

    for f in result.facts:
        sec = home(f.span)
        out[sec.id].facts.append(f.model_copy(update={"section": sec.id}))
    for g in result.findings:
        sec = home(g.span)
        category = heading_title(sec.path[-1]) if sec.path else g.category
        out[sec.id].findings.append(g.model_copy(update={"section": sec.id, "category": category}))
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
        if sec.kind == "front" and not tasks:
            sec = _with_status(sec, meta_error)
        elif not tasks:
            sec = sec.model_copy(update={"status": "skipped", "error": None})
        else:
            res = results[sec.id]
            sec = _with_status(sec, res.error or (meta_error if sec.kind == "front" else None))
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
    section that states numbers ("损失优良天数仍达40天") is asked for facts as well, and so is
    a title block that runs on into an overview paragraph with figures (a bulletin's lead).
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
        states = any(m.kind != "grade" for m in find_numbers(text[sec.start : sec.end]))
        if sec.kind in FACT_KINDS or (sec.kind == "front" and states):
            tasks = ("facts",)
        elif sec.kind in FINDING_KINDS and not has_children:
            tasks = ("findings",)
            if states:
                tasks = ("facts", "findings")
        plan[sec.id] = tasks
    return plan


def fact_of(
    text: str, d: FactDraft, sec: Section, hint: int, taken: set[int] | None = None
) -> Fact:
    """A model's fact, its quote placed in its section nearest the chunk it came from. Facts
    of one reply quoting the same words (改善率在全省排名第4位, said of PM2.5 and of 优良天数)
    take successive occurrences of them: ``taken`` holds the starts already placed."""
    quote, span = grounded(text, d.quote, sec.start, sec.end, hint, taken or ())
    if span is not None and taken is not None:
        taken.add(span[0])
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


def fact_key(f: Fact) -> tuple[Any, ...]:
    """What makes two model facts the same statement; area and period tell apart facts of
    one quote ("莆田、福州分别上升1位、1位")."""
    return (f.value, f.value_text, f.unit, f.span or f.quote, f.subject, f.area, f.period)


def dedupe_facts(facts: list[Fact]) -> list[Fact]:
    """Overlapping chunks restate a sentence: keep one fact per statement (``fact_key``)."""
    seen: set[tuple[Any, ...]] = set()
    out: list[Fact] = []
    for f in facts:
        key = fact_key(f)
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
