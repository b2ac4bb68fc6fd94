"""What is compared, field by field: the folds and keys of each leaf, and when two agree."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from rapidfuzz import fuzz

from extractor.folding import fold
from extractor.period import Period
from extractor.schemas import Fact
from extractor.units import canonical_unit, std_value

Outcome = Literal["correct", "wrong", "missing", "hallucinated"]
ItemKind = Literal["fact", "problem", "recommendation", "meta"]

FACT_FIELDS = (
    "value",
    "unit",
    "subject",
    "change",
    "rank",
    "period",
    "area",
    "category",
    "indicator",
    "is_target",
)
FINDING_FIELDS = ("category", "title", "detail")
META_FIELDS = ("title", "doc_type", "issuer", "region", "period", "issued_on")

# Matching weights and cut-offs. A fact with the right value and unit is matched whatever its
# subject (0.55 + period/area agreement); one with a wrong value needs the same unit and a
# close subject to count as "the same fact, wrong value" rather than two unrelated facts.
FACT_WEIGHTS = {"value": 0.40, "unit": 0.15, "subject": 0.30, "period": 0.10, "area": 0.05}
FACT_CUTOFF = 0.5
FINDING_WEIGHTS = {"category": 0.25, "title": 0.50, "detail": 0.25}
FINDING_CUTOFF = 0.4

# Leaf thresholds on character similarity (0..1).
SUBJECT_OK = 0.7
AREA_OK = 0.8
TITLE_OK = 0.7
CATEGORY_OK = 0.8
DETAIL_OK = 0.5
META_TEXT_OK = 0.8
# A matched fact counts as correct (for fact-level P/R/F1) when its value and unit are right
# and its subject recognisably names the same thing.
FACT_SUBJECT_MIN = 0.5


# --- numbers and folds -----------------------------------------------------------------------


def _decimal(value: float | int | None) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def std_number(value: float | int | None, unit: str | None) -> tuple[Decimal | None, str | None]:
    """Exact value in the unit's base (3136 万元 → 31360000 元) and that base unit."""
    d = _decimal(value)
    if d is None:
        return None, std_value(Decimal(0), unit)[1]
    std, base = std_value(d, unit)
    return std.normalize(), base


def similarity(a: str | None, b: str | None) -> float:
    """Character-level similarity of two folded strings, 0..1 (1 for two empty strings)."""
    fa, fb = fold(a), fold(b)
    if not fa and not fb:
        return 1.0
    return float(fuzz.ratio(fa, fb)) / 100.0


def norm_period(period: str | None) -> str:
    """One spelling per period: "2025年1-7月" and "2025-01/2025-07" compare equal."""
    p = fold(period).replace("“", "").replace("”", "")
    return str(Period.parse(p)) if p else ""


# --- leaves ----------------------------------------------------------------------------------

Key = Any  # what a field compares: a Decimal, a folded string, a tuple; None = says nothing


class FieldSpec:
    """How one field is read off an item and when two readings agree."""

    def __init__(
        self,
        key: Callable[[Any], Key],
        same: Callable[[Key, Key], bool],
        show: Callable[[Any], str | None],
    ) -> None:
        self.key = key
        self.same = same
        self.show = show


def _eq(a: Key, b: Key) -> bool:
    return bool(a == b)


def _text_same(threshold: float) -> Callable[[Key, Key], bool]:
    def same(a: Key, b: Key) -> bool:
        return bool(a == b) or float(fuzz.ratio(a, b)) / 100.0 >= threshold

    return same


def _contains_or(threshold: float) -> Callable[[Key, Key], bool]:
    def same(a: Key, b: Key) -> bool:
        return bool(a in b or b in a) or float(fuzz.ratio(a, b)) / 100.0 >= threshold

    return same


def value_key(f: Fact) -> Key:
    if f.value is not None:
        return ("n", std_number(f.value, f.unit)[0], _decimal(f.value))
    if f.value_text:
        return ("t", fold(f.value_text))
    return None


def value_same(a: Key, b: Key) -> bool:
    if a[0] != b[0]:
        return False
    if a[0] == "n":
        # The same quantity after scaling, or the same number as stated: a wrong unit is
        # charged to the unit leaf, not to the value as well.
        return bool(a[1] == b[1] or a[2] == b[2])
    return bool(a[1] == b[1] or a[1] in b[1] or b[1] in a[1])


def unit_key(f: Fact) -> Key:
    unit = canonical_unit(f.unit)
    if unit is None:
        return None
    std, base = std_number(f.value, unit)
    return (unit, base, std)


def unit_same(a: Key, b: Key) -> bool:
    """The same unit, or another scale of it that states the same quantity (31360000 元 for
    3136 万元); 51 毫克/立方米 for 51 微克/立方米 is a wrong unit, not a rescaling."""
    if a is None or b is None:
        return a is b
    return bool(a[0] == b[0] or (a[1] == b[1] and a[2] is not None and a[2] == b[2]))


def _change_key(f: Fact) -> Key:
    c = f.change
    if c is None or c.value is None:
        return None
    return (_decimal(c.value), canonical_unit(c.unit))


def _rank_key(f: Fact) -> Key:
    r = f.rank
    if r is None or r.position is None:
        return None
    return (r.position, r.tied, fold(r.metric))


def show_number(v: float | int | None, unit: str | None) -> str:
    return f"{v:g}{unit or ''}" if v is not None else ""


FACT_LEAVES: dict[str, FieldSpec] = {
    "value": FieldSpec(
        value_key,
        value_same,
        lambda f: f.value_text if f.value is None else show_number(f.value, None),
    ),
    "unit": FieldSpec(unit_key, unit_same, lambda f: f.unit),
    "subject": FieldSpec(
        lambda f: fold(f.subject) or None, _text_same(SUBJECT_OK), lambda f: f.subject
    ),
    "change": FieldSpec(
        _change_key,
        _eq,
        lambda f: (
            f"{f.change.basis or ''} {show_number(f.change.value, f.change.unit)}"
            if f.change
            else None
        ),
    ),
    "rank": FieldSpec(
        _rank_key,
        _eq,
        lambda f: (
            f"{f.rank.scope or ''}{f.rank.metric or ''}{'并列' if f.rank.tied else ''}"
            f"第{f.rank.position}"
            if f.rank
            else None
        ),
    ),
    "period": FieldSpec(lambda f: norm_period(f.period) or None, _eq, lambda f: f.period),
    "area": FieldSpec(lambda f: fold(f.area) or None, _contains_or(AREA_OK), lambda f: f.area),
    "category": FieldSpec(lambda f: f.category, _eq, lambda f: f.category),
    "indicator": FieldSpec(lambda f: f.indicator, _eq, lambda f: f.indicator),
    "is_target": FieldSpec(
        lambda f: True if f.is_target else None, _eq, lambda f: str(f.is_target)
    ),
}

FINDING_LEAVES: dict[str, FieldSpec] = {
    "category": FieldSpec(
        lambda g: fold(g.category) or None, _text_same(CATEGORY_OK), lambda g: g.category
    ),
    "title": FieldSpec(lambda g: fold(g.title) or None, _text_same(TITLE_OK), lambda g: g.title),
    "detail": FieldSpec(
        lambda g: fold(g.detail) or None, _text_same(DETAIL_OK), lambda g: g.detail
    ),
}

META_LEAVES: dict[str, FieldSpec] = {
    "title": FieldSpec(
        lambda m: fold(m.title) or None, _text_same(META_TEXT_OK), lambda m: m.title
    ),
    "doc_type": FieldSpec(lambda m: m.doc_type, _eq, lambda m: m.doc_type),
    "issuer": FieldSpec(
        lambda m: fold(m.issuer) or None, _contains_or(META_TEXT_OK), lambda m: m.issuer
    ),
    "region": FieldSpec(
        lambda m: fold(m.region) or None, _contains_or(META_TEXT_OK), lambda m: m.region
    ),
    "period": FieldSpec(lambda m: norm_period(m.period) or None, _eq, lambda m: m.period),
    "issued_on": FieldSpec(lambda m: m.issued_on, _eq, lambda m: m.issued_on),
}


def outcome_of(field: FieldSpec, gold: Any | None, pred: Any | None) -> Outcome | None:
    g = field.key(gold) if gold is not None else None
    p = field.key(pred) if pred is not None else None
    if g is None and p is None:
        return None
    if g is None:
        return "hallucinated"
    if p is None:
        return "missing"
    return "correct" if field.same(g, p) else "wrong"
