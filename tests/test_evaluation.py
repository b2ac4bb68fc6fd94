"""The evaluation suite: the gold validator, a run over a gold folder through the real pipeline
(loopback fake model), its outputs and history, run comparison, and the CLI."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from extractor.cli import app
from extractor.errors import GoldError
from extractor.evaluation import History, evaluate, load_gold, validate_gold, write_outputs
from tests.fakeserver import FakeLLM, Reply

GOLD_DIR = Path(__file__).resolve().parents[1] / "eval" / "gold"

TEXT = "一、总体情况\n全年优良天数226天，同比增加14天，占比61.7%。罚款3136万元。\n"
GOLD = {
    "meta": {"title": "测试", "doc_type": "survey_report", "region": "安阳市", "period": "2024"},
    "facts": [
        {"category": "air", "subject": "优良天数", "value": 226, "unit": "天",
         "change": {"basis": "同比", "value": 14, "unit": "天"}, "quote": "全年优良天数226天，同比增加14天"},
        {"category": "air", "subject": "优良天数比例", "value": 61.7, "unit": "%", "quote": "占比61.7%"},
        {"category": "enforcement", "subject": "罚款", "value": 3136, "unit": "万元", "quote": "罚款3136万元"},
    ],
}  # fmt: skip


def gold_folder(tmp_path: Path, gold: dict | None = None, text: str = TEXT) -> Path:
    folder = tmp_path / "gold"
    folder.mkdir(exist_ok=True)
    (folder / "small.txt").write_text(text, encoding="utf-8")
    (folder / "small.gold.json").write_text(
        json.dumps(gold or GOLD, ensure_ascii=False), encoding="utf-8"
    )
    return folder


# --- validator -------------------------------------------------------------------------------


def test_the_shipped_gold_validates_and_is_substantial():
    assert validate_gold(GOLD_DIR) == []
    docs = {d.name: d for d in load_gold(GOLD_DIR)}
    assert set(docs) == {"anyang-2024", "pingdingshan-2025"}
    assert len(docs["anyang-2024"].gold.facts) > 50
    for d in docs.values():
        for item in [*d.gold.facts, *d.gold.problems, *d.gold.recommendations]:
            assert item.quote in d.doc.text


def test_gold_texts_are_the_seeds_exactly():
    """The copies hold the sha256 the gold README records for the seeds (and equal the seeds
    themselves when ../shared is beside the clone)."""
    readme = (GOLD_DIR / "README.md").read_text("utf-8")
    rows = re.findall(r"\| `([\w-]+\.txt)` \| `([\w-]+\.txt)` \| `([0-9a-f]{64})` \|", readme)
    recorded = {copy: digest for copy, _, digest in rows}
    assert set(recorded) == {"anyang-2024.txt", "pingdingshan-2025.txt"}
    for copy, digest in recorded.items():
        assert hashlib.sha256((GOLD_DIR / copy).read_bytes()).hexdigest() == digest
    seeds = GOLD_DIR.parents[2] / "shared" / "seeds"
    for copy, seed, _ in rows:
        if (seeds / seed).exists():
            assert (GOLD_DIR / copy).read_bytes() == (seeds / seed).read_bytes()


def _problems(tmp_path: Path, gold: dict, text: str = TEXT) -> list[str]:
    return [str(p) for p in validate_gold(gold_folder(tmp_path, gold, text))]


def test_a_quote_not_in_the_text_is_reported(tmp_path: Path):
    gold = json.loads(json.dumps(GOLD))
    gold["facts"][2]["quote"] = "罚款3163万元"
    (problem,) = _problems(tmp_path, gold)
    assert "facts[2]" in problem and "not an exact substring" in problem


def test_a_value_not_in_its_quote_is_reported(tmp_path: Path):
    gold = json.loads(json.dumps(GOLD))
    gold["facts"][1]["value"] = 61.8
    (problem,) = _problems(tmp_path, gold)
    assert "facts[1]" in problem and "61.8" in problem


def test_either_end_of_a_range_is_a_value_of_its_quote(tmp_path: Path):
    text = "一、存在的问题\n夜间施工噪声投诉每月在26—33件之间。\n"
    quote = "夜间施工噪声投诉每月在26—33件之间"
    facts = [
        {"subject": "夜间施工噪声月投诉量下限", "value": 26, "unit": "件", "quote": quote},
        {"subject": "夜间施工噪声月投诉量上限", "value": 33, "unit": "件", "quote": quote},
    ]
    assert _problems(tmp_path, {"facts": facts}, text) == []
    facts[1]["value"] = 34
    (problem,) = _problems(tmp_path, {"facts": facts}, text)
    assert "facts[1]" in problem and "34" in problem


def test_duplicate_facts_are_reported(tmp_path: Path):
    gold = json.loads(json.dumps(GOLD))
    gold["facts"].append(dict(gold["facts"][2]))
    (problem,) = _problems(tmp_path, gold)
    assert "facts[3]" in problem and "duplicates facts[2]" in problem


def test_output_only_fields_and_unknown_indicators_are_reported(tmp_path: Path):
    gold = json.loads(json.dumps(GOLD))
    gold["facts"][0]["span"] = [0, 3]
    gold["facts"][2]["indicator"] = "fines_total"
    gold["text"] = TEXT
    problems = _problems(tmp_path, gold)
    assert any("facts[0]" in p and "span is output only" in p for p in problems)
    assert any("facts[2]" in p and "fines_total" in p for p in problems)
    assert any(p.startswith("small text") for p in problems)
    assert len(problems) == 3


def test_schema_errors_are_reported_per_field(tmp_path: Path):
    gold = json.loads(json.dumps(GOLD))
    gold["facts"][0]["category"] = "weather"
    problems = _problems(tmp_path, gold)
    assert any("facts.0.category" in p for p in problems)


def test_a_raw_quote_is_accepted_in_its_normalized_form(tmp_path: Path):
    text = "一、总体情况\nPM_{2.5}年均浓度 51 微克/立方米。\n"
    gold = {"facts": [{"subject": "PM2.5年均浓度", "value": 51, "unit": "微克/立方米",
                       "quote": "PM_{2.5}年均浓度 51 微克/立方米"}]}  # fmt: skip
    folder = gold_folder(tmp_path, gold, text)
    assert validate_gold(folder) == []
    (doc,) = load_gold(folder)
    assert doc.gold.facts[0].quote == "PM2.5年均浓度51微克/立方米"


def test_missing_text_and_broken_json_are_reported(tmp_path: Path):
    folder = gold_folder(tmp_path)
    (folder / "lonely.gold.json").write_text("{}", encoding="utf-8")
    (folder / "broken.txt").write_text(TEXT, encoding="utf-8")
    (folder / "broken.gold.json").write_text("{not json", encoding="utf-8")
    problems = [str(p) for p in validate_gold(folder)]
    assert any("lonely" in p and "lonely.txt is missing" in p for p in problems)
    assert any("broken" in p and "not readable JSON" in p for p in problems)
    with pytest.raises(GoldError, match="gold does not validate"):
        load_gold(folder)


# --- runs ------------------------------------------------------------------------------------


def _facts_reply(facts: list[dict]) -> Reply:
    return Reply(content=json.dumps({"facts": facts}, ensure_ascii=False))


META = Reply(content=json.dumps({"title": "测试", "doc_type": "survey_report", "region": "安阳市"}))


def _run(fake: FakeLLM, folder: Path):
    return evaluate(
        folder, backend="llm", base_url=fake.base_url, model="fake", api_key="k", mode="json",
        cache=False, max_retries=0, timeout=5.0, repair=False,
        concurrency=1,  # one call at a time: the scripted replies go out in order
    )  # fmt: skip


def test_a_run_scores_writes_its_report_and_records_every_leaf(fake_llm: FakeLLM, tmp_path: Path):
    folder = gold_folder(tmp_path)
    good = [dict(f) for f in GOLD["facts"]]
    fake_llm.script(META, _facts_reply(good[:2]))  # the fine is missed
    run = _run(fake_llm, folder)

    assert run.backend == "llm" and run.model == "fake" and run.prompt_version
    (doc,) = run.scores.docs
    assert (doc.facts.gold, doc.facts.predicted, doc.facts.correct) == (3, 2, 2)
    assert run.scores.headline()["fact_f1"] == pytest.approx(0.8)

    md, js = write_outputs(run, tmp_path / "out")
    text = md.read_text("utf-8")
    assert "| facts | 100.0 | 66.7 | 80.0 |" in text
    assert "罚款 = 3136 万元" in text and "missing" in text  # the worst miss, side by side
    assert "罚款3136万元" in text  # with its source snippet
    scores = json.loads(js.read_text("utf-8"))
    assert scores["headline"]["fact_recall"] == pytest.approx(2 / 3)
    assert scores["fields"]["fact.value"]["missing"] == 1

    with History(tmp_path / "history.db") as h:
        h.record(run)
        rows = list(h.db.table("leaves").rows_where("run_id = ?", [run.run_id]))
        assert len(rows) == len(doc.leaves)
        assert {r["outcome"] for r in rows if r["item"] == 2 and r["kind"] == "fact"} == {"missing"}
        assert h.runs()[0]["fact_f1"] == pytest.approx(0.8)


def test_a_failed_document_is_recorded_not_raised(fake_llm: FakeLLM, tmp_path: Path):
    folder = gold_folder(tmp_path)
    fake_llm.responder = lambda request: Reply(status=503)
    run = _run(fake_llm, folder)
    (doc,) = run.scores.docs
    assert doc.status == "failed" and "503" in (doc.error or "")
    assert run.scores.facts.prf.recall == 0.0
    md, _ = write_outputs(run, tmp_path / "out")
    assert "failed: " in md.read_text("utf-8")


def test_compare_lists_fixed_and_broken_leaves(fake_llm: FakeLLM, tmp_path: Path):
    folder = gold_folder(tmp_path)
    facts = [dict(f) for f in GOLD["facts"]]
    wrong_fine = dict(facts[2], value=3163, quote="罚款3136万元")
    fake_llm.script(META, _facts_reply([facts[0], facts[1], wrong_fine]))
    first = _run(fake_llm, folder)
    fake_llm.script(META, _facts_reply([facts[0], facts[2]]))  # fine fixed, ratio lost
    second = _run(fake_llm, folder)
    with History(tmp_path / "history.db") as h:
        h.record(first)
        h.record(second)
        cmp = h.compare(first.run_id[:18], second.run_id)
    fixed = {(c.item, c.field) for c in cmp.fixed}
    broken = {(c.item, c.field) for c in cmp.broken}
    assert (2, "value") in fixed
    assert (1, "value") in broken and (1, "subject") in broken
    (delta,) = cmp.docs
    assert delta.fact_f1 == (pytest.approx(2 / 3), pytest.approx(0.8))
    assert cmp.paired_difference("fact_f1") == pytest.approx(0.8 - 2 / 3)


# --- command line ----------------------------------------------------------------------------


def test_cli_validate_passes_on_the_shipped_gold():
    result = CliRunner().invoke(app, ["eval", "--validate", "--gold", str(GOLD_DIR)])
    assert result.exit_code == 0, result.output
    assert "gold is valid" in result.output


def test_cli_validate_fails_with_one_line_per_problem(tmp_path: Path):
    gold = json.loads(json.dumps(GOLD))
    gold["facts"][2]["quote"] = "罚款9999万元"
    folder = gold_folder(tmp_path, gold)
    result = CliRunner().invoke(app, ["eval", "--validate", "--gold", str(folder)])
    assert result.exit_code == 1
    assert "facts[2]" in result.output and "Traceback" not in result.output


def test_cli_eval_runs_and_compare(fake_llm: FakeLLM, tmp_path: Path):
    folder = gold_folder(tmp_path)
    facts = [dict(f) for f in GOLD["facts"]]
    fake_llm.script(META, _facts_reply(facts), META, _facts_reply(facts[:1]))
    history = tmp_path / "runs" / "history.db"
    args = [
        "eval", "--gold", str(folder), "--backend", "llm", "--base-url", fake_llm.base_url,
        "--model", "fake", "--api-key", "k", "--mode", "json", "--no-cache", "--no-repair",
        "--history", str(history), "--concurrency", "1",
    ]  # fmt: skip
    runner = CliRunner()
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    assert "fact F1 1.000" in first.output
    second = runner.invoke(app, args)
    assert second.exit_code == 0, second.output
    run_dirs = sorted(p for p in history.parent.iterdir() if p.is_dir())
    assert len(run_dirs) == 2 and all((p / "report.md").exists() for p in run_dirs)
    with History(history) as h:
        ids = [r["run_id"] for r in reversed(h.runs())]
    cmp = runner.invoke(app, ["eval", "compare", ids[0], ids[1], "--history", str(history)])
    assert cmp.exit_code == 0, cmp.output
    assert "0 leaves newly fixed" in cmp.output and "leaves newly broken" in cmp.output
    assert "fact_f1: 1.000 → 0.500" in cmp.output
    unknown = runner.invoke(app, ["eval", "compare", "nope", ids[1], "--history", str(history)])
    assert unknown.exit_code == 2 and "no run 'nope'" in unknown.output


def test_gold_folder_errors_are_one_line(tmp_path: Path):
    result = CliRunner().invoke(app, ["eval", "--validate", "--gold", str(tmp_path / "none")])
    assert result.exit_code == 2 and "no such gold folder" in result.output
    empty = tmp_path / "empty"
    empty.mkdir()
    shutil.copy(GOLD_DIR / "README.md", empty / "README.md")
    result = CliRunner().invoke(app, ["eval", "--validate", "--gold", str(empty)])
    assert result.exit_code == 2 and "no *.gold.json files" in result.output


# --- the regression gate ---------------------------------------------------------------------

# Just under what the rules backend reaches on the shipped gold (fact F1 0.991, findings 1.0):
# a change that loses a fact or two is allowed to be looked at; one that loses more fails CI.
RULES_FACT_F1_FLOOR = 0.97
RULES_FINDING_F1_FLOOR = 0.97


def test_rules_backend_stays_above_its_floor_on_the_gold():
    run = evaluate(GOLD_DIR, backend="rules")
    h = run.scores.headline()
    assert h["fact_f1"] >= RULES_FACT_F1_FLOOR, h
    assert h["finding_f1"] >= RULES_FINDING_F1_FLOOR, h
    assert all(d.status == "ok" for d in run.scores.docs)
    # the checker's view of the rules' own output: nothing it verifies is wrong
    assert run.scores.checker is not None and run.scores.checker.good_flagged == 0


DATA = Path(__file__).resolve().parent / "data"

# Written corpora (each folder's README says how): the floor of each sits just under what the
# rules backend reaches on it now.
# - rules_corpus: 14 short reports written for the rules; 0.959 before the rules were corrected
#   against it, 0.991 after.
# - blind_corpus: 6 reports written and labelled without sight of the rules or their output;
#   0.922 on first contact, 0.992 once the rules learnt the constructions it showed.
# - heldout_corpus: 6 more, written the same way after that; 0.875 facts and 0.898 findings on
#   first contact, 0.915 and 1.0 after.
CORPORA = [
    ("rules_corpus", 0.97, 0.97),
    ("blind_corpus", 0.97, 0.97),
    ("heldout_corpus", 0.90, 0.97),
]


@pytest.mark.parametrize(("folder", "fact_floor", "finding_floor"), CORPORA)
def test_rules_backend_stays_above_its_floor_on_the_written_corpora(
    folder: str, fact_floor: float, finding_floor: float
):
    assert validate_gold(DATA / folder) == []
    run = evaluate(DATA / folder, backend="rules")
    h = run.scores.headline()
    assert h["fact_f1"] >= fact_floor, h
    assert h["finding_f1"] >= finding_floor, h


def test_the_written_corpora_are_substantial():
    docs = {folder: load_gold(DATA / folder) for folder, _, _ in CORPORA}
    assert [len(d) for d in docs.values()] == [14, 6, 6]
    assert all(sum(len(g.gold.facts) for g in d) >= 250 for d in docs.values())
    traditional = [
        g for d in docs.values() for g in d if any(c in "環質濃數點處達" for c in g.doc.text)
    ]
    assert len(traditional) >= 4


# Real report text copied from web pages (tests/data/real_corpus/README.md says how it was
# gathered and labelled). First contact, before any rule was changed for them: first_contact
# fact F1 0.604, verified precision 0.615; fresh (labelled last, scored once at the end) 0.742
# and 0.834. All three sets are now regression gates, floors just under what the rules
# backend and the checker reach on them.
REAL = DATA / "real_corpus"
REAL_SETS = [
    # folder, fact F1 floor, verified-precision floor
    ("tuning", 0.74, 0.85),
    ("first_contact", 0.68, 0.78),
    ("fresh", 0.72, 0.81),
]


@pytest.mark.parametrize(("folder", "fact_floor", "precision_floor"), REAL_SETS)
def test_rules_backend_stays_above_its_floor_on_real_text(
    folder: str, fact_floor: float, precision_floor: float
):
    assert validate_gold(REAL / folder) == []
    run = evaluate(REAL / folder, backend="rules")
    h = run.scores.headline()
    assert h["fact_f1"] >= fact_floor, h
    checker = run.scores.checker
    assert checker is not None and checker.verified_precision is not None
    assert checker.verified_precision >= precision_floor, checker


def test_the_real_corpus_is_substantial_and_traceable():
    manifest = json.loads((REAL / "manifest.json").read_text(encoding="utf-8"))
    docs = {f"{folder}/{g.name}": g for folder, _, _ in REAL_SETS for g in load_gold(REAL / folder)}
    assert len(docs) >= 40 and set(docs) == set(manifest)
    for key, entry in manifest.items():
        assert entry["url"].startswith("http"), key
        assert entry["set"] == key.split("/")[0]
        assert entry["url"] not in docs[key].doc.text, "the address stays out of the text"
    assert sum(e["script"] == "traditional" for e in manifest.values()) >= 5
    # where a page does not say (an anonymised county, an undated news item) the field is null
    assert len({e["province"][:2] for e in manifest.values() if e["province"]}) >= 10
    assert len({e["year"] for e in manifest.values() if e["year"]}) >= 6
