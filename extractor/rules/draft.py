"""A fact in the making, and the readings of one segment (a sentence up to its 。 or ；).

Numbers are read in text order. A reading is either a new ``Draft`` or an ``Attach``: a
change or a rank that qualifies a draft read earlier (同比下降4.4% qualifies the 4.803 before
it). Attachments are recorded beside the drafts, never written into them, and applied once at
the end (``Segment.resolved``), so what a later number reads of an earlier one is always
asked of the segment (``change_of``, ``rank_of``, ``end_of``).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from extractor.numbers import Mention
from extractor.schemas import Change, Rank
from extractor.units import std_value

Role = Literal["value", "previous", "rank", "grade", "change"]


@dataclass
class Draft:
    mention: Mention
    subject: str
    start: int  # quote start in the text
    end: int  # quote end
    unit: str | None
    value: Decimal | None = None
    value_text: str | None = None
    period: str | None = None
    area: str | None = None
    change: Change | None = None  # a change read with the draft itself (a change-only fact)
    rank: Rank | None = None
    is_target: bool = False
    head: str = ""  # the subject's own words before any borrowed topic
    role: Role = "value"
    topic: str = ""
    own: str = ""  # the words before a noun taken from after the number (扬尘管控 of …措施)
    attach: Attach | None = None  # role "change": what this number says of an earlier draft


@dataclass(frozen=True)
class Attach:
    """A change or rank of an earlier draft, whose quote then runs to ``end``."""

    owner: Draft
    end: int
    change: Change | None = None
    rank: Rank | None = None


@dataclass
class Segment:
    start: int
    end: int
    drafts: list[Draft] = field(default_factory=list)
    links: list[Attach] = field(default_factory=list)

    def attach(self, link: Attach) -> None:
        self.links.append(link)

    def _of(self, d: Draft) -> list[Attach]:
        return [a for a in self.links if a.owner is d]

    def change_of(self, d: Draft) -> Change | None:
        return next((a.change for a in self._of(d) if a.change is not None), d.change)

    def rank_of(self, d: Draft) -> Rank | None:
        return next((a.rank for a in self._of(d) if a.rank is not None), d.rank)

    def end_of(self, d: Draft) -> int:
        return max([d.end, *(a.end for a in self._of(d))])

    def resolved(self, d: Draft) -> Draft:
        """``d`` with what later numbers said of it."""
        if not self._of(d):
            return d
        return dataclasses.replace(
            d, change=self.change_of(d), rank=self.rank_of(d), end=self.end_of(d)
        )

    # -- looking back -------------------------------------------------------------------

    def values(self) -> list[Draft]:
        return [d for d in self.drafts if d.role == "value"]

    def last_value(self, upto: int | None = None) -> Draft | None:
        """The last value or grade (of the first ``upto`` drafts), when it has no rank yet."""
        for d in reversed(self.drafts[:upto]):
            if d.role in ("value", "grade"):
                return d if self.rank_of(d) is None else None
        return None

    def change_owner(self, unit: str | None) -> Draft | None:
        """The fact a change qualifies: the last one before it without a change, or, for a
        change in days or tonnes, the last one in that unit (优良天数276天，占全年的75.4%，同比
        增加9天 → the 276天)."""
        free = []
        for d in reversed(self.drafts):
            if d.role != "value":
                continue
            if self.change_of(d) is not None:
                break
            free.append(d)
        if not free:
            return None
        if unit is not None and unit not in ("%", "个百分点", "名", "位"):
            base = std_value(Decimal(1), unit)[1]
            same = [d for d in free if std_value(Decimal(1), d.unit)[1] == base]
            if same:
                return same[0]
        return free[0]

    def before(self) -> Draft | None:
        """The last reading that is not a change."""
        return next((d for d in reversed(self.drafts) if d.role != "change"), None)
