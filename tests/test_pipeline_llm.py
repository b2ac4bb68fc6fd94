"""The LLM path end to end over real HTTP against the loopback fake server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from extractor import ExtractionError, ModeRefusedError, Report, extract
from extractor.schemas.responses import FactsReply
from tests.fakeserver import FakeLLM, Reply
from tests.llm_responder import reply_for, responder

GOLD = Path(__file__).resolve().parents[1] / "eval" / "gold"
ANYANG = GOLD / "anyang-2024.txt"
PINGDINGSHAN = GOLD / "pingdingshan-2025.txt"

# No headings: one paragraph section, so a run is exactly one meta call and one facts call.
SMALL = "全年优良天数226天，同比增加14天，占比61.7%。"


def run(fake, source, tmp_path: Path, **kw) -> Report:
    kw.setdefault("cache", False)
    kw.setdefault("mode", "json")
    kw.setdefault("concurrency", 1)
    kw.setdefault("max_retries", 2)
    kw.setdefault("timeout", 5.0)
    kw.setdefault("repair", False)  # the repair round has tests of its own
    return extract(source, backend="llm", base_url=fake.base_url, model="fake", api_key="k", **kw)


def facts_reply(*facts: dict) -> Reply:
    return Reply(content=json.dumps({"facts": list(facts)}, ensure_ascii=False))


META = Reply(content=json.dumps({"title": "t", "doc_type": "other"}))
GOOD = facts_reply(
    {
        "category": "air",
        "subject": "优良天数",
        "value": 226,
        "unit": "天",
        "quote": "全年优良天数226天",
    }
)


@pytest.mark.parametrize("mode", ["tools", "json", "md_json"])
@pytest.mark.parametrize("seed", [ANYANG, PINGDINGSHAN], ids=["anyang", "pingdingshan"])
def test_full_seed_is_contract_valid_and_grounded(fake_llm, tmp_path, seed, mode):
    fake_llm.responder = responder
    report = run(fake_llm, seed, tmp_path, mode=mode, concurrency=4)

    again = Report.model_validate_json(report.model_dump_json())
    assert again == report
    assert report.spans_ok()
    assert len(report.doc_id) == 16
    assert all(s.status in ("ok", "skipped") for s in report.sections), [
        (s.path, s.error) for s in report.sections if s.status == "failed"
    ]
    # every fact the model answered is in the report, and nothing else is
    answered = {
        (f["subject"], f["value"])
        for req in fake_llm.requests
        for f in reply_for(req["json"]).get("facts", [])
    }
    assert answered and {(f.subject, f.value) for f in report.facts} == answered
    assert report.problems and report.recommendations
    located = [f for f in report.facts if f.span is not None]
    assert len(located) == len(report.facts)
    for f in report.facts:
        assert f.section in {s.id for s in report.sections}
        assert f.origin == "llm"
    # usage counts every request the server saw
    assert report.run.calls == fake_llm.calls
    assert report.run.prompt_tokens == 100 * fake_llm.calls
    assert report.run.completion_tokens == 20 * fake_llm.calls
    assert report.run.backend == "llm" and report.run.prompt_version


def test_requests_carry_temperature_zero_and_an_output_cap(fake_llm, tmp_path):
    fake_llm.script(META, GOOD)
    run(fake_llm, SMALL, tmp_path)
    for req in fake_llm.requests:
        body = req["json"]
        assert body["temperature"] == 0
        assert 0 < body["max_tokens"] <= 4096


def test_429_is_retried_honouring_retry_after(fake_llm, tmp_path):
    fake_llm.script(META, Reply(status=429, headers={"Retry-After": "1"}), GOOD)
    report = run(fake_llm, SMALL, tmp_path)
    assert [f.value for f in report.facts] == [226]
    assert report.run.calls == 2 and report.run.http_requests == 3
    times = [r["time"] for r in fake_llm.requests]
    assert times[2] - times[1] >= 0.9  # waited as told


def test_500_then_success(fake_llm, tmp_path):
    fake_llm.script(META, Reply(status=500), GOOD)
    report = run(fake_llm, SMALL, tmp_path)
    assert report.facts and report.run.http_requests == 3


def test_hang_past_timeout_is_retried(fake_llm, tmp_path):
    fake_llm.script(META, Reply(delay=3.0, content="{}"), GOOD)
    report = run(fake_llm, SMALL, tmp_path, timeout=0.5)
    assert report.facts and report.run.http_requests == 3


def test_dropped_connection_is_retried(fake_llm, tmp_path):
    fake_llm.script(META, Reply(drop=True), GOOD)
    report = run(fake_llm, SMALL, tmp_path)
    assert report.facts and report.run.http_requests == 3


def test_malformed_json_is_reasked(fake_llm, tmp_path):
    fake_llm.script(META, Reply(content='{"facts": [{"subject": '), GOOD)
    report = run(fake_llm, SMALL, tmp_path)
    assert report.facts
    assert report.run.reasks == 1 and report.run.calls == 3
    assert report.run.prompt_tokens == 300  # the failed attempt counts too


def test_schema_invalid_then_valid_is_reasked_with_the_error(fake_llm, tmp_path):
    bad = facts_reply({"category": "air", "subject": "优良天数", "unit": "天", "quote": "优良天数"})
    fake_llm.script(META, bad, GOOD)
    report = run(fake_llm, SMALL, tmp_path)
    assert report.facts[0].value == 226
    assert report.run.reasks == 1
    reask = json.dumps(fake_llm.requests[2]["json"]["messages"], ensure_ascii=False)
    assert "neither value nor value_text" in reask


def test_exhausted_retries_fail_the_section_not_the_report(fake_llm, tmp_path):
    text = "一、总体情况\n优良天数226天。\n二、主要做法\n罚款3136万元。"
    calls = {"n": 0}

    def flaky(request):
        body = json.dumps(request["messages"], ensure_ascii=False)
        if "罚款3136万元" in body and "Here is the opening" not in body:
            calls["n"] += 1
            return Reply(status=500)
        return responder(request)

    fake_llm.responder = flaky
    report = run(fake_llm, text, tmp_path, max_retries=1)
    by_path = {s.path[-1]: s for s in report.sections if s.path}
    assert by_path["二、主要做法"].status == "failed"
    assert "HTTP 500" in (by_path["二、主要做法"].error or "")
    assert by_path["一、总体情况"].status == "ok"
    assert [f.value for f in report.facts] == [226]
    # the two short sections went in one call (first try + one transport retry), then, that
    # failing, each alone: the second section's call fails the same way
    assert calls["n"] == 4


def test_every_section_failing_fails_the_document(fake_llm, tmp_path):
    fake_llm.responder = lambda request: Reply(status=503)
    with pytest.raises(ExtractionError, match="failed"):
        run(fake_llm, SMALL, tmp_path, max_retries=0)


def test_refused_mode_names_the_mode_and_suggests_another(fake_llm, tmp_path):
    fake_llm.responder = lambda request: Reply(
        status=500,
        body=json.dumps({"error": {"message": "response_format json_schema unsupported"}}),
    )
    with pytest.raises(ModeRefusedError, match=r"json_schema.*--mode json"):
        run(fake_llm, SMALL, tmp_path, mode="json_schema", max_retries=0)


def test_second_run_is_served_from_the_cache(fake_llm, tmp_path):
    fake_llm.responder = responder
    cache = tmp_path / "cache.db"
    first = run(fake_llm, ANYANG, tmp_path, cache=cache, concurrency=4)
    seen = fake_llm.calls
    second = run(fake_llm, ANYANG, tmp_path, cache=cache, concurrency=4)
    assert fake_llm.calls == seen  # zero HTTP calls
    assert second.run.calls == 0 and second.run.cached_calls == first.run.calls
    assert second.facts == first.facts


def test_cache_key_changes_with_the_model(fake_llm, tmp_path):
    fake_llm.responder = responder
    cache = tmp_path / "cache.db"
    run(fake_llm, SMALL, tmp_path, cache=cache)
    seen = fake_llm.calls
    extract(SMALL, backend="llm", base_url=fake_llm.base_url, model="other", api_key="k",
            cache=cache, mode="json", repair=False)  # fmt: skip
    assert fake_llm.calls == seen + 2


def test_the_same_model_name_on_another_endpoint_is_not_served_its_neighbour_s_answers(
    fake_llm, tmp_path
):
    fake_llm.responder = responder
    cache = tmp_path / "cache.db"
    first = run(fake_llm, SMALL, tmp_path, cache=cache)
    with FakeLLM() as other:
        other.responder = lambda request: facts_reply()  # this server finds nothing
        second = run(other, SMALL, tmp_path, cache=cache)
        assert other.calls > 0 and second.run.cached_calls == 0
    assert first.facts and second.facts == []
    again = run(fake_llm, SMALL, tmp_path, cache=cache)  # the first server's answers still hit
    assert again.run.calls == 0 and again.facts == first.facts


def test_a_streak_of_server_errors_is_reported_as_one_whatever_the_mode(fake_llm, tmp_path):
    fake_llm.responder = lambda request: Reply(status=500)
    with pytest.raises(ExtractionError) as caught:
        run(fake_llm, SMALL, tmp_path, mode="json_schema", max_retries=1)
    assert not isinstance(caught.value, ModeRefusedError)
    message = str(caught.value)
    assert "HTTP 500" in message and "streak of server errors" in message
    assert "--mode" not in message


def test_reply_models_accept_what_models_commonly_send():
    reply = FactsReply.model_validate(
        {
            "facts": [
                {"category": "Air", "subject": "x", "value": "51", "quote": "q", "indicator": "?"}
            ]
        }
    )
    assert reply.facts[0].category == "air" and reply.facts[0].value == 51
    assert reply.facts[0].indicator is None


def test_an_indicator_key_written_as_the_category_is_read_as_both_without_a_reask(
    fake_llm, tmp_path
):
    # what Qwen2.5-0.5B sends: the catalogue key where the category goes
    fact = {"category": "good_air_days", "subject": "优良天数", "value": 226, "unit": "天",
            "quote": "优良天数226天"}  # fmt: skip
    fake_llm.script(META, facts_reply(fact))
    report = run(fake_llm, SMALL, tmp_path)
    assert report.run.reasks == 0
    assert all(s.status == "ok" for s in report.sections)
    (got,) = [f for f in report.facts if f.value == 226]
    assert (got.category, got.indicator) == ("air", "good_air_days")


def test_a_category_off_the_list_costs_the_fact_its_category_not_the_section(fake_llm, tmp_path):
    fact = {"category": "生态环保责任落实", "subject": "优良天数", "value": 226, "unit": "天",
            "quote": "优良天数226天"}  # fmt: skip
    fake_llm.script(META, facts_reply(fact))
    report = run(fake_llm, SMALL, tmp_path)
    assert report.run.reasks == 0
    (got,) = [f for f in report.facts if f.value == 226]
    assert got.category == "other" and got.check is not None and got.check.status == "verified"


def test_a_reply_that_leaves_out_fields_the_sdk_would_not_miss_is_still_read(fake_llm, tmp_path):
    # a local server's reply without id, created, model or usage
    content = json.loads(GOOD.content or "")
    bare = {"object": "chat.completion",
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": json.dumps(content)}}]}  # fmt: skip
    fake_llm.script(META, Reply(body=json.dumps(bare)))
    report = run(fake_llm, SMALL, tmp_path)
    assert [f.value for f in report.facts if f.value == 226] == [226]


def test_a_reply_that_is_no_json_object_says_so(fake_llm, tmp_path):
    fake_llm.script(META, Reply(body="<html>bad gateway</html>"))
    with pytest.raises(ExtractionError, match="not a JSON object: <html>bad gateway</html>"):
        run(fake_llm, SMALL, tmp_path, max_retries=0)


def test_exhausted_reasks_give_a_short_field_by_field_error(fake_llm, tmp_path):
    bad = facts_reply({"category": "air", "subject": "优良天数", "value": 226})  # no quote
    fake_llm.script(META, bad, bad, bad)
    with pytest.raises(ExtractionError) as info:
        run(fake_llm, SMALL, tmp_path, max_reasks=2)
    message = str(info.value)
    assert "facts.0.quote: Field required" in message
    assert "errors.pydantic.dev" not in message and "\n" not in message
    assert fake_llm.calls == 4  # meta + first try + two re-asks


def test_a_finding_without_quote_is_grounded_by_its_title(fake_llm, tmp_path):
    text = "一、存在的问题\n一是产业结构偏重。钢铁占比高。二是运输结构调整缓慢。"
    reply = Reply(
        content=json.dumps(
            {"findings": [{"category": "存在的问题", "title": "产业结构偏重", "quote": ""}]},
            ensure_ascii=False,
        )
    )
    fake_llm.script(META, reply)
    report = run(fake_llm, text, tmp_path)
    assert report.run.reasks == 0
    (finding,) = report.problems
    assert finding.quote == "产业结构偏重"
    assert finding.span is not None and report.text[slice(*finding.span)] == "产业结构偏重"


def test_a_findings_category_is_the_heading_it_sits_under(fake_llm, tmp_path):
    text = "一、存在的问题\n（一）结构性污染问题尚未根本解决\n一是产业结构偏重。钢铁占比高。"
    reply = Reply(
        content=json.dumps(
            {
                "findings": [
                    {
                        "category": "一是产业结构偏重",
                        "title": "产业结构偏重",
                        "quote": "一是产业结构偏重",
                    }
                ]
            },
            ensure_ascii=False,
        )
    )
    fake_llm.script(META, reply)
    report = run(fake_llm, text, tmp_path)
    assert [f.category for f in report.problems] == ["结构性污染问题尚未根本解决"]
