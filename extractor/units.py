"""The unit lexicon: canonical spelling and scale to a base unit (3136 万元 → 31360000 元)."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

# spelling variants → canonical unit as the contract writes it
_SPELLING = {
    "μg/m3": "微克/立方米",
    "μg/m³": "微克/立方米",
    "ug/m3": "微克/立方米",
    "微克每立方米": "微克/立方米",
    "mg/m3": "毫克/立方米",
    "mg/m³": "毫克/立方米",
    "％": "%",
    "百分比": "%",
    "db": "分贝",
    "dB": "分贝",
    "dB(A)": "分贝",
    "千米": "公里",
    "km": "公里",
    # added with extractor.numbers, which reads these spellings after a number
    "毫克每立方米": "毫克/立方米",
    "mg/l": "毫克/升",
    "毫克每升": "毫克/升",
    "百分点": "个百分点",
    **{f"{u}{o}次{c}": f"{u}次" for u in "家人台户辆车" for o, c in ("()", "（）")},
    "平方千米": "平方公里",
    "km2": "平方公里",
    "km²": "平方公里",
    "m3": "立方米",
    "m³": "立方米",
    "kw": "千瓦",
    "kwh": "千瓦时",
    "kw·h": "千瓦时",
    "mw": "兆瓦",
    "公斤": "千克",
    "吨标煤": "吨标准煤",
    "dba": "分贝",
    "db(a)": "分贝",
}

# canonical unit → (base unit, factor)
SCALE: dict[str, tuple[str, Decimal]] = {
    "元": ("元", Decimal(1)),
    "万元": ("元", Decimal(10) ** 4),
    "亿元": ("元", Decimal(10) ** 8),
    "千元": ("元", Decimal(10) ** 3),
    "吨": ("吨", Decimal(1)),
    "万吨": ("吨", Decimal(10) ** 4),
    "亿吨": ("吨", Decimal(10) ** 8),
    "千瓦": ("千瓦", Decimal(1)),
    "万千瓦": ("千瓦", Decimal(10) ** 4),
    "亿千瓦": ("千瓦", Decimal(10) ** 8),
    "亩": ("亩", Decimal(1)),
    "万亩": ("亩", Decimal(10) ** 4),
    "公顷": ("公顷", Decimal(1)),
    "万公顷": ("公顷", Decimal(10) ** 4),
    "公里": ("公里", Decimal(1)),
    "米": ("米", Decimal(1)),
    "微克/立方米": ("微克/立方米", Decimal(1)),
    "毫克/立方米": ("微克/立方米", Decimal(1000)),
    "万人": ("人", Decimal(10) ** 4),
    "人": ("人", Decimal(1)),
    "万辆": ("辆", Decimal(10) ** 4),
    "万个": ("个", Decimal(10) ** 4),
    "万件": ("件", Decimal(10) ** 4),
    "立方米": ("立方米", Decimal(1)),
    "万立方米": ("立方米", Decimal(10) ** 4),
    "亿立方米": ("立方米", Decimal(10) ** 8),
    # added with extractor.numbers
    "千吨": ("吨", Decimal(10) ** 3),
    "千克": ("千克", Decimal(1)),
    "千瓦时": ("千瓦时", Decimal(1)),
    "万千瓦时": ("千瓦时", Decimal(10) ** 4),
    "亿千瓦时": ("千瓦时", Decimal(10) ** 8),
    "吨标准煤": ("吨标准煤", Decimal(1)),
    "万吨标准煤": ("吨标准煤", Decimal(10) ** 4),
    "平方公里": ("平方公里", Decimal(1)),
    "平方米": ("平方米", Decimal(1)),
    "万平方米": ("平方米", Decimal(10) ** 4),
    "户": ("户", Decimal(1)),
    "万户": ("户", Decimal(10) ** 4),
}

# Scale words a unit may start with, longest first ("千万元" is 千万 + 元, not 千 + 万元).
SCALE_WORDS: dict[str, Decimal] = {
    "万亿": Decimal(10) ** 12,
    "千亿": Decimal(10) ** 11,
    "百亿": Decimal(10) ** 10,
    "千万": Decimal(10) ** 7,
    "百万": Decimal(10) ** 6,
    "亿": Decimal(10) ** 8,
    "万": Decimal(10) ** 4,
    "千": Decimal(10) ** 3,
}
# Units that begin with a scale character but are not scaled: 千瓦 is not 1000 瓦 here.
_UNSCALED = frozenset({"千瓦", "千瓦时", "千克", "千米", "百分点", "百分比"})


def plain_number(value: Decimal | float | int) -> int | float:
    """A number as the JSON shows it: integral values as ints (51, not 51.0), as reports write
    them."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)
    return value


@lru_cache(maxsize=4096)  # asked of every fact and mention, many times over
def canonical_unit(unit: str | None) -> str | None:
    if unit is None:
        return None
    u = unit.strip()
    if not u:
        return None
    return _SPELLING.get(u, _SPELLING.get(u.lower(), u))


def to_std(value: float | int | None, unit: str | None) -> tuple[float | int | None, str | None]:
    """``std_value`` for JSON numbers: ints stay ints (31360000, not 31360000.0)."""
    unit = canonical_unit(unit)
    if value is None:
        return None, unit
    std, base = std_value(Decimal(str(value)), unit)
    return plain_number(std), base


def std_value(value: Decimal, unit: str | None) -> tuple[Decimal, str | None]:
    """``value`` in the base unit of ``unit``, exactly (Decimal, no float rounding).

    Known units use ``SCALE``; any other unit that starts with a scale word is scaled by it
    (12 万辆 → 120000 辆, 3 万家 → 30000 家); a bare scale word leaves no unit (4.4 万 → 44000).
    """
    unit = canonical_unit(unit)
    if unit is None:
        return value, None
    if unit in SCALE:
        base, factor = SCALE[unit]
        return _exact(value * factor), base
    if unit in _UNSCALED:
        return value, unit
    for word, scale in SCALE_WORDS.items():
        if unit.startswith(word):
            rest = unit[len(word) :]
            if not rest:
                return _exact(value * scale), None
            scaled, rest_base = std_value(value, rest)
            return _exact(scaled * scale), rest_base
    return value, unit


def _exact(value: Decimal) -> Decimal:
    # 3.5 万元 is 35000 元, not 35000.0: scaling must not add a decimal place to a whole number.
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value
