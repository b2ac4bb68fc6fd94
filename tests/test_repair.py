"""The checker inside extraction and its repair round, with an in-process model (repair does
not depend on the wire): flagged facts go back once with the checker's findings, unaccounted
numbers are offered once, every call counts in usage, and a failed repair loses nothing."""

from __future__ import annotations

from extractor import FunctionModel, LLMError, extract, load_text
from tests.inprocess import facts, scripted, user_message

TEXT = "一、总体情况\n全年优良天数226天，同比增加14天。罚款3136万元。"
META = {"title": "t", "doc_type": "other"}
DAYS = {"category": "air", "subject": "优良天数", "value": 226, "unit": "天",
        "change": {"basis": "同比", "value": 14, "unit": "天"}, "quote": "全年优良天数226天，同比增加14天"}  # fmt: skip
FINE = {
    "category": "enforcement",
    "subject": "罚款",
    "value": 3136,
    "unit": "万元",
    "quote": "罚款3136万元",
}


def run(model: FunctionModel, **kw):
    kw.setdefault("repair", True)
    return extract(load_text(TEXT), backend="llm", model_client=model, concurrency=1, **kw)


def test_a_flagged_fact_is_sent_back_and_corrected():
    wrong = dict(DAYS, value=262)
    model = scripted(META, facts(wrong, FINE), facts(DAYS))
    report = run(model)

    assert sorted(f.value for f in report.facts) == [226, 3136]
    assert all(f.check and f.check.status == "verified" for f in report.facts)
    repair = report.run.repair
    assert repair is not None
    assert (repair.flagged_before, repair.corrected, repair.dropped, repair.sections) == (
        1,
        1,
        0,
        1,
    )
    assert repair.offered == 0  # once corrected, every number is covered: no second round
    assert report.run.calls == 3 == len(model.requests)
    asked = user_message(model, 2)
    assert "262" in asked and "not stated in the quote" in asked  # the checker's finding
    assert report.checks.flagged == 0 and report.checks.verified == 2


def test_a_fact_the_model_withdraws_is_dropped():
    invented = {
        "category": "air",
        "subject": "重污染天数",
        "value": 9,
        "unit": "天",
        "quote": "重污染天数9天",
    }
    model = scripted(META, facts(DAYS, FINE, invented), facts())
    report = run(model)
    assert sorted(f.value for f in report.facts) == [226, 3136]
    assert report.run.repair and report.run.repair.dropped == 1


def test_unaccounted_numbers_are_offered_once_and_only_passing_facts_kept():
    made_up = {
        "category": "air",
        "subject": "优良天数",
        "value": 999,
        "unit": "天",
        "quote": "全年优良天数226天",
    }
    model = scripted(META, facts(FINE), facts(DAYS, made_up))
    report = run(model)
    assert sorted(f.value for f in report.facts) == [226, 3136]
    repair = report.run.repair
    assert repair is not None and repair.offered == 2 and repair.added == 1
    asked = user_message(model, 2)
    assert "226天" in asked and "14天" in asked  # the numbers no fact covered, with clauses
    assert report.checks.unaccounted_numbers == []


def test_a_failed_repair_call_keeps_the_flagged_fact():
    wrong = dict(DAYS, value=262)
    model = scripted(
        META,
        facts(wrong, FINE),
        LLMError("HTTP 500 after 0 transport retries: boom", kind="http", status=500),
        facts(),
    )
    report = run(model)
    values = sorted(f.value for f in report.facts)
    assert values == [262, 3136]
    flagged = [f for f in report.facts if f.check and f.check.status == "flagged"]
    assert [f.value for f in flagged] == [262]
    # meta, facts, the failed repair (counted), and the offer of 226 that no fact covers
    assert report.run.calls == 4 and report.run.repair is not None
    assert report.run.repair.corrected == 0 and report.run.repair.offered == 1
    # every fact flagged before is accounted for: corrected, dropped or still flagged
    assert (report.run.repair.flagged_before, report.run.repair.still_flagged) == (1, 1)


def test_no_repair_makes_no_extra_call():
    wrong = dict(DAYS, value=262)
    model = scripted(META, facts(wrong, FINE))
    report = run(model, repair=False)
    assert report.run.calls == 2 and report.run.repair is None
    assert [f.check.status for f in report.facts if f.check] == ["flagged", "verified"]
