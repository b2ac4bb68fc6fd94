"""Facts from the text alone: every number outside the footer, read segment by segment.

Each number goes to the handlers of ``NUMBER_READINGS`` in order; the first that claims it
says what it is (a grade, a change of the fact before, a rank, a previous period's value, a
value). A 、-joined run of numbers is read as a list first. Changes and ranks that qualify an
earlier reading are attached when the segment is done (``draft.Segment``).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable

from extractor.lexicon import MEASURE_WORDS
from extractor.numbers import Mention
from extractor.rules.brackets import bracket_group, read_bracket_list
from extractor.rules.category import category_of
from extractor.rules.changes import attach_flat_changes, list_changes, read_change
from extractor.rules.draft import Attach, Draft, Segment
from extractor.rules.grades import read_grade, word_grades
from extractor.rules.lists import Names, list_group, read_list, shared
from extractor.rules.periods import YEAR
from extractor.rules.ranks import read_rank
from extractor.rules.reading import Outcome, Pass, Reading
from extractor.rules.tables import read_tables
from extractor.rules.text import DocText
from extractor.rules.values import read_previous, read_value
from extractor.schemas import Fact, ReportMeta, Section
from extractor.sectioning import SEGMENT_MARKS, enclosing
from extractor.units import plain_number

# In order: the first handler that does not PASS decides what the number is.
NUMBER_READINGS: tuple[Callable[[Reading], Outcome], ...] = (
    read_grade,
    read_change,
    read_rank,
    read_previous,
    read_value,
)
_PLAN_HEADING = re.compile(r"工作(?:思路|打算|安排|计划|重点)|下一步|计划|目标任务")


def read_number(r: Reading) -> Draft | Attach | None:
    for handler in NUMBER_READINGS:
        outcome = handler(r)
        if not isinstance(outcome, Pass):
            return outcome
    return None


def read_facts(text: str, meta: ReportMeta, sections: list[Section]) -> list[Fact]:
    """Every fact the rules read, in text order within each section (unchecked)."""
    doc = DocText(text, meta)
    facts: list[Fact] = []
    for sec in sections:
        if sec.kind == "back":
            continue
        tables, rows = read_tables(doc, sec)
        facts += [_fact(doc, d, sec) for d in tables]
        body = [
            m
            for m in doc.mentions_in(sec.start, sec.end)
            if not m.masked and not any(a <= m.num_start < b for a, b in rows)
        ]
        k = 0  # the mentions come in text order: each segment takes the next of them
        for seg_start, seg_end in doc.segments(sec.start, sec.end):
            while k < len(body) and body[k].num_start < seg_start:
                k += 1
            first = k
            while k < len(body) and body[k].num_start < seg_end:
                k += 1
            seg = body[first:k]
            drafts = read_segment(doc, Segment(seg_start, seg_end), seg) if seg else []
            drafts += word_grades(doc, seg_start, seg_end, drafts)
            facts += [_fact(doc, d, sec) for d in sorted(drafts, key=lambda d: d.start)]
    return facts


class _Walk:
    """Where the reading of a segment stands between two numbers."""

    def __init__(self, start: int) -> None:
        self.prev_end = start
        self.consumed = start  # text a count took as its noun is not the next number's subject
        self.area: str | None = None
        self.area_clause = -1
        self.names = Names()


def read_segment(doc: DocText, seg: Segment, mentions: list[Mention]) -> list[Draft]:
    walk = _Walk(seg.start)
    i = 0
    while i < len(mentions):
        m = mentions[i]
        clause = doc.clause_start(seg.start, m.start)
        counted = m.kind == "quantity" and (m.unit is None or m.unit in MEASURE_WORDS)
        # a count after 6河 starts after the noun 河; a rate after 953个入河排污口 includes it;
        # a rank after 在全市9个县（市、区）中 does not start inside that count's noun
        tail = max(clause, walk.prev_end, walk.consumed if counted or m.kind == "rank" else clause)
        r = Reading(
            doc, seg, m, doc.simp[tail : m.start], tail, doc.sentence_period(seg.start, m.start)
        )
        bracketed = bracket_group(r, mentions, i)
        if bracketed:
            seg.drafts += read_bracket_list(r, bracketed)
            walk.prev_end = bracketed[-1].end + 1
            i += len(bracketed)
            continue
        group = list_group(doc, mentions, i)
        if len(group) > 1 and _read_group(r, group, walk):
            walk.prev_end = group[-1].end
            i += len(group)
            continue
        made = read_number(r)
        if isinstance(made, Attach):
            seg.attach(made)
        elif made is not None:
            _add(r, made, clause, walk)
        if made is not None or m.kind != "grade":
            walk.prev_end = m.end  # a class named inside a subject (五类水比例) is not a boundary
        i += 1
    attach_flat_changes(doc, seg)
    return _resolve(doc, seg)


def _read_group(r: Reading, group: list[Mention], walk: _Walk) -> bool:
    """A list of changes for the values before it, or a list of values; False when the run is
    no list after all (one number per handler then)."""
    links = list_changes(r.doc, r.seg, group, r.left)
    if links is not None:
        for link in links:
            r.seg.attach(link)
        return True
    if r.m.kind not in ("quantity", "percent"):
        return False
    listed = read_list(r.doc, group, r.left, r.tail, r.period, walk.names)
    r.seg.drafts += listed
    walk.names = Names([d.head for d in listed], listed[-1].unit)
    return True


def _add(r: Reading, made: Draft, clause: int, walk: _Walk) -> None:
    """Add one reading: an area heading the clause holds for what follows in it; a range
    gives both its ends."""
    m = r.m
    if made.area is None and walk.area is not None and walk.area_clause == clause:
        made.area = walk.area
    if made.area is not None:
        walk.area, walk.area_clause = made.area, clause
    if made.role == "value" and made.end > m.end:
        walk.consumed = made.end  # a noun taken from after the number
    if made.attach is not None:
        r.seg.attach(made.attach)
    readings = shared(r.doc, made, r.left)
    if m.kind == "range" and m.value_to is not None and made.role == "value":
        # 每月在26—33件之间: both ends are stated numbers
        lower = dataclasses.replace(made, subject=made.subject + "下限", head=made.head + "下限")
        upper = dataclasses.replace(
            made, value=m.value_to, subject=made.subject + "上限", head=made.head + "上限"
        )
        readings = [lower if d is made else d for d in readings] + [upper]
    r.seg.drafts += readings


def _resolve(doc: DocText, seg: Segment) -> list[Draft]:
    """The segment's readings with their changes and ranks attached; an area heading a run of
    、-joined counts ("城区820辆公交车、1359辆出租车") holds for all of it."""
    out: list[Draft] = []
    for d in (seg.resolved(d) for d in seg.drafts):
        prev = out[-1] if out else None
        if prev is not None and prev.area and not d.area and doc.text[prev.end : d.start] == "、":
            d = dataclasses.replace(d, area=prev.area)
        out.append(d)
    return [d for d in out if d.role != "change"]


def _fact(doc: DocText, d: Draft, sec: Section) -> Fact:
    heading = " ".join(sec.path)
    is_target, period = d.is_target, d.period
    if sec.kind == "recommendations" and _PLAN_HEADING.search(heading) and d.role == "value":
        # 五、2025年工作打算 / 2026年工作思路: the numbers of a plan are its goals, for the year
        # the heading names
        is_target = True
        year = YEAR.search(heading)
        if period is None and year and year.group(1) != doc.meta_year:
            period = year.group(1)
    subject = d.subject.strip() or "数值"
    if period is not None and period == doc.meta_period:
        period = None  # the report's own period is no period of the fact
    lo, hi = enclosing(doc.simp, d.start, d.end, SEGMENT_MARKS)
    category, indicator = category_of(subject, d.unit, (doc.simp[lo:hi], heading))
    start = max(d.start, sec.start)
    return Fact(
        category=category,
        subject=subject,
        indicator=indicator,
        value=plain_number(d.value) if d.value is not None else None,
        value_text=d.value_text,
        unit=d.unit if d.value is not None else None,
        period=period,
        area=d.area,
        change=d.change,
        rank=d.rank,
        is_target=is_target,
        quote=doc.text[start : d.end],
        span=(start, d.end),
        section=sec.id,
        origin="rules",
    )
