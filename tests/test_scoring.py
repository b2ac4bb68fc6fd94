"""The scorer on hand-built gold/prediction pairs: each outcome, matching by content, unit
scaling, periods, findings, documents that failed, intervals and checker quality."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from extractor.schemas import Change, Fact, FactCheck, Finding, Rank, Report, ReportMeta
from extractor.scoring import (
    CheckerQuality,
    norm_period,
    score_report,
    similarity,
    std_number,
    summarize,
)

GOLD_DIR = Path(__file__).resolve().parents[1] / "eval" / "gold"


def fact(subject: str, value: float | None, unit: str | None, **kw) -> Fact:
    return Fact(subject=subject, value=value, unit=unit, quote=kw.pop("quote", subject), **kw)


def report(*facts: Fact, **kw) -> Report:
    return Report(facts=list(facts), **kw)


def outcomes(score, field: str) -> list[str]:
    return [leaf.outcome for leaf in score.leaves if leaf.kind == "fact" and leaf.field == field]


PM25 = fact("PM2.5年均浓度", 51, "微克/立方米", category="air", indicator="pm25_annual_mean")


def test_identical_fact_is_correct_in_every_leaf():
    s = score_report("d", report(PM25), report(PM25))
    assert s.facts.correct == 1 and s.facts.prf.f1 == 1.0
    assert {leaf.outcome for leaf in s.leaves if leaf.kind == "fact"} == {"correct"}
    # value, unit, subject, category, indicator are stated; period/area/change/rank are not
    assert sorted(leaf.field for leaf in s.leaves if leaf.kind == "fact") == [
        "category", "indicator", "subject", "unit", "value",
    ]  # fmt: skip


def test_wrong_value_is_one_wrong_leaf_and_not_a_correct_fact():
    pred = PM25.model_copy(update={"value": 52})
    s = score_report("d", report(PM25), report(pred))
    assert outcomes(s, "value") == ["wrong"]
    assert outcomes(s, "unit") == ["correct"] and outcomes(s, "subject") == ["correct"]
    assert s.facts.correct == 0 and s.facts.prf.f1 == 0.0


def test_wrong_unit_is_a_wrong_unit_leaf():
    pred = PM25.model_copy(update={"unit": "毫克/立方米"})
    s = score_report("d", report(PM25), report(pred))
    assert outcomes(s, "unit") == ["wrong"]
    assert outcomes(s, "value") == ["correct"]  # the number as stated is right
    assert s.facts.correct == 0  # but 51 mg/m³ is not the fact


def test_missing_fact_makes_every_stated_leaf_missing():
    days = fact("优良天数", 226, "天", change=Change(basis="同比", value=14, unit="天"))
    s = score_report("d", report(PM25, days), report(PM25))
    assert outcomes(s, "change") == ["missing"]
    missing = [leaf for leaf in s.leaves if leaf.item == 1]
    assert missing and all(leaf.outcome == "missing" for leaf in missing)
    assert s.facts.prf.precision == 1.0 and s.facts.prf.recall == 0.5


def test_hallucinated_fact_makes_every_stated_leaf_hallucinated():
    invented = fact("罚款", 999, "万元")
    s = score_report("d", report(PM25), report(PM25, invented))
    extra = [leaf for leaf in s.leaves if leaf.kind == "fact" and leaf.item is None]
    assert extra and {leaf.outcome for leaf in extra} == {"hallucinated"}
    assert s.facts.prf.precision == 0.5 and s.facts.prf.recall == 1.0


def test_a_field_only_the_prediction_states_is_hallucinated():
    pred = PM25.model_copy(update={"area": "主城区"})
    s = score_report("d", report(PM25), report(pred))
    assert outcomes(s, "area") == ["hallucinated"]
    assert s.facts.correct == 1  # the figure itself is right


def test_enumerations_are_matched_by_content_not_order():
    gold = [
        fact("可吸入颗粒物年均浓度", 54, "微克/立方米"),
        fact("二氧化氮年均浓度", 23, "微克/立方米"),
        fact("二氧化硫年均浓度", 3, "微克/立方米"),
    ]
    pred = list(gold)
    random.Random(1).shuffle(pred)
    pred = [pred[2], pred[0], pred[1]]
    s = score_report("d", report(*gold), report(*pred))
    assert s.facts.correct == 3
    for pair in s.fact_pairs:
        assert pair.gold is not None and pair.pred is not None
        assert gold[pair.gold] == pred[pair.pred]


def test_same_values_are_told_apart_by_subject():
    gold = [fact("断面水质达标率", 100, "%"), fact("受污染耕地安全利用率", 100, "%")]
    pred = [fact("受污染耕地安全利用率", 100, "%"), fact("断面水质达标率", 100, "%")]
    s = score_report("d", report(*gold), report(*pred))
    assert {(p.gold, p.pred) for p in s.fact_pairs} == {(0, 1), (1, 0)}


def test_scaled_units_are_equal():
    gold = fact("罚款", 3136, "万元")
    pred = fact("罚款", 31360000, "元")
    s = score_report("d", report(gold), report(pred))
    assert outcomes(s, "value") == ["correct"] and outcomes(s, "unit") == ["correct"]
    assert s.facts.correct == 1
    assert std_number(3136, "万元") == std_number(31360000, "元")
    assert std_number(2.3, "亿元")[0] == std_number(23000, "万元")[0]


def test_numbers_compare_exactly_after_scaling():
    gold = fact("秸秆综合利用率", 95.66, "%")
    s = score_report("d", report(gold), report(fact("秸秆综合利用率", 95.7, "%")))
    assert outcomes(s, "value") == ["wrong"]


def test_value_text_grades_compare_as_text():
    gold = Fact(subject="区域声环境质量级别", value_text="二级", quote="二级")
    ok = score_report("d", report(gold), report(gold.model_copy(update={"value_text": "二级"})))
    bad = score_report("d", report(gold), report(gold.model_copy(update={"value_text": "一级"})))
    assert outcomes(ok, "value") == ["correct"] and outcomes(bad, "value") == ["wrong"]


def test_change_and_rank_leaves():
    gold = fact(
        "空气质量综合指数", 4.803, None,
        change=Change(basis="同比", value=-4.4, unit="%"),
        rank=Rank(scope="全省", position=2, metric="改善率"),
    )  # fmt: skip
    flipped = gold.model_copy(update={"change": Change(basis="同比", value=4.4, unit="%")})
    s = score_report("d", report(gold), report(flipped))
    assert outcomes(s, "change") == ["wrong"] and outcomes(s, "rank") == ["correct"]
    other_rank = gold.model_copy(update={"rank": Rank(scope="全省", position=3, metric="改善率")})
    s = score_report("d", report(gold), report(other_rank))
    assert outcomes(s, "rank") == ["wrong"]


def test_traditional_and_full_width_subjects_compare_equal():
    assert similarity("細顆粒物濃度", "细颗粒物浓度") == 1.0
    assert similarity("农村生活污水治理（管控）率", "农村生活污水治理(管控)率") == 1.0
    gold = fact("細顆粒物濃度", 51, "微克/立方米")
    s = score_report("d", report(gold), report(fact("细颗粒物浓度", 51, "微克/立方米")))
    assert outcomes(s, "subject") == ["correct"]


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("2025年1-7月", "2025-01/2025-07"),
        ("2025年1—7月", "2025-01/2025-07"),
        ("截至2025年9月16日", "截至2025-09-16"),
        ("2024年", "2024"),
        ("2020年至今", "2020至今"),
    ],
)
def test_period_spellings_compare_equal(a: str, b: str):
    assert norm_period(a) == norm_period(b)


def test_different_periods_differ():
    assert norm_period("2025年1-7月") != norm_period("2025-01/2025-09")


def test_findings_matched_and_classified():
    gold = Report(
        problems=[
            Finding(category="结构性污染问题尚未根本解决", title="产业结构偏重", detail="钢铁、焦化等重工业占比仍较高", quote="x"),
            Finding(category="结构性污染问题尚未根本解决", title="运输结构调整缓慢", detail="“公转铁”成效不明显", quote="x"),
        ]
    )  # fmt: skip
    pred = Report(
        problems=[
            Finding(category="（一）结构性污染问题尚未根本解决", title="运输结构调整缓慢", detail="“公转铁”成效不明显", quote="x"),
            Finding(category="结构性污染问题尚未根本解决", title="环保意识淡薄", detail="群众环保意识有待提高", quote="x"),
        ]
    )  # fmt: skip
    s = score_report("d", gold, pred)
    assert s.findings.gold == 2 and s.findings.predicted == 2 and s.findings.correct == 1
    titles = {(leaf.item, leaf.outcome) for leaf in s.leaves if leaf.field == "title"}
    assert (1, "correct") in titles  # the heading number does not matter
    assert (0, "missing") in titles and (None, "hallucinated") in titles


def test_meta_leaves():
    gold = Report(
        meta=ReportMeta(title="调研报告", doc_type="survey_report", region="安阳市", period="2024")
    )
    pred = Report(
        meta=ReportMeta(title="调研报告", doc_type="other", region="安阳市", issued_on="2025-04-22")
    )
    s = score_report("d", gold, pred)
    meta = {leaf.field: leaf.outcome for leaf in s.leaves if leaf.kind == "meta"}
    assert meta == {
        "title": "correct", "doc_type": "wrong", "region": "correct",
        "period": "missing", "issued_on": "hallucinated",
    }  # fmt: skip


def test_a_failed_document_scores_as_all_missing():
    gold = report(PM25, meta=ReportMeta(region="安阳市"))
    s = score_report("d", gold, None, error="HTTP 500")
    assert s.status == "failed" and s.error == "HTTP 500"
    assert {leaf.outcome for leaf in s.leaves} == {"missing"}
    assert s.facts.prf.recall == 0.0


@pytest.mark.parametrize("name", ["anyang-2024", "pingdingshan-2025"])
def test_gold_scored_against_itself_is_perfect(name: str):
    gold = Report.model_validate_json((GOLD_DIR / f"{name}.gold.json").read_text("utf-8"))
    s = score_report(name, gold, gold)
    assert s.facts.prf.f1 == 1.0 and s.findings.prf.f1 == 1.0
    assert s.micro.f1 == 1.0 and s.macro_f1 == 1.0
    assert all(pair.correct for pair in s.fact_pairs)


def test_bootstrap_intervals_only_from_three_documents():
    good = score_report("a", report(PM25), report(PM25))
    bad = score_report("b", report(PM25), report())
    assert summarize([good, bad]).intervals == {}
    run = summarize([good, bad, good])
    ci = run.intervals["fact_f1"]
    assert 0.0 <= ci.low <= run.facts.prf.f1 <= ci.high <= 1.0
    assert ci.low < ci.high
    assert summarize([good, bad, good]).intervals == run.intervals  # seeded: reproducible


def test_pooled_scores_are_micro_over_documents():
    a = score_report("a", report(PM25, fact("罚款", 3136, "万元")), report(PM25))
    b = score_report("b", report(PM25), report(PM25, fact("x", 1, "个")))
    run = summarize([a, b])
    assert (run.facts.gold, run.facts.predicted, run.facts.correct) == (3, 3, 2)
    assert run.facts.prf.f1 == pytest.approx(2 / 3)


def test_checker_quality_counts_flags_on_good_and_bad_facts():
    flagged = FactCheck(status="flagged")
    verified = FactCheck(status="verified")
    gold = report(PM25, fact("罚款", 3136, "万元"))
    pred = report(
        PM25.model_copy(update={"check": verified}),
        fact("罚款", 3137, "万元", check=flagged),  # wrong value, flagged
        fact("新增", 5, "个", check=verified),  # hallucinated, not flagged
    )
    s = score_report("d", gold, pred)
    assert s.checker == CheckerQuality(
        bad=2, bad_flagged=1, good=1, good_flagged=0, verified=2, verified_correct=1
    )
    assert s.checker.bad_flagged_share == 0.5 and s.checker.good_flagged_share == 0.0
    # of the two facts marked verified, the gold confirms one: a user filtering gets 1 in 2
    assert s.checker.verified_precision == 0.5
    assert score_report("d", gold, report(PM25)).checker is None  # nothing was checked


def test_an_optional_gold_fact_counts_neither_way(tmp_path):
    import json

    from extractor.evaluation import evaluate, load_gold

    text = "2023年，全市落实3项措施，优良天数为300天。"
    gold = {
        "meta": {"period": "2023"},
        "facts": [
            {"category": "other", "subject": "措施", "value": 3, "unit": "项",
             "quote": "落实3项措施", "optional": True},
            {"category": "air", "subject": "优良天数", "indicator": "good_air_days",
             "value": 300, "unit": "天", "quote": "优良天数为300天"},
        ],
    }  # fmt: skip
    (tmp_path / "d.txt").write_text(text, encoding="utf-8")
    (tmp_path / "d.gold.json").write_text(json.dumps(gold, ensure_ascii=False), encoding="utf-8")
    (g,) = load_gold(tmp_path)
    assert g.optional == frozenset({0}) and len(g.gold.facts) == 2
    with_it = g.gold.model_copy(update={"facts": g.gold.facts})
    without = g.gold.model_copy(update={"facts": g.gold.facts[1:]})
    for pred in (with_it, without):
        s = score_report("d", g.gold, pred, optional=g.optional)
        assert (s.facts.gold, s.facts.predicted, s.facts.correct) == (1, 1, 1)
        kept = [p for p in s.fact_pairs if p.gold is not None]
        assert [p.gold for p in kept] == [1], "pairs name the facts as the gold file lists them"
    # and a run over the folder scores the same way
    run = evaluate(tmp_path, backend="rules")
    assert run.scores.docs[0].facts.gold == 1
