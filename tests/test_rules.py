"""The offline rules backend, one construction at a time on short texts written for these tests
(invented figures), then determinism, findings, meta, the default backend and hybrid."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from extractor import LoadedDocument, extract, load_text
from extractor.rules import read_meta
from extractor.schemas import Fact, Report
from extractor.scoring import similarity
from extractor.sectioning import split_sections

ROOT = Path(__file__).resolve().parents[1]


def extract_rules(doc: LoadedDocument) -> Report:
    return extract(doc, backend="rules")


def facts_of(text: str) -> list[Fact]:
    return extract_rules(load_text(text)).facts


def one(facts: list[Fact], value: float) -> Fact:
    (f,) = [f for f in facts if f.value == value]
    return f


def assert_subject(f: Fact, expected: str) -> None:
    assert similarity(f.subject, expected) >= 0.7, (f.subject, expected)


# --- constructions ---------------------------------------------------------------------------


def test_enumeration_gives_one_fact_per_number_with_its_own_subject():
    facts = facts_of(
        "一、环境质量状况\n2024年，全市可吸入颗粒物、二氧化氮、二氧化硫年均浓度分别下降到54、23、3微克/立方米。"
    )
    assert [(f.subject, f.value, f.unit) for f in facts] == [
        ("可吸入颗粒物年均浓度", 54, "微克/立方米"),
        ("二氧化氮年均浓度", 23, "微克/立方米"),
        ("二氧化硫年均浓度", 3, "微克/立方米"),
    ]
    assert all(f.change is None for f in facts)  # 下降到 gives the level, not a change


def test_paired_enumeration_carries_each_lists_period():
    facts = facts_of(
        "一、环境质量状况\n2024年，PM10、二氧化硫、二氧化氮年均浓度从2015年的106、15.5、59.4微克/立方米，"
        "分别下降到2020年的61、4、33微克/立方米，2024年继续改善。"
    )
    got = [(f.subject, f.value, f.unit, f.period) for f in facts]
    assert got == [
        ("PM10年均浓度", 106, "微克/立方米", "2015"),
        ("二氧化硫年均浓度", 15.5, "微克/立方米", "2015"),
        ("二氧化氮年均浓度", 59.4, "微克/立方米", "2015"),
        ("PM10年均浓度", 61, "微克/立方米", "2020"),
        ("二氧化硫年均浓度", 4, "微克/立方米", "2020"),
        ("二氧化氮年均浓度", 33, "微克/立方米", "2020"),
    ]


def test_a_change_joins_the_fact_it_qualifies_with_its_sign():
    facts = facts_of(
        "一、大气环境\n全年优良天数281天，同比增加9天；重污染天数4天，较上年减少3天；综合指数4.21，同比下降3.2%。"
    )
    assert len(facts) == 3
    days, heavy, index = facts
    assert (days.value, days.change and days.change.model_dump()) == (
        281, {"basis": "同比", "value": 9, "unit": "天"},
    )  # fmt: skip
    assert heavy.change is not None and (heavy.change.basis, heavy.change.value) == ("较上年", -3)
    assert index.unit is None and index.change is not None and index.change.value == -3.2
    assert_subject(index, "综合指数")


def test_ranks_attach_or_stand_alone():
    facts = facts_of(
        "一、大气环境\n截至2025年10月31日，PM2.5浓度33微克/立方米，全省排名并列第3位，改善率在全省排名第8位；"
        "空气质量综合指数3.95，改善率全省排名第2。"
    )
    pm, own, index = facts
    assert pm.rank is not None and (pm.rank.scope, pm.rank.position, pm.rank.tied) == (
        "全省",
        3,
        True,
    )
    assert (own.value, own.unit, own.rank and own.rank.metric) == (8, "位", "改善率")
    assert_subject(own, "PM2.5浓度改善率排名")
    assert index.rank is not None and (index.rank.position, index.rank.metric) == (2, "改善率")
    assert all(f.period == "截至2025-10-31" for f in (pm, own))


def test_a_rank_with_nothing_to_qualify_is_its_own_fact():
    (f,) = facts_of("一、工作成效\n同步开展扬尘整治，PM10浓度排名由年初的全省末位提升到第9位。")
    assert (f.value, f.unit) == (9, "位") and f.rank is not None and f.rank.position == 9
    assert f.subject == "PM10浓度排名" and f.rank.scope == "全省"
    start, now = facts_of("一、工作成效\nPM10浓度排名由年初的全省第15位提升到第9位。")
    assert (start.value, start.period, start.subject) == (15, None, "PM10浓度年初排名")
    assert (now.value, now.period, now.subject) == (9, None, "PM10浓度排名")


def test_a_previous_year_value_is_a_fact_with_its_period():
    cur, prev = facts_of(
        "一、大气环境\n2024年，PM2.5年均浓度45.1微克/立方米，同比去年47.7微克/立方米下降5.5%。"
    )
    assert (cur.value, cur.change and cur.change.value, cur.period) == (45.1, -5.5, None)
    assert (prev.value, prev.period, prev.subject) == (47.7, "2023", cur.subject)
    report = extract_rules(
        load_text(
            "一、大气环境\n2024年，PM2.5年均浓度45.1微克/立方米，同比去年47.7微克/立方米下降5.5%。"
        )
    )
    (cc,) = [c for c in report.checks.cross_checks if c.rule == "change_consistency"]
    assert cc.ok  # (45.1 − 47.7) / 47.7 = −5.45%


def test_periods_from_the_sentence():
    facts = facts_of(
        "一、水环境\n2025年1-8月，全市国控断面水质达标率为95.2%；“十四五”目标要求农村生活污水治理率达到50%。"
        "2020年至今，累计建成污水管网120公里。"
    )
    rate, target, pipes = facts
    assert rate.period == "2025-01/2025-08"
    assert target.period == "十四五" and target.is_target
    assert pipes.period == "2020至今"


def test_areas_head_their_clause():
    facts = facts_of(
        "一、水环境\n淇河水质稳定保持II类标准。主城区PM2.5浓度42微克/立方米。城区新增公交车300辆、出租车120辆。"
    )
    grade, pm, bus, taxi = facts
    assert (grade.area, grade.value_text, grade.value) == ("淇河", "II类", None)
    assert pm.area == "主城区"
    assert bus.area == "城区" and taxi.area == "城区"
    assert_subject(taxi, "出租车")


def test_counts_that_define_scope_and_rates_after_them():
    c, r = facts_of("一、水环境\n12个国控断面水质达标率91.7%。")
    assert (c.value, c.unit, r.value, r.unit) == (12, "个", 91.7, "%")
    assert_subject(c, "国控断面数")
    assert r.subject == "国控断面水质达标率"


def test_chinese_numerals_and_approximations():
    facts = facts_of(
        "一、土壤环境\n受污染耕地安全利用率达到百分之九十五，重点建设用地安全利用率近八成，森林火灾零发生。"
    )
    assert [(f.value, f.unit) for f in facts] == [(95, "%"), (80, "%"), (0, None)]
    assert facts[1].quote.endswith("近八成")


def test_traditional_text_reads_like_simplified_with_quotes_in_the_original():
    trad = facts_of(
        "一、環境質量狀況\n2024年，全市環境空氣質量綜合指數為4.21，同比下降3.2%；細顆粒物年均濃度38微克/立方米，"
        "優良天數為281天，同比增加9天；查處環境違法案件120起，罰款1200萬元。"
    )
    simp = facts_of(
        "一、环境质量状况\n2024年，全市环境空气质量综合指数为4.21，同比下降3.2%；细颗粒物年均浓度38微克/立方米，"
        "优良天数为281天，同比增加9天；查处环境违法案件120起，罚款1200万元。"
    )
    assert [(f.value, f.unit, f.change, f.subject) for f in trad] == [
        (f.value, f.unit, f.change, f.subject) for f in simp
    ]
    assert trad[0].quote.startswith("環境空氣質量綜合指數")  # quotes stay as written
    assert {f.indicator for f in trad} >= {
        "aqi_composite_index",
        "pm25_annual_mean",
        "good_air_days",
    }
    assert all(f.check and f.check.status == "verified" for f in trad)


def test_funds_with_parts_are_facts_and_checked():
    report = extract_rules(
        load_text(
            "一、主要做法\n全年投入环保资金3.2亿元。其中，大气治理资金1.5亿元，水污染治理资金9000万元。"
        )
    )
    assert [(f.value, f.unit, f.category) for f in report.facts] == [
        (3.2, "亿元", "funding"), (1.5, "亿元", "funding"), (9000, "万元", "funding"),
    ]  # fmt: skip
    (cc,) = report.checks.cross_checks
    assert cc.rule == "sum_of_parts" and cc.ok


def test_dates_years_and_names_are_not_facts():
    assert (
        facts_of(
            "一、总体情况\n2025年3月18日，调研组赴城区暗访；根据“十四五”规划和第十八次会议要求，推进“两高四着力”。"
        )
        == []
    )


# --- findings and meta -----------------------------------------------------------------------


FINDINGS = """关于鹤壁市2024年度环境状况的调研报告
鹤壁市人大常委会调研组
一、存在的问题
（一）大气污染防治任务艰巨
一是产业结构偏重。重工业占比较高。二是移动源管控不足，柴油货车超标排放时有发生。
（二）基层监管能力不足
部分乡镇缺少专职环保人员。
二、意见建议
（一）深化结构调整
一是推进钢铁行业超低排放改造，确保年底前完成；二是加快清洁能源替代。
签发：某某
2025年3月2日印发
"""


def test_findings_follow_the_structure():
    report = extract_rules(load_text(FINDINGS))
    assert [(f.category, f.title) for f in report.problems] == [
        ("大气污染防治任务艰巨", "产业结构偏重"),
        ("大气污染防治任务艰巨", "移动源管控不足"),
        ("基层监管能力不足", "基层监管能力不足"),
    ]
    assert report.problems[1].detail == "柴油货车超标排放时有发生"
    assert report.problems[2].detail == "部分乡镇缺少专职环保人员"
    assert [f.title for f in report.recommendations] == [
        "推进钢铁行业超低排放改造",
        "加快清洁能源替代",
    ]
    for f in [*report.problems, *report.recommendations]:
        assert f.span is not None and report.text[f.span[0] : f.span[1]] == f.quote
    assert report.problems[0].quote == "一是产业结构偏重"


def test_meta_from_the_title_block_and_footer():
    text = load_text(FINDINGS).text
    meta = read_meta(text, split_sections(text))
    assert meta.title == "关于鹤壁市2024年度环境状况的调研报告"
    assert (meta.doc_type, meta.issuer, meta.region) == (
        "survey_report",
        "鹤壁市人大常委会调研组",
        "鹤壁市",
    )
    assert (meta.period, meta.issued_on) == ("2024", "2025-03-02")


# --- properties of the backend ---------------------------------------------------------------


def test_the_same_input_gives_the_same_bytes():
    seed = ROOT / "eval" / "gold" / "anyang-2024.txt"
    first = extract(str(seed), backend="rules")
    second = extract(str(seed), backend="rules")
    # run.seconds is a measurement; everything else must be identical
    dump = {"run": {"seconds"}}
    assert first.model_dump_json(exclude=dump) == second.model_dump_json(exclude=dump)
    assert first.run.backend == "rules" and first.run.calls == 0


def test_no_endpoint_means_rules_with_a_one_line_notice(tmp_path: Path):
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    seed = ROOT / "eval" / "gold" / "pingdingshan-2025.txt"
    r = subprocess.run(
        [sys.executable, "-m", "extractor.cli", "extract", str(seed), "--json"],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert r.stderr.strip().splitlines() == [
        "no model endpoint configured: using the offline rules backend (set OPENAI_BASE_URL or "
        "--base-url, and --model, to use a model)"
    ]
    report = Report.model_validate_json(r.stdout)
    assert report.run.backend == "rules" and len(report.facts) > 40


# --- robustness --------------------------------------------------------------------------------

_SENTENCES = [
    s + "。"
    for name in ("anyang-2024", "pingdingshan-2025")
    for s in (ROOT / "eval" / "gold" / f"{name}.txt")
    .read_text("utf-8")
    .replace("\n", "")
    .split("。")
    if s.strip()
]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(_SENTENCES), min_size=1, max_size=8), st.booleans())
def test_any_mix_of_report_sentences_gives_grounded_checked_output(picked, headed):
    text = ("一、总体情况\n" if headed else "") + "\n".join(picked)
    report = extract_rules(load_text(text))
    assert report.spans_ok()
    for f in report.facts:
        assert f.span is not None and f.check is not None
        assert f.value is not None or f.value_text
    assert report.checks.verified + report.checks.flagged + report.checks.unverifiable == len(
        report.facts
    )


def test_targets_are_marked_and_named():
    facts = facts_of(
        "一、总体情况\n“十四五”规划确定的PM2.5浓度目标为39微克/立方米。"
        "省政府下达的约束性指标为优良天数比例达到70%。农村生活污水治理率达到51.3%，提前完成“十四五”48%的目标。"
    )
    goal, days, actual, early = facts
    assert (goal.value, goal.subject, goal.is_target, goal.period) == (
        39,
        "PM2.5浓度目标",
        True,
        "十四五",
    )
    assert days.is_target and days.subject == "优良天数比例目标"
    assert not actual.is_target and actual.subject == "农村生活污水治理率"
    assert (early.value, early.is_target, early.subject) == (48, True, "农村生活污水治理率目标")


def test_unchanged_and_improved_figures():
    facts = facts_of(
        "一、大气环境\n二氧化硫年均浓度9微克/立方米，同比持平；综合指数3.86，同比改善5.2%；优良天数比例76.2%，与上年持平。"
    )
    so2, index, share = facts
    assert so2.change is not None and (so2.change.basis, so2.change.value) == ("同比", 0)
    assert index.change is not None and index.change.value == -5.2  # an index improves by falling
    assert share.change is not None and (share.change.basis, share.change.value) == ("与上年", 0)


# --- constructions met in the blind corpus (tests/data/blind_corpus) -------------------------


def test_a_list_of_changes_goes_to_the_list_of_values_in_order():
    facts = facts_of(
        "一、大气环境\n全县PM2.5、PM10年均浓度分别为41、70微克/立方米，同比分别下降4.7%、2.8%和1.0%。"
        "二氧化氮、二氧化硫年均浓度分别为26、8微克/立方米，分别比上年下降3.7%和11.1%。"
    )
    assert [(f.subject, f.value) for f in facts] == [
        ("PM2.5年均浓度", 41), ("PM10年均浓度", 70), ("二氧化氮年均浓度", 26), ("二氧化硫年均浓度", 8),
    ]  # fmt: skip
    changes = [(f.change.basis, f.change.value, f.change.unit) if f.change else None for f in facts]
    # three changes for two values: nothing to pair them with, so no change is guessed
    assert changes == [None, None, ("比上年", -3.7, "%"), ("比上年", -11.1, "%")]


def test_one_value_said_of_several_subjects_is_a_fact_for_each():
    facts = facts_of("一、土壤环境\n全县受污染耕地安全利用率、污染地块安全利用率均达到100%。")
    assert [(f.subject, f.value, f.unit) for f in facts] == [
        ("受污染耕地安全利用率", 100, "%"),
        ("污染地块安全利用率", 100, "%"),
    ]
    assert facts[0].quote.startswith("受污染耕地") and facts[1].quote.startswith("污染地块")
    assert facts[0].indicator == "polluted_farmland_safe_use_rate"


def test_a_class_that_moves_gives_the_old_class_with_its_year_and_the_new():
    facts = facts_of(
        "一、水环境\n白河城关段水质由2021年的Ⅳ类提升至Ⅲ类，群众满意度明显提高。",
    )
    assert [(f.value_text, f.period, f.area) for f in facts] == [
        ("Ⅳ类", "2021", "白河城关段"),
        ("Ⅲ类", None, "白河城关段"),
    ]


def test_a_class_stated_in_words_is_a_grade():
    facts = facts_of("一、水环境\n全县主要河流中，青溪河干流水质状况为良好，柳河水质为优。")
    assert [(f.value_text, f.area) for f in facts] == [("良好", "青溪河干流"), ("优", "柳河")]
    assert all(f.value is None and f.check and f.check.status == "verified" for f in facts)


def test_both_ends_of_a_range_are_facts():
    facts = facts_of("一、存在的问题\n汛期每月接到河道垃圾投诉在12—20件之间。")
    assert [(f.value, f.unit) for f in facts] == [(12, "件"), (20, "件")]
    assert facts[0].subject.endswith("下限") and facts[1].subject.endswith("上限")


def test_the_noun_after_a_count_keeps_its_brackets_and_qualifiers():
    facts = facts_of(
        "一、总体情况\n综合指数3.87，在全市11个县（市、区）中排名第4位。"
        "5个县级及以上城市集中式饮用水水源地水质达标率100%。"
        "全县仍有31个自然村生活污水未得到有效治理。"
    )
    index, counties, sources, rate, villages = facts
    assert index.rank is not None and index.rank.position == 4  # the rank goes to the index
    assert_subject(counties, "全市县（市、区）数")
    assert_subject(sources, "县级及以上城市集中式饮用水水源地数")
    assert rate.value == 100 and "水质达标率" in rate.subject
    assert_subject(villages, "自然村生活污水未得到有效治理")


def test_a_boiler_size_class_is_part_of_a_name():
    (boilers,) = facts_of("一、大气环境\n全年淘汰10蒸吨/小时及以下燃煤锅炉23台。")
    assert (boilers.value, boilers.unit) == (23, "台")
    assert "燃煤锅炉" in boilers.subject


def test_goals_with_a_deadline_year_and_bounds_are_targets():
    facts = facts_of(
        "四、意见建议\n力争到2027年全县化肥利用率提高到44%以上，PM2.5年均浓度不高于38微克/立方米。"
    )
    fert, pm = facts
    assert fert.is_target and fert.period == "2027" and fert.value == 44
    assert_subject(fert, "化肥利用率目标")
    assert pm.is_target and pm.value == 38


def test_a_restated_actual_value_borrows_the_subject_of_its_target():
    facts = facts_of("一、目标完成情况\n优良天数比例目标为72%，实际为76.8%。")
    target, actual = facts
    assert target.is_target and not actual.is_target
    assert_subject(actual, "优良天数比例")


def test_a_year_to_date_report_without_a_year_in_its_body_takes_its_footer_year():
    text = (
        "某某市政协\n关于全市水环境保护工作情况的视察报告\n一、基本情况\n"
        "1—9月，全市国控断面水质达标率91.2%。\n"
        "签发：王某\n某某市政协办公室2025年10月12日印发\n"
    )
    meta = extract_rules(load_text(text)).meta
    assert meta.period == "2025-01/2025-09"
    assert meta.issued_on == "2025-10-12"


def test_a_long_single_line_text_is_read_as_text_not_as_a_file_name():
    # one line, longer than any file name may be: it used to end in OSError (name too long)
    line = "全市优良天数262天，同比增加8天。" * 40
    report = extract(line, backend="rules")
    assert len(report.facts) == 40 and report.text == line


# --- constructions met in the held-out corpus (tests/data/heldout_corpus) --------------------


def test_a_flattened_table_gives_a_fact_per_row_with_its_unit_and_change():
    text = (
        "一、环境空气质量\n表2  2024年某县主要污染物浓度（单位：微克/立方米，一氧化碳为毫克/立方米）\n"
        "监测项目 | 年均值 | 同比变化（%）\n"
        "细颗粒物（PM2.5） | 33 | -8.3\n"
        "一氧化碳（CO） | 1.1 | +10.0\n"
        "注：一氧化碳为日均值第95百分位数。\n"
    )
    report = extract_rules(load_text(text))
    rows = [
        (f.subject, f.value, f.unit, f.change.value if f.change else None) for f in report.facts
    ]
    assert rows == [
        ("细颗粒物（PM2.5）", 33, "微克/立方米", -8.3),
        ("一氧化碳（CO）", 1.1, "毫克/立方米", 10),
    ]
    assert all(
        f.check and f.check.status == "verified" for f in report.facts
    )  # unit from the caption
    assert report.checks.unaccounted_numbers == []  # 表2 is a name, not a number


def test_a_share_of_a_named_whole_says_of_what():
    (_days, share) = facts_of(
        "一、大气环境\n以臭氧为首要污染物的超标天数21天，占全年超标天数的55.3%。"
    )
    assert share.unit == "%" and share.value == 55.3
    assert_subject(share, "以臭氧为首要污染物的超标天数占全年超标天数比例")


def test_the_numbers_of_a_next_year_plan_are_its_targets():
    text = (
        "一、2024年工作情况\n全年优良天数比例76.2%。\n"
        "二、2025年工作打算\n一是持续改善空气质量，优良天数比例达到78%，新建充电桩800个。\n"
    )
    report = extract_rules(load_text(text))
    now, goal, piles = report.facts
    assert not now.is_target and now.period is None
    assert goal.is_target and goal.period == "2025" and piles.is_target
    assert [s.kind for s in report.sections if s.path][-1] == "recommendations"
    # a goal is not the same quantity as the figure it improves on: nothing to cross-check
    assert report.checks.cross_checks == [] and report.checks.flagged == 0


def test_a_year_to_date_work_summary_and_a_main_problems_heading():
    text = (
        "某某市生态环境局2025年工作总结和2026年工作思路\n\n市委、市政府：\n"
        "一、2025年工作开展情况\n截至11月底，全市优良天数262天。\n"
        "二、存在的主要问题\n一是臭氧污染问题突出。二是资金缺口较大。\n"
    )
    report = extract_rules(load_text(text))
    assert report.meta.title == "某某市生态环境局2025年工作总结和2026年工作思路"
    assert report.meta.doc_type == "government_report"
    assert report.meta.period == "2025-01/2025-11"
    (days,) = report.facts
    assert days.period == "截至2025-11-30"
    assert [p.title for p in report.problems] == ["臭氧污染问题突出", "资金缺口较大"]


def test_counts_of_different_things_under_one_noun_are_not_the_same_quantity():
    text = (
        "一、检查情况\n检查组实地检查城镇污水处理厂7座。\n"
        "二、主要成效\n全市建成城镇污水处理厂23座。\n"
    )
    report = extract_rules(load_text(text))
    assert [f.value for f in report.facts] == [7, 23]
    assert report.checks.flagged == 0
