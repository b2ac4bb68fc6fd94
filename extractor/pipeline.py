"""load → section → prompted schemas per section → grounded Report.

The orchestration lives here and nowhere else: the CLI, batch and evaluation all call
``aextract_document``.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import re
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from extractor import prompts
from extractor.cache import ResponseCache, default_cache_path
from extractor.checker import check_facts
from extractor.errors import ConfigError, ExtractionError, LLMError, ModeRefusedError
from extractor.grounding import locate
from extractor.llm import LLMClient, LLMSettings, Usage
from extractor.loading import LoadedDocument, load, load_text
from extractor.numbers import find_numbers
from extractor.rules import extract_rules, rules_version
from extractor.schemas import (
    Change,
    Fact,
    Finding,
    Rank,
    RepairInfo,
    Report,
    ReportMeta,
    RunInfo,
    Section,
)
from extractor.schemas.responses import (
    FactDraft,
    FactsReply,
    FindingDraft,
    FindingsReply,
    MetaReply,
)
from extractor.sectioning import chunk_spans, split_sections
from extractor.units import canonical_unit, to_std

Backend = Literal["auto", "llm", "rules", "hybrid"]
ProgressFn = Callable[[int, int, str], None]

FACT_KINDS = frozenset({"status", "measures", "other"})
FINDING_KINDS = frozenset({"problems", "recommendations"})
_HEADING_NUMBER = re.compile(
    r"^\s*(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[）)]|\d+[.．、])\s*"
)


@dataclass(frozen=True)
class ExtractOptions:
    """Everything that decides how a document is extracted."""

    backend: Backend = "auto"
    model: str | None = None
    base_url: str | None = None
    api_key: str | None = field(default=None, repr=False)
    mode: str | None = None
    concurrency: int = 4
    cache: bool | str | os.PathLike[str] = True
    timeout: float = 180.0
    max_retries: int = 3
    max_reasks: int = 2
    chunk_chars: int = 1800
    max_output_tokens: int = 4096
    repair: bool = True

    def llm_settings(self) -> LLMSettings | None:
        return LLMSettings.resolve(
            model=self.model,
            base_url=self.base_url,
            api_key=self.api_key,
            mode=self.mode,
            timeout=self.timeout,
            max_retries=self.max_retries,
            max_reasks=self.max_reasks,
            max_output_tokens=self.max_output_tokens,
        )

    def resolved_backend(self) -> str:
        if self.backend not in ("auto", "llm", "rules", "hybrid"):
            raise ConfigError(f"unknown backend {self.backend!r}: use auto, llm, rules or hybrid")
        if self.backend in ("llm", "hybrid") and self.llm_settings() is None:
            raise ConfigError(
                f"backend {self.backend!r} needs an endpoint: pass --base-url (and --api-key) or "
                "set OPENAI_BASE_URL / OPENAI_API_KEY, plus --model or EXTRACTOR_MODEL"
            )
        if self.backend == "auto":
            return "llm" if self.llm_settings() is not None else "rules"
        return self.backend

    def config_key(self) -> str:
        """Short hash of what changes the output (not the key, the cache or concurrency)."""
        backend = self.resolved_backend()
        settings = self.llm_settings() if backend != "rules" else None
        parts: dict[str, Any] = {"backend": backend, "rules": rules_version()}
        if backend != "rules":
            parts["prompt"] = prompts.prompt_version()
        if settings is not None:
            parts.update(
                model=settings.model,
                base_url=settings.base_url,
                mode=settings.mode,
                chunk=self.chunk_chars,
                cap=settings.max_output_tokens,
                repair=self.repair,
            )
        blob = json.dumps(parts, sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:12]

    def describe(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("api_key", None)
        return d


def _open_cache(option: bool | str | os.PathLike[str]) -> ResponseCache | None:
    if option is False:
        return None
    return ResponseCache(default_cache_path() if option is True else Path(option))


def output_cap(chars: int, ceiling: int) -> int:
    """max_tokens for a call over ``chars`` of section text: JSON facts run ~2 tokens per
    source character at worst; an uncapped weak model can talk for minutes."""
    return max(512, min(ceiling, 300 + 2 * chars))


@dataclass
class _SectionResult:
    facts: list[Fact] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    error: str | None = None


class _Extraction:
    def __init__(self, doc: LoadedDocument, opts: ExtractOptions, progress: ProgressFn | None):
        self.doc = doc
        self.opts = opts
        self.progress = progress
        settings = opts.llm_settings()
        assert settings is not None
        self.settings = settings
        self.cache = _open_cache(opts.cache)
        self.client = LLMClient(settings, self.cache)
        self.usage = Usage()
        self.sem = asyncio.Semaphore(max(1, opts.concurrency))
        self.done = 0
        self.total = 0
        self.plan: dict[str, tuple[str, ...]] = {}

    async def _ask(self, model: type[Any], messages: list[dict[str, str]], chars: int) -> Any:
        async with self.sem:
            return await self.client.structured(
                model,
                messages,
                usage=self.usage,
                max_tokens=output_cap(chars, self.settings.max_output_tokens),
            )

    def _tick(self, label: str) -> None:
        self.done += 1
        if self.progress is not None:
            self.progress(self.done, self.total, label)

    async def meta(self, sections: list[Section]) -> tuple[ReportMeta, str | None]:
        text = self.doc.text
        front = [s for s in sections if s.kind == "front"]
        back = [s for s in sections if s.kind == "back"]
        head_end = front[0].end if front else min(len(text), 600)
        head = text[: min(head_end, 1200)]
        tail = text[back[0].start : back[-1].end][-600:] if back else text[-300:]
        msgs = prompts.messages("meta", head=head, tail=tail)
        try:
            reply: MetaReply = await self._ask(MetaReply, msgs, 200)
        except ModeRefusedError:
            raise
        except LLMError as e:
            return ReportMeta(), str(e)
        finally:
            self._tick("meta")
        return ReportMeta(**reply.model_dump()), None

    async def section(
        self, sec: Section, meta: ReportMeta, tasks: tuple[str, ...]
    ) -> _SectionResult:
        text = self.doc.text
        out = _SectionResult()
        path = _path(sec)
        chunks = chunk_spans(text, sec.start, sec.end, self.opts.chunk_chars, overlap=80)
        variables = {"title": meta.title, "region": meta.region, "period": meta.period}
        try:
            for c_start, c_end in chunks:
                body = text[c_start:c_end]
                if "facts" in tasks:
                    msgs = prompts.messages("facts", path=path, text=body, **variables)
                    freply: FactsReply = await self._ask(FactsReply, msgs, len(body))
                    for d in freply.facts:
                        out.facts.append(self._fact(d, sec, c_start))
                if "findings" in tasks:
                    msgs = prompts.messages(
                        "findings", path=path, text=body, kind=sec.kind, **variables
                    )
                    greply: FindingsReply = await self._ask(FindingsReply, msgs, len(body))
                    for g in greply.findings:
                        out.findings.append(self._finding(g, sec, c_start))
        except ModeRefusedError:
            raise
        except LLMError as e:
            out.error = str(e)
        finally:
            self._tick(path)
        out.facts = _dedupe_facts(out.facts)
        out.findings = _dedupe_findings(out.findings)
        return out

    async def _facts_call(
        self, template: str, sec: Section, span: tuple[int, int], meta: ReportMeta, **extra: Any
    ) -> list[Fact] | None:
        """One facts-shaped call over ``text[span]``; None when the call failed (the caller
        keeps what it had: a failed repair loses nothing)."""
        body = self.doc.text[span[0] : span[1]]
        msgs = prompts.messages(template, path=_path(sec), text=body, title=meta.title, **extra)
        try:
            reply: FactsReply = await self._ask(FactsReply, msgs, len(body))
        except LLMError:
            return None
        finally:
            self._tick(f"{template} {_path(sec)}")
        return [self._fact(d, sec, span[0]) for d in reply.facts]

    async def repair(
        self, report: Report, sections: list[Section], meta: ReportMeta
    ) -> tuple[list[Fact], RepairInfo]:
        """Send flagged facts back once per chunk with the checker's findings, then offer the
        numbers no fact covers once as possibly missed facts; keep what now passes."""
        text = self.doc.text
        facts = list(report.facts)
        info = RepairInfo()
        by_id = {s.id: s for s in sections}

        def flagged(f: Fact) -> bool:
            return f.origin == "llm" and f.check is not None and f.check.status == "flagged"

        # 1. flagged facts, per chunk of their section
        fix_jobs: list[tuple[Section, tuple[int, int], list[int]]] = []
        for sec in sections:
            mine = [i for i, f in enumerate(facts) if f.section == sec.id and flagged(f)]
            if not mine:
                continue
            chunks = chunk_spans(text, sec.start, sec.end, self.opts.chunk_chars, overlap=80)
            for k, (c_start, c_end) in enumerate(chunks):
                # an unlocated fact goes with the first chunk; a located one with its own
                here = [
                    i
                    for i in mine
                    if c_start <= _start(facts[i], c_start if k == 0 else -1) < c_end
                ]
                mine = [i for i in mine if i not in here]
                if here:
                    fix_jobs.append((sec, (c_start, c_end), here))
        info.flagged_before = sum(flagged(f) for f in facts)
        info.sections = len(fix_jobs)

        self.total += len(fix_jobs)
        answers = await asyncio.gather(
            *(
                self._facts_call(
                    "repair", sec, span, meta, items=[_for_repair(facts[i]) for i in idx]
                )
                for sec, span, idx in fix_jobs
            )
        )
        replaced: set[int] = set()
        fresh: list[Fact] = []
        for (_, _, idx), answer in zip(fix_jobs, answers, strict=True):
            if answer is None:
                info.still_flagged += len(idx)  # the call failed: the facts stay as they were
                continue
            replaced.update(idx)
            info.dropped += max(0, len(idx) - len(answer))
            fresh += answer
        kept = [f for i, f in enumerate(facts) if i not in replaced]
        candidates = _dedupe_facts(kept + fresh)
        rechecked, summary = check_facts(
            candidates, text, sections=sections, meta_period=meta.period
        )
        n_kept = len([f for f in candidates if any(f is k for k in kept)])
        for f in rechecked[n_kept:]:
            if f.check is not None and f.check.status == "flagged":
                info.still_flagged += 1
            else:
                info.corrected += 1

        # 2. numbers no fact covers, per section that asks for facts
        missed_jobs: list[tuple[Section, list[Any]]] = []
        for sec in sections:
            if "facts" not in self.plan.get(sec.id, ()):
                continue
            numbers = [n for n in summary.unaccounted_numbers if sec.start <= n.span[0] < sec.end]
            if numbers:
                missed_jobs.append((sec, numbers))
        info.offered = sum(len(n) for _, n in missed_jobs)
        self.total += len(missed_jobs)
        more = await asyncio.gather(
            *(
                self._facts_call(
                    "missed",
                    by_id[sec.id],
                    _clip(sec, numbers, self.opts.chunk_chars),
                    meta,
                    numbers=[n.model_dump() for n in numbers],
                )
                for sec, numbers in missed_jobs
            )
        )
        added = [f for answer in more if answer for f in answer]
        if added:
            base = len(rechecked)
            merged, _ = check_facts(
                rechecked + added, text, sections=sections, meta_period=meta.period
            )
            new_ok = [
                f for f in merged[base:] if f.check is not None and f.check.status != "flagged"
            ]
            info.added = len(new_ok)
            rechecked = merged[:base] + new_ok
        return rechecked, info

    def _fact(self, d: FactDraft, sec: Section, hint: int) -> Fact:
        span = locate(d.quote, self.doc.text, sec.start, sec.end, hint)
        quote = self.doc.text[span[0] : span[1]] if span else d.quote
        value = _tidy_number(d.value, quote)
        unit = canonical_unit(d.unit)
        value_std, unit_std = to_std(value, unit)
        change = (
            Change(
                basis=d.change.basis, value=_tidy_number(d.change.value, quote), unit=d.change.unit
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

    def _finding(self, g: FindingDraft, sec: Section, hint: int) -> Finding:
        span = locate(g.quote, self.doc.text, sec.start, sec.end, hint)
        quote = self.doc.text[span[0] : span[1]] if span else g.quote
        # The contract's category is the heading the item sits under: the sectioner knows it
        # for certain, so the model's guess is only used for text without headings.
        category = _strip_number(sec.path[-1]) if sec.path else g.category.strip()
        return Finding(
            category=_strip_number(category),
            title=g.title.strip(),
            detail=g.detail.strip()[:240],
            quote=quote,
            span=span,
            section=sec.id,
        )

    async def run(self) -> Report:
        started = time.monotonic()
        sections = split_sections(self.doc.text)
        self.plan = _plan(sections, self.doc.text)
        self.total = 1 + sum(1 for t in self.plan.values() if t)
        try:
            meta, meta_error = await self.meta(sections)
            jobs = {
                sid: asyncio.create_task(self.section(sec, meta, self.plan[sid]))
                for sid, sec in ((s.id, s) for s in sections)
                if self.plan[sid]
            }
            try:
                results = {sid: await job for sid, job in jobs.items()}
            except BaseException:
                for job in jobs.values():
                    job.cancel()
                raise

            report = Report(doc_id=self.doc.doc_id, source=self.doc.source(), text=self.doc.text)
            report.meta = meta
            failed: list[str] = []
            for sec in sections:
                tasks = self.plan[sec.id]
                if sec.kind == "front":
                    sec = replace_section(sec, "failed" if meta_error else "ok", meta_error)
                elif not tasks:
                    sec = replace_section(sec, "skipped", None)
                else:
                    res = results[sec.id]
                    sec = replace_section(sec, "failed" if res.error else "ok", res.error)
                    if res.error:
                        failed.append(res.error)
                    report.facts.extend(res.facts)
                    target = report.problems if sec.kind == "problems" else report.recommendations
                    target.extend(res.findings)
                report.sections.append(sec)
            attempted = sum(1 for t in self.plan.values() if t)
            if attempted and len(failed) == attempted:
                raise ExtractionError(
                    f"all {attempted} sections failed; first error: {failed[0]}",
                    doc_id=self.doc.doc_id,
                )
            report.facts, report.checks = check_facts(
                report.facts, report.text, sections=report.sections, meta_period=meta.period
            )
            repair: RepairInfo | None = None
            if self.opts.repair:
                report.facts, repair = await self.repair(report, report.sections, meta)
                report.facts, report.checks = check_facts(
                    report.facts, report.text, sections=report.sections, meta_period=meta.period
                )
        finally:
            await self.client.aclose()
            if self.cache is not None:
                self.cache.close()
        report.run = RunInfo(
            backend="llm",
            model=self.settings.model,
            mode=self.settings.mode,
            prompt_version=prompts.prompt_version(),
            calls=self.usage.calls,
            http_requests=self.usage.http_requests,
            prompt_tokens=self.usage.prompt_tokens,
            completion_tokens=self.usage.completion_tokens,
            cached_calls=self.usage.cached_calls,
            reasks=self.usage.reasks,
            seconds=round(time.monotonic() - started, 3),
            repair=repair,
        )
        return report


def replace_section(sec: Section, status: str, error: str | None) -> Section:
    return sec.model_copy(update={"status": status, "error": error})


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
            if _states_numbers(text[sec.start : sec.end]):
                tasks = ("facts", "findings")
        plan[sec.id] = tasks
    return plan


def _states_numbers(text: str) -> bool:
    return any(m.kind != "grade" for m in find_numbers(text))


_REPAIR_FIELDS = {"subject", "value", "value_text", "unit", "period", "area", "change", "rank"}


def _for_repair(f: Fact) -> dict[str, Any]:
    """A flagged fact as the repair prompt shows it: what it claims and what the checker found."""
    claim = f.model_dump(include=_REPAIR_FIELDS | {"is_target", "quote"}, exclude_none=True)
    issues = [x.message for x in f.check.issues] if f.check is not None else []
    return {"fact": json.dumps(claim, ensure_ascii=False), "issues": issues}


def _start(f: Fact, unlocated: int) -> int:
    return f.span[0] if f.span is not None else unlocated


def _path(sec: Section) -> str:
    return " > ".join(sec.path) or "(no heading)"


def _clip(sec: Section, numbers: list[Any], budget: int) -> tuple[int, int]:
    """The stretch of a section shown with its unaccounted numbers: the whole section when it
    fits the budget, else a budget-sized window starting just before the first number."""
    if sec.end - sec.start <= budget:
        return sec.start, sec.end
    lo = max(sec.start, min(n.span[0] for n in numbers) - budget // 4)
    return lo, min(sec.end, lo + budget)


def _strip_number(heading: str) -> str:
    return _HEADING_NUMBER.sub("", heading).strip()


def _tidy_number(value: float | int | None, quote: str) -> float | int | None:
    """Integral floats become ints (the JSON then shows 51, as the report wrote it)."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)
    return value


def _dedupe_facts(facts: list[Fact]) -> list[Fact]:
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


async def aextract_document(
    doc: LoadedDocument, opts: ExtractOptions, *, progress: ProgressFn | None = None
) -> Report:
    """The one place every surface (API, CLI, batch, evaluation) extracts a document."""
    backend = opts.resolved_backend()
    if backend == "rules":
        return extract_rules(doc)
    if backend == "llm":
        return await _Extraction(doc, opts, progress).run()
    rules = extract_rules(doc)
    try:
        llm = await _Extraction(doc, opts, progress).run()
    except ExtractionError as e:
        # Every model call failed: the rules' reading still stands, and the sections say why
        # the model's is missing.
        sections = [
            s.model_copy(update={"status": "failed", "error": str(e)}) if s.kind != "back" else s
            for s in rules.sections
        ]
        return rules.model_copy(
            update={"sections": sections, "run": rules.run.model_copy(update={"backend": "hybrid"})}
        )
    return merge_hybrid(llm, rules)


def merge_hybrid(llm: Report, rules: Report) -> Report:
    """The model's facts, plus the rules' facts for numbers the model left unaccounted; where
    both read the same number, the one the checker verifies wins (the model's when both do);
    a model fact whose quote is not in the text is left out. Findings: the rules' where the
    text's structure gives them, the model's grounded ones elsewhere. Each fact keeps its
    ``origin``."""
    text = llm.text
    # a model fact whose quote is nowhere in the text cannot be traced to a sentence: hybrid
    # leaves it out (the llm backend keeps it, flagged)
    facts = [f for f in llm.facts if not _has_issue(f, "quote_not_in_source")]
    for rf in rules.facts:
        model = [i for i, f in enumerate(facts) if f.origin == "llm"]
        same = [i for i in model if _covers_number(facts[i], rf)]
        if same:
            # the model states this number too: its reading stands unless only the rules'
            # reading survives the checker
            if all(_status(facts[i]) == "flagged" for i in same) and _status(rf) == "verified":
                facts[same[0]] = rf
            continue
        # the same words read as another number: a flagged model reading gives way to a
        # verified one; a model fact about another number in the same words leaves this one be
        wrong = [i for i in model if _overlaps(facts[i], rf) and _status(facts[i]) == "flagged"]
        if wrong and _status(rf) == "verified":
            facts[wrong[0]] = rf
        else:
            facts.append(rf)
    facts, checks = check_facts(facts, text, sections=llm.sections, meta_period=llm.meta.period)

    def findings(mine: list[Finding], theirs: list[Finding]) -> list[Finding]:
        # The contract defines a finding by the text's structure (each 一是/二是 item, or a
        # heading without items), which the rules read exactly: where they found items, those
        # stand; the model's findings whose words are in the text fill the other sections.
        read = {f.section for f in theirs}
        return theirs + [f for f in mine if f.span is not None and f.section not in read]

    meta = llm.meta.model_copy()
    for name in ("title", "issuer", "region"):
        # a model's title block guess that the text does not contain is not kept
        value = getattr(meta, name)
        if value is None or value not in text:
            setattr(meta, name, getattr(rules.meta, name))
    for name in ("period", "issued_on"):
        if getattr(meta, name) is None:
            setattr(meta, name, getattr(rules.meta, name))
    if meta.doc_type == "other":
        meta.doc_type = rules.meta.doc_type
    return llm.model_copy(
        update={
            "meta": meta,
            "facts": facts,
            "checks": checks,
            "problems": findings(llm.problems, rules.problems),
            "recommendations": findings(llm.recommendations, rules.recommendations),
            "run": llm.run.model_copy(update={"backend": "hybrid"}),
        }
    )


def _has_issue(f: Fact, code: str) -> bool:
    return f.check is not None and any(i.code == code for i in f.check.issues)


def _status(f: Fact) -> str | None:
    return f.check.status if f.check is not None else None


def _overlaps(f: Fact, rf: Fact) -> bool:
    return (
        f.span is not None
        and rf.span is not None
        and f.span[0] < rf.span[1]
        and rf.span[0] < f.span[1]
    )


def _covers_number(f: Fact, rf: Fact) -> bool:
    """``f`` already states ``rf``'s number (as its value, its change or its rank) in the same
    place."""
    if not _overlaps(f, rf):
        return False
    if f.value_text is not None and f.value_text == rf.value_text:
        return True
    stated = {f.value, abs(f.change.value) if f.change and f.change.value else None}
    stated.add(f.rank.position if f.rank else None)
    return rf.value is not None and rf.value in stated


def _as_document(source: str | os.PathLike[str] | LoadedDocument) -> LoadedDocument:
    if isinstance(source, LoadedDocument):
        return source
    if isinstance(source, os.PathLike):
        return load(source)
    # A short single-line string that names an existing file is a path; anything else is text.
    if "\n" not in source and len(source) < 4096 and _is_file(source):
        return load(source)
    return load_text(source)


def _is_file(source: str) -> bool:
    try:
        return Path(source).is_file()
    except (OSError, ValueError):
        return False  # too long for a file name, or a NUL in it: the text itself


async def aextract(
    source: str | os.PathLike[str] | LoadedDocument,
    *,
    progress: ProgressFn | None = None,
    **options: Any,
) -> Report:
    """Extract a Report from a path, a text, or a loaded document (async)."""
    opts = ExtractOptions(**options)
    return await aextract_document(_as_document(source), opts, progress=progress)


def extract(
    source: str | os.PathLike[str] | LoadedDocument,
    *,
    backend: Backend = "auto",
    model: str | None = None,
    base_url: str | None = None,
    api_key: str | None = None,
    mode: str | None = None,
    concurrency: int = 4,
    cache: bool | str | os.PathLike[str] = True,
    progress: ProgressFn | None = None,
    **more: Any,
) -> Report:
    """Extract a Report from a path or a text.

    ``backend``: ``auto`` (llm when an endpoint is configured), ``llm``. ``cache``: True for the
    default response cache, a path, or False.
    """
    opts = ExtractOptions(
        backend=backend,
        model=model,
        base_url=base_url,
        api_key=api_key,
        mode=mode,
        concurrency=concurrency,
        cache=cache,
        **more,
    )
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(aextract_document(_as_document(source), opts, progress=progress))
    raise ConfigError("extract() was called inside a running event loop: use `await aextract(...)`")


__all__ = ["ExtractOptions", "aextract", "aextract_document", "extract"]
