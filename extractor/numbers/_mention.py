"""What a number in report text is: one ``Mention``."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

KINDS = frozenset({"quantity", "percent", "rank", "range", "grade"})
MASK_REASONS = frozenset(
    {
        "pollutant_name",
        "date",
        "year",
        "standard_code",
        "section_number",
        "enumerator",
        "name",
        "plan_period",
        "meeting",
        "document_number",
        "duration_name",
        "furniture",
    }
)


@dataclass(frozen=True)
class Mention:
    """One number in a text. ``start``/``end`` cover the whole token (hedge words, 第, the
    number, scale word and unit); ``num_start``/``num_end`` only the number characters.

    ``value`` is the number as stated in ``unit`` ("3136万元" → 3136, unit "万元"); use
    ``std_value(value, unit)`` for the base unit. For a masked mention only the spans, ``text``
    and ``masked`` are meaningful; ``value`` is its first number, best effort.
    """

    start: int
    end: int
    num_start: int
    num_end: int
    text: str
    value: Decimal
    unit: str | None
    kind: str
    value_to: Decimal | None = None
    places: int = 0
    approx: bool = False
    chinese: bool = False
    masked: str | None = None
