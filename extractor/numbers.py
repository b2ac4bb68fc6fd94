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

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from extractor.units import SCALE_WORDS, canonical_unit, std_value

__all__ = [
    "KINDS",
    "MASK_REASONS",
    "Mention",
    "find_numbers",
    "parse_number",
    "std_value",
]

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


# --- character folding --------------------------------------------------------------------
# One character for one character, so every offset found in the folded copy is an offset in
# the caller's text. Loading already folds digits; this also covers quotes taken from raw
# text and traditional-character reports (the few characters that matter for numbers).
_FOLD_PAIRS = (
    [(chr(0xFF10 + d), str(d)) for d in range(10)]
    + [(chr(0x2080 + d), str(d)) for d in range(10)]
    + [(chr(0xFF21 + k), chr(0x41 + k)) for k in range(26)]
    + [(chr(0xFF41 + k), chr(0x61 + k)) for k in range(26)]
    + list(zip("％．－−＋／µ", "%.--+/μ", strict=True))
    + list(
        zip(
            "萬億兩點個項輛噸畝頃處類條臺戶場餘約級屆會議號區質準標時鐘週貝輪張間隻頭塊為於過發傷災內",
            "万亿两点个项辆吨亩顷处类条台户场余约级届会议号区质准标时钟周贝轮张间只头块为于过发伤灾内",
            strict=True,
        )
    )
)
_FOLD = {ord(a): b for a, b in _FOLD_PAIRS}
_CN_FOLD = str.maketrans({"两": "二", "〇": "零"})

_CN_DIGIT = {c: k for k, c in enumerate("零一二三四五六七八九")} | {"〇": 0, "两": 2}
_CNC = "零〇一二两三四五六七八九"
_CNALL = _CNC + "十百千万亿"

# --- patterns -------------------------------------------------------------------------------
# Python's \b treats CJK as word characters, so every boundary below is an explicit lookaround.
_AR = r"(?:[0-9]{1,3}(?:,[0-9]{3})+(?![0-9])|[0-9]+)(?:\.[0-9]+)?"
_CN = rf"(?<![{_CNALL}])[{_CNC}十][{_CNALL}]*(?:点[{_CNC}]+[万亿]*)?"
_NUM = rf"(?:(?<![0-9.]){_AR}|{_CN})"
_ROMAN = r"(?:VIII|VII|VI|IV|IX|V|III|II|I|X|Ⅻ|Ⅺ|Ⅹ|Ⅸ|Ⅷ|Ⅶ|Ⅵ|Ⅴ|Ⅳ|Ⅲ|Ⅱ|Ⅰ)"
_ROMAN_VALUE = {
    "I": 1, "II": 2, "III": 3, "IV": 4, "V": 5, "VI": 6, "VII": 7, "VIII": 8, "IX": 9, "X": 10,
    "Ⅰ": 1, "Ⅱ": 2, "Ⅲ": 3, "Ⅳ": 4, "Ⅴ": 5, "Ⅵ": 6, "Ⅶ": 7, "Ⅷ": 8, "Ⅸ": 9, "Ⅹ": 10,
    "Ⅺ": 11, "Ⅻ": 12,
}  # fmt: skip
_Y = r"(?:19|20)[0-9]{2}"
_MO = r"(?:1[0-2]|0?[1-9])"
_DAY = r"(?:3[01]|[12][0-9]|0?[1-9])"
_DASH = r"[-—–~～至到]"
_MONTH_TAIL = r"(?:份|[上中下]旬|底|初|末)"
_MD = (
    rf"{_MO}(?:{_DASH}{_MO})?月(?:{_DAY}日(?:{_DASH}(?:{_MO}月)?{_DAY}日)?|{_MONTH_TAIL})?"
    rf"(?:{_DASH}{_MO}月(?:{_DAY}日|{_MONTH_TAIL})?)?"
)
_NB = r"(?<![0-9.])"  # not inside a longer number

# Alternatives in priority order: at one position the first that matches wins, so what
# masks a number is listed before what reads it (第十八次会议 before 第2, PM2.5 before 2.5).
_ALTERNATIVES: list[tuple[str, str]] = [
    ("title", r"《[^《》\n]{1,120}》"),
    (
        "heading",
        r"(?<![^\n])(?:[一二三四五六七八九十]{1,3}[、.．]"
        r"|[0-9]{1,2}(?:\.[0-9]{1,2}){0,2}[、.．](?![0-9]))",
    ),
    ("paren_cn", r"[（(][一二三四五六七八九十]{1,3}[）)]"),
    ("paren_num", r"[（(][0-9]{1,2}[）)]"),
    ("enum_dot", r"(?<=[：:；;。])[0-9]{1,2}[.．](?![0-9])"),
    ("enum_shi", rf"(?<![{_CNALL}统唯之进])[一二三四五六七八九十]{{1,3}}是"),
    ("plan", rf"十[一二三四五六七八九]五(?![{_CNALL}])"),
    (
        "slogan",
        r"(?:[二三四五六七八九]位一体|两个确立|两个维护|四个意识|四个全面|四个自信|三个代表|两个百年"
        # 扬尘治理"六个百分之百": six requirements, not a share
        r"|[两二三四五六七八九十]个百分之百)",
    ),
    ("meeting", rf"第?(?:{_NUM})届|第(?:[0-9]+|{_CN})次"),
    ("section_ord", rf"第(?:[0-9]+|{_CN})(?:章|节|条|款|篇|部分|编)"),
    ("quarter", r"(?:第|前|后|上|下)?[一二三四1-4]季度"),
    ("percentile", rf"第?{_NB}[0-9]+百分位数?"),
    ("eight_hours", rf"(?<=最大)8小时|{_NB}8小时(?=平均|滑动|均值)"),
    (
        "pollutant",
        r"(?<![A-Za-z])(?:[Pp][Mm](?:2\.5|10|1(?![0-9.]))|SO2|NO2|NH3-N|NH3"
        r"|O3(?:[-_][0-9]+[hH])?|CO2|H2S|CH4|N2O|SF6|BOD5)(?![0-9])",
    ),
    (
        "standard",
        r"(?<![A-Za-z])(?:GB|HJ|DB[0-9]{0,2}|CJJ?|GBZ|JGJ|HG|SL|LY|NY)(?:/T)?/? ?"
        r"[0-9]+(?:\.[0-9]+)?(?:[-—–][0-9]{4})?",
    ),
    (
        "docnum",
        rf"[〔\[［【]{_Y}[〕\]］】][0-9]+号|{_NB}第?[0-9]+号|(?<=附件|附表|附图)[0-9]+"
        r"|(?:(?<=\n表)|(?<=^表)|(?<=（表)|(?<=\(表)|(?<=见表))[0-9]+(?![0-9.])",
    ),
    # a time of day only after 上午/下午…: elsewhere "1:10" is more likely a ratio
    (
        "clock",
        r"(?<=上午|下午|晚上|早上|中午|凌晨|傍晚)(?:[01]?[0-9]|2[0-3])[:：][0-5][0-9](?![0-9])",
    ),
    ("phone", r"(?<![0-9])(?:0[0-9]{2,3}-[0-9]{7,8}|1[3-9][0-9]{9})(?![0-9])"),
    ("date_ymd", rf"{_NB}{_Y}年{_MD}"),
    ("year", rf"{_NB}{_Y}(?:{_DASH}{_Y})?年度?(?:至今|以来)?"),
    ("date_dots", rf"{_NB}{_Y}[./-]{_MO}[./-]{_DAY}(?![0-9])"),
    ("year_range", rf"{_NB}{_Y}{_DASH}{_Y}(?![0-9])"),
    ("year_paren", rf"(?<=[（(]){_Y}(?=[）)])"),
    ("year_cn", r"[〇零一二三四五六七八九]{4}年"),
    ("date_md", rf"{_NB}{_MD}"),
    ("date_day", rf"{_NB}{_DAY}日(?!均)"),
    ("letters", r"(?<![A-Za-z0-9])[A-Za-z]+[0-9]+(?:\.[0-9]+)?[A-Za-z0-9]*"),
    ("duration_name", rf"(?:{_NUM})年(?=行动|攻坚|规划|计划)"),
    # a size class of what is counted: 淘汰35蒸吨/小时以下燃煤锅炉9台
    ("size_class", rf"{_NB}{_AR}蒸吨(?:/小时|/时)?(?=(?:及)?以[下上][\u4e00-\u9fff])"),
    ("ordinal", rf"第(?:[0-9]+|{_CN})"),
    ("top", rf"[前后](?:[0-9]+|{_CN})(?=[名位])"),
    ("percent", rf"百分之(?:百(?![分万亿千])|{_CN}|{_AR})|百分百|千分之(?:{_CN}|{_AR})"),
    ("grade", rf"(?<![A-Za-z])劣?{_ROMAN}(?:[-—–~～至]{_ROMAN})?(?=[类级])"),
    ("arabic", rf"{_NB}(?:[-](?=[0-9]))?{_AR}"),
    ("chinese", _CN),
]
_TOKEN = re.compile("|".join(f"(?P<{name}>{pattern})" for name, pattern in _ALTERNATIVES))
# Every alternative starts with one of these characters. Searching for them and matching
# _TOKEN only there is ~15x faster than _TOKEN.search, whose lookbehind-led branches defeat
# the regex engine's own first-character skip.
_START = re.compile(
    r"[0-9零〇一二两三四五六七八九十第前后上下百千《（(A-Za-z\u2160-\u216b劣〔\[［【\-]"
)

_MASKED_ALTERNATIVES = {
    "heading": "section_number",
    "paren_cn": "section_number",
    "enum_dot": "enumerator",
    "enum_shi": "enumerator",
    "plan": "plan_period",
    "slogan": "name",
    "section_ord": "section_number",
    "quarter": "date",
    "percentile": "pollutant_name",
    "size_class": "name",
    "eight_hours": "pollutant_name",
    "pollutant": "pollutant_name",
    "standard": "standard_code",
    "docnum": "document_number",
    "clock": "date",
    "phone": "name",
    "date_ymd": "date",
    "year": "year",
    "date_dots": "date",
    "year_range": "year",
    "year_paren": "year",
    "year_cn": "year",
    "date_md": "date",
    "date_day": "date",
    "letters": "name",
    "duration_name": "duration_name",
}

# Units as written after a number. ASCII spellings may follow a space (the loader keeps
# "51 μg/m3") and must not run into more letters.
_CN_UNITS = [
    "微克/立方米", "微克每立方米", "毫克/立方米", "毫克每立方米", "毫克/升", "毫克每升",
    "个百分点", "百分点", "吨标准煤", "吨标煤", "平方公里", "平方千米", "平方米", "立方米",
    "千瓦时", "千瓦", "兆瓦", "公顷", "公里", "千米", "千克", "公斤", "分贝", "个月", "小时",
    "人次", "家次", "台次", "车次", "架次", "辆次", "户次", "%", "‰", "倍", "元", "吨", "亩",
    "米", "天", "个", "家", "项", "次", "辆", "件", "起", "条", "处", "套", "类", "名", "位",
    "台", "座", "人", "户", "所", "批", "场", "宗", "株", "棵", "艘", "级", "部", "道",
    # rates and unit prices (6万吨/日 is a capacity, not 6万吨)
    *(f"{u}/{per}" for u in ("吨", "立方米", "蒸吨") for per in ("日", "天", "年", "小时")),
    "元/亩", "元/吨", "元/人", "元/户", "元/立方米", "元/千瓦时",
]  # fmt: skip
# Readable after Arabic digits only: after a Chinese numeral these are words (十分, 一口气).
_AR_ONLY_UNITS = [
    "分钟", "年", "周", "分", "度", "只", "头", "架", "根", "口", "段", "块", "份", "轮", "篇",
    "张", "间", "栋", "片",
]  # fmt: skip
_ASCII_UNITS = [
    "μg/m3", "μg/m³", "ug/m3", "mg/m3", "mg/m³", "mg/L", "mg/l", "dB(A)", "dBA", "dB", "km²",
    "km2", "km", "kWh", "kW", "MW", "m³", "m3",
]  # fmt: skip


def _unit_pattern(units: list[str]) -> str:
    parts = []
    for u in sorted(units + _ASCII_UNITS, key=len, reverse=True):
        if u in _ASCII_UNITS:
            parts.append(rf" ?{re.escape(u)}(?![A-Za-z])")
        elif u in "%‰":
            parts.append(rf" ?{re.escape(u)}")
        else:
            parts.append(re.escape(u))
    return "|".join(parts)


_SCALE = r"万亿|千亿|百亿|千万|百万|亿|万|千(?![瓦米克])"
_SUFFIX_AR = re.compile(
    rf"(?P<a1>余|多)?(?P<scale>{_SCALE})?(?P<a2>余|多)?"
    rf"(?P<unit>{_unit_pattern(_CN_UNITS + _AR_ONLY_UNITS)})?"
    r"(?P<a3>及以上|及以下|以上|以下|左右|上下|以内|之内)?"
)
_SUFFIX_CN = re.compile(
    rf"(?P<a1>余|多)?(?P<a2>)(?P<unit>{_unit_pattern(_CN_UNITS)})?"
    r"(?P<a3>及以上|及以下|以上|以下|左右|上下|以内|之内)?"
)
_HEDGE_AFTER = re.compile(r"及以上|及以下|以上|以下|左右|上下|以内|之内")
_RANGE_TAIL = re.compile(rf"[-—–~～至到](?![-—–])(?P<n>{_AR})")
_FIRST_NUMBER = re.compile(rf"[0-9]+(?:\.[0-9]+(?!\.[0-9]))?|[{_CNC}十][{_CNALL}]*")
_ALNUM = re.compile(r"[A-Za-z0-9]*")
_TITLE_NUMBER = re.compile(rf"{_NB}[0-9]+(?:\.[0-9]+)?")

# Hedge words before a number, longest first so 超过 wins over 超.
_HEDGES_BEFORE = sorted(
    [
        "约", "近", "逾", "超", "超过", "不到", "不足", "低于", "高于", "大于", "小于", "大约",
        "将近", "接近", "不少于", "不低于", "不超过", "不高于", "至少", "多达", "≥", "≤", ">", "<",
    ],
    key=len,
    reverse=True,
)  # fmt: skip
_HEDGE_LAST = frozenset(h[-1] for h in _HEDGES_BEFORE)
# 近 is not a hedge in 附近/最近, nor in "近3年" (the last three years).
_NEAR_IS_WORD = frozenset("附最就邻临将接")
_NEAR_PERIOD_UNITS = frozenset({"年", "个月", "天", "周"})
# 零 is a quantity only as "none happened": 零发生, 零事故 (never 零容忍, 清零).
_ZERO_WORDS = ("发生", "事故", "伤亡", "死亡", "增长", "超标", "火灾", "事件", "排放")
# X成 is a share (八成) unless 成 starts a word (成为, 成效, 一成不变).
_CHENG_WORDS = frozenset("为立功果效员本就绩熟型品交长")
# After 级 or 类 these make it a grade (二级（较好）, 五类水, II类及以上标准).
# 二级标准 names a standard (GB 3095's class two), not a grade the report gives something.
_GRADE_AFTER_JI = ("以上", "以下", "及以上", "及以下", "水平")
_GRADE_AFTER_LEI = (
    "水", "地表水", "标准", "功能区", "区", "声", "及以上", "及以下", "以上", "以下",
)  # fmt: skip
_PERCENT_UNITS = frozenset({"%", "‰", "个百分点"})


def _is_ideograph(c: str) -> bool:
    return "\u4e00" <= c <= "\u9fff" or "\u3400" <= c <= "\u4dbf"


# --- reading one number -------------------------------------------------------------------


@lru_cache(maxsize=1)
def _cn2an() -> Callable[..., Any]:
    # Imported on first use: it costs ~0.1 s and most imports of extractor never read Chinese.
    import cn2an

    return cn2an.cn2an


@lru_cache(maxsize=4096)  # reports repeat the same few numerals (一, 二, 十五 …)
def _cn_int(t: str) -> Decimal:
    t = t.translate(_CN_FOLD)
    if t == "零" or (len(t) >= 3 and "零" in t and all(c in _CN_DIGIT for c in t)):
        # 二〇二四 is read digit by digit (cn2an refuses it); 三四 ("three or four") is not.
        return Decimal("".join(str(_CN_DIGIT[c]) for c in t))
    try:
        value = _cn2an()(t, "strict")
    except Exception as exc:  # cn2an raises ValueError and bare Exception alike
        raise ValueError(f"{t!r} is not a Chinese numeral") from exc
    if not isinstance(value, int):
        raise ValueError(f"{t!r} is not a whole Chinese numeral")
    return Decimal(value)


def _read_chinese(t: str) -> tuple[Decimal, int]:
    """Chinese numeral (with 点 decimals and trailing 万/亿) → value and decimal places."""
    if "点" not in t:
        return _cn_int(t), 0
    whole, frac = t.split("点", 1)
    factor = Decimal(1)
    while frac and frac[-1] in "万亿":
        factor *= SCALE_WORDS[frac[-1]]
        frac = frac[:-1]
    if not whole or not frac or any(c not in _CN_DIGIT for c in frac):
        raise ValueError(f"{t!r} is not a Chinese decimal (X点Y)")
    digits = "".join(str(_CN_DIGIT[c]) for c in frac)
    return (_cn_int(whole) + Decimal("0." + digits)) * factor, len(digits)


def _read_arabic(t: str) -> tuple[Decimal, int]:
    value = Decimal(t.replace(",", ""))
    _, _, frac = t.partition(".")
    return value, len(frac)


def _read_any(t: str) -> tuple[Decimal, int]:
    if t in _ROMAN_VALUE:
        return Decimal(_ROMAN_VALUE[t]), 0
    if t[:1].isdigit() or t[:1] == "-":
        return _read_arabic(t)
    return _read_chinese(t)


_PLAIN_AR = re.compile(rf"(?P<sign>[-+])?(?P<n>{_AR})(?P<scale>{_SCALE}|百)?")
_PLAIN_CN = re.compile(rf"(?P<sign>负)?(?P<n>[{_CNALL}]+(?:点[{_CNC}]+[万亿]*)?)")
_PARSE_HEDGE_BEFORE = re.compile("^(?:" + "|".join(map(re.escape, _HEDGES_BEFORE)) + ")")
_PARSE_HEDGE_AFTER = re.compile(r"(?:及以上|及以下|以上|以下|左右|上下|余|多)$")


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
    t = "".join(s.translate(_FOLD).split())
    if not t:
        raise ValueError("an empty string is not a number")
    t = _PARSE_HEDGE_BEFORE.sub("", t, count=1)
    t = _PARSE_HEDGE_AFTER.sub("", t, count=1)
    if not t:
        raise ValueError(f"{s!r} has hedge words but no number")
    if t in ("百分百", "百分之百"):
        return Decimal(100)
    for prefix in ("百分之", "千分之"):
        if t.startswith(prefix):
            return _parse_plain(t[len(prefix) :], s)
    if t[-1] in "%‰":
        return _parse_plain(t[:-1], s)
    if t[-1] == "成" and len(t) > 1:
        return _whole(_parse_plain(t[:-1], s) * 10)
    return _parse_plain(t, s)


def _parse_plain(t: str, original: str) -> Decimal:
    m = _PLAIN_AR.fullmatch(t)
    if m:
        value, _ = _read_arabic(m["n"])
        if m["scale"]:
            value = _whole(value * SCALE_WORDS.get(m["scale"], Decimal(100)))
        return -value if m["sign"] == "-" else value
    m = _PLAIN_CN.fullmatch(t)
    if m:
        try:
            value, _ = _read_chinese(m["n"])
        except ValueError as exc:
            raise ValueError(f"{original!r} is not a number: {exc}") from None
        value = _whole(value)
        return -value if m["sign"] else value
    raise ValueError(f"{original!r} is not a number: {_why_not(t)}")


def _why_not(t: str) -> str:
    if "，" in t:
        return "'，' is a Chinese comma, never a thousands separator"
    if re.fullmatch(r"[-+]?[0-9][0-9,]*(?:\.[0-9]+)?", t):
        return "',' separates thousands only when exactly three digits follow it"
    if re.fullmatch(r"[-+]?[0-9][0-9.,]*", t) and t.count(".") > 1:
        return "more than one decimal point"
    m = re.match(rf"[-+]?{_AR}(?:{_SCALE}|百)?|[{_CNALL}点]+", t)
    if m and m.end() < len(t):
        return f"{t[m.end() :]!r} after {m.group()!r} is not part of a number (a unit or a word?)"
    return f"{t[0]!r} cannot start a number"


def _whole(value: Decimal) -> Decimal:
    # 2.3亿 is 230000000, not 230000000.0: scaling must not leave a spurious decimal place.
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value


# --- finding every number -----------------------------------------------------------------


@dataclass
class _Suffix:
    end: int  # after everything read: unit and trailing hedge
    unit_end: int  # right after the unit (or the number/scale when there is no unit)
    unit: str | None  # canonical, with its scale word: "万元", "万"
    raw_unit: str  # the base unit as written, e.g. "级", "类", "μg/m3"
    approx: bool


class _Scanner:
    def __init__(self, text: str) -> None:
        self.text = text
        self.work = text.translate(_FOLD)
        self.out: list[Mention] = []
        self.last_end = 0

    # -- helpers -----------------------------------------------------------------------------

    def emit(
        self,
        start: int,
        end: int,
        num: tuple[int, int],
        value: Decimal,
        unit: str | None = None,
        kind: str = "quantity",
        *,
        value_to: Decimal | None = None,
        places: int = 0,
        approx: bool = False,
        chinese: bool = False,
        masked: str | None = None,
    ) -> int:
        self.out.append(
            Mention(
                start=start,
                end=end,
                num_start=num[0],
                num_end=num[1],
                text=self.text[start:end],
                value=value,
                unit=unit,
                kind=kind,
                value_to=value_to,
                places=places,
                approx=approx,
                chinese=chinese,
                masked=masked,
            )
        )
        self.last_end = end
        return end

    def mask(self, start: int, end: int, reason: str) -> int:
        m = _FIRST_NUMBER.search(self.work, start, end)
        if m is None:  # nothing numeric to point at; keep the span so it still blocks reading
            return self.emit(start, end, (start, end), Decimal(0), masked=reason)
        num = m.group()
        if reason == "plan_period":
            num = num[:2]  # 十四五 → 十四
        try:
            value, places = _read_any(num)
        except (ValueError, InvalidOperation):
            value, places = Decimal(0), 0
        return self.emit(
            start,
            end,
            (m.start(), m.start() + len(num)),
            value,
            places=places,
            chinese=not num[0].isascii(),
            masked=reason,
        )

    def hedge_before(self, pos: int, unit: str | None = None) -> int:
        """Start of a hedge word right before ``pos`` (``pos`` itself when there is none)."""
        w = self.work
        if pos == 0 or w[pos - 1] not in _HEDGE_LAST:
            return pos
        for h in _HEDGES_BEFORE:
            k = pos - len(h)
            if k >= self.last_end and w.startswith(h, k):
                if h == "近" and (
                    (k > 0 and w[k - 1] in _NEAR_IS_WORD) or unit in _NEAR_PERIOD_UNITS
                ):
                    return pos
                return k
        return pos

    def suffix(self, pos: int, *, chinese: bool, scale: str = "") -> _Suffix:
        """Read what follows a number: 余/多, a scale word (Arabic only; a Chinese numeral
        brings its own), a unit and a trailing hedge."""
        m = (_SUFFIX_CN if chinese else _SUFFIX_AR).match(self.work, pos)
        assert m is not None  # every group is optional
        if not chinese:
            scale = m["scale"] or ""
        raw_unit = (m["unit"] or "").strip()
        base = canonical_unit(raw_unit) if raw_unit else None
        unit_end = m.end("unit") if m["unit"] else max(m.end("a2"), m.end("a1"), pos)
        if not chinese and m["scale"]:
            unit_end = max(unit_end, m.end("scale"))
        return _Suffix(
            end=m.end(),
            unit_end=unit_end,
            unit=(scale + (base or "")) or None,
            raw_unit=raw_unit,
            approx=bool(m["a1"] or m["a2"] or m["a3"]),
        )

    def grade_or_name(self, suf: _Suffix, start: int = 0) -> str | None:
        """For a number before 级/类: "grade" (二级（较好）, 五类水, 等级为二类), "name"
        (二级市场, 市县乡村四级) or None (a count: 27类问题)."""
        if suf.raw_unit == "级":
            return "grade" if self.after(suf.unit_end, _GRADE_AFTER_JI) else "name"
        if suf.raw_unit == "类" and self.work.startswith(_GRADE_AFTER_LEI, suf.unit_end):
            return "grade"
        if (
            suf.raw_unit == "类"
            and self.after(suf.unit_end, ())
            and re.search(r"(?:为|是|达到|保持|属于)$", self.work[max(0, start - 3) : start])
        ):
            return "grade"  # 生态质量等级为二类。: a class stated, not a count of kinds
        return None

    def after(self, pos: int, words: tuple[str, ...]) -> bool:
        """Whether the word ends at ``pos``: end of text, punctuation, or one of ``words``."""
        nxt = self.work[pos : pos + 1]
        return not nxt or not _is_ideograph(nxt) or self.work.startswith(words, pos)

    def in_short_quote(self, s: int, e: int) -> bool:
        w = self.work
        left = max(w.rfind("“", max(0, s - 12), s), w.rfind("「", max(0, s - 12), s))
        if left < 0 or any(c in w[left + 1 : s] for c in "”」\n"):
            return False
        close = [k for k in (w.find("”", e, e + 12), w.find("」", e, e + 12)) if k >= 0]
        return bool(close) and not any(c in w[e : min(close)] for c in "“「\n")

    # -- handlers: each returns the position to scan on from ----------------------------------

    def title(self, m: re.Match[str]) -> int:
        # Numbers inside 《》 name the document (《…2025年…方案》); none of them is a fact.
        for n in _TITLE_NUMBER.finditer(self.work, m.start(), m.end()):
            value, places = _read_arabic(n.group())
            self.emit(n.start(), n.end(), n.span(), value, places=places, masked="name")
        self.last_end = m.end()
        return m.end()

    def paren_num(self, m: re.Match[str]) -> int:
        s = m.start()
        w = self.work
        if w.endswith(("文件", "号", "附件"), 0, s):
            return self.mask(s, m.end(), "document_number")
        at_line_start = s == 0 or w[s - 1] == "\n"
        return self.mask(s, m.end(), "section_number" if at_line_start else "enumerator")

    def meeting(self, m: re.Match[str]) -> int:
        s, e = m.span()
        if self.work[e - 1] == "届":
            return self.mask(s, e, "meeting")
        # 第X次 names a meeting when 会 closes the phrase (第十八次会议, 第三次全体会议).
        clause = re.match(r"[^，。；、,;\n]{0,10}?会议?", self.work[e : e + 12])
        if clause:
            return self.mask(s, e + clause.end(), "meeting")
        return self.mask(s, e, "name")

    def ordinal(self, m: re.Match[str]) -> int:
        s, e = m.span()
        w = self.work
        num = w[s + 1 : e]
        chinese = not num[0].isdigit()
        try:
            value, places = _read_any(num)
        except ValueError:
            return e
        nxt = w[e : e + 1]
        if nxt in ("位", "名"):
            return self.emit(s, e + 1, (s + 1, e), value, nxt, "rank", chinese=chinese)
        if nxt and _is_ideograph(nxt):
            return self.mask(s, e, "name")  # 第一时间, 第三方, 第二批
        clause_start = s == 0 or w[s - 1] in "\n。；;：:！？!?"
        if clause_start and nxt in ("，", ",", "：", ":"):
            return self.mask(s, e, "enumerator")  # 第一，…第二，…
        return self.emit(s, e, (s + 1, e), value, None, "rank", chinese=chinese, places=places)

    def top(self, m: re.Match[str]) -> int:
        s, e = m.span()
        num = self.work[s + 1 : e]
        try:
            value, _ = _read_any(num)
        except ValueError:
            return e
        unit = self.work[e]
        return self.emit(s, e + 1, (s + 1, e), value, unit, "rank", chinese=not num[0].isdigit())

    def percent(self, m: re.Match[str]) -> int:
        s, e = m.span()
        body = m.group()
        unit = "‰" if body.startswith("千分之") else "%"
        if body in ("百分百", "百分之百"):
            value, places, num, chinese = Decimal(100), 0, (s, e), True
        else:
            digits = body[3:]
            try:
                value, places = _read_any(digits)
            except ValueError:
                return e
            num, chinese = (s + 3, e), not digits[0].isdigit()
        end, approx = e, False
        hedge = _HEDGE_AFTER.match(self.work, e)
        if hedge:
            end, approx = hedge.end(), True
        start = self.hedge_before(s)
        return self.emit(
            start,
            end,
            num,
            value,
            unit,
            "percent",
            places=places,
            approx=approx or start < s,
            chinese=chinese,
        )

    def grade(self, m: re.Match[str]) -> int:
        s, e = m.span()
        body = m.group().lstrip("劣")
        parts = re.findall(_ROMAN, body)
        value = Decimal(_ROMAN_VALUE[parts[0]])
        value_to = Decimal(_ROMAN_VALUE[parts[-1]]) if len(parts) > 1 else None
        unit = self.work[e]
        end = e + 1
        hedge = _HEDGE_AFTER.match(self.work, end)
        if hedge:
            end = hedge.end()
        num_start = s + (1 if m.group().startswith("劣") else 0)
        return self.emit(
            s, end, (num_start, e), value, unit, "grade", value_to=value_to, approx=bool(hedge)
        )

    def arabic(self, m: re.Match[str]) -> int:
        s, e = m.span()
        w = self.work
        if m.group().startswith("-") and s == self.last_end:
            s += 1  # a dash right after a number we read is a dash, not a minus sign
        value, places = _read_arabic(w[s:e])
        if s > 0 and w[s - 1].isascii() and w[s - 1].isalpha():
            return self.mask(s, e, "name")
        suf = self.suffix(e, chinese=False)
        end, unit, approx = suf.end, suf.unit, suf.approx
        value_to = None
        num_end = e
        # A range: 26-33, 3–5天, 26～33微克/立方米; the unit is the one after the second number.
        rng = _RANGE_TAIL.match(w, end)
        if rng is not None and not w.startswith(("年", "月", "日"), rng.end()):
            suf2 = self.suffix(rng.end(), chinese=False)
            # A range goes up; "由36到30" or "33-26" is two numbers, not a range.
            if _read_arabic(rng["n"])[0] > value and (
                suf.unit is None
                or suf2.unit is None
                or suf.unit == suf2.unit
                or (not suf.raw_unit and suf2.unit.startswith(suf.unit))
            ):
                value_to, places_to = _read_arabic(rng["n"])
                places = max(places, places_to)
                unit = suf2.unit or suf.unit
                approx = approx or suf2.approx
                end, num_end = suf2.end, rng.end()
                suf = suf2
        if suf.raw_unit in ("级", "类"):
            verdict = self.grade_or_name(suf, s)
            if verdict == "name":
                return self.mask(s, end, "name")  # 3级网格
            if verdict == "grade":
                return self.emit(
                    s, end, (s, num_end), value, suf.raw_unit, "grade",
                    value_to=value_to, places=places, approx=approx,
                )  # fmt: skip
        if unit is None and w[end : end + 1].isascii() and w[end : end + 1].isalpha():
            tail = _ALNUM.match(w, end)
            return self.mask(s, tail.end() if tail else end, "name")  # 5G, 3D
        kind = "quantity"
        if unit is None and w.startswith("成", end) and not self.cheng_is_word(end):
            value, places, unit, kind = _whole(value * 10), max(places - 1, 0), "%", "percent"
            end += 1
            hedge = _HEDGE_AFTER.match(w, end)
            if hedge:
                end, approx = hedge.end(), True
        start = self.hedge_before(s, unit)
        if value_to is not None:
            kind = "range"
        elif unit in _PERCENT_UNITS:
            kind = "percent"
        return self.emit(
            start,
            end,
            (s, num_end),
            value,
            unit,
            kind,
            value_to=value_to,
            places=places,
            approx=approx or start < s,
        )

    def cheng_is_word(self, pos: int) -> bool:
        nxt = self.work[pos + 1 : pos + 2]
        return nxt in _CHENG_WORDS or self.work.startswith("不变", pos + 1)

    def chinese(self, m: re.Match[str]) -> int:
        s, e = m.span()
        w = self.work
        run = m.group()
        if self.in_short_quote(s, e):
            return self.mask(s, e, "name")  # “两打”“三打”, “一企一策”
        if run == "零":
            if w.startswith(_ZERO_WORDS, e):
                return self.emit(s, e, (s, e), Decimal(0), chinese=True)
            return e
        # 三千万元 is stated as 3000 万元, like 3000万元: split a trailing 万/亿 off the number.
        num, scale = run, ""
        if run[-1] in "万亿" and len(run) > 1:
            head = run.rstrip("万亿")
            if head and not any(c in "万亿" for c in head):
                num, scale = head, run[len(head) :]
        try:
            value, places = _read_chinese(num)
        except ValueError:
            return e
        num_span = (s, s + len(num))
        suf = self.suffix(e, chinese=True, scale=scale)
        unit = suf.unit
        if not scale and not suf.raw_unit and w.startswith("成", e) and not self.cheng_is_word(e):
            end, approx = e + 1, False
            hedge = _HEDGE_AFTER.match(w, end)
            if hedge:
                end, approx = hedge.end(), True
            start = self.hedge_before(s, "%")
            return self.emit(
                start,
                end,
                num_span,
                value * 10,
                "%",
                "percent",
                places=max(places - 1, 0),
                approx=approx or start < s,
                chinese=True,
            )
        if suf.raw_unit in ("级", "类"):
            verdict = self.grade_or_name(suf, s)
            if verdict == "name":
                return self.mask(s, suf.end, "name")
            if verdict == "grade":
                start = s - 1 if s - 1 >= self.last_end and w[s - 1 : s] == "劣" else s
                return self.emit(
                    start, suf.end, num_span, value, suf.raw_unit, "grade",
                    approx=suf.approx, chinese=True,
                )  # fmt: skip
        licensed = bool(suf.raw_unit) or (
            bool(scale) and (suf.approx or not _is_ideograph(w[e : e + 1] or "，"))
        )
        if run == "一":
            # 一 before a measure word is usually "a" (一个, 一批, 一次性); 一起案件 is one case.
            licensed = w.startswith("起案", e)
        elif run == "二" and suf.raw_unit:
            licensed = False  # counts say 两; 二次 is "secondary" (二次污染)
        if suf.raw_unit == "次" and w.startswith("产业", suf.end):
            licensed = False  # 三次产业
        if not licensed:
            return e
        start = self.hedge_before(s, unit)
        kind = "percent" if unit in _PERCENT_UNITS else "quantity"
        return self.emit(
            start,
            suf.end,
            num_span,
            value,
            unit,
            kind,
            places=places,
            approx=suf.approx or start < s,
            chinese=True,
        )

    def run(self) -> list[Mention]:
        handlers: dict[str, Callable[[re.Match[str]], int]] = {
            "title": self.title,
            "paren_num": self.paren_num,
            "meeting": self.meeting,
            "ordinal": self.ordinal,
            "top": self.top,
            "percent": self.percent,
            "grade": self.grade,
            "arabic": self.arabic,
            "chinese": self.chinese,
        }
        pos = 0
        while (candidate := _START.search(self.work, pos)) is not None:
            m = _TOKEN.match(self.work, candidate.start())
            if m is None:
                pos = candidate.start() + 1
                continue
            name = m.lastgroup
            assert name is not None
            reason = _MASKED_ALTERNATIVES.get(name)
            if reason is not None:
                pos = self.mask(m.start(), m.end(), reason)
            else:
                pos = max(handlers[name](m), m.start() + 1)
        return self.out


_LIST_JOINERS = frozenset({"、", "和", "及", "与"})


def _share_list_units(text: str, mentions: list[Mention]) -> list[Mention]:
    """In "分别下降到54、23、3微克/立方米" the unit written once belongs to every number of the
    list, so a bare number joined by 、/和/及/与 to the next takes that number's unit."""
    out = list(mentions)
    for k in range(len(out) - 2, -1, -1):
        m, nxt = out[k], out[k + 1]
        if (
            m.masked is None
            and nxt.masked is None
            and m.unit is None
            and nxt.unit is not None
            and m.kind == "quantity"
            and nxt.kind in ("quantity", "percent")
            and text[m.end : nxt.start] in _LIST_JOINERS
        ):
            out[k] = replace(m, unit=nxt.unit, kind=nxt.kind)
    return out


def find_numbers(text: str, *, include_masked: bool = False) -> list[Mention]:
    """Every number in ``text``, in order, non-overlapping. Masked mentions (dates, PM2.5,
    section numbers, meeting numbers …) are returned only when ``include_masked``.

    A bare number in a list takes the unit written after the list's last number
    ("54、23、3微克/立方米" gives three mentions in 微克/立方米); its span stays its own.
    """
    mentions = _share_list_units(text, _Scanner(text).run())
    if include_masked:
        return mentions
    return [mention for mention in mentions if mention.masked is None]
