"""The shared word lists: one reading of a change's direction and basis, count units, and
whether a unit fits an indicator, for the rules, the checker and the scorer alike."""

from __future__ import annotations

import pytest

from extractor.lexicon import (
    BASIS,
    CLASSIFIERS,
    COUNTED_UNITS,
    EXACT_COUNT_UNITS,
    MEASURE_WORDS,
    alternation,
    direction_of,
    unit_fits,
)


@pytest.mark.parametrize(("verb", "sign"), [("下降", -1), ("减少", -1), ("下滑", -1), ("增长", 1)])
def test_direction_of_a_change_verb(verb: str, sign: int):
    assert direction_of(verb) == sign


@pytest.mark.parametrize(
    ("text", "basis"),
    [
        ("同比去年同期下降", "同比去年同期"),
        ("较上年同期提高", "较上年同期"),
        ("与上年相比下降", "与上年相比"),
        ("与上年持平", "与上年"),
        ("较2015年下降", "较2015年"),
        ("与2020年相比", "与2020年相比"),
    ],
)
def test_the_longest_basis_wins(text: str, basis: str):
    m = BASIS.search(text)
    assert m is not None and m.group(1) == basis


def test_alternation_puts_longer_words_first():
    assert alternation(["同比", "同比去年", "环比"]).split("|") == ["同比去年", "同比", "环比"]


@pytest.mark.parametrize(
    ("expected", "unit", "fits"),
    [
        (["吨"], "万吨", True),
        (["万元", "亿元"], "元", True),
        (["微克/立方米"], "毫克/立方米", True),
        (["微克/立方米"], "%", False),
        (["天"], "个", False),
        ([None], None, True),
        ([], "个", True),
    ],
)
def test_a_unit_fits_an_indicator_in_any_scale(expected: list[str | None], unit: str, fits: bool):
    assert unit_fits(expected, unit) is fits


def test_count_units_share_one_core():
    assert CLASSIFIERS <= MEASURE_WORDS and CLASSIFIERS <= COUNTED_UNITS
    assert CLASSIFIERS <= EXACT_COUNT_UNITS
    assert "天" in EXACT_COUNT_UNITS and "天" not in MEASURE_WORDS  # 226天 is exact, no noun after
    assert "位" in MEASURE_WORDS and "位" not in COUNTED_UNITS  # ranks still compare
