"""Periods a figure refers to: one type that parses, formats and measures them.

A period is stored in the contract as a string (``Fact.period``, ``ReportMeta.period``); this
module is the only place that writes or reads those strings:

=================  =========================  ============================================
kind               string                     meaning
=================  =========================  ============================================
``year``           ``2024``                   a calendar year
``months``         ``2025-01/2025-07``        a run of months (year to date, a quarter)
``until``          ``截至2025-09-16``          from the start of the year up to a day
                   ``截至2025-10``             (or up to a month, when no day is stated)
``since``          ``2020至今``                from a year until now
``label``          ``十四五``, ``累计``         a named period, kept as written
=================  =========================  ============================================

``Period.parse`` also reads the loose spellings a labeller may write (``2025年1-7月``,
``截至2025年9月16日``, ``2024年度``); ``str()`` gives the one spelling above.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from typing import Literal

__all__ = ["Period", "PeriodKind"]

PeriodKind = Literal["year", "months", "until", "since", "label"]

_MONTHS = re.compile(r"^(\d{4})-(\d{1,2})/(\d{4})-(\d{1,2})$")
_MONTHS_LOOSE = re.compile(r"^(\d{4})年?(\d{1,2})月?[-—–~～至到](?:(\d{4})年?)?(\d{1,2})月?$")
_UNTIL_DAY = re.compile(r"^(?:截至|截止|截止到)(\d{4})[-年](\d{1,2})[-月](\d{1,2})日?$")
_UNTIL_MONTH = re.compile(r"^截至(\d{4})-(\d{2})$")
_YEAR = re.compile(r"^(\d{4})年?(?:度|全年)?$")
_SINCE = re.compile(r"^(\d{4})年?(?:以来|至今)$")


@dataclass(frozen=True)
class Period:
    kind: PeriodKind
    year: int | None = None  # the year it starts in (None for a label)
    month: int | None = None  # first month (months); last month (until)
    end_year: int | None = None  # months: the year of the last month
    end_month: int | None = None
    day: int | None = None  # until: the day, when stated
    label: str = ""

    # -- making ---------------------------------------------------------------------------

    @classmethod
    def of_year(cls, year: int | str) -> Period:
        return cls("year", int(year))

    @classmethod
    def of_months(cls, year: int | str, first: int | str, last: int | str) -> Period:
        return cls("months", int(year), int(first), int(year), int(last))

    @classmethod
    def of_until(cls, year: int | str, month: int | str, day: int | str | None = None) -> Period:
        return cls("until", int(year), int(month), day=int(day) if day else None)

    @classmethod
    def of_since(cls, year: int | str) -> Period:
        return cls("since", int(year))

    @classmethod
    def of_label(cls, label: str) -> Period:
        return cls("label", label=label)

    @classmethod
    def parse(cls, text: str) -> Period:
        """The period a string names; anything unrecognised is a label kept as written."""
        s = text.strip()
        if m := _MONTHS.match(s):
            return cls("months", int(m[1]), int(m[2]), int(m[3]), int(m[4]))
        if m := _MONTHS_LOOSE.match(s):
            return cls("months", int(m[1]), int(m[2]), int(m[3] or m[1]), int(m[4]))
        if m := _UNTIL_DAY.match(s):
            return cls.of_until(m[1], m[2], m[3])
        if m := _UNTIL_MONTH.match(s):
            return cls.of_until(m[1], m[2])
        if m := _YEAR.match(s):
            return cls.of_year(m[1])
        if m := _SINCE.match(s):
            return cls.of_since(m[1])
        return cls.of_label(s)

    # -- reading --------------------------------------------------------------------------

    def __str__(self) -> str:
        if self.kind == "year":
            return f"{self.year}"
        if self.kind == "months":
            return f"{self.year}-{self.month:02d}/{self.end_year}-{self.end_month:02d}"
        if self.kind == "until":
            day = f"-{self.day:02d}" if self.day else ""
            return f"截至{self.year}-{self.month:02d}{day}"
        if self.kind == "since":
            return f"{self.year}至今"
        return self.label

    def days(self) -> int | None:
        """Days the period covers, when it is a stretch of one calendar year that can be
        counted: a year, a run of months within a year, or up to a stated day."""
        y = self.year
        if y is None:
            return None
        if self.kind == "year":
            return 366 if calendar.isleap(y) else 365
        if self.kind == "until" and self.month and self.day:
            return (date(y, self.month, self.day) - date(y, 1, 1)).days + 1
        if self.kind == "months" and self.month == 1 and self.end_month:
            last = self.end_year or y
            return sum(calendar.monthrange(last, k)[1] for k in range(1, self.end_month + 1))
        return None
