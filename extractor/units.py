"""The unit lexicon: canonical spelling and scale to a base unit (3136 万元 → 31360000 元)."""

from __future__ import annotations

from decimal import Decimal

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
}


def canonical_unit(unit: str | None) -> str | None:
    if unit is None:
        return None
    u = unit.strip()
    if not u:
        return None
    return _SPELLING.get(u, _SPELLING.get(u.lower(), u))


def to_std(value: float | int | None, unit: str | None) -> tuple[float | int | None, str | None]:
    """``value`` in the base unit of ``unit``; units without a scale are their own base."""
    unit = canonical_unit(unit)
    if value is None:
        return None, unit
    if unit in SCALE:
        base, factor = SCALE[unit]
        std = Decimal(str(value)) * factor
        return (int(std) if std == std.to_integral_value() else float(std)), base
    return value, unit
