"""Numbers with the precision they were stated at: 61.7 means [61.65, 61.75], 51 (a
measurement) [50.5, 51.5], an exact count itself. All arithmetic is Decimal."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from extractor.lexicon import EXACT_COUNT_UNITS
from extractor.schemas import Fact
from extractor.units import canonical_unit, std_value

Places = dict[int, int]  # id(fact) → decimal places as the source states the value


def dec(value: float | int | Decimal | None) -> Decimal | None:
    if value is None:
        return None
    try:
        return value if isinstance(value, Decimal) else Decimal(str(value))
    except InvalidOperation:
        return None


def places_of(d: Decimal) -> int:
    exponent = d.as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def interval(
    value: Decimal, places: int | None = None, *, exact: bool = False
) -> tuple[Decimal, Decimal]:
    """What a stated number can mean: 61.7 is [61.65, 61.75], 51 (a measurement) is
    [50.5, 51.5], and an exact count is itself."""
    if exact:
        return value, value
    p = places_of(value) if places is None else places
    half = Decimal(5) * Decimal(10) ** (-p - 1)
    return value - half, value + half


def same_number(a: Decimal, b: Decimal) -> bool:
    """Equal at the coarser of the two stated precisions (51 = 51.0; 61.7 ≠ 61.8)."""
    places = min(places_of(a), places_of(b))
    q = Decimal(10) ** -places
    return a.quantize(q) == b.quantize(q)


def bounds(f: Fact, places: Places) -> tuple[Decimal, Decimal]:
    value = dec(f.value) or Decimal(0)
    p = places.get(id(f))
    exact = (p or places_of(value)) == 0 and canonical_unit(f.unit) in EXACT_COUNT_UNITS
    return interval(value, p, exact=exact)


def std_bounds(f: Fact, places: Places) -> tuple[Decimal, Decimal, str | None] | None:
    """(low, high) of the fact's value in its base unit, and the base unit."""
    if dec(f.value) is None:
        return None
    lo, hi = bounds(f, places)
    slo, base = std_value(lo, f.unit)
    shi, _ = std_value(hi, f.unit)
    return slo, shi, base


def show(lo: Decimal, hi: Decimal) -> str:
    return f"{lo:.4g}–{hi:.4g}" if lo != hi else f"{lo:.4g}"
