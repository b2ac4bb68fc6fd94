"""Lists: 54、23、3微克/立方米 after 可吸入颗粒物、二氧化氮、二氧化硫年均浓度 gives one fact per
number with its own subject; a second list in the sentence reuses the names; one value said of
several subjects (…均达到100%) is a fact for each."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field

from extractor.numbers import Mention
from extractor.rules.draft import Draft
from extractor.rules.subject import shared_suffix, subject_of, topic
from extractor.rules.text import DocText
from extractor.rules.values import TARGET_INTRO, TARGET_WORDS
from extractor.units import canonical_unit

_JOINTS = ("、", "和", "及")
_LIST_YEAR = re.compile(r"((?:19|20)\d{2})年的?$")
_LIST_VERB = re.compile(r"(?:分别)?(?:下降|上升|提高|降低|减少|增加|提升)?(?:到|至|为)?$")
_LIST_FROM = re.compile(r"(?:从|由)$")
_LIST_GOAL = re.compile(r"的?(?:省定|市定|年度)?目标(?:分别)?(?:为|是)?$")
_ALL = re.compile(r"均|都")


@dataclass
class Names:
    """The last list of names read in a segment, for a second list of values."""

    names: list[str] = field(default_factory=list)
    unit: str | None = None


def list_group(doc: DocText, seg: list[Mention], i: int) -> list[Mention]:
    """The numbers from ``seg[i]`` joined only by 、 (and a last 和/及): 5.3%、3.2%和12.5%."""
    group = [seg[i]]
    while i + len(group) < len(seg):
        nxt = seg[i + len(group)]
        joint = doc.simp[group[-1].end : nxt.start]
        if nxt.kind not in ("quantity", "percent") or joint not in _JOINTS:
            break
        group.append(nxt)
        if joint != "、":
            break  # 和 joins the last one
    return group


def read_list(
    doc: DocText, group: list[Mention], left: str, tail: int, period: str | None, names: Names
) -> list[Draft]:
    """One fact per number of a 、-joined list, subjects from the list of names."""
    py = _LIST_YEAR.search(left)
    if py:
        # the list's own year overrides the sentence's; the report's own year is no period
        period = py.group(1) if py.group(1) != doc.meta_year else None
        left = left[: py.start()]
    target = bool(TARGET_WORDS.search(left) or TARGET_INTRO.search(left))
    left = _LIST_GOAL.sub("", _LIST_FROM.sub("", _LIST_VERB.sub("", left)))
    subject, start, area = subject_of(doc, left, tail)
    parts = [p for p in subject.split("、") if p]
    if len(parts) == len(group):
        suffix = shared_suffix(parts[-1])
        subjects = [p if p.endswith(suffix) else p + suffix for p in parts] if suffix else parts
    elif len(names.names) == len(group):
        subjects = names.names
    else:
        subjects = [subject] * len(group)
    unit_all = next((canonical_unit(k.unit) for k in reversed(group) if k.unit), names.unit)
    out = []
    for k, subj in zip(group, subjects, strict=True):
        named = subj if not target or subj.endswith("目标") else subj + "目标"
        out.append(
            Draft(
                k,
                named,
                start if k is group[0] else k.start,
                k.end,
                canonical_unit(k.unit) or unit_all,
                value=k.value,
                period=period,
                area=area,
                is_target=target,
                head=subj,
                topic=topic(subj),
            )
        )
    return out


def shared(doc: DocText, d: Draft, left: str) -> list[Draft]:
    """受污染耕地安全利用率、重点建设用地安全利用率均达到100%: one value said of several
    subjects is a fact for each; the first quotes the clause, the others from their own name
    on."""
    parts = [p for p in d.subject.split("、") if p]
    if d.role != "value" or len(parts) < 2 or not _ALL.search(left):
        return [d]
    suffix = shared_suffix(parts[-1])
    if suffix:
        parts = [p if p.endswith(suffix) else p + suffix for p in parts]
    out = []
    for k, part in enumerate(parts):
        head = part.removesuffix(suffix) if suffix and k < len(parts) - 1 else part
        at = doc.simp.find(head, d.start, d.end) if k else d.start
        out.append(
            dataclasses.replace(
                d, subject=part, head=part, topic=topic(part), start=max(at, d.start)
            )
        )
    return out
