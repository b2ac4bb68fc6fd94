"""Periods as the text states them (截至2025年9月16日, 1-7月, 2020年以来, “十四五”, 2024年), read
into the strings of ``extractor.period.Period``."""

from __future__ import annotations

import calendar
import re

from extractor.period import Period

UNTIL = re.compile(r"截至(?:(\d{4})年)?(\d{1,2})月(?:(\d{1,2})日)?(?:底|末)?")
MONTHS = re.compile(r"(?:(\d{4})年)?(\d{1,2})\s*[-—–~～至到]\s*(\d{1,2})月")
SINCE = re.compile(r"(\d{4})年(?:以来|至今)")
PLAN = re.compile(r"“?(十[一二三四五六七八九]五)”?")
YEAR = re.compile(r"(?<![\d.])((?:19|20)\d{2})年(?!\d{1,2}月\d)")
# A year that belongs to one number (2015年的106), a comparison (较2015年), a deadline (到2025年)
_YEAR_OF_ONE = re.compile(r"(?:的|以来|至今|底|末|前|起)")
_YEAR_COMPARED = re.compile(r"(?:由|从|较|比|到|至|于)$")
_CLAUSE_MARKS = "，,：:；;"


def year_of(period: str | None) -> str | None:
    """The year a period string starts with ("2025-01/2025-09" → "2025")."""
    m = re.match(r"(\d{4})", period or "")
    return m.group(1) if m else None


def _until(m: re.Match[str], year: str) -> str:
    # 截至2025年10月: no day is stated; 截至11月底: the month's last day
    month = int(m[2])
    last = calendar.monthrange(int(year), month)[1] if m[0].endswith(("底", "末")) else None
    day = int(m[3]) if m[3] else last
    return str(Period.of_until(year, month, day))


def period_in(s: str, meta_year: str | None) -> str | None:
    """The last period the sentence so far (``s``, simplified) states for what follows.

    A year that belongs to one number only (由2015年的78…, 2015年的106、15.5) is left to that
    number; a plan period (“十四五”) holds only within its clause. The report's own year is no
    period of its own."""
    found: list[tuple[int, str]] = []
    for m in UNTIL.finditer(s):
        year = m[1] or meta_year
        if year:
            found.append((m.start(), _until(m, year)))
    for m in MONTHS.finditer(s):
        year = m[1] or meta_year
        if year:
            found.append((m.start(), str(Period.of_months(year, m[2], m[3]))))
    for m in SINCE.finditer(s):
        found.append((m.start(), str(Period.of_since(m[1]))))
    last_clause = max((s.rfind(c) for c in _CLAUSE_MARKS), default=-1)
    for m in PLAN.finditer(s):
        if m.start() > last_clause:
            found.append((m.start(), str(Period.of_label(m[1]))))
    taken = {p for p, _ in found}
    for m in YEAR.finditer(s):
        if any(abs(m.start() - p) < 3 for p in taken):
            continue
        if _YEAR_OF_ONE.match(s[m.end() :]) or _YEAR_COMPARED.search(s[: m.start()]):
            continue
        found.append((m.start(), str(Period.of_year(m[1]))))
    if not found:
        return None
    period = max(found)[1]
    return None if period == meta_year else period
