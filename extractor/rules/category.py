"""A fact's category and indicator: the catalogue when an alias names the subject and its
unit fits, else the domain words of the subject, then of its sentence and its heading."""

from __future__ import annotations

import re

from extractor.lexicon import unit_fits
from extractor.schemas.catalogue import match_indicator
from extractor.schemas.report import Category

_CATEGORY_WORDS: tuple[tuple[Category, re.Pattern[str]], ...] = (
    ("funding", re.compile(r"资金|投资|投入|补助|经费|预算")),
    ("enforcement", re.compile(r"案件|罚款|罚没|执法|查处|立案|拘留|涉刑|信访|投诉|举报|督办")),
    ("noise", re.compile(r"声环境|噪声|声级|分贝")),
    ("soil", re.compile(r"土壤|耕地|地块|建设用地")),
    ("agriculture", re.compile(r"秸秆|农膜|地膜|施肥|农作物|化肥|农药|畜禽")),
    ("waste", re.compile(r"垃圾|固废|危废|废物|铝灰|尾矿|无废")),
    ("energy_climate", re.compile(r"光伏|风电|装机|产能|能源|碳|煤炭消费|节能")),
    ("transport", re.compile(r"车|公交|出租|重卡|船|铁路|公转铁")),
    (
        "air",
        re.compile(
            r"空气|大气|PM|颗粒物|臭氧|二氧化|优良天数|重污染|扬尘|VOCs|挥发性|超低排放|"
            r"洗煤|石灰窑|焦化|钢铁|水泥|废气|综合指数"
        ),
    ),
    ("water", re.compile(r"水|断面|排污口|排口|管网|污水|黑臭|河|湖|库")),
    ("ecology", re.compile(r"林|绿|矿山|湿地|生态|自然保护|生物多样性|整治行政村")),
    ("governance", re.compile(r"会议|调研|督察|督查|考核|责任|书记|市长")),
)
_MONEY = ("万元", "亿元", "元")


def category_of(
    subject: str, unit: str | None, context: tuple[str, ...] = ()
) -> tuple[Category, str | None]:
    """Category and indicator key (None when no catalogue entry names the subject)."""
    ind = match_indicator(subject)
    if ind is not None and unit_fits(ind.units, unit):
        return ind.category, ind.key
    if unit == "辆":
        return "transport", None
    if unit in _MONEY:
        return "funding", None
    for words in (subject, *context):
        for cat, pattern in _CATEGORY_WORDS:
            if pattern.search(words):
                return cat, None
    return "other", None
