"""Read numbers in Chinese report text: one number (``parse_number``) or every number in a
text with its unit, hedges and kind (``find_numbers``).

This is the only place that reads numbers, so that the checker, the rules backend and the
evaluation validator agree on what "3136 万元 at [s, e)" means. ``find_numbers`` also
recognises what only looks like a quantity (the 2.5 of PM2.5, dates, 第十八次会议, 一是, 十四五)
and marks it ``masked`` instead of dropping it, so callers can tell "no number here" from
"a number that is not a fact".

Chinese numerals are read conservatively: only before a unit or measure word (三个, 两家),
in 百分之X / X成 / 第X / 零发生. Everywhere else they are words (进一步, 统一, 一些, 两高四着力).
"""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache

from extractor.furniture import furniture_spans
from extractor.numbers._mention import KINDS, MASK_REASONS, Mention
from extractor.numbers._read import parse_number
from extractor.numbers._scanner import Scanner, share_list_units
from extractor.units import std_value

__all__ = [
    "KINDS",
    "MASK_REASONS",
    "Mention",
    "find_numbers",
    "parse_number",
    "std_value",
]


def find_numbers(text: str, *, include_masked: bool = False) -> list[Mention]:
    """Every number in ``text``, in order, non-overlapping. Masked mentions (dates, PM2.5,
    section numbers, meeting numbers …) are returned only when ``include_masked``.

    A bare number in a list takes the unit written after the list's last number
    ("54、23、3微克/立方米" gives three mentions in 微克/立方米); its span stays its own.
    """
    mentions = _all_mentions(text)
    if include_masked:
        return list(mentions)
    return [mention for mention in mentions if mention.masked is None]


@lru_cache(maxsize=2)
def _all_mentions(text: str) -> tuple[Mention, ...]:
    # the rules and the checker both read the numbers of one text: read them once
    return tuple(_mask_furniture(text, share_list_units(text, Scanner(text).run())))


def _mask_furniture(text: str, mentions: list[Mention]) -> list[Mention]:
    """A number in page furniture (a stamp, a view count, a breadcrumb) is no number of the
    report."""
    spans = furniture_spans(text)
    if not spans:
        return mentions
    out: list[Mention] = []
    k = 0
    for m in mentions:
        while k < len(spans) and spans[k][1] <= m.start:
            k += 1
        inside = k < len(spans) and spans[k][0] <= m.start and m.end <= spans[k][1]
        out.append(replace(m, masked="furniture") if inside and m.masked is None else m)
    return out
