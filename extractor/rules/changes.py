"""Changes: 同比下降4.4% qualifies the fact before it; a list of changes qualifies a list of
values in order; 同比持平 is a change of zero; a change with nothing to qualify is a fact."""

from __future__ import annotations

import re

from extractor.lexicon import (
    BASIS,
    CHANGE_VERBS,
    IMPROVE_VERB,
    alternation,
    direction_of,
    improvement_sign,
)
from extractor.numbers import Mention
from extractor.rules.draft import Attach, Draft, Segment
from extractor.rules.reading import PASS, Outcome, Reading
from extractor.rules.subject import subject_of
from extractor.rules.text import DocText
from extractor.schemas import Change
from extractor.units import canonical_unit, plain_number

CHANGE_VERB = re.compile(rf"({alternation((*CHANGE_VERBS, IMPROVE_VERB))})(?:了|约|近|超过)*$")
_TO = re.compile(r"(?:到|至)$")
_FLAT = re.compile(r"持平")
_FLAT_REACH = 12  # characters between a figure and its 持平


def signed(word: str, owner: Draft) -> int:
    """The sign a change verb gives: 改善 of an index or a concentration is a fall, of a count
    of good days a rise."""
    if word != IMPROVE_VERB:
        return direction_of(word)
    return improvement_sign(owner.unit, owner.subject)


def read_change(r: Reading) -> Outcome:
    """同比增加14天 → the change of the fact before it; 化肥使用量同比减少2.6% with no level to
    qualify → its own fact (…降幅). 改善 with nothing to qualify, or 下降到 (where a figure got
    to), is the figure itself: the next handler reads it."""
    m, left, unit = r.m, r.left, r.unit
    verb = CHANGE_VERB.search(left)
    if verb is None or m.kind == "rank":
        return PASS
    basis_m = r.doc.basis_before(m.start)
    basis = basis_m.group(1) if basis_m else None
    owner = r.seg.change_owner(unit)
    word = verb.group(1)
    if owner is not None:
        change = Change(basis=basis, value=plain_number(m.value * signed(word, owner)), unit=unit)
        link = Attach(owner, end=m.end, change=change)
        return Draft(m, "", m.start, m.end, unit, role="change", attach=link)
    if word == IMPROVE_VERB or _TO.search(left):
        return PASS
    head_text = left[: verb.start()]
    if basis_m is not None:
        head_text = head_text.replace(basis_m.group(1), "")
    subject, start, area = subject_of(r.doc, head_text, r.tail)
    last = r.seg.values()[-1] if r.seg.values() else None
    if not subject and last is not None and r.seg.change_of(last) is not None:
        # …同比下降5.0%(下降12.9%): a second statement of a change already given, of the same
        # figure, as a change of its own
        subject, start, area = last.topic or last.subject, r.m.start, last.area
    if not subject:
        return PASS
    sign = direction_of(word)
    return Draft(
        m,
        subject + ("降幅" if sign < 0 else "增幅"),
        start,
        m.end,
        unit,
        value=m.value,
        period=r.period,
        area=area,
        change=Change(basis=basis, value=plain_number(m.value * sign), unit=unit),
        head=subject,
        topic=subject,
    )


def list_changes(
    doc: DocText, seg: Segment, group: list[Mention], left: str
) -> list[Attach] | None:
    """分别同比下降5.0%、7.1% after a list of values: one change for each, in order. None when
    the list is no list of changes; [] when there are more changes than values to give them
    to (no guess: the checker lists them as numbers no fact covers)."""
    verb = CHANGE_VERB.search(re.sub(r"分别", "", left))
    owners = seg.values()[-len(group) :]
    if verb is None:
        return None
    if len(owners) < len(group) or any(seg.change_of(d) for d in owners):
        return []
    basis_m = doc.basis_before(group[0].start)
    unit_all = next((canonical_unit(k.unit) for k in reversed(group) if k.unit), None)
    links = []
    for owner, k in zip(owners, group, strict=True):
        change = Change(
            basis=basis_m.group(1) if basis_m else None,
            value=plain_number(k.value * signed(verb.group(1), owner)),
            unit=canonical_unit(k.unit) or unit_all,
        )
        links.append(Attach(owner, end=group[-1].end, change=change))
    return links


def attach_flat_changes(doc: DocText, seg: Segment) -> None:
    """与上年持平 / 同比持平: a change of zero for the fact before it."""
    for flat in _FLAT.finditer(doc.simp, seg.start, seg.end):
        at = flat.start()
        owner = next(
            (d for d in reversed(seg.drafts) if d.role == "value" and seg.end_of(d) <= at + 2),
            None,
        )
        if owner is None or seg.change_of(owner) is not None:
            continue
        if at - seg.end_of(owner) > _FLAT_REACH:
            continue
        said = BASIS.search(doc.simp[seg.end_of(owner) : at])
        zero = Change(basis=said.group(1) if said else None, value=0)
        seg.attach(Attach(owner, end=at + 2, change=zero))
