"""Reading one number written in any form: Arabic, Chinese numerals, percent forms, hedges."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from functools import lru_cache
from typing import Any

from extractor.numbers._patterns import (
    AR,
    CN_DIGIT,
    CN_FOLD,
    CNALL,
    CNC,
    FOLD_TABLE,
    HEDGES_BEFORE,
    ROMAN_VALUE,
    SCALE_PATTERN,
)
from extractor.units import SCALE_WORDS

# --- reading one number -------------------------------------------------------------------


@lru_cache(maxsize=1)
def cn2an_reader() -> Callable[..., Any]:
    # Imported on first use: it costs ~0.1 s and most imports of extractor never read Chinese.
    import cn2an

    return cn2an.cn2an


@lru_cache(maxsize=4096)  # reports repeat the same few numerals (一, 二, 十五 …)
def cn_int(t: str) -> Decimal:
    t = t.translate(CN_FOLD)
    if t == "零" or (len(t) >= 3 and "零" in t and all(c in CN_DIGIT for c in t)):
        # 二〇二四 is read digit by digit (cn2an refuses it); 三四 ("three or four") is not.
        return Decimal("".join(str(CN_DIGIT[c]) for c in t))
    try:
        value = cn2an_reader()(t, "strict")
    except Exception as exc:  # cn2an raises ValueError and bare Exception alike
        raise ValueError(f"{t!r} is not a Chinese numeral") from exc
    if not isinstance(value, int):
        raise ValueError(f"{t!r} is not a whole Chinese numeral")
    return Decimal(value)


def read_chinese(t: str) -> tuple[Decimal, int]:
    """Chinese numeral (with 点 decimals and trailing 万/亿) → value and decimal places."""
    if "点" not in t:
        return cn_int(t), 0
    whole, frac = t.split("点", 1)
    factor = Decimal(1)
    while frac and frac[-1] in "万亿":
        factor *= SCALE_WORDS[frac[-1]]
        frac = frac[:-1]
    if not whole or not frac or any(c not in CN_DIGIT for c in frac):
        raise ValueError(f"{t!r} is not a Chinese decimal (X点Y)")
    digits = "".join(str(CN_DIGIT[c]) for c in frac)
    return (cn_int(whole) + Decimal("0." + digits)) * factor, len(digits)


def read_arabic(t: str) -> tuple[Decimal, int]:
    value = Decimal(t.replace(",", ""))
    _, _, frac = t.partition(".")
    return value, len(frac)


def read_any(t: str) -> tuple[Decimal, int]:
    if t in ROMAN_VALUE:
        return Decimal(ROMAN_VALUE[t]), 0
    if t[:1].isdigit() or t[:1] == "-":
        return read_arabic(t)
    return read_chinese(t)


PLAIN_AR = re.compile(rf"(?P<sign>[-+])?(?P<n>{AR})(?P<scale>{SCALE_PATTERN}|百)?")
PLAIN_CN = re.compile(rf"(?P<sign>负)?(?P<n>[{CNALL}]+(?:点[{CNC}]+[万亿]*)?)")
PARSE_HEDGE_BEFORE = re.compile("^(?:" + "|".join(map(re.escape, HEDGES_BEFORE)) + ")")
PARSE_HEDGE_AFTER = re.compile(r"(?:及以上|及以下|以上|以下|左右|上下|余|多)$")


def parse_number(s: str) -> Decimal:
    """Read ONE number written in any form; raise ValueError (message saying what was wrong)
    if ``s`` is not a number.

    Accepted: Arabic with ASCII thousands commas (only before exactly three digits), inner
    spaces, full-width digits, Chinese numerals (两, 〇, 点), scale words (3136万 → 31360000),
    percent forms read as the percent number (4.4%, 百分之四点四, 百分百 → 100; ‰ likewise),
    X成 (八成 → 80) and hedge words around the number (约, 近, 以上, 余 …).
    """
    if not isinstance(s, str):
        raise TypeError(f"parse_number needs a str, got {type(s).__name__}")
    t = "".join(s.translate(FOLD_TABLE).split())
    if not t:
        raise ValueError("an empty string is not a number")
    t = PARSE_HEDGE_BEFORE.sub("", t, count=1)
    t = PARSE_HEDGE_AFTER.sub("", t, count=1)
    if not t:
        raise ValueError(f"{s!r} has hedge words but no number")
    if t in ("百分百", "百分之百"):
        return Decimal(100)
    for prefix in ("百分之", "千分之"):
        if t.startswith(prefix):
            return parse_plain(t[len(prefix) :], s)
    if t[-1] in "%‰":
        return parse_plain(t[:-1], s)
    if t[-1] == "成" and len(t) > 1:
        return integral(parse_plain(t[:-1], s) * 10)
    return parse_plain(t, s)


def parse_plain(t: str, original: str) -> Decimal:
    m = PLAIN_AR.fullmatch(t)
    if m:
        value, _ = read_arabic(m["n"])
        if m["scale"]:
            value = integral(value * SCALE_WORDS.get(m["scale"], Decimal(100)))
        return -value if m["sign"] == "-" else value
    m = PLAIN_CN.fullmatch(t)
    if m:
        try:
            value, _ = read_chinese(m["n"])
        except ValueError as exc:
            raise ValueError(f"{original!r} is not a number: {exc}") from None
        value = integral(value)
        return -value if m["sign"] else value
    raise ValueError(f"{original!r} is not a number: {why_not(t)}")


def why_not(t: str) -> str:
    if "，" in t:
        return "'，' is a Chinese comma, never a thousands separator"
    if re.fullmatch(r"[-+]?[0-9][0-9,]*(?:\.[0-9]+)?", t):
        return "',' separates thousands only when exactly three digits follow it"
    if re.fullmatch(r"[-+]?[0-9][0-9.,]*", t) and t.count(".") > 1:
        return "more than one decimal point"
    m = re.match(rf"[-+]?{AR}(?:{SCALE_PATTERN}|百)?|[{CNALL}点]+", t)
    if m and m.end() < len(t):
        return f"{t[m.end() :]!r} after {m.group()!r} is not part of a number (a unit or a word?)"
    return f"{t[0]!r} cannot start a number"


def integral(value: Decimal) -> Decimal:
    # 2.3亿 is 230000000, not 230000000.0: scaling must not leave a spurious decimal place.
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value
