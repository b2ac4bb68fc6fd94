"""numbers: parse_number reads one number in any written form; find_numbers finds every number
in a text with its unit, kind and hedges, and masks what only looks like a quantity (PM2.5,
dates, section numbers, meeting numbers). Sentences are copied from the two seed reports; the
whole-report expectations were written by hand from reading the reports, not from output."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from pathlib import Path

import cn2an
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from extractor.loading import load, load_text
from extractor.numbers import (
    KINDS,
    MASK_REASONS,
    Mention,
    find_numbers,
    parse_number,
    std_value,
)
from extractor.numbers._patterns import START, TOKEN
from extractor.units import canonical_unit, to_std

D = Decimal
GOLD = Path(__file__).resolve().parents[1] / "eval" / "gold"  # byte copies of shared/seeds
ANYANG = GOLD / "anyang-2024.txt"
PINGDINGSHAN = GOLD / "pingdingshan-2025.txt"

Read = tuple[Decimal, str | None, str]


def read(text: str) -> list[Read]:
    return [(m.value, m.unit, m.kind) for m in find_numbers(text)]


def only(text: str) -> Mention:
    mentions = find_numbers(text)
    assert len(mentions) == 1, mentions
    return mentions[0]


def masked(text: str) -> list[tuple[str, str | None]]:
    return [(m.text, m.masked) for m in find_numbers(text, include_masked=True)]


# --- parse_number ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "value"),
    [
        ("1663", "1663"),
        ("1,663", "1663"),
        ("12,345,678.5", "12345678.5"),
        ("51.2", "51.2"),
        ("3 136", "3136"),
        ("51 . 2", "51.2"),
        ("５１．２", "51.2"),
        ("１６６３", "1663"),
        ("-3.2", "-3.2"),
        ("一千六百六十三", "1663"),
        ("两", "2"),
        ("两千", "2000"),
        ("十一", "11"),
        ("十", "10"),
        ("二十", "20"),
        ("一百零五", "105"),
        ("三点五", "3.5"),
        ("零", "0"),
        ("〇", "0"),
        ("二〇二四", "2024"),
        ("一万二千", "12000"),
        ("3136万", "31360000"),
        ("2.3亿", "230000000"),
        ("1.2千", "1200"),
        ("三千万", "30000000"),
        ("三点五万", "35000"),
        ("4.4%", "4.4"),
        ("4.4％", "4.4"),
        ("百分之四点四", "4.4"),
        ("百分之百", "100"),
        ("百分百", "100"),
        ("3‰", "3"),
        ("千分之三", "3"),
        ("八成", "80"),
        ("近八成", "80"),
        ("三成", "30"),
        ("五成以上", "50"),
        ("约3000", "3000"),
        ("120余", "120"),
    ],
)
def test_parse_number_reads_every_written_form(written: str, value: str) -> None:
    assert parse_number(written) == D(value)


def test_scaled_values_carry_no_spurious_decimal_place() -> None:
    assert str(parse_number("2.3亿")) == "230000000"
    assert str(parse_number("三点五万")) == "35000"


@pytest.mark.parametrize(
    ("written", "why"),
    [
        ("", "empty"),
        ("1，663", "Chinese comma"),
        ("3,12", "exactly three digits"),
        ("1,6634", "exactly three digits"),
        ("3136万元", "'元'"),
        ("1.2.3", "decimal point"),
        ("第2", "'第'"),
        ("约", "no number"),
        ("百", "Chinese numeral"),
        ("十四五", "Chinese numeral"),
        ("abc", "'a'"),
    ],
)
def test_parse_number_says_what_is_wrong(written: str, why: str) -> None:
    with pytest.raises(ValueError, match=why):
        parse_number(written)


def _decimals(max_places: int = 4) -> st.SearchStrategy[Decimal]:
    return st.integers(0, max_places).flatmap(
        lambda places: st.decimals(
            min_value=0,
            max_value=D(10) ** 11,
            places=places,
            allow_nan=False,
            allow_infinity=False,
        )
    )


def _plain(d: Decimal) -> str:
    return f"{d:f}"


@given(_decimals())
def test_property_plain_arabic(d: Decimal) -> None:
    assert parse_number(_plain(d)) == d
    assert parse_number("-" + _plain(d)) == -d


@given(_decimals(), st.data())
def test_property_inner_spaces(d: Decimal, data: st.DataObject) -> None:
    chars = list(_plain(d))
    gaps = data.draw(st.lists(st.booleans(), min_size=len(chars), max_size=len(chars)))
    spaced = "".join(c + (" " if gap else "") for c, gap in zip(chars, gaps, strict=True))
    assert parse_number(spaced) == d


@given(_decimals())
def test_property_full_width(d: Decimal) -> None:
    wide = _plain(d).translate({ord(str(k)): chr(0xFF10 + k) for k in range(10)} | {46: "．"})
    assert parse_number(wide) == d


@given(_decimals())
def test_property_thousands_commas(d: Decimal) -> None:
    assert parse_number(f"{d:,f}") == d


@given(st.integers(0, 10**12 - 1))
def test_property_chinese_integers(n: int) -> None:
    assert parse_number(cn2an.an2cn(str(n))) == n


@given(_decimals(3).filter(lambda d: d < 10**8))
def test_property_chinese_decimals(d: Decimal) -> None:
    assert parse_number(cn2an.an2cn(_plain(d))) == d


@given(_decimals(3))
def test_property_scaled(d: Decimal) -> None:
    assert parse_number(f"{_plain(d)}万") == d * 10**4
    assert parse_number(f"{_plain(d)}亿") == d * 10**8


@given(_decimals(2).filter(lambda d: d <= 1000))
def test_property_percent(d: Decimal) -> None:
    assert parse_number(f"{_plain(d)}%") == d
    assert parse_number("百分之" + cn2an.an2cn(_plain(d))) == d


# --- find_numbers: properties -----------------------------------------------------------------


@given(st.integers(0, 10**9))
def test_property_one_count_in_a_sentence(n: int) -> None:
    m = only(f"全年查处环境违法案件{n}起")
    assert (m.value, m.unit, m.kind, m.text) == (n, "起", "quantity", f"{n}起")


_FRAGMENTS = [
    "空气质量综合指数4.803，同比下降4.4%，改善率全省排名第2；",
    "PM2.5年均浓度51微克/立方米，",
    "一、总体情况\n",
    "（一）污染防治攻坚战全面推进\n",
    "一是空气质量持续改善。",
    "2025年1-7月,",
    "全市医疗废物保持百分百安全收运处置",
    "办理“两打”“三打”案件108起",
    "约3000余个",
    "26～33微克/立方米",
    "GB 3095-2012",
    "《平顶山市2025年工业企业达标排放治理专项行动实施方案》",
    "近八成",
    "第十八次会议文件（8）",
]


@settings(max_examples=200)
@given(st.lists(st.sampled_from(_FRAGMENTS) | st.integers(-99, 10**6).map(str), max_size=8))
def test_property_spans_are_ordered_and_consistent(parts: list[str]) -> None:
    text = "".join(parts)
    everything = find_numbers(text, include_masked=True)
    last = 0
    for m in everything:
        assert last <= m.start <= m.num_start < m.num_end <= m.end <= len(text)
        assert text[m.start : m.end] == m.text
        assert m.kind in KINDS
        assert m.masked is None or m.masked in MASK_REASONS
        last = m.end
    assert find_numbers(text) == [m for m in everything if m.masked is None]


_PIECE_TEXT = (
    "0 1 2 8 12 30 2025 3095 2.5 , . - — ～ % 年 月 日 第 前 后 上 下 百分之 百 千分之 "
    "千 万 亿 零 〇 一 二 两 十 十八 十四五 是 、 （ ） ( ) 《 》 “ ” 个 次 会议 届 级 类 "
    "位 名 季度 成 I II V Ⅲ 劣 PM GB HJ DB 5G 附件 上午 9:30 〔 〕 号 ［ 【 小时 最大 百分位 行动"
)
_PIECES = [*_PIECE_TEXT.split(), " ", "\n"]


@settings(max_examples=500)
@given(st.lists(st.sampled_from(_PIECES), max_size=10))
def test_property_every_token_starts_with_a_start_character(pieces: list[str]) -> None:
    # find_numbers only tries the token pattern where START matches; a token that could
    # begin anywhere else would be silently skipped.
    text = "".join(pieces)
    for pos in range(len(text)):
        if TOKEN.match(text, pos):
            assert START.match(text, pos), (text, pos)


# One example per way each token can begin (a token at position 0).
_TOKEN_EXAMPLES = [
    ("《2025年方案》", "title"),
    ("一、总体", "heading"),
    ("1.总体", "heading"),
    ("（一）", "paren_cn"),
    ("(一)", "paren_cn"),
    ("（1）", "paren_num"),
    ("(1)", "paren_num"),
    ("一是", "enum_shi"),
    ("十四五", "plan"),
    ("五位一体", "slogan"),
    ("两个维护", "slogan"),
    ("第十八次会议", "meeting"),
    ("35蒸吨/小时以下燃煤锅炉", "size_class"),
    ("十五届", "meeting"),
    ("15届", "meeting"),
    ("第二章", "section_ord"),
    ("第一季度", "quarter"),
    ("前三季度", "quarter"),
    ("后三季度", "quarter"),
    ("上1季度", "quarter"),
    ("下1季度", "quarter"),
    ("一季度", "quarter"),
    ("3季度", "quarter"),
    ("第90百分位", "percentile"),
    ("90百分位", "percentile"),
    ("8小时平均", "eight_hours"),
    ("PM2.5", "pollutant"),
    ("pm10", "pollutant"),
    ("O3-8h", "pollutant"),
    ("GB 3095-2012", "standard"),
    ("DB41/1066-2020", "standard"),
    ("〔2025〕3号", "docnum"),
    ("［2025］3号", "docnum"),
    ("【2025】3号", "docnum"),
    ("[2025]3号", "docnum"),
    ("第3号", "docnum"),
    ("3号", "docnum"),
    ("0375-1234567", "phone"),
    ("12369环保举报", "hotline"),
    ("2025年4月23日", "date_ymd"),
    ("2025年", "year"),
    ("2025.4.23", "date_dots"),
    ("2021-2025", "year_range"),
    ("二〇二四年", "year_cn"),
    ("零零二四年", "year_cn"),
    ("4月1日", "date_md"),
    ("23日", "date_day"),
    ("G4", "letters"),
    ("三年行动", "duration_name"),
    ("3年行动", "duration_name"),
    ("第2", "ordinal"),
    ("前30名", "top"),
    ("后30名", "top"),
    ("百分之五", "percent"),
    ("百分百", "percent"),
    ("千分之三", "percent"),
    ("劣Ⅴ类", "grade"),
    ("II类", "grade"),
    ("Ⅲ类", "grade"),
    ("-3.2", "arabic"),
    ("3.2", "arabic"),
    ("三个", "chinese"),
    ("两家", "chinese"),
    ("零发生", "chinese"),
    ("〇", "chinese"),
]


def test_token_examples_cover_every_alternative() -> None:
    names = set(TOKEN.groupindex)
    covered = {name for _, name in _TOKEN_EXAMPLES}
    # These need a character before them (lookbehind), so they cannot start a text.
    assert names - covered == {"enum_dot", "year_paren", "clock"}


@pytest.mark.parametrize(("example", "name"), _TOKEN_EXAMPLES)
def test_every_way_a_token_begins_is_a_start_character(example: str, name: str) -> None:
    m = TOKEN.match(example)
    assert m is not None
    assert m.lastgroup == name
    assert START.match(example)


# --- find_numbers: sentences from the Anyang report -------------------------------------------


def test_anyang_index_change_and_rank() -> None:
    found = find_numbers("空气质量综合指数4.803，同比下降4.4%，改善率全省排名第2")
    assert [(m.value, m.unit, m.kind) for m in found] == [
        (D("4.803"), None, "quantity"),
        (D("4.4"), "%", "percent"),
        (2, None, "rank"),
    ]
    assert found[0].places == 3
    assert found[1].places == 1
    assert found[2].text == "第2"
    assert (found[2].num_start, found[2].num_end) == (found[2].start + 1, found[2].end)


def test_anyang_counts_of_vehicles() -> None:
    assert read("城区820辆公交车、1359辆出租车") == [
        (820, "辆", "quantity"),
        (1359, "辆", "quantity"),
    ]


def test_anyang_scaled_units() -> None:
    assert read("完成营造林7.8万亩") == [(D("7.8"), "万亩", "quantity")]
    assert read("新增风电、光伏发电装机规模42万千瓦") == [(42, "万千瓦", "quantity")]
    fine = only("罚款3136万元")
    assert (fine.value, fine.unit, fine.text) == (3136, "万元", "3136万元")
    assert (fine.num_start, fine.num_end) == (2, 6)
    assert std_value(fine.value, fine.unit) == (31360000, "元")


def test_anyang_chinese_words_for_numbers() -> None:
    m = only("全市医疗废物保持百分百安全收运处置")
    assert (m.value, m.unit, m.kind, m.chinese, m.text) == (100, "%", "percent", True, "百分百")
    m = only("森林火灾零发生")
    assert (m.value, m.unit, m.chinese) == (0, None, True)
    m = only("居全省第一位")
    assert (m.value, m.unit, m.kind, m.text) == (1, "位", "rank", "第一位")


def test_anyang_items_and_classes_are_counts() -> None:
    assert read("实施7项27类问题线索自动监测") == [(7, "项", "quantity"), (27, "类", "quantity")]


def test_pm25_is_a_name_not_a_number() -> None:
    assert read("PM2.5年均浓度51微克/立方米") == [(51, "微克/立方米", "quantity")]
    assert masked("PM2.5年均浓度51微克/立方米")[0] == ("PM2.5", "pollutant_name")


@pytest.mark.parametrize(
    ("text", "reasons"),
    [
        ("一、总体情况", ["section_number"]),
        ("（一）污染防治攻坚战全面推进", ["section_number"]),
        ("一是空气质量持续改善", ["enumerator"]),
        (
            "——2025年4月23日在安阳市第十五届人民代表大会常务委员会第十八次会议上",
            ["date", "meeting", "meeting"],
        ),
        ("以“十四五”规划目标为导向", ["plan_period"]),
        (
            "安阳市十五届人大常委会\n第十八次会议文件（8）",
            ["meeting", "meeting", "document_number"],
        ),
        ("市人大常委会于2月至4月对我市2024年度环境状况", ["date", "year"]),
        ("2月下旬，2月24日至25日，3月18日，4月1日，拟在4月份召开", ["date"] * 5),
        ("通过结构优化、污染治理、生态修复、监管创新“四轮驱动”", ["name"]),
        ("活跃排污权二级市场交易", ["name"]),
    ],
)
def test_what_only_looks_like_a_number_is_masked(text: str, reasons: list[str]) -> None:
    assert find_numbers(text) == []
    assert [reason for _, reason in masked(text)] == reasons


def test_quoted_slogans_are_not_counts() -> None:
    assert read("办理“两打”“三打”案件108起") == [(108, "起", "quantity")]


def test_grades_are_returned_unmasked_with_kind_grade() -> None:
    found = find_numbers("I-III类水质比例100%；南水北调干渠安阳段水质稳定保持II类及以上标准")
    assert [(m.text, m.value, m.value_to, m.kind) for m in found] == [
        ("I-III类", 1, 3, "grade"),
        ("100%", 100, None, "percent"),
        ("II类及以上", 2, None, "grade"),
    ]
    found = find_numbers("声环境质量级别为二级（较好）；声环境质量级别为一级（好）")
    assert [(m.value, m.unit, m.kind, m.chinese) for m in found] == [
        (2, "级", "grade", True),
        (1, "级", "grade", True),
    ]


# --- find_numbers: sentences from the Pingdingshan report -------------------------------------


def test_pingdingshan_hedged_count() -> None:
    m = only("全面开展入河排污口排查工作。目前全流域排查各类排口约3000余个,排查数量居全省前列。")
    assert (m.value, m.unit, m.approx, m.text) == (3000, "个", True, "约3000余个")


def test_pingdingshan_ranks() -> None:
    m = only("全省排名并列第11位")
    assert (m.value, m.unit, m.kind) == (11, "位", "rank")
    assert read("农村生活污水治理(管控)率达到60.3%,在全省排名第4,达到") == [
        (D("60.3"), "%", "percent"),
        (4, None, "rank"),
    ]
    assert read("成功退出全国168个重点城市后30名") == [
        (168, "个", "quantity"),
        (30, "名", "rank"),
    ]


def test_pingdingshan_period_words_are_masked() -> None:
    text = "2025年1-7月,平顶山市集中式饮用水源地取水水质累计达标率为100%"
    assert read(text) == [(100, "%", "percent")]
    assert masked(text)[0] == ("2025年1-7月", "date")
    text = "截至2025年9月16日,我市PM10浓度为65微克/立方米"
    assert read(text) == [(65, "微克/立方米", "quantity")]
    assert [r for _, r in masked(text)] == ["date", "pollutant_name", None]


def test_pingdingshan_money_and_targets() -> None:
    assert read("市财政累计安排环保专项资金2.3亿元") == [(D("2.3"), "亿元", "quantity")]
    assert read("“十四五”农村黑臭水体目标整治数量126条") == [(126, "条", "quantity")]


def test_pingdingshan_rivers_and_reservoirs_have_no_unit() -> None:
    # 河/库 are nouns here, not measure words: the numbers are read, without a unit.
    assert read("我市6河3库,目前全流域排查") == [(6, None, "quantity"), (3, None, "quantity")]


def test_pingdingshan_upper_bound_is_a_hedge() -> None:
    found = find_numbers("全市地下水国考点位五类水比例低于25%")
    assert [(m.value, m.unit, m.kind, m.approx) for m in found] == [
        (5, "类", "grade", False),
        (25, "%", "percent", True),
    ]
    assert found[1].text == "低于25%"


def test_pingdingshan_title_year_is_a_name() -> None:
    text = "制定《平顶山市2025年工业企业达标排放治理专项行动实施方案》"
    assert find_numbers(text) == []
    assert masked(text) == [("2025", "name")]


def test_pingdingshan_meeting_count_is_a_quantity_but_session_number_is_not() -> None:
    assert read("市长李明俊同志主持召开7次专题会议") == [(7, "次", "quantity")]
    assert read("第十八次会议") == []


# --- find_numbers: the reading rules ----------------------------------------------------------


def test_a_unit_written_once_belongs_to_every_number_of_a_list() -> None:
    text = "可吸入颗粒物、二氧化氮、二氧化硫年均浓度分别下降到54、23、3微克/立方米"
    found = find_numbers(text)
    assert [(m.value, m.unit) for m in found] == [
        (54, "微克/立方米"),
        (23, "微克/立方米"),
        (3, "微克/立方米"),
    ]
    assert [m.text for m in found] == ["54", "23", "3微克/立方米"]
    assert read("分别为1.2和3.4万吨") == [
        (D("1.2"), "万吨", "quantity"),
        (D("3.4"), "万吨", "quantity"),
    ]
    assert read("分别为45、50%") == [(45, "%", "percent"), (50, "%", "percent")]


def test_thousands_separator_only_before_three_digits() -> None:
    assert read("1,663") == [(1663, None, "quantity")]
    assert read("1，663") == [(1, None, "quantity"), (663, None, "quantity")]
    assert read("3,12") == [(3, None, "quantity"), (12, None, "quantity")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("26-33", (26, 33, None)),
        ("3–5天", (3, 5, "天")),
        ("26～33微克/立方米", (26, 33, "微克/立方米")),
        ("3.5%-5%", (D("3.5"), 5, "%")),
    ],
)
def test_ranges(text: str, expected: tuple[Decimal, Decimal, str | None]) -> None:
    m = only(text)
    assert (m.value, m.value_to, m.unit, m.kind) == (*expected, "range")


def test_minus_sign_only_where_it_cannot_be_a_dash() -> None:
    assert read("同比-3.2%") == [(D("-3.2"), "%", "percent")]
    assert read("33-26") == [(33, None, "quantity"), (26, None, "quantity")]


@pytest.mark.parametrize(
    ("text", "value", "unit", "kind", "approx"),
    [
        ("三千万元", 3000, "万元", "quantity", False),
        ("三点五万吨", D("3.5"), "万吨", "quantity", False),
        ("一千六百六十三辆", 1663, "辆", "quantity", False),
        ("两家企业", 2, "家", "quantity", False),
        ("七项措施", 7, "项", "quantity", False),
        ("十余家", 10, "家", "quantity", True),
        ("近八成", 80, "%", "percent", True),
        ("五成以上", 50, "%", "percent", True),
        ("百分之四点四", D("4.4"), "%", "percent", False),
        ("4.4个百分点", D("4.4"), "个百分点", "percent", False),
        ("下降2.1百分点", D("2.1"), "个百分点", "percent", False),
        ("12.5‰", D("12.5"), "‰", "percent", False),
        ("120余家", 120, "家", "quantity", True),
        ("1.2万辆", D("1.2"), "万辆", "quantity", False),
        ("4.4万", D("4.4"), "万", "quantity", False),
        ("51 μg/m3", 51, "微克/立方米", "quantity", False),
        ("65 dB(A)", 65, "分贝", "quantity", False),
        ("10km", 10, "公里", "quantity", False),
        ("主要农作物覆盖率达到90%以上", 90, "%", "percent", True),
        ("一起案件", 1, "起", "quantity", False),
        ("前10名", 10, "名", "rank", False),
        ("第十一", 11, None, "rank", False),
    ],
)
def test_reading_rules(
    text: str, value: Decimal, unit: str | None, kind: str, approx: bool
) -> None:
    m = only(text)
    assert (m.value, m.unit, m.kind, m.approx) == (value, unit, kind, approx)


def test_near_is_not_a_hedge_for_a_period() -> None:
    m = only("近3年")
    assert (m.value, m.unit, m.approx, m.text) == (3, "年", False, "3年")


@pytest.mark.parametrize(
    "text",
    [
        "统一、进一步、一些、一批、一体化、唯一、之一、万一、千方百计、百姓、零容忍",
        "一企一策、一案双查、一般、一直、一定、一同、一起",
        "两高四着力、二组三办、两证联办、三农",
        "二次污染、十分重视、十万火急、五位一体、两个维护",
        "建立市县乡村四级包联机制，落实日调度",
        "第一时间、第三方、第二批",
        "三四个、两三家、五六十家",
    ],
)
def test_chinese_numerals_in_ordinary_words_are_not_read(text: str) -> None:
    assert find_numbers(text) == []


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("GB 3095-2012", "standard_code"),
        ("GB3095-2012", "standard_code"),
        ("HJ 633-2012", "standard_code"),
        ("O3-8h", "pollutant_name"),
        ("SO2", "pollutant_name"),
        ("今年1—10月", "date"),
        ("2025年12月", "date"),
        ("2020年至今", "year"),
        ("2025年度", "year"),
        ("2015年", "year"),
        ("1．加强监管", "section_number"),
        ("(1)加强监管", "section_number"),
        ("十五五", "plan_period"),
        ("十五届", "meeting"),
        ("三年行动计划", "duration_name"),
        ("第一季度", "date"),
        ("5G基站", "name"),
        ("附件1", "document_number"),
        ("上午9:30召开", "date"),
        ("二〇二四年", "year"),
    ],
)
def test_masks(text: str, reason: str) -> None:
    assert find_numbers(text) == []
    assert [r for _, r in masked(text)] == [reason]


def test_eight_hours_of_ozone_is_part_of_the_indicator_name() -> None:
    text = "臭氧日最大8小时平均第90百分位数浓度为160微克/立方米，连续24小时"
    assert read(text) == [(160, "微克/立方米", "quantity"), (24, "小时", "quantity")]
    assert [r for _, r in masked(text)][:2] == ["pollutant_name", "pollutant_name"]


def test_offsets_survive_full_width_and_traditional_text() -> None:
    m = only("罰款３１３６萬元")
    assert (m.value, m.unit, m.text) == (3136, "万元", "３１３６萬元")


def test_normalized_text_from_loading_reads_the_same() -> None:
    doc = load_text("2024 年，全市 PM_{2.5} 年均浓度 51 微克/立方米，同比下降 4.4%。")
    assert read(doc.text) == [(51, "微克/立方米", "quantity"), (D("4.4"), "%", "percent")]


def test_mention_is_immutable() -> None:
    m = only("3136万元")
    with pytest.raises(dataclasses.FrozenInstanceError):
        m.value = D(1)  # type: ignore[misc]


# --- whole reports, expectations written by hand from the text --------------------------------

ANYANG_EXPECTED: list[Read] = [
    (D("4.803"), None, "quantity"),
    (D("4.4"), "%", "percent"),
    (D(2), None, "rank"),
    (D(51), "微克/立方米", "quantity"),
    (D(7), None, "rank"),
    (D(226), "天", "quantity"),
    (D(14), "天", "quantity"),
    (D("61.7"), "%", "percent"),
    (D(8), "个", "quantity"),
    (D(100), "%", "percent"),
    (D(100), "%", "percent"),
    (D(100), "%", "percent"),
    (D(100), "%", "percent"),
    (D("53.3"), "分贝", "quantity"),
    (D("63.8"), "分贝", "quantity"),
    (D(100), "万吨", "quantity"),
    (D(144), "家", "quantity"),
    (D(42), "万千瓦", "quantity"),
    (D(637), "万千瓦", "quantity"),
    (D(1), "位", "rank"),
    (D(1663), "辆", "quantity"),
    (D(820), "辆", "quantity"),
    (D(1359), "辆", "quantity"),
    (D(769), "辆", "quantity"),
    (D(206), "辆", "quantity"),
    (D(953), "个", "quantity"),
    (D(100), "%", "percent"),
    (D("99.8"), "%", "percent"),
    (D(81), "项", "quantity"),
    (D("58.78"), "公里", "quantity"),
    (D(30), "个", "quantity"),
    (D(3), "个", "quantity"),
    (D(100), "%", "percent"),
    (D("3.5"), "万吨", "quantity"),
    (D("42.5"), "%", "percent"),
    (D(100), "%", "percent"),
    (D(14), "家", "quantity"),
    (D(4), "处", "quantity"),
    (D("7.8"), "万亩", "quantity"),
    (D(0), None, "quantity"),
    (D(966), "万亩", "quantity"),
    (D(90), "%", "percent"),
    (D("452.69"), "万吨", "quantity"),
    (D("433.04"), "万吨", "quantity"),
    (D("95.66"), "%", "percent"),
    (D("95.39"), "%", "percent"),
    (D(115), "套", "quantity"),
    (D(7), "项", "quantity"),
    (D(27), "类", "quantity"),
    (D(100), "%", "percent"),
    (D(572), "起", "quantity"),
    (D(3136), "万元", "quantity"),
    (D(108), "起", "quantity"),
    (D(4), "起", "quantity"),
    (D(1), "起", "quantity"),
    (D(39), "起", "quantity"),
    (D("54.1"), "%", "percent"),
    (D(1441), "件", "quantity"),
]
ANYANG_GRADES = ["I-III类", "II类及以上", "二级", "一级"]

PINGDINGSHAN_EXPECTED: list[Read] = [
    (D(16), "次", "quantity"),
    (D(8), "次", "quantity"),
    (D(2), "次", "quantity"),
    (D(7), "次", "quantity"),
    (D("2.3"), "亿元", "quantity"),
    (D(1300), "万元", "quantity"),
    (D(800), "万元", "quantity"),
    (D(300), "万元", "quantity"),
    (D(8900), "万元", "quantity"),
    (D(3160), "万元", "quantity"),
    (D(1254), "万元", "quantity"),
    (D("4.4"), "亿元", "quantity"),
    (D("3.7"), "亿元", "quantity"),
    (D(3), "家", "quantity"),
    (D(6), "家", "quantity"),
    (D(5), "家", "quantity"),
    (D(5), "家", "quantity"),
    (D(3), "家", "quantity"),
    (D(176), "家", "quantity"),
    (D(60), "家", "quantity"),
    (D(107), "家", "quantity"),
    (D(6), "项", "quantity"),
    (D(3), "条", "quantity"),
    (D(11), "位", "rank"),
    (D(6), None, "quantity"),
    (D(3), None, "quantity"),
    (D(3000), "个", "quantity"),
    (D(6), "个", "quantity"),
    (D(3), "个", "quantity"),
    (D(35), "个", "quantity"),
    (D("83.3"), "%", "percent"),
    (D(47), "个", "quantity"),
    (D(126), "条", "quantity"),
    (D(40), "条", "quantity"),
    (D(77), "条", "quantity"),
    (D("2.31"), "亿元", "quantity"),
    (D(97), "条", "quantity"),
    (D(85), "个", "quantity"),
    (D(139), "个", "quantity"),
    (D(65), "微克/立方米", "quantity"),
    (D(11), "位", "rank"),
    (D(1), "名", "quantity"),
    (D(5), "位", "rank"),
    (D(36), "微克/立方米", "quantity"),
    (D(6), "位", "rank"),
    (D(6), "名", "quantity"),
    (D(4), "位", "rank"),
    (D(185), "天", "quantity"),
    (D(9), "位", "rank"),
    (D(19), "天", "quantity"),
    (D(4), "位", "rank"),
    (D(168), "个", "quantity"),
    (D(30), "名", "rank"),
    (D(100), "%", "percent"),
    (D(81), "%", "percent"),
    (D(100), "%", "percent"),
    (D(25), "%", "percent"),
    (D("60.3"), "%", "percent"),
    (D(4), None, "rank"),
    (D(52), "%", "percent"),
    (D(9), "个", "quantity"),
    (D(100), "%", "percent"),
    (D(11), "位", "rank"),
    (D(40), "天", "quantity"),
    (D(9), "天", "quantity"),
]
PINGDINGSHAN_GRADES = ["五类"]


@pytest.mark.parametrize(
    ("path", "expected", "grades"),
    [
        (ANYANG, ANYANG_EXPECTED, ANYANG_GRADES),
        (PINGDINGSHAN, PINGDINGSHAN_EXPECTED, PINGDINGSHAN_GRADES),
    ],
    ids=["anyang", "pingdingshan"],
)
def test_every_number_in_a_seed_report(path: Path, expected: list[Read], grades: list[str]) -> None:
    found = find_numbers(load(path).text)
    facts = [(m.value, m.unit, m.kind) for m in found if m.kind != "grade"]
    assert {value for value, _, _ in facts} == {value for value, _, _ in expected}
    assert facts == expected
    assert [m.text for m in found if m.kind == "grade"] == grades


# --- units ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "unit", "std"),
    [
        ("3136", "万元", ("31360000", "元")),
        ("2.3", "亿元", ("230000000", "元")),
        ("42", "万千瓦", ("420000", "千瓦")),
        ("1.2", "万辆", ("12000", "辆")),
        ("3", "万家", ("30000", "家")),
        ("4.4", "万", ("44000", None)),
        ("150", "万千瓦时", ("1500000", "千瓦时")),
        ("5", "千瓦", ("5", "千瓦")),
        ("0.5", "毫克/立方米", ("500", "微克/立方米")),
        ("51", "μg/m3", ("51", "微克/立方米")),
        ("4.4", "%", ("4.4", "%")),
        ("7", None, ("7", None)),
    ],
)
def test_std_value(value: str, unit: str | None, std: tuple[str, str | None]) -> None:
    got_value, got_unit = std_value(D(value), unit)
    assert (str(got_value), got_unit) == std


def test_existing_unit_functions_keep_their_behaviour() -> None:
    assert to_std(3136, "万元") == (31360000, "元")
    assert to_std(1.5, "家") == (1.5, "家")
    assert canonical_unit("μg/m³") == "微克/立方米"
    assert canonical_unit("％") == "%"
    assert canonical_unit("百分点") == "个百分点"
    assert canonical_unit("千米") == "公里"


def test_a_stated_class_is_a_grade_and_a_slogan_is_a_name() -> None:
    (grade,) = find_numbers("生态质量等级为二类。")
    assert (grade.kind, grade.value, grade.unit) == ("grade", Decimal(2), "类")
    assert [m.kind for m in find_numbers("实施7项27类问题线索")] == ["quantity", "quantity"]
    assert find_numbers("落实扬尘治理“六个百分之百”要求") == []
    # the class of a standard is part of its name, not a grade given to anything
    (named,) = find_numbers("其余污染物浓度均达到二级标准。", include_masked=True)
    assert named.masked == "name"
    (share,) = find_numbers("医疗废物保持百分百安全收运处置")
    assert (share.value, share.unit) == (Decimal(100), "%")
