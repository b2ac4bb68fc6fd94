"""Places with their values in brackets, as ranking bulletins list them: 仙桃(13.6%)、孝感(13.2%)、
武汉(12.6%). One fact per place, the place as its area, the subject from the words that
introduce the list (优良率增幅排名前三的城市分别为), and, for a list of changes (增幅, 降幅,
变化率), the value as the place's change."""

from __future__ import annotations

import re

from extractor.numbers import Mention
from extractor.rules.draft import Draft
from extractor.rules.reading import Reading
from extractor.rules.subject import strip_lead, topic
from extractor.rules.text import CJK, clean
from extractor.schemas import Change
from extractor.schemas.catalogue import match_indicator
from extractor.sectioning import SENTENCE_MARKS
from extractor.units import canonical_unit, plain_number

_OPEN = "(（"
_CLOSE = ")）"
_NAME_BEFORE = re.compile(rf"([{CJK}]{{2,12}})[(（]$")
_NAME_REACH = 13  # the longest name and its bracket: how far back _NAME_BEFORE need look
_JOINT = re.compile(rf"[)）](?:、|，|,|和|及)([{CJK}]{{2,12}})[(（]$")
# What introduces a list of places: the ranking words, not what is measured.
_INTRO = re.compile(
    r"(?:排名|排在|位居|位列)?(?:前|后)[0-9一二三四五六七八九十]+(?:位|名)?|"
    r"(?:最好|最差|较好|较差|较大|较小|最高|最低)的|"
    r"的?(?:城市|县区|县(?:市、区)|县\(市、区\)|区县|地区|市州|设区市)|"
    r"(?:依次|分别|主要)?(?:是|为|有)|依次|分别|[:：，,]"
)
_CHANGE_WORDS = re.compile(r"(增幅|降幅|升幅|改善幅度|变化率|变幅|下降率|上升率)")


def bracket_group(r: Reading, mentions: list[Mention], i: int) -> list[Mention]:
    """The numbers from ``mentions[i]`` that each stand alone in brackets after a place name,
    the places joined by 、; [] when ``mentions[i]`` opens no such list."""
    simp = r.doc.simp
    m = mentions[i]
    if (
        not _NAME_BEFORE.search(simp, max(0, m.start - _NAME_REACH), m.start)
        or simp[m.end : m.end + 1] not in _CLOSE
    ):
        return []
    group = [m]
    while i + len(group) < len(mentions):
        nxt = mentions[i + len(group)]
        if (
            not _JOINT.match(simp[group[-1].end : nxt.start])
            or simp[nxt.end : nxt.end + 1] not in _CLOSE
        ):
            break
        group.append(nxt)
    return group if len(group) > 1 else []


def _subject(r: Reading, first_name_at: int) -> tuple[str, bool]:
    """What the listed values measure, and whether they are changes."""
    doc = r.doc
    # the list is introduced up to its colon: 降幅前3位的城市依次是：忻州(-36.8%)…
    head = doc.simp[r.seg.start : first_name_at]
    clause = head[max(head.rfind(c) for c in "，,；;。\n") + 1 :]
    words = clean(_INTRO.sub("", clause))
    words, _ = strip_lead(words, 0)
    lo = first_name_at
    while lo > 0 and doc.text[lo - 1] not in SENTENCE_MARKS:
        lo -= 1
    ind = match_indicator(doc.simp[lo:first_name_at])
    change = _CHANGE_WORDS.search(clause)
    if ind is not None and (not words or _CHANGE_WORDS.fullmatch(words)):
        words = ind.name + (change.group(1) if change else "")
    return words or "数值", change is not None


def read_bracket_list(r: Reading, group: list[Mention]) -> list[Draft]:
    simp, text = r.doc.simp, r.doc.text
    names: list[tuple[int, str]] = []
    prev_end = None
    for m in group:
        if prev_end is None:
            named = _NAME_BEFORE.search(simp, max(0, m.start - _NAME_REACH), m.start)
        else:
            named = _JOINT.match(simp, prev_end, m.start)
        assert named is not None
        names.append((named.start(1), text[named.start(1) : named.end(1)]))
        prev_end = m.end
    subject, is_change = _subject(r, names[0][0])
    basis = r.doc.basis_before(names[0][0])
    unit_all = next((canonical_unit(k.unit) for k in group if k.unit), None)
    out = []
    for (at, name), m in zip(names, group, strict=True):
        unit = canonical_unit(m.unit) or unit_all
        change = (
            Change(basis=basis.group(1) if basis else None, value=plain_number(m.value), unit=unit)
            if is_change
            else None
        )
        d = Draft(m, subject, at, m.end + 1, unit, value=m.value, period=r.period, area=name)
        d.change, d.head, d.topic = change, subject, topic(subject)
        out.append(d)
    return out
