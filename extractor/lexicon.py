"""The words every reader of the text agrees on: which way a change goes, what it is measured
against, which units count things, and whether a unit fits an indicator.

The rules backend, the checker and the scorer all read these lists; a word added here is
seen by all of them at once, so the reading of a change and the check of it cannot drift
apart. Patterns built from the lists live in the module that uses them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal

from extractor.units import std_value

__all__ = [
    "BASES",
    "BASIS",
    "CHANGE_SUBJECT_WORDS",
    "CHANGE_VERBS",
    "CLASSIFIERS",
    "COUNTED_UNITS",
    "DECREASE_CHARS",
    "DECREASE_VERBS",
    "EXACT_COUNT_UNITS",
    "FREQUENCY_UNITS",
    "IMPROVE_VERB",
    "INCREASE_CHARS",
    "INCREASE_VERBS",
    "MEASURE_WORDS",
    "alternation",
    "direction_of",
    "improvement_sign",
    "unit_fits",
]

# --- which way a change goes ---------------------------------------------------------------

DECREASE_VERBS = ("下降", "减少", "降低", "回落", "下滑")
INCREASE_VERBS = ("上升", "增加", "提高", "提升", "增长", "上涨")
CHANGE_VERBS = DECREASE_VERBS + INCREASE_VERBS
# One character that still says the direction when the verb is abbreviated (同比减3天, 增2家).
DECREASE_CHARS = ("减", "降", "少")
INCREASE_CHARS = ("增", "升", "多")
# 改善 goes down for a concentration or an index and up for a count of good days; its sign
# depends on what it qualifies (see the rules' change reading).
IMPROVE_VERB = "改善"
# Words in a subject that make a percentage the size of a change, not a share (so it may be
# negative or above 100).
CHANGE_SUBJECT_WORDS = ("增长", "增幅", "提高", "上升", "增加", "变化", "降幅", "下降")


def direction_of(verb: str) -> int:
    """-1 for a decrease verb, +1 for any other change verb."""
    return -1 if verb in DECREASE_VERBS else 1


_FALLING = re.compile(r"浓度|指数")


def improvement_sign(unit: str | None, subject: str) -> int:
    """The sign 改善 gives a figure: an index or a concentration improves by falling, a share
    or a count of good days by rising."""
    falling = unit in (None, "微克/立方米", "毫克/立方米") or _FALLING.search(subject)
    return -1 if falling else 1


# --- what a change is measured against -----------------------------------------------------

BASES = (
    "同比去年同期",
    "同比去年",
    "同比",
    "环比",
    "较上年同期",
    "较上年",
    "较去年同期",
    "较去年",
    "比上年同期",
    "比上年",
    "比去年同期",
    "比去年",
    "与去年同期相比",
    "与去年相比",
    "与上年相比",
    "与上年同期",
    "与上年",
    "与去年",
)
_YEAR_BASES = (r"较\d{4}年", r"比\d{4}年", r"与\d{4}年相比")


def alternation(words: Iterable[str]) -> str:
    """A regex alternation of ``words``, longest first, so a longer word wins where a shorter
    one is its prefix (同比去年 before 同比)."""
    return "|".join(re.escape(w) for w in sorted(set(words), key=lambda w: (-len(w), w)))


# The basis as written, captured in group 1.
BASIS = re.compile(rf"({alternation(BASES)}|{'|'.join(_YEAR_BASES)})")

# --- units that count things ---------------------------------------------------------------

# Classifiers of things counted one by one (7座污水处理厂, 12家企业).
CLASSIFIERS = frozenset("个家辆条处项套座台所户批宗市份")
# Measure words after which the counted noun follows (the rules read 953个入河排污口 as a
# count of 入河排污口); ranks and kinds are read the same way.
MEASURE_WORDS = CLASSIFIERS | frozenset("类名位部道")
# Counts that name what was counted in their own passage (7座 inspected, 23座 built): the same
# noun twice is not the same quantity. Ranks (位, 名) still compare.
COUNTED_UNITS = CLASSIFIERS | frozenset("部道件起次")
# Whole numbers of these are counted, not measured: 273 天 is exactly 273.
EXACT_COUNT_UNITS = (CLASSIFIERS | frozenset("天起件次名位人类场")) - frozenset("部道")
# How often something was done (先后8次深入…调研): the action follows the count.
FREQUENCY_UNITS = frozenset({"次", "轮", "遍"})


# One-character nouns counted in the texts (我市6河3库), as the word a reader would write.
COUNTED_NOUNS = {"河": "河流", "库": "水库", "湖": "湖泊", "厂": "工厂", "站": "站点", "企": "企业"}

# --- units and indicators ------------------------------------------------------------------


def unit_fits(expected: Iterable[str | None], unit: str | None) -> bool:
    """``unit`` is one of ``expected`` or another scale of one (万吨 for 吨); anything fits an
    indicator that expects nothing in particular."""
    expected = list(expected)
    if not expected:
        return True
    base = std_value(Decimal(1), unit)[1]
    return any(std_value(Decimal(1), u)[1] == base for u in expected)
