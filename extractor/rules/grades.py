"""Grades: a class or level stated for something (水质保持II类, 声环境质量级别为二级,
水质状况为优)."""

from __future__ import annotations

import dataclasses
import re
from decimal import Decimal

from extractor.numbers import Mention
from extractor.rules.draft import Draft
from extractor.rules.reading import PASS, Outcome, Reading
from extractor.rules.subject import subject_of
from extractor.rules.text import CJK, DocText

GRADE_STATED = re.compile(r"(?:为|是|保持|达到|达|属于|维持)(?:在)?$")
_SINCE_YEAR = re.compile(r"(?:由|从)((?:19|20)\d{2})年的?$")
_MOVED = re.compile(r"(?:提升|提高|改善|好转|上升|下降|降|变)(?:为|至|到)$")
_LEVEL_WORD = re.compile(r"(?:质量)?(?:等级|级别)")
_LEVEL_OF = re.compile(r"(?:平均)?(?:等效声级|浓度|值)$")
_WORD_GRADE = re.compile(
    rf"(?P<what>水质状况|水质|水环境质量状况|水环境质量)(?:总体|整体|均)?(?:为|保持|稳定保持|保持为)"
    rf"(?P<grade>优|良好|轻度污染|中度污染|重度污染)(?![{CJK}])"
)


def read_grade(r: Reading) -> Outcome:
    """A class stated (…为II类), moved (由2022年的Ⅳ类提升至Ⅲ类: where it got to, of the same
    water), or only named inside a subject ("I-III类水质比例": no fact)."""
    m, left, period = r.m, r.left, r.period
    if m.kind != "grade":
        return PASS
    last = r.seg.drafts[-1] if r.seg.drafts else None
    if _MOVED.search(left) and last is not None and last.role == "grade":
        to = dataclasses.replace(r.seg.resolved(last), mention=m, end=m.end, period=period)
        to.value_text = m.text
        return to
    since = _SINCE_YEAR.search(left)
    if since:
        left = left[: since.start()]
        period = since.group(1) if since.group(1) != r.doc.meta_year else None
    elif not GRADE_STATED.search(left):
        return None
    subject, start, area = subject_of(r.doc, left, r.tail)
    if _LEVEL_WORD.fullmatch(subject) and last is not None:
        # …昼间平均等效声级53.9分贝，质量等级为二级: the grade of what came before
        stem = _LEVEL_OF.sub("", last.subject)
        subject = stem + subject if stem != last.subject else subject
    return Draft(
        m,
        subject or "级别",
        start,
        m.end,
        None,
        value_text=m.text,
        period=period,
        area=area,
        role="grade",
        head=subject,
    )


def word_grades(doc: DocText, seg_start: int, seg_end: int, drafts: list[Draft]) -> list[Draft]:
    """榆河干流水质状况为优, 沙溪河水质状况为良好: a grade in words, no number at all."""
    out = []
    for g in _WORD_GRADE.finditer(doc.simp, seg_start, seg_end):
        if any(d.start < g.end() and g.start() < d.end for d in drafts):
            continue
        lo = doc.clause_start(seg_start, g.start("what"))
        subject, start, area = subject_of(doc, doc.simp[lo : g.end("what")], lo)
        at, to = g.span("grade")
        mention = Mention(at, to, at, to, doc.text[at:to], Decimal(0), None, "grade")
        grade = Draft(mention, subject or "水质状况", start, g.end(), None, area=area)
        grade.value_text, grade.role, grade.head = mention.text, "grade", subject
        out.append(grade)
    return out
