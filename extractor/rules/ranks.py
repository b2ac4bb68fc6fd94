"""Ranks: 全省排名第2 joins the fact before it; a rank with nothing to qualify is a fact of its
own (排名由年初的全省末位提升到第11位); a threshold (退出…后30名) names the list it is taken in."""

from __future__ import annotations

import re
from dataclasses import dataclass

from extractor.lexicon import MEASURE_WORDS
from extractor.rules.draft import Attach, Draft
from extractor.rules.reading import PASS, Outcome, Reading
from extractor.rules.subject import strip_lead, strip_trail, subject_of, topic_before
from extractor.rules.text import clean
from extractor.schemas import Rank

SCOPE = re.compile(r"(全国[^，。；,;]{0,12}?城市|全国|全省|全市|全区|省内|全流域)")
_FILLERS = re.compile(
    r"全国[^，。；,;]{0,12}?城市|全国|全省|全市|全区|省内|排名|排在|排|居于|居|位列|位居|位于|"
    r"列|在|并列|提升|上升|下降|前移|后移|由|从|到|至|为|了|[（(（]"
)
_METRIC = re.compile(r"(改善率|改善幅度|改善程度|降幅|综合指数|浓度)")
_KEPT_METRICS = ("改善率", "改善幅度", "改善程度", "降幅")
_SINCE = re.compile(r"(?:由|从)(年初|年底|上半年|上年|去年|(?:19|20)\d{2}年)的?")
_TO = re.compile(r"(?:到|至|为)")
# what makes a top or bottom N a position reached, not a list's length
_CROSSED = re.compile(r"退出|进入|跻身|位列|位居|保持|排在|跃居|稳居|居")
_WHEN_RANKED = re.compile(r"(?:年初|年底|上半年|上年|去年)排名$")


@dataclass
class _Rank:
    rank: Rank
    rest: str  # what the clause says is ranked, once scope and rank words are gone
    owner: Draft | None  # the fact the rank would qualify


def _rank_of(r: Reading, scope: str | None) -> Rank:
    metric_m = _METRIC.search(r.left)
    metric = metric_m.group(1) if metric_m and metric_m.group(1) in _KEPT_METRICS else None
    return Rank(scope=scope, position=int(r.m.value), metric=metric, tied="并列" in r.left)


def _in_field(r: Reading, found: _Rank) -> _Rank:
    """在全市11个县（市、区）中排名第4位: the count is the field ranked in, the fact ranked is
    the one before it."""
    owner, seg = found.owner, r.seg
    if not (
        r.left.startswith("中")
        and owner is not None
        and seg.end_of(owner) == r.tail
        and owner.unit in MEASURE_WORDS
        and len(seg.drafts) >= 2
    ):
        return found
    lo = r.doc.clause_start(0, owner.start)
    field_m = SCOPE.search(r.simp[lo : seg.end_of(owner)])
    scope = r.doc.text[lo + field_m.start() : seg.end_of(owner)] if field_m else found.rank.scope
    rank = _rank_of(r, scope)
    return _Rank(rank, re.sub(r"^中", "", found.rest), seg.last_value(upto=len(seg.drafts) - 1))


def _threshold(r: Reading) -> Draft | None:
    """成功退出全国168个重点城市后30名: the list the threshold is taken in comes before. A
    top or bottom N that only introduces a list (前三名依次为…, 降幅前3位的城市) is no fact."""
    m, seg = r.m, r.seg
    if not _CROSSED.search(r.doc.simp[r.doc.clause_start(0, m.start) : m.start]):
        return None
    last = seg.drafts[-1] if seg.drafts else None
    before = last if last is not None and seg.end_of(last) >= m.start - 1 else None
    noun = before.subject.removesuffix("数") if before is not None else ""
    subject = (noun or clean(strip_trail(r.left))) + r.doc.text[m.start : m.end]
    return Draft(
        m, subject, r.tail, m.end, r.unit, value=m.value, period=r.period, role="rank", head=subject
    )


def read_rank(r: Reading) -> Outcome:
    m, left = r.m, r.left
    if m.kind != "rank":
        return PASS
    if r.doc.text[m.start : m.start + 1] in ("前", "后"):
        return _threshold(r)
    scope_m = SCOPE.search(left)
    rest, _ = strip_lead(clean(_FILLERS.sub("", _METRIC.sub("", left))), 0)
    found = _Rank(_rank_of(r, scope_m.group(1) if scope_m else None), rest, r.seg.last_value())
    found = _in_field(r, found)
    if not found.rest and found.owner is not None:
        return Attach(found.owner, end=m.end, rank=found.rank)
    return _rank_fact(r, found)


def _rank_fact(r: Reading, found: _Rank) -> Draft:
    """A rank that is its own fact: what is ranked, and since when."""
    m, left, period, rest = r.m, r.left, r.period, found.rest
    since = _SINCE.search(left)
    when = ""
    if since and _TO.search(left[since.end() :]):
        since = None  # 由年初的全省末位提升到第9位: this number is where it got to
    if since:
        # 由年初的全省第15位提升到第9位: the first rank is the starting point; a year is its
        # period, a word like 年初 is part of what is ranked (there is no period for it)
        word = since.group(1)
        if word[:1].isdigit():
            period = word[:4] if word[:4] != r.doc.meta_year else None
        else:
            when = word
    base = r.seg.before()
    start = r.tail
    if rest and "排名" in left:
        # PM10浓度排名由年初的全省末位提升到第11位: the subject is before 排名
        subject, start, _ = subject_of(r.doc, left.split("排名")[0], r.tail)
        subject = (subject or rest) + when + "排名"
    elif rest:
        subject, start, _ = subject_of(r.doc, rest, r.tail)
    elif base is not None and base.role == "rank" and found.rank.metric is None:
        subject = _WHEN_RANKED.sub("排名", base.subject)  # …提升到第9位: the same ranking, now
    else:
        named = base.topic if base is not None else topic_before(r.doc, r.tail)
        subject = f"{named}{found.rank.metric or ''}排名"
    return Draft(
        m,
        subject,
        start,
        m.end,
        r.unit,
        value=m.value,
        period=period,
        rank=found.rank,
        role="rank",
        head=subject,
    )
