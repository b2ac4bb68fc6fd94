"""A perfect model must lose nothing: the model path against a loopback server that answers
every call with the gold itself (``tests.oracle``), its replies cut off at the request's
max_tokens. Every point under 1.0 here is the pipeline's own loss."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from extractor import extract
from extractor.evaluation import EvalRun, evaluate, load_gold
from extractor.sectioning import halve
from tests.fakeserver import FakeLLM, Reply
from tests.oracle import Oracle, count_tokens, cut

SEEDS = "eval/gold"
REAL = [
    "tests/data/real_corpus/tuning",
    "tests/data/real_corpus/first_contact",
    "tests/data/real_corpus/fresh",
]


def run(fake: FakeLLM, folder: str, backend: str, mode: str = "tools", **kw: Any) -> EvalRun:
    return evaluate(
        folder, backend=backend, base_url=fake.base_url, model="oracle", api_key="k",
        mode=mode, cache=False, **kw,
    )  # fmt: skip


@pytest.mark.parametrize("mode", ["tools", "json"])
@pytest.mark.parametrize("backend", ["llm", "hybrid"])
def test_a_perfect_model_loses_nothing_on_the_seeds(fake_llm: FakeLLM, backend: str, mode: str):
    oracle = fake_llm.responder = Oracle(load_gold(SEEDS))
    result = run(fake_llm, SEEDS, backend, mode)
    assert (result.scores.facts.prf.f1, result.scores.findings.prf.f1) == (1.0, 1.0)
    for report in result.reports.values():
        assert [s.id for s in report.sections if s.status == "failed"] == []
    assert oracle.unplaced == [] and fake_llm.errors == []


@pytest.mark.parametrize("folder", REAL)
def test_on_real_text_hybrid_with_a_perfect_model_is_as_good_as_the_model(
    fake_llm: FakeLLM, folder: str
) -> None:
    fake_llm.responder = Oracle(load_gold(folder))
    llm = run(fake_llm, folder, "llm").scores.facts.prf.f1
    hybrid = run(fake_llm, folder, "hybrid").scores.facts.prf.f1
    assert llm == 1.0
    assert hybrid >= llm - 0.01


def test_a_small_output_ceiling_cuts_dense_text_into_calls_that_fit(fake_llm: FakeLLM) -> None:
    oracle = fake_llm.responder = Oracle(load_gold(SEEDS))
    result = run(fake_llm, SEEDS, "llm", max_output_tokens=1024)
    assert result.scores.facts.prf.f1 == 1.0
    sent = [r["json"] for r in fake_llm.requests]
    assert all(r["max_tokens"] <= 1024 for r in sent)
    # more facts calls than sections: the dense paragraphs went in pieces
    facts_calls = [r for r in sent if "List every number" in r["messages"][-1]["content"]]
    assert len(facts_calls) > 2 * 10
    assert oracle.truncated <= len(facts_calls) // 10  # pieces are sized to fit, mostly


def _body(request: dict[str, Any]) -> str:
    return str(request["messages"][-1]["content"]).split("<<<\n", 1)[1].split("\n>>>", 1)[0]


def test_a_reply_cut_off_is_asked_again_whole_then_in_halves_not_lost(fake_llm: FakeLLM) -> None:
    oracle = Oracle(load_gold(SEEDS))
    doomed: list[str] = []

    def cut_off_twice(request: dict[str, Any]) -> Reply:
        user = request["messages"][-1]["content"]
        if "List every number" in user:
            if not doomed and request["max_tokens"] < 4096:
                doomed.append(_body(request))
            if doomed and _body(request) == doomed[0] and len(doomed) < 3:
                doomed.append(str(request["max_tokens"]))
                return Reply(
                    tool_args='{"facts": [{"category": "air", "subj', finish_reason="length"
                )
        return oracle(request)

    fake_llm.responder = cut_off_twice
    result = run(fake_llm, SEEDS, "llm", concurrency=1)  # one call at a time: no races here
    assert result.scores.facts.prf.f1 == 1.0
    body, first_cap, second_cap = doomed
    assert int(first_cap) < 4096 and int(second_cap) == 4096  # asked again with the ceiling
    # then the same text went out in two halves
    sent = [_body(r["json"]) for r in fake_llm.requests if "List every number" in str(r["json"])]
    halves = [t for t in sent if t in body and t != body]
    assert len(halves) >= 2 and "".join(halves[:2]) == body


def test_a_failed_chunk_costs_its_section_nothing_else(fake_llm: FakeLLM) -> None:
    oracle = Oracle(load_gold(SEEDS))
    doomed = "空气质量综合指数4.803"

    def fail_one_chunk(request: dict[str, Any]) -> Reply:
        user = request["messages"][-1]["content"]
        if "List every number" in user and doomed in user.split("<<<")[-1]:
            return Reply(status=400, body='{"error": {"message": "bad chunk"}}')
        return oracle(request)

    fake_llm.responder = fail_one_chunk
    text = Path(SEEDS, "anyang-2024.txt").read_text(encoding="utf-8")
    report = extract(
        text, backend="llm", base_url=fake_llm.base_url, model="oracle", api_key="k",
        mode="tools", cache=False, chunk_chars=300, max_retries=0, repair=False,
    )  # fmt: skip
    failed = [s for s in report.sections if s.status == "failed"]
    assert len(failed) == 1 and "bad chunk" in (failed[0].error or "")
    sec = failed[0]
    kept = [f for f in report.facts if f.section == sec.id]
    assert kept and all(doomed not in f.quote for f in kept)  # the section's other chunks stand


def test_facts_quoting_the_same_words_take_successive_places(
    fake_llm: FakeLLM, tmp_path: Path
) -> None:
    text = (
        "一、大气环境\n全市PM2.5年均浓度40微克/立方米，改善率在全省排名第4位；"
        "优良天数280天，改善率在全省排名第4位。\n"
    )
    (tmp_path / "d.txt").write_text(text, encoding="utf-8")
    gold = {
        "meta": {"title": None, "doc_type": "other"},
        "facts": [
            {"category": "air", "subject": "PM2.5改善率排名", "value": 4, "unit": None,
             "rank": {"scope": "全省", "position": 4, "metric": "改善率", "tied": False},
             "quote": "改善率在全省排名第4位"},
            {"category": "air", "subject": "优良天数改善率排名", "value": 4, "unit": None,
             "rank": {"scope": "全省", "position": 4, "metric": "改善率", "tied": False},
             "quote": "改善率在全省排名第4位"},
        ],
        "problems": [], "recommendations": [],
    }  # fmt: skip
    (tmp_path / "d.gold.json").write_text(json.dumps(gold, ensure_ascii=False), encoding="utf-8")
    fake_llm.responder = Oracle(load_gold(tmp_path))
    report = extract(
        str(tmp_path / "d.txt"), backend="llm", base_url=fake_llm.base_url, model="oracle",
        api_key="k", mode="tools", cache=False,
    )  # fmt: skip
    ranks = [f for f in report.facts if f.quote == "改善率在全省排名第4位"]
    assert len(ranks) == 2
    first, second = sorted(f.span for f in ranks if f.span)
    assert first[0] == text.index("改善率") and second[0] == text.rindex("改善率")
    codes = {i.code for f in ranks if f.check for i in f.check.issues}
    assert "duplicate" not in codes


def test_hybrid_puts_right_what_the_checker_finds_wrong_in_a_model_s_facts(
    fake_llm: FakeLLM,
) -> None:
    golds = load_gold(SEEDS)
    oracle = fake_llm.responder = Oracle(golds, corrupt=4)  # a quarter of the facts wrong
    llm = run(fake_llm, SEEDS, "llm", repair=False)
    hybrid = run(fake_llm, SEEDS, "hybrid", repair=False)
    assert len(oracle.corrupted) >= 20
    assert llm.scores.facts.prf.f1 < 0.9  # the model's errors are there to find
    assert hybrid.scores.facts.prf.f1 >= 0.98
    # a wrong model fact is replaced, not kept beside the rules' reading of the same number
    for report in hybrid.reports.values():
        seen = [(f.value, f.span) for f in report.facts if f.span]
        assert len(seen) == len(set(seen))


# --- the oracle's own parts ---------------------------------------------------------------


def test_the_token_count_errs_high_and_cut_stays_within_it() -> None:
    reply = '{"facts": [{"subject": "优良天数", "value": 226, "quote": "全年优良天数226天"}]}'
    # Qwen2.5's tokenizer counts 33 tokens here; the oracle must never count fewer
    assert count_tokens(reply) >= 33
    assert count_tokens(cut(reply, 20)) <= 20 < count_tokens(cut(reply, 20) + reply[-5:])


def test_halve_cuts_at_the_boundary_nearest_the_middle_and_lists_last() -> None:
    text = "甲乙丙丁。戊己庚辛；壬癸、子丑寅卯"
    assert halve(text, 0, len(text)) == text.index("。") + 1
    listing = "河源、阳江、韶关、梅州"
    assert halve(listing, 0, len(listing)) == listing.index("韶")
    assert halve("一二三四五六", 0, 6) is None
