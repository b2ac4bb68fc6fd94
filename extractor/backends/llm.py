"""The LLM backend: a model fills the reply schemas section by section (meta from the title
block and footer, facts from status and measures sections, findings from problems and
recommendations), each model quote placed in its section by grounding; flagged facts go back
once (repair). The model is injected: an ``LLMClient`` over HTTP, or a ``FunctionModel``."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from extractor import aio, prompts
from extractor.backends import CheckFn, Extraction, ProgressFn
from extractor.backends._calls import (
    MIN_CAP,
    Group,
    facts_cap,
    findings_cap,
    groups,
    merged,
    numbers_in,
    plan,
    reply_need,
)
from extractor.errors import ExtractionError, LLMError, ModeRefusedError
from extractor.grounding import grounded
from extractor.llm.protocol import ChatModel
from extractor.llm.settings import Usage
from extractor.loading import LoadedDocument
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
    SectionReply,
)
from extractor.sectioning import chunk_spans, halve, heading_title
from extractor.units import canonical_unit, plain_number, to_std

CHUNK_OVERLAP = 80
_DETAIL_CHARS = 240
# a reply cut off at its cap, or a request over the model's window: a shorter text is asked
_TOO_LONG = ("truncated", "context")


def section_path(sec: Section) -> str:
    return " > ".join(sec.path) or "(no heading)"


@dataclass
class _SectionResult:
    facts: list[Fact] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    error: str | None = None
    deferred: bool = False  # a call went to a batch file instead of the endpoint
    repair: RepairInfo | None = None


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
        """One call; what it cost is added to ``usage`` under ``kind``. How many are in flight
        is the model's to bound, across every document of a run (the HTTP client's gate)."""
        one = Usage()
        try:
            return await self.model.structured(reply, messages, usage=one, max_tokens=cap)
        finally:
            usage.absorb(one, kind)

    def pieces(self, text: str, span: tuple[int, int]) -> list[tuple[int, int]]:
        """``span`` cut (in halves, as often as needed) until each part's facts fit the
        output ceiling: a dense ranking paragraph is two calls at once, not a cut-off reply
        and then two calls."""
        if reply_need(text[span[0] : span[1]], ("facts",)) <= self.ceiling:
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
            cut = halve(text, *span) if e.kind in _TOO_LONG else None
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

    def _plan(
        self, doc: LoadedDocument, sections: list[Section]
    ) -> tuple[dict[str, tuple[str, ...]], list[Group], ReportMeta]:
        tasks = plan(sections, doc.text)
        calls = groups(sections, tasks, self.opts.chunk_chars, doc.text, self.ceiling)
        return tasks, calls, read_meta(doc.text, sections)

    async def extract(
        self, doc: LoadedDocument, sections: list[Section], check: CheckFn
    ) -> Extraction:
        usage = Usage()
        # Sections do not wait for the meta call: the rules' reading of the title block is
        # there at once, and it is all a section's prompt needs of it. In a thread: in a
        # batch, other documents' calls go out meanwhile.
        tasks, calls, hint = await aio.off_loop(self._plan, doc, sections)
        self.tick("", 1 + len(calls))
        asked = asyncio.create_task(self._meta(doc, sections, usage))
        answer = partial(self._answered, doc, hint=hint, usage=usage, check=check)
        jobs = [asyncio.create_task(answer(g)) for g in calls]
        try:
            # a section's calls are tasks of its own gather: they reach the model's gate on
            # the loop's next turn, and only then are they queued
            await asyncio.sleep(0)
            aio.calls_queued()
            meta, meta_error = await asked
            done = [await job for job in jobs]
            results, again = await self._regroup(doc.text, calls, done, tasks, answer)
        except BaseException:
            for job in (asked, *jobs):
                job.cancel()
            raise
        x = _assemble(doc, sections, tasks, meta, meta_error, results)
        infos = [r.repair for r in (*done, *again) if r.repair is not None]
        repair = _summed(infos) if self.opts.repair else None
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
        text: str,
        calls: list[Group],
        done: list[_SectionResult],
        tasks: dict[str, tuple[str, ...]],
        answer: Callable[[Group], Awaitable[_SectionResult]],
    ) -> tuple[dict[str, _SectionResult], list[_SectionResult]]:
        """Each section's result. A group whose call failed is asked again section by
        section, so a failure costs only the section whose text the endpoint will not take
        (and a resumed batch retries that section alone). Also the results of those asked
        again."""
        results = {sid: _SectionResult() for sid, t in tasks.items() if t}
        # a deferred call is not a failure: its group goes to the batch file as it is
        again = [
            g.sections
            for g, r in zip(calls, done, strict=True)
            if r.error and not r.deferred and len(g.sections) > 1
        ]
        self.tick("", sum(len(g) for g in again))
        alone = await asyncio.gather(
            *(answer(Group(tasks[sec.id], [sec], 0)) for g in again for sec in g)
        )
        retried = iter(alone)
        for (_, group, _), result in zip(calls, done, strict=True):
            if result.error and not result.deferred and len(group) > 1:
                parts = [_distribute(text, [sec], next(retried)) for sec in group]
            else:
                parts = [_distribute(text, group, result)]
            for part in parts:
                for sid, r in part.items():
                    mine = results[sid]
                    mine.facts += r.facts
                    mine.findings += r.findings
                    mine.error = mine.error or r.error
        return results, list(alone)

    async def _answered(
        self,
        doc: LoadedDocument,
        call: Group,
        *,
        hint: ReportMeta,
        usage: Usage,
        check: CheckFn,
    ) -> _SectionResult:
        """One group's calls, and its repair as soon as they are answered: a section does not
        wait for the rest of the document to be sent back."""
        sec = merged(call.sections)
        result = await self._section(doc, sec, hint, call.tasks, usage, call.need or None)
        if not self.opts.repair or result.deferred or result.error or not result.facts:
            return result
        from extractor.backends.repair import repair_facts

        # the group's facts carry the merged section's id: it is the section they are
        # repaired in (each goes back to its own section afterwards)
        # in a thread: the loop goes on sending the calls that wait while this group is checked
        checked, summary = await aio.off_loop(check, result.facts, [sec], hint.period)
        result.facts, result.repair = await repair_facts(
            self, doc, usage, checked, summary, [sec], hint, {sec.id: call.tasks}, check
        )
        return result

    async def _meta(
        self, doc: LoadedDocument, sections: list[Section], usage: Usage
    ) -> tuple[ReportMeta, str | None]:
        text = doc.text
        front = [s for s in sections if s.kind == "front"]
        back = [s for s in sections if s.kind == "back"]
        head_end = front[0].end if front else min(len(text), 600)
        # the title block and the signature say what a report is; the body says nothing more
        # (without a signature block found, the last lines are where a date or a name is)
        head = text[: min(head_end, 600)]
        tail = text[back[0].start : back[-1].end][-300:] if back else text[-100:]
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
        need: int | None = None,
    ) -> _SectionResult:
        """Every call of a section at once (its chunks, facts and findings), each failing
        alone: a chunk that fails does not cost the chunks after it. ``need``: what the
        planner says the reply of the whole section may take."""
        text = doc.text
        chunks = chunk_spans(text, sec.start, sec.end, self.opts.chunk_chars, CHUNK_OVERLAP)
        variables: dict[str, Any] = {"title": meta.title, "region": meta.region}
        variables["period"] = meta.period
        calls: list[Awaitable[list[Fact] | list[Finding] | list[Fact | Finding]]] = []
        if tasks == ("facts", "findings"):
            whole = need if len(chunks) == 1 else None
            calls += [self._both(text, sec, c, usage, variables, whole) for c in chunks]
        elif "facts" in tasks:
            pieces = [p for c in chunks for p in self.pieces(text, c)]
            calls += [self.facts_over(text, sec, p, usage, "facts", **variables) for p in pieces]
        elif "findings" in tasks:
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

    async def _both(
        self,
        text: str,
        sec: Section,
        span: tuple[int, int],
        usage: Usage,
        variables: dict[str, Any],
        need: int | None = None,
    ) -> list[Fact | Finding]:
        """A problems or recommendations text's facts and findings in one call, so the text
        is sent once. A reply that would not fit the ceiling, or is cut off, is asked as two
        calls, the facts one split as often as it needs."""
        body = text[span[0] : span[1]]
        need = need or reply_need(body, ("facts", "findings"))
        if need <= self.ceiling:
            msgs = prompts.messages(
                "facts", path=section_path(sec), text=body, findings=True, **variables
            )
            try:
                reply: SectionReply = await self.ask(
                    SectionReply, msgs, need, usage, "facts+findings"
                )
            except LLMError as e:
                if e.kind not in _TOO_LONG:
                    raise
            else:
                taken: set[int] = set()
                facts = [fact_of(text, d, sec, span[0], taken) for d in reply.facts]
                return [*facts, *(_finding(text, g, sec, span[0]) for g in reply.findings)]
        facts_parts, findings = await asyncio.gather(
            asyncio.gather(
                *(self.facts_over(text, sec, p, usage, "facts", **variables)
                  for p in self.pieces(text, span))
            ),
            self._findings(text, sec, span, usage, variables),
        )  # fmt: skip
        out: list[Fact | Finding] = [f for part in facts_parts for f in part]
        return out + list(findings)

    async def _findings(
        self,
        text: str,
        sec: Section,
        span: tuple[int, int],
        usage: Usage,
        variables: dict[str, Any],
    ) -> list[Finding]:
        body = text[span[0] : span[1]]
        msgs = prompts.messages("findings", path=section_path(sec), text=body, **variables)
        reply: FindingsReply = await self.ask(
            FindingsReply, msgs, findings_cap(len(body), self.ceiling), usage, "findings"
        )
        return [_finding(text, g, sec, span[0]) for g in reply.findings]


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


def _summed(infos: list[RepairInfo]) -> RepairInfo:
    """The repair of every group, as one round."""
    return RepairInfo(**{k: sum(getattr(i, k) for i in infos) for k in RepairInfo.model_fields})


def _with_status(sec: Section, error: str | None) -> Section:
    return sec.model_copy(update={"status": "failed" if error else "ok", "error": error})


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
