"""The calls a document gets: each section's text sent once, neighbouring sections sharing a
call, and the prompt tokens a document costs (counted by the oracle's tokenizer-like count,
which errs high)."""

from __future__ import annotations

import asyncio
import contextlib
import json
from pathlib import Path
from typing import Any

import pytest

from extractor import FunctionModel, LLMError, extract, load_text
from extractor.backends._calls import FACT_TOKENS, groups, plan, run_need
from extractor.evaluation import load_gold
from extractor.llm.settings import LLMSettings, Usage
from extractor.schemas.responses import (
    FactsReply,
    FindingsReply,
    MetaReply,
    SectionReply,
)
from extractor.sectioning import split_sections
from tests.fakeserver import FakeLLM
from tests.oracle import Oracle, count_tokens, prompt_tokens

SEEDS = Path("eval/gold")

TEXT = (
    "2024年桐江市生态环境保护工作调研报告\n"
    "一、总体情况\n全年优良天数226天，同比增加14天。\n"
    "二、存在的问题\n"
    "（一）臭氧污染凸显\n因臭氧污染损失优良天数40天。一是治理设施效率偏低。二是监管力量不足。\n"
    "（二）基础设施短板\n农村污水收集处理能力不足。\n"
    "三、意见建议\n"
    "（一）深化大气治理\n一是加强臭氧协同控制。二是强化扬尘管控。\n"
)
NUMBERS_IN_PROBLEMS = "因臭氧污染损失优良天数40天"
TITLES = (
    "治理设施效率偏低",
    "监管力量不足",
    "农村污水收集处理能力不足",
    "加强臭氧协同控制",
    "强化扬尘管控",
)


def test_a_problems_section_that_states_numbers_is_asked_both_in_one_call() -> None:
    sections = split_sections(TEXT)
    tasks = plan(sections, TEXT)
    by_heading = {s.path[-1]: tasks[s.id] for s in sections if s.path}
    assert by_heading["（一）臭氧污染凸显"] == ("facts", "findings")
    assert by_heading["（二）基础设施短板"] == ("findings",)
    assert by_heading["一、总体情况"] == ("facts",)
    assert by_heading["二、存在的问题"] == ()  # a parent: its items live below it


def test_problems_and_recommendations_share_a_call_across_the_heading_between_them() -> None:
    sections = split_sections(TEXT)
    calls = groups(sections, plan(sections, TEXT), 1800, TEXT, 4096)
    heads = [[s.path[-1] for s in g.sections] for g in calls]
    assert heads == [
        ["一、总体情况"],
        ["（一）臭氧污染凸显", "（二）基础设施短板", "（一）深化大气治理"],
    ]
    assert [g.tasks for g in calls] == [("facts",), ("facts", "findings")]


def test_a_body_section_never_joins_a_findings_call() -> None:
    text = "一、总体情况\n优良天数226天。\n二、存在的问题\n因臭氧污染损失优良天数40天，监管力量不足。\n"
    sections = split_sections(text)
    calls = groups(sections, plan(sections, text), 1800, text, 4096)
    assert [g.tasks for g in calls] == [("facts",), ("facts", "findings")]


def test_a_recommendation_s_list_is_not_counted_as_numbers_to_write() -> None:
    text = TEXT.replace("二是强化扬尘管控", "二是强化扬尘、渣土、道路、工地管控")
    sections = split_sections(text)
    tasks = plan(sections, text)
    (recs,) = [s for s in sections if s.path and s.path[-1] == "（一）深化大气治理"]
    (problems,) = [s for s in sections if s.path and s.path[-1] == "（一）臭氧污染凸显"]
    chars = recs.end - recs.start
    # findings only: room for the text it copies, none for facts of its four list items
    assert run_need([recs], tasks, text) == 300 + 2 * chars
    # a section asked both: room for its numbers too
    both = run_need([problems], tasks, text)
    assert both >= 400 + FACT_TOKENS * 1 + 2 * (problems.end - problems.start)


def _replies(cut_off: set[str] | None = None) -> FunctionModel:
    """An in-process model that reads the section text the way a careful model would."""

    def reply(model: type, messages: list[dict[str, str]]) -> Any:
        user = messages[-1]["content"]
        text = user.split("<<<\n", 1)[-1]
        if model is MetaReply:
            return {"title": "2024年桐江市生态环境保护工作调研报告", "doc_type": "survey_report"}
        if cut_off and model.__name__ in cut_off:
            raise LLMError("the reply was cut off at max_tokens", kind="truncated")
        facts = []
        if "226天" in text:
            facts.append({"category": "air", "subject": "优良天数", "value": 226, "unit": "天",
                          "quote": "全年优良天数226天"})  # fmt: skip
        if "40天" in text:
            facts.append({"category": "air", "subject": "臭氧污染损失优良天数", "value": 40,
                          "unit": "天", "quote": NUMBERS_IN_PROBLEMS})  # fmt: skip
        findings = [{"category": "", "title": t, "quote": t} for t in TITLES if t in text]
        if model is SectionReply:
            return {"facts": facts, "findings": findings}
        if model is FindingsReply:
            return {"findings": findings}
        assert model is FactsReply
        return {"facts": facts}

    return FunctionModel(reply)


def test_each_finding_takes_the_kind_of_the_section_its_quote_lies_in() -> None:
    model = _replies()
    report = extract(load_text(TEXT), backend="llm", model_client=model, repair=False)
    asked = [name for name, _ in model.requests]
    assert sorted(asked) == ["FactsReply", "MetaReply", "SectionReply"]
    assert [f.title for f in report.problems] == [
        "治理设施效率偏低", "监管力量不足", "农村污水收集处理能力不足",
    ]  # fmt: skip
    assert [f.title for f in report.recommendations] == ["加强臭氧协同控制", "强化扬尘管控"]
    assert sorted(f.value for f in report.facts) == [40, 226]
    # the problems' text went out once (the meta call sees this short text's last lines too)
    sent = [m[-1]["content"] for name, m in model.requests if name != "MetaReply"]
    assert sum(NUMBERS_IN_PROBLEMS in s for s in sent) == 1


def test_a_cut_off_facts_and_findings_reply_is_asked_as_two_calls_and_loses_nothing() -> None:
    model = _replies(cut_off={"SectionReply"})
    report = extract(load_text(TEXT), backend="llm", model_client=model, repair=False)
    asked = [name for name, _ in model.requests]
    assert asked.count("SectionReply") == 1
    assert asked.count("FindingsReply") == 1 and asked.count("FactsReply") == 2
    assert len(report.problems) == 3 and len(report.recommendations) == 2
    assert sorted(f.value for f in report.facts) == [40, 226]
    assert all(s.status != "failed" for s in report.sections)


@pytest.mark.parametrize("mode", ["tools", "json"])
@pytest.mark.parametrize("seed", ["anyang-2024", "pingdingshan-2025"])
def test_a_document_costs_at_most_three_times_its_own_tokens(
    fake_llm: FakeLLM, seed: str, mode: str
) -> None:
    golds = [g for g in load_gold(SEEDS) if g.name == seed]
    fake_llm.responder = Oracle(golds)
    text = (SEEDS / f"{seed}.txt").read_text(encoding="utf-8")
    extract(
        text, backend="llm", base_url=fake_llm.base_url, model="oracle", api_key="k",
        mode=mode, cache=False,
    )  # fmt: skip
    sent = sum(prompt_tokens(r["json"]) for r in fake_llm.requests)
    assert sent <= 3 * count_tokens(golds[0].doc.text), (sent, len(fake_llm.requests))


def test_json_mode_sends_the_schema_once_and_compact(fake_llm: FakeLLM) -> None:
    fake_llm.responder = Oracle(load_gold(SEEDS))
    text = (SEEDS / "pingdingshan-2025.txt").read_text(encoding="utf-8")
    extract(
        text, backend="llm", base_url=fake_llm.base_url, model="oracle", api_key="k",
        mode="json", cache=False,
    )  # fmt: skip
    for r in fake_llm.requests:
        system = r["json"]["messages"][0]["content"]
        assert "genius expert" not in system and '\n  "' not in system
        schema = json.loads(system.rsplit("\n", 1)[-1])
        assert schema["title"] in {"FactsReply", "FindingsReply", "SectionReply", "MetaReply"}


def test_the_reply_schemas_say_no_null_and_require_only_what_must_be_there() -> None:
    schema = json.dumps(SectionReply.model_json_schema(), ensure_ascii=False)
    assert '"null"' not in schema and "minLength" not in schema and '"default": false' not in schema
    fact = SectionReply.model_json_schema()["$defs"]["FactDraft"]
    assert fact["required"] == ["category", "subject", "quote"]
    # a null the model sends anyway is still taken
    fact = {"category": "air", "subject": "x", "value": 1, "indicator": None, "change": None}
    assert FactsReply.model_validate({"facts": [{**fact, "quote": "x1"}]}).facts[0].change is None


class _Slow:
    """A model whose findings call is answered only once a repair call has come in (or after
    five seconds): a document repaired only when every call is back would see none."""

    def __init__(self) -> None:
        self.settings = LLMSettings(model="slow", base_url="in-process")
        self.events: list[str] = []
        self.repair_seen = asyncio.Event()

    async def structured(
        self, response_model: type[Any], messages: list[dict[str, str]], *, usage: Usage,
        max_tokens: int | None = None,
    ) -> Any:  # fmt: skip
        user = messages[-1]["content"]
        usage.calls += 1
        if response_model is MetaReply:
            return MetaReply(title="2024年桐江市生态环境保护工作调研报告")
        if "A checker compared the facts below" in user:
            self.events.append("repair")
            self.repair_seen.set()
            fact = {"category": "air", "subject": "优良天数", "value": 226, "unit": "天",
                    "quote": "全年优良天数226天"}  # fmt: skip
            return FactsReply.model_validate({"facts": [fact]})
        if response_model is FindingsReply:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.repair_seen.wait(), 5)
            self.events.append("findings")
            return FindingsReply.model_validate(
                {"findings": [{"category": "", "title": "监管力量不足"}]}
            )
        self.events.append(response_model.__name__)
        # wrong: the text says 226
        bad = {"category": "air", "subject": "优良天数", "value": 262, "unit": "天",
               "quote": "全年优良天数226天"}  # fmt: skip
        return response_model.model_validate({"facts": [bad]})

    async def aclose(self) -> None:
        return None


def test_a_section_is_repaired_as_soon_as_its_call_is_answered() -> None:
    text = "一、总体情况\n全年优良天数226天。\n二、存在的问题\n监管力量不足。\n"
    model = _Slow()
    report = extract(load_text(text), backend="llm", model_client=model)
    assert model.events.index("repair") < model.events.index("findings")
    assert [(f.value, f.check.status if f.check else None) for f in report.facts] == [
        (226, "verified")
    ]
    assert report.run.repair is not None and report.run.repair.corrected == 1
