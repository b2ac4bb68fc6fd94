"""Hybrid: the model's facts, completed and corrected by the rules' reading, with an in-process
model (no HTTP: what hybrid decides does not depend on the wire)."""

from __future__ import annotations

from typing import Any

import pytest

from extractor import ConfigError, FunctionModel, LLMError, Report, extract, load_text
from extractor.schemas.responses import FactsReply, FindingsReply, MetaReply

HYBRID_TEXT = (
    "2024年桐江市环境状况报告\n一、总体情况\n全年优良天数226天，同比增加14天。"
    "罚款3136万元，查处环境违法案件572起。"
)
TITLE = "2024年桐江市环境状况报告"


def answering(
    facts: list[dict[str, Any]] | None = None,
    findings: list[dict[str, Any]] | None = None,
    meta: dict[str, Any] | None = None,
) -> FunctionModel:
    """A model that answers every call of a kind the same way."""

    def reply(model: type, messages: list[dict[str, str]]) -> Any:
        if model is MetaReply:
            return meta or {"title": "MetaReply", "doc_type": "other"}
        if model is FindingsReply:
            return {"findings": findings or []}
        assert model is FactsReply
        return {"facts": facts or []}

    return FunctionModel(reply)


def hybrid(text: str, model: FunctionModel) -> Report:
    return extract(load_text(text), backend="hybrid", model_client=model, repair=False)


def test_hybrid_keeps_model_facts_adds_rules_facts_and_prefers_verified():
    model_facts = [
        # right
        {"category": "air", "subject": "优良天数", "value": 226, "unit": "天",
         "change": {"basis": "同比", "value": 14, "unit": "天"}, "quote": "全年优良天数226天，同比增加14天"},
        # wrong value on the fine's own quote: the rules' verified reading wins
        {"category": "enforcement", "subject": "罚款", "value": 3163, "unit": "万元", "quote": "罚款3136万元"},
    ]  # fmt: skip
    model = answering(model_facts)
    report = hybrid(HYBRID_TEXT, model)
    got = {(f.value, f.origin) for f in report.facts}
    assert got == {(226, "llm"), (3136, "rules"), (572, "rules")}
    assert all(f.check and f.check.status == "verified" for f in report.facts)
    assert report.run.backend == "hybrid" and report.run.calls == len(model.requests) == 2
    # a title the text does not contain is not kept: the title block's is
    assert report.meta.title == TITLE


def test_hybrid_replaces_a_flagged_reading_of_the_same_number_and_keeps_other_numbers():
    model_facts = [
        # the right number with the wrong unit: flagged, so the rules' verified reading wins
        {"category": "air", "subject": "优良天数", "value": 226, "unit": "个", "quote": "全年优良天数226天"},
        # right, and its quote runs over the 572 that it does not state
        {"category": "enforcement", "subject": "罚款", "value": 3136, "unit": "万元",
         "quote": "罚款3136万元，查处环境违法案件572起"},
    ]  # fmt: skip
    got = sorted(
        (f.value, f.unit, f.origin) for f in hybrid(HYBRID_TEXT, answering(model_facts)).facts
    )
    assert got == [(226, "天", "rules"), (572, "起", "rules"), (3136, "万元", "llm")]


def test_hybrid_leaves_out_a_model_fact_whose_quote_is_not_in_the_text():
    # what a weak model does: copy the prompt's worked example into its answer
    copied = {"category": "air", "subject": "重污染天数", "value": 7, "unit": "天",
              "quote": "全年重污染天数7天，同比减少3天"}  # fmt: skip
    report = hybrid(HYBRID_TEXT, answering([copied]))
    assert {f.value for f in report.facts} == {226, 3136, 572}  # the rules' reading of the text
    assert report.checks.flagged == 0


def test_hybrid_findings_follow_the_texts_items_and_keep_model_findings_elsewhere():
    text = "一、存在的问题\n一是产业结构偏重。钢铁占比高。二是运输结构调整缓慢。\n"
    # the model reads the section as one item with a title of its own
    model = answering(findings=[{"category": "x", "title": "结构问题", "quote": "钢铁占比高"}])
    report = hybrid(text, model)
    assert [f.title for f in report.problems] == ["产业结构偏重", "运输结构调整缓慢"]


def test_hybrid_without_any_model_answer_still_returns_the_rules_reading():
    def down(model: type, messages: list[dict[str, str]]) -> Any:
        raise LLMError("HTTP 503 after 0 transport retries: unavailable", kind="http", status=503)

    report = hybrid(HYBRID_TEXT, FunctionModel(down))
    assert {f.value for f in report.facts} == {226, 3136, 572}
    assert report.run.backend == "hybrid"
    assert any(s.status == "failed" and "503" in (s.error or "") for s in report.sections)


@pytest.mark.parametrize("backend", ["llm", "hybrid"])
def test_model_backends_still_need_an_endpoint(backend: str, monkeypatch: pytest.MonkeyPatch):
    for var in ("OPENAI_BASE_URL", "OPENAI_API_KEY"):
        monkeypatch.delenv(var, raising=False)
    with pytest.raises(ConfigError, match="needs an endpoint"):
        extract(load_text(HYBRID_TEXT), backend=backend)


FLAGGED_TEXT = (
    "2024年桐江市环境状况报告\n一、总体情况\n全年优良天数226天，同比增加14天。"
    "完成雨污合流改造81项，查处环境违法案件572起。"
)


def test_a_change_the_sentence_does_not_state_gives_way_to_the_rules_reading():
    # what a small model does: one fact's change copied onto the next
    model_facts = [
        {"category": "air", "subject": "优良天数", "value": 226, "unit": "天",
         "change": {"basis": "同比", "value": 14, "unit": "天"}, "quote": "全年优良天数226天，同比增加14天"},
        {"category": "enforcement", "subject": "查处环境违法案件", "value": 572, "unit": "起",
         "change": {"basis": "同比", "value": 14, "unit": "起"}, "quote": "查处环境违法案件572起"},
    ]  # fmt: skip
    report = hybrid(FLAGGED_TEXT, answering(model_facts))
    (cases,) = [f for f in report.facts if f.value == 572]
    assert cases.change is None and cases.origin == "rules"
    assert cases.check is not None and cases.check.status == "verified"


def test_a_section_whose_every_model_reading_is_flagged_was_not_read_by_the_model():
    # both readings flagged (a rank the text does not state): nothing shows the model read
    # the section, so the rules' readings of what it left out (81项, no catalogue indicator)
    # are added
    rank = {"scope": "全省", "position": 3}
    model_facts = [
        {"category": "air", "subject": "优良天数", "value": 226, "unit": "天", "rank": rank,
         "quote": "全年优良天数226天"},
        {"category": "enforcement", "subject": "查处环境违法案件", "value": 572, "unit": "起",
         "rank": rank, "quote": "查处环境违法案件572起"},
    ]  # fmt: skip
    report = hybrid(FLAGGED_TEXT, answering(model_facts))
    assert 81 in {f.value for f in report.facts}


def test_a_flagged_reading_that_leaves_out_the_rank_gives_way_though_its_change_agrees():
    # Qwen2.5-0.5B on the seed: a unit the index does not have, the change right, no rank
    text = "2024年桐江市环境状况报告\n一、总体情况\n空气质量综合指数4.803，同比下降4.4%，改善率全省排名第2。"
    model_facts = [
        {"category": "air", "subject": "空气质量综合指数", "value": 4.803, "unit": "微克/立方米",
         "change": {"basis": "同比", "value": -4.4, "unit": "微克/立方米"},
         "quote": "空气质量综合指数4.803，同比下降4.4%"},
    ]  # fmt: skip
    report = hybrid(text, answering(model_facts))
    (index,) = report.facts
    assert index.origin == "rules" and index.unit is None
    assert index.rank is not None and index.rank.position == 2
