"""The patterns and word lists the number reader is driven by: character folding, the token
alternatives in priority order, units, scale words and hedges."""

from __future__ import annotations

import re

# --- character folding --------------------------------------------------------------------
# One character for one character, so every offset found in the folded copy is an offset in
# the caller's text. Loading already folds digits; this also covers quotes taken from raw
# text and traditional-character reports (the few characters that matter for numbers).
FOLD_PAIRS = (
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
FOLD_TABLE = {ord(a): b for a, b in FOLD_PAIRS}
CN_FOLD = str.maketrans({"两": "二", "〇": "零"})

CN_DIGIT = {c: k for k, c in enumerate("零一二三四五六七八九")} | {"〇": 0, "两": 2}
CNC = "零〇一二两三四五六七八九"
CNALL = CNC + "十百千万亿"

# --- patterns -------------------------------------------------------------------------------
# Python's \b treats CJK as word characters, so every boundary below is an explicit lookaround.
AR = r"(?:[0-9]{1,3}(?:,[0-9]{3})+(?![0-9])|[0-9]+)(?:\.[0-9]+)?"
CN = rf"(?<![{CNALL}])[{CNC}十][{CNALL}]*(?:点[{CNC}]+[万亿]*)?"
NUM = rf"(?:(?<![0-9.]){AR}|{CN})"
ROMAN = r"(?:VIII|VII|VI|IV|IX|V|III|II|I|X|Ⅻ|Ⅺ|Ⅹ|Ⅸ|Ⅷ|Ⅶ|Ⅵ|Ⅴ|Ⅳ|Ⅲ|Ⅱ|Ⅰ)"
ROMAN_VALUE = {
    "I": 1, "II": 2, "III": 3, "IV": 4, "V": 5, "VI": 6, "VII": 7, "VIII": 8, "IX": 9, "X": 10,
    "Ⅰ": 1, "Ⅱ": 2, "Ⅲ": 3, "Ⅳ": 4, "Ⅴ": 5, "Ⅵ": 6, "Ⅶ": 7, "Ⅷ": 8, "Ⅸ": 9, "Ⅹ": 10,
    "Ⅺ": 11, "Ⅻ": 12,
}  # fmt: skip
Y = r"(?:19|20)[0-9]{2}"
MO = r"(?:1[0-2]|0?[1-9])"
DAY = r"(?:3[01]|[12][0-9]|0?[1-9])"
DASH = r"[-—–~～至到]"
MONTH_TAIL = r"(?:份|[上中下]旬|底|初|末)"
MD = (
    rf"{MO}(?:{DASH}{MO})?月(?:{DAY}日(?:{DASH}(?:{MO}月)?{DAY}日)?|{MONTH_TAIL})?"
    rf"(?:{DASH}{MO}月(?:{DAY}日|{MONTH_TAIL})?)?"
)
NB = r"(?<![0-9.])"  # not inside a longer number

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
    ("enum_shi", rf"(?<![{CNALL}统唯之进])[一二三四五六七八九十]{{1,3}}是"),
    ("plan", rf"十[一二三四五六七八九]五(?![{CNALL}])"),
    (
        "slogan",
        r"(?:[二三四五六七八九]位一体|两个确立|两个维护|四个意识|四个全面|四个自信|三个代表|两个百年"
        # 扬尘治理"六个百分之百": six requirements, not a share
        r"|[两二三四五六七八九十]个百分之百)",
    ),
    ("meeting", rf"第?(?:{NUM})届|第(?:[0-9]+|{CN})次"),
    ("section_ord", rf"第(?:[0-9]+|{CN})(?:章|节|条|款|篇|部分|编)"),
    ("quarter", r"(?:第|前|后|上|下)?[一二三四1-4]季度"),
    ("percentile", rf"第?{NB}[0-9]+百分位数?"),
    ("eight_hours", rf"(?<=最大)8小时|{NB}8小时(?=平均|滑动|均值)"),
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
        rf"[〔\[［【]{Y}[〕\]］】][0-9]+号|{NB}第?[0-9]+号|(?<=附件|附表|附图)[0-9]+"
        r"|(?:(?<=\n表)|(?<=^表)|(?<=（表)|(?<=\(表)|(?<=见表))[0-9]+(?![0-9.])",
    ),
    # a time of day only after 上午/下午…: elsewhere "1:10" is more likely a ratio
    (
        "clock",
        r"(?<=上午|下午|晚上|早上|中午|凌晨|傍晚)(?:[01]?[0-9]|2[0-3])[:：][0-5][0-9](?![0-9])",
    ),
    # a hotline or platform named by its number (“12369”环保举报, 12345热线)
    ("hotline", r"(?<![0-9])(?:12369|12345|12315|12110|12366|12388)(?![0-9])"),
    ("phone", r"(?<![0-9])(?:0[0-9]{2,3}-[0-9]{7,8}|1[3-9][0-9]{9})(?![0-9])"),
    ("date_ymd", rf"{NB}{Y}年{MD}"),
    ("year", rf"{NB}{Y}(?:{DASH}{Y})?年度?(?:至今|以来)?"),
    ("date_dots", rf"{NB}{Y}[./-]{MO}[./-]{DAY}(?![0-9])"),
    ("year_range", rf"{NB}{Y}{DASH}{Y}(?![0-9])"),
    ("year_paren", rf"(?<=[（(]){Y}(?=[）)])"),
    ("year_cn", r"[〇零一二三四五六七八九]{4}年"),
    ("date_md", rf"{NB}{MD}"),
    ("date_day", rf"{NB}{DAY}日(?!均)"),
    ("letters", r"(?<![A-Za-z0-9])[A-Za-z]+[0-9]+(?:\.[0-9]+)?[A-Za-z0-9]*"),
    ("duration_name", rf"(?:{NUM})年(?=行动|攻坚|规划|计划)"),
    # a size class of what is counted: 淘汰35蒸吨/小时以下燃煤锅炉9台
    ("size_class", rf"{NB}{AR}蒸吨(?:/小时|/时)?(?=(?:及)?以[下上][\u4e00-\u9fff])"),
    ("ordinal", rf"第(?:[0-9]+|{CN})"),
    ("top", rf"[前后](?:[0-9]+|{CN})(?=[名位])"),
    ("percent", rf"百分之(?:百(?![分万亿千])|{CN}|{AR})|百分百|千分之(?:{CN}|{AR})"),
    ("grade", rf"(?<![A-Za-z])劣?{ROMAN}(?:[-—–~～至]{ROMAN})?(?=[类级])"),
    ("arabic", rf"{NB}(?:[-](?=[0-9]))?{AR}"),
    ("chinese", CN),
]
TOKEN = re.compile("|".join(f"(?P<{name}>{pattern})" for name, pattern in _ALTERNATIVES))
# Every alternative starts with one of these characters. Searching for them and matching
# TOKEN only there is ~15x faster than TOKEN.search, whose lookbehind-led branches defeat
# the regex engine's own first-character skip.
START = re.compile(
    r"[0-9零〇一二两三四五六七八九十第前后上下百千《（(A-Za-z\u2160-\u216b劣〔\[［【\-]"
)

MASKED_ALTERNATIVES = {
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
    "hotline": "name",
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
CN_UNITS = [
    "微克/立方米", "微克每立方米", "毫克/立方米", "毫克每立方米", "毫克/升", "毫克每升",
    "个百分点", "百分点", "吨标准煤", "吨标煤", "平方公里", "平方千米", "平方米", "立方米",
    "千瓦时", "千瓦", "兆瓦", "公顷", "公里", "千米", "千克", "公斤", "分贝", "个月", "小时",
    # 586家(次): a count of visits written with its 次 in brackets
    *(f"{u}{o}次{c}" for u in "家人台户辆车" for o, c in ("()", "（）")),
    "人次", "家次", "台次", "车次", "架次", "辆次", "户次", "%", "‰", "倍", "元", "吨", "亩",
    "米", "天", "个", "家", "项", "次", "辆", "件", "起", "条", "处", "套", "类", "名", "位",
    "台", "座", "人", "户", "所", "批", "场", "宗", "株", "棵", "艘", "级", "部", "道",
    # rates and unit prices (6万吨/日 is a capacity, not 6万吨)
    *(f"{u}/{per}" for u in ("吨", "立方米", "蒸吨") for per in ("日", "天", "年", "小时")),
    "元/亩", "元/吨", "元/人", "元/户", "元/立方米", "元/千瓦时",
]  # fmt: skip
# Readable after Arabic digits only: after a Chinese numeral these are words (十分, 一口气).
AR_ONLY_UNITS = [
    "分钟", "年", "周", "分", "度", "只", "头", "架", "根", "口", "段", "块", "份", "轮", "篇",
    "张", "间", "栋", "片",
    # a count of cities in a ranking bulletin (忻州、大同、吕梁、朔州4市)
    "市",
]  # fmt: skip
ASCII_UNITS = [
    "μg/m3", "μg/m³", "ug/m3", "mg/m3", "mg/m³", "mg/L", "mg/l", "dB(A)", "dBA", "dB", "km²",
    "km2", "km", "kWh", "kW", "MW", "m³", "m3",
]  # fmt: skip


def unit_pattern(units: list[str]) -> str:
    parts = []
    for u in sorted(units + ASCII_UNITS, key=len, reverse=True):
        if u in ASCII_UNITS:
            parts.append(rf" ?{re.escape(u)}(?![A-Za-z])")
        elif u in "%‰":
            parts.append(rf" ?{re.escape(u)}")
        else:
            parts.append(re.escape(u))
    return "|".join(parts)


SCALE_PATTERN = r"万亿|千亿|百亿|千万|百万|亿|万|千(?![瓦米克])"
SUFFIX_AR = re.compile(
    rf"(?P<a1>余|多)?(?P<scale>{SCALE_PATTERN})?(?P<a2>余|多)?"
    rf"(?P<unit>{unit_pattern(CN_UNITS + AR_ONLY_UNITS)})?"
    r"(?P<a3>及以上|及以下|以上|以下|左右|上下|以内|之内)?"
)
SUFFIX_CN = re.compile(
    rf"(?P<a1>余|多)?(?P<a2>)(?P<unit>{unit_pattern(CN_UNITS)})?"
    r"(?P<a3>及以上|及以下|以上|以下|左右|上下|以内|之内)?"
)
HEDGE_AFTER = re.compile(r"及以上|及以下|以上|以下|左右|上下|以内|之内")
RANGE_TAIL = re.compile(rf"[-—–~～至到](?![-—–])(?P<n>{AR})")
FIRST_NUMBER = re.compile(rf"[0-9]+(?:\.[0-9]+(?!\.[0-9]))?|[{CNC}十][{CNALL}]*")
ALNUM = re.compile(r"[A-Za-z0-9]*")
TITLE_NUMBER = re.compile(rf"{NB}[0-9]+(?:\.[0-9]+)?")

# Hedge words before a number, longest first so 超过 wins over 超.
HEDGES_BEFORE = sorted(
    [
        "约", "近", "逾", "超", "超过", "不到", "不足", "低于", "高于", "大于", "小于", "大约",
        "将近", "接近", "不少于", "不低于", "不超过", "不高于", "至少", "多达", "≥", "≤", ">", "<",
    ],
    key=len,
    reverse=True,
)  # fmt: skip
HEDGE_LAST = frozenset(h[-1] for h in HEDGES_BEFORE)
# 近 is not a hedge in 附近/最近, nor in "近3年" (the last three years).
NEAR_IS_WORD = frozenset("附最就邻临将接")
NEAR_PERIOD_UNITS = frozenset({"年", "个月", "天", "周"})
# 零 is a quantity only as "none happened": 零发生, 零事故 (never 零容忍, 清零).
ZERO_WORDS = ("发生", "事故", "伤亡", "死亡", "增长", "超标", "火灾", "事件", "排放")
# X成 is a share (八成) unless 成 starts a word (成为, 成效, 一成不变).
CHENG_WORDS = frozenset("为立功果效员本就绩熟型品交长")
# After 级 or 类 these make it a grade (二级（较好）, 五类水, II类及以上标准).
# 二级标准 names a standard (GB 3095's class two), not a grade the report gives something.
GRADE_AFTER_JI = ("以上", "以下", "及以上", "及以下", "水平")
GRADE_AFTER_LEI = (
    "水", "地表水", "标准", "功能区", "区", "声", "及以上", "及以下", "以上", "以下",
)  # fmt: skip
PERCENT_UNITS = frozenset({"%", "‰", "个百分点"})


def is_ideograph(c: str) -> bool:
    return "\u4e00" <= c <= "\u9fff" or "\u3400" <= c <= "\u4dbf"
