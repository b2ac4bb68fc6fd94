"""Sectioning: heading paths and kinds of the two seeds, tiling, run-in and half-width
headings, headingless text, and chunk budgets. Expected paths were written from the seed texts."""

from __future__ import annotations

import re
from itertools import pairwise
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from extractor.schemas.report import Section
from extractor.sectioning import chunk_spans, section_kind, split_sections

GOLD = Path(__file__).resolve().parents[1] / "eval" / "gold"  # byte copies of shared/seeds
ANYANG = GOLD / "anyang-2024.txt"
PINGDINGSHAN = GOLD / "pingdingshan-2025.txt"

# Sentences that the PDF copy broke across lines in the Anyang seed.
ANYANG_BREAKS = (
    "安阳市\n永通",
    "土壤污染防治\n方面",
    "39 起，\n立案率",
    "受\n历史",
    "零部件、\n高端",
    "四是加强\n化工",
)


def normalized(path: Path) -> str:
    """A stand-in for loading.py's output: what the sectioner sees in the pipeline."""
    text = re.sub(r"\n\n+", "\n", path.read_text(encoding="utf-8").replace("PM_{2.5}", "PM2.5"))
    for brk in ANYANG_BREAKS:
        text = text.replace(brk, brk.replace("\n", ""))
    return text


A1, A2, A3, A4 = "一、总体情况", "二、主要做法及成效", "三、存在的问题", "四、意见建议"
ANYANG_EXPECTED: list[tuple[list[str], str]] = [
    ([], "front"),
    ([A1], "status"),
    ([A2], "measures"),
    ([A2, "（一）污染防治攻坚战全面推进"], "measures"),
    ([A2, "（二）生态环境治理与修复成效显著"], "measures"),
    ([A2, "（三）生态环境执法监管效能不断提升"], "measures"),
    ([A3], "problems"),
    ([A3, "（一）结构性污染问题尚未根本解决"], "problems"),
    ([A3, "（二）环境质量改善成果仍需巩固"], "problems"),
    ([A3, "（三）环保基础设施建设亟待加强"], "problems"),
    ([A3, "（四）生态环保责任落实不够到位"], "problems"),
    ([A4], "recommendations"),
    ([A4, "（一）推动绿色低碳转型"], "recommendations"),
    ([A4, "（二）提升污染防治水平"], "recommendations"),
    ([A4, "（三）补齐基础设施短板"], "recommendations"),
    ([A4, "（四）健全长效监管机制"], "recommendations"),
    ([], "back"),
]

P1, P2, P3, P4 = "一、工作现状", "二、取得成绩", "三、存在问题", "四、发展建议"
PINGDINGSHAN_EXPECTED: list[tuple[list[str], str]] = [
    ([], "front"),
    ([P1], "measures"),
    ([P1, "(一)高位推进,生态环境保护责任落实到位"], "measures"),
    ([P1, "(二)完善制度,生态环境保护提档升级"], "measures"),
    ([P1, "(三)深化工业污染治理,强化面源污染管控"], "measures"),
    ([P1, "(四)稳步推进排污口整治,补齐基础设施短板"], "measures"),
    ([P1, "(五)巩固农村环境整治,积极开展“无废城市”创建"], "measures"),
    ([P2], "status"),
    ([P3], "problems"),
    ([P3, "(一)结构性压力突出,扬尘治理任务依然艰巨"], "problems"),
    ([P3, "(二)环境污染治理精度有待提升"], "problems"),
    ([P3, "(三)环境治理体系与能力现代化水平有待加强"], "problems"),
    ([P4], "recommendations"),
    ([P4, "(一)进一步压实各方生态环境保护责任"], "recommendations"),
    ([P4, "(二)坚持问题导向,扎实开展专项攻坚行动"], "recommendations"),
    ([P4, "(三)补齐短板弱项,实施铁腕监管不留死角"], "recommendations"),
    ([P4, "(四)加强企业帮扶,引导企业绿色发展"], "recommendations"),
]


def outline(sections: list[Section]) -> list[tuple[list[str], str]]:
    return [(s.path, s.kind) for s in sections]


def assert_tiles(text: str, sections: list[Section]) -> None:
    assert sections[0].start == 0
    assert sections[-1].end == len(text)
    for prev, cur in pairwise(sections):
        assert cur.start == prev.end
    for i, s in enumerate(sections, 1):
        assert s.start < s.end
        assert s.id == f"s{i:02d}"
        assert (s.status, s.error) == ("ok", None)


def assert_begins_with_heading(text: str, sections: list[Section]) -> None:
    for s in sections:
        body = text[s.start : s.end]
        if s.start == 0:  # whitespace before the first heading is folded into its section
            body = body.lstrip()
        if s.path:
            assert body.startswith(s.path[-1]), s.path


def unnormalized(text: str) -> str:
    """Blank lines between paragraphs and ideographic-space indents, as a PDF copy gives."""
    return "\n\n".join("\u3000\u3000" + line for line in text.split("\n")) + "\n\n"


SEED_CASES = [
    pytest.param(ANYANG, ANYANG_EXPECTED, id="anyang"),
    pytest.param(PINGDINGSHAN, PINGDINGSHAN_EXPECTED, id="pingdingshan"),
]


@pytest.mark.parametrize(("path", "expected"), SEED_CASES)
def test_seed_outline(path: Path, expected: list[tuple[list[str], str]]) -> None:
    text = normalized(path)
    sections = split_sections(text)
    assert outline(sections) == expected
    assert_tiles(text, sections)
    assert_begins_with_heading(text, sections)


@pytest.mark.parametrize(("path", "expected"), SEED_CASES)
def test_seed_unnormalized_gives_same_outline(
    path: Path, expected: list[tuple[list[str], str]]
) -> None:
    for text in (path.read_text(encoding="utf-8"), unnormalized(normalized(path))):
        sections = split_sections(text)
        assert outline(sections) == expected
        assert_tiles(text, sections)
        assert_begins_with_heading(text, sections)


def test_anyang_front_parent_lead_and_back() -> None:
    text = normalized(ANYANG)
    secs = split_sections(text)
    front = text[secs[0].start : secs[0].end]
    assert "调研报告" in front and "市人大常委会：" in front
    assert front.rstrip().endswith("现将有关情况报告如下：")
    parent = text[secs[2].start : secs[2].end]
    assert parent.startswith("二、主要做法及成效\n") and "四轮驱动" in parent
    assert "（一）" not in parent
    back = text[secs[-1].start : secs[-1].end]
    assert back.startswith("签发：薛树军") and back.endswith("2025年4月22日印")
    assert "安阳市人大常委会办公室" in back
    assert "签发" not in text[secs[-2].start : secs[-2].end]


def test_pingdingshan_has_no_back_and_last_section_runs_to_end() -> None:
    text = normalized(PINGDINGSHAN)
    last = split_sections(text)[-1]
    assert last.kind == "recommendations" and last.end == len(text)
    assert text[last.start : last.end].rstrip().endswith("维护社会稳定。")


RUN_IN = (
    "某市2024年环境状况报告\n"
    "一、环境质量状况\n"
    "（一）水环境状况。全市8个断面达标率100%。\n"
    "(二)大气环境状况:PM2.5年均浓度36微克/立方米。\n"
    "二、主要措施。全年投入资金2.3亿元。\n"
    "1.治理工业污染。完成超低排放改造3家。\n"
    "2．整治扬尘。\n"
    "3、推进农村治理\n"
    "（1）农村污水。治理率60.3%。\n"
    "(2)农村垃圾：收运体系全覆盖。\n"
    "三、存在问题\n"
    "（一）治理精度不足。一是臭氧污染凸显。二是扬尘仍重。\n"
)


def test_run_in_and_half_width_headings() -> None:
    secs = split_sections(RUN_IN)
    assert outline(secs) == [
        ([], "front"),
        (["一、环境质量状况"], "status"),
        (["一、环境质量状况", "（一）水环境状况"], "status"),
        (["一、环境质量状况", "(二)大气环境状况"], "status"),
        (["二、主要措施"], "measures"),
        (["二、主要措施", "1.治理工业污染"], "measures"),
        (["二、主要措施", "2．整治扬尘"], "measures"),
        (["二、主要措施", "3、推进农村治理"], "measures"),
        (["二、主要措施", "3、推进农村治理", "（1）农村污水"], "measures"),
        (["二、主要措施", "3、推进农村治理", "(2)农村垃圾"], "measures"),
        (["三、存在问题"], "problems"),
        (["三、存在问题", "（一）治理精度不足"], "problems"),
    ]
    assert_tiles(RUN_IN, secs)
    assert_begins_with_heading(RUN_IN, secs)
    water = RUN_IN[secs[2].start : secs[2].end]
    assert water == "（一）水环境状况。全市8个断面达标率100%。\n"


def test_lines_that_only_look_like_headings() -> None:
    text = (
        "一、总体情况\n"
        "一是空气质量持续改善。二是水质稳定。\n"
        "1.5万吨危废得到处置。\n"
        "3、4月份开展专项检查。\n"
        "（一）加强工业企业无组织排放管控，推进重点行业深度治理，\n"
        "二、这一行是一个很长的句子而不是标题它一直写下去没有句号也没有冒号超过了标题长度的上限很多字\n"
    )
    assert outline(split_sections(text)) == [(["一、总体情况"], "status")]


def test_text_without_headings_becomes_budgeted_paragraph_sections() -> None:
    para = "全市空气质量持续改善，优良天数同比增加14天。" * 12  # 264 chars
    text = "\n".join(f"{i}{para}" for i in range(20)) + "\n"
    secs = split_sections(text)
    assert len(secs) > 1
    assert all(s.kind == "other" and s.path == [] for s in secs)
    assert all(s.end - s.start <= 1500 for s in secs)
    assert all(text[s.end - 1] == "\n" for s in secs)  # cut on paragraph ends
    assert_tiles(text, secs)


def test_text_without_headings_keeps_its_footer_as_back() -> None:
    text = "关于环境状况的报告\n全市空气质量持续改善。\n\n抄送：市委办公室\n2025年4月22日印发\n"
    secs = split_sections(text)
    assert outline(secs) == [([], "other"), ([], "back")]
    assert text[secs[1].start :].startswith("抄送：")
    assert_tiles(text, secs)


def test_closing_prose_is_not_taken_for_a_footer() -> None:
    text = "一、总体情况\n全市空气质量持续改善。\n印发《实施方案》并抓好落实。\n"
    assert outline(split_sections(text)) == [(["一、总体情况"], "status")]


def test_leading_whitespace_joins_first_section() -> None:
    text = "\n\n一、总体情况\n正文。\n"
    secs = split_sections(text)
    assert outline(secs) == [(["一、总体情况"], "status")]
    assert_tiles(text, secs)


def test_empty_and_blank_text() -> None:
    assert split_sections("") == []
    assert outline(split_sections("\n \n")) == [([], "other")]


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        (["二、主要做法及成效"], "measures"),
        (["一、总体情况"], "status"),
        (["一、工作现状"], "measures"),
        (["二、取得成绩"], "status"),
        (["三、存在问题"], "problems"),
        (["四、发展建议"], "recommendations"),
        (["三、存在的问题", "（二）环境质量改善成果仍需巩固"], "problems"),
        (["四、意见建议", "（二）解决资金投入不足问题"], "recommendations"),
        (["一、2024年工作情况", "（三）存在的不足"], "problems"),
        (["一、2024年工作", "（一）水环境状况"], "status"),
        (["二、主要做法及成效", "（三）土壤环境风险得到有效管控"], "measures"),
        (["一、生态环境", "（一）空气质量"], "status"),
        (["五、下一步工作打算"], "recommendations"),
        (["五、其他事项"], "other"),
        ([], "other"),
    ],
)
def test_section_kind_precedence(path: list[str], kind: str) -> None:
    assert section_kind(path) == kind


def assert_chunks(
    text: str, start: int, end: int, budget: int, chunks: list[tuple[int, int]]
) -> None:
    assert chunks[0][0] == start and chunks[-1][1] == end
    for s, e in chunks:
        assert start <= s < e <= end and e - s <= budget
    for (ps, pe), (s, e) in pairwise(chunks):
        assert ps < s <= pe < e  # no gaps, always moving on


@pytest.mark.parametrize("path", [ANYANG, PINGDINGSHAN], ids=["anyang", "pingdingshan"])
@pytest.mark.parametrize("budget", [60, 300, 1800])
def test_chunk_spans_on_seed_sections(path: Path, budget: int) -> None:
    text = normalized(path)
    for sec in split_sections(text):
        chunks = chunk_spans(text, sec.start, sec.end, budget)
        assert_chunks(text, sec.start, sec.end, budget, chunks)
        for (_, pe), (s, _) in pairwise(chunks):
            assert s == pe  # without overlap the chunks tile the section
        if budget == 1800:
            assert len(chunks) == 1  # every seed section fits the pipeline's default budget


def test_chunk_spans_prefers_paragraphs_then_sentences() -> None:
    text = "甲" * 40 + "。\n" + "乙" * 30 + "。丙" + "丙" * 30 + "。\n"
    # 42 + 64 chars: the first paragraph whole, the second cut after its first 。
    assert chunk_spans(text, 0, len(text), 50) == [(0, 42), (42, 73), (73, len(text))]


def test_chunk_spans_hard_splits_an_overlong_sentence() -> None:
    text = "甲" * 95
    assert chunk_spans(text, 0, len(text), 40) == [(0, 40), (40, 80), (80, 95)]


def test_chunk_spans_overlap_repeats_whole_last_sentences() -> None:
    sentences = [f"第{i}句说明优良天数增加{i}天。" for i in range(10, 40)]
    text = "".join(sentences)
    chunks = chunk_spans(text, 0, len(text), 120, overlap=40)
    assert_chunks(text, 0, len(text), 120, chunks)
    for (_, pe), (s, _) in pairwise(chunks):
        repeated = text[s:pe]
        assert 0 < len(repeated) <= 40
        assert text[s - 1] == "。" and repeated.endswith("。")


def test_chunk_spans_edges() -> None:
    assert chunk_spans("abc", 1, 1, 10) == []
    with pytest.raises(ValueError):
        chunk_spans("abc", 0, 3, 0)


_ALPHABET = st.sampled_from(list("环境质量改善。；，\n\n12"))


@settings(max_examples=300, deadline=None)
@given(
    text=st.text(alphabet=_ALPHABET, min_size=1, max_size=400),
    budget=st.integers(min_value=1, max_value=120),
    overlap=st.integers(min_value=0, max_value=60),
)
def test_chunk_spans_properties(text: str, budget: int, overlap: int) -> None:
    chunks = chunk_spans(text, 0, len(text), budget, overlap)
    assert_chunks(text, 0, len(text), budget, chunks)
    if overlap == 0:
        assert all(s == pe for (_, pe), (s, _) in pairwise(chunks))
    else:
        assert all(pe - s <= overlap for (_, pe), (s, _) in pairwise(chunks))


@settings(max_examples=200, deadline=None)
@given(
    st.text(alphabet=st.sampled_from(list("一二、（）()1.．是环境问题。\n\u3000")), max_size=200)
)
def test_split_sections_always_tiles(text: str) -> None:
    secs = split_sections(text)
    if text:
        assert_tiles(text, secs)
        assert_begins_with_heading(text, secs)
    else:
        assert secs == []
