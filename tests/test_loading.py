"""Loading: encodings, .docx/.pdf, bad inputs as one-line InputErrors, and normalization
(PDF debris, spaces, PM2.5, full-width digits) with an exact offset map back into the raw text.
Fixtures are built inside the tests; the seeds are the two real reports in shared/seeds."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from itertools import pairwise
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from extractor.errors import InputError
from extractor.loading import SUPPORTED_SUFFIXES, LoadedDocument, load, load_text, normalize

GOLD = Path(__file__).resolve().parents[1] / "eval" / "gold"  # byte copies of shared/seeds
ANYANG = GOLD / "anyang-2024.txt"
PINGDINGSHAN = GOLD / "pingdingshan-2025.txt"

SNIPPET = "一、总体情况\n\n2024 年，全市 PM_{2.5} 年均浓度 51 微克/立方米，同比下降 4.4%。\n"
SNIPPET_TEXT = "一、总体情况\n2024年，全市 PM2.5年均浓度51微克/立方米，同比下降4.4%。"
LONG = "完成焦化产能压减100万吨，关停独立洗煤厂、燃煤石灰窑、非矿山配套机制砂企业"  # 37 chars


def text_of(raw: str) -> str:
    return normalize(raw)[0]


def lines_of(doc: LoadedDocument) -> list[str]:
    return doc.text.split("\n")


def assert_input_error(path: Path | str, *needles: str) -> InputError:
    with pytest.raises(InputError) as info:
        load(path)
    message = str(info.value)
    assert "\n" not in message
    assert Path(path).name in message
    for needle in needles:
        assert needle in message, message
    return info.value


# --- encodings and formats -------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "gb18030"])
def test_text_encodings_are_detected_and_recorded(tmp_path: Path, encoding: str) -> None:
    data = SNIPPET.encode(encoding)
    path = tmp_path / "report.txt"
    path.write_bytes(data)
    doc = load(path)
    assert doc.encoding == encoding
    assert doc.text == SNIPPET_TEXT
    assert doc.raw == SNIPPET
    assert doc.sha256 == hashlib.sha256(data).hexdigest()
    assert doc.path == str(path)


def test_gb18030_bytes_are_not_valid_utf8_so_the_fallback_is_exercised() -> None:
    with pytest.raises(UnicodeDecodeError):
        SNIPPET.encode("gb18030").decode("utf-8")


def test_markdown_heading_is_kept_on_its_own_line(tmp_path: Path) -> None:
    path = tmp_path / "report.md"
    path.write_text(f"# 一、总体情况\n{LONG}\n更多内容。\n", encoding="utf-8")
    assert lines_of(load(path)) == ["# 一、总体情况", LONG + "更多内容。"]


def test_docx_paragraphs_and_tables_in_document_order(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_paragraph("关于我市 2024 年度环境状况的报告")
    table = document.add_table(rows=3, cols=2)
    table.cell(0, 0).merge(table.cell(0, 1)).text = "主要指标"
    table.cell(1, 0).text, table.cell(1, 1).text = "指标", "数值"
    table.cell(2, 0).text, table.cell(2, 1).text = "PM2.5", "51"
    document.add_paragraph("一、总体情况")
    path = tmp_path / "report.docx"
    document.save(str(path))
    doc = load(path)
    assert doc.encoding == "docx"
    assert doc.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    # The merged cell appears once; a lone number in a cell is not mistaken for a page number.
    assert lines_of(doc) == [
        "关于我市2024年度环境状况的报告",
        "主要指标",
        "指标 | 数值",
        "PM2.5 | 51",
        "一、总体情况",
    ]


def _pdf(path: Path, text: str | None, *, password: str | None = None) -> Path:
    from fpdf import FPDF

    pdf = FPDF()
    if password:
        pdf.set_encryption(owner_password="owner", user_password=password)
    pdf.add_page()
    if text is None:
        pdf.rect(20, 20, 80, 60)
    else:
        pdf.set_font("helvetica", size=12)
        pdf.multi_cell(0, 10, text)
    pdf.output(str(path))
    return path


def test_pdf_text_layer_is_extracted(tmp_path: Path) -> None:
    sentence = "Air quality 2024: PM2.5 annual mean 51 ug/m3, good days 226, ratio 61.7%."
    doc = load(_pdf(tmp_path / "report.pdf", sentence))
    assert doc.encoding == "pdf"
    assert doc.text == sentence


def test_pdf_without_text_layer_asks_for_ocr(tmp_path: Path) -> None:
    assert_input_error(_pdf(tmp_path / "scan.pdf", None), "no usable text layer", "OCR")


def test_encrypted_pdf_is_an_input_error(tmp_path: Path) -> None:
    path = _pdf(tmp_path / "locked.pdf", "a long enough secret sentence here", password="pw")
    assert_input_error(path, "encrypted")


@pytest.mark.parametrize(
    ("name", "data", "needle"),
    [
        ("broken.pdf", b"%PDF-1.4 not really a pdf", "not a readable PDF"),
        ("broken.docx", b"PK\x03\x04 not really a zip", "not a readable .docx"),
    ],
)
def test_corrupt_containers_are_wrapped(
    tmp_path: Path, name: str, data: bytes, needle: str
) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    err = assert_input_error(path, needle)
    assert err.path == str(path)


# --- bad inputs --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "needle"),
    [
        ("empty.txt", b"", "is empty"),
        ("blank.txt", b"  \n\r\n\t \n", "is empty"),
        ("wide-blank.txt", "\u3000\u3000\n\n- 3 -\n".encode(), "contains no text"),
        ("nul.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 4, "binary"),
        ("controls.txt", b"\x01\x02\x03\x04\x05\x06\x07\x08abc" * 20, "binary"),
        ("latin.txt", "环境报告".encode() + b"\xff\xfe\xfd\xff" + "优良天数".encode(), "UTF-8"),
        ("data.xlsx", b"PK\x03\x04", ".txt, .md, .docx, .pdf"),
        ("noext", "正文。".encode(), "unsupported file type"),
    ],
)
def test_bad_files_are_one_line_input_errors(
    tmp_path: Path, name: str, data: bytes, needle: str
) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    assert_input_error(path, needle)


def test_undecodable_message_says_to_save_as_utf8(tmp_path: Path) -> None:
    path = tmp_path / "odd.txt"
    path.write_bytes("环境报告".encode() + b"\xff\xff" + "优良天数".encode())
    assert_input_error(path, "not in a supported text encoding", "save it as UTF-8")


def test_missing_file_and_directory(tmp_path: Path) -> None:
    assert_input_error(tmp_path / "nowhere.txt", "not found")
    folder = tmp_path / "reports.txt"
    folder.mkdir()
    assert_input_error(folder, "directory")


def test_unreadable_file_is_wrapped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "locked.txt"
    path.write_text("正文。", encoding="utf-8")

    def deny(self: Path) -> bytes:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "read_bytes", deny)
    assert_input_error(path, "Permission denied")


def test_supported_suffixes() -> None:
    assert SUPPORTED_SUFFIXES == (".txt", ".md", ".docx", ".pdf")


def test_load_text_rejects_blank_text_and_records_str() -> None:
    with pytest.raises(InputError, match="contains no text"):
        load_text(" \n\u3000\n")
    doc = load_text(SNIPPET)
    assert (doc.encoding, doc.path, doc.text) == ("str", None, SNIPPET_TEXT)
    assert doc.sha256 == hashlib.sha256(SNIPPET.encode()).hexdigest()


# --- normalization -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("PM_{2.5}浓度", "PM2.5浓度"),
        ("PM_{10}浓度", "PM10浓度"),
        ("PM_2.5和PM_10", "PM2.5和PM10"),
        ("PM₂.₅和PM₁₀", "PM2.5和PM10"),
        ("ＰＭ２．５浓度", "PM2.5浓度"),
        ("PM 2.5 浓度", "PM2.5浓度"),
    ],
)
def test_pm_spellings(raw: str, expected: str) -> None:
    assert text_of(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("我市 2024 年", "我市2024年"),
        ("优良率 100% 全覆盖", "优良率100%全覆盖"),
        ("状况和 环境保护", "状况和环境保护"),
        ("平均等效声级为 53.3 分贝", "平均等效声级为53.3分贝"),
        ("新增 1 663 辆", "新增1 663辆"),
        ("执行 GB 3095-2012 标准", "执行 GB 3095-2012标准"),
        ("全市\u3000\u3000优良\xa0天数\t226 天", "全市优良天数226天"),
        ("第 １２ 位，占比 ６１．７％", "第12位，占比61.7%"),
        ("国、省控（8 个）：达标", "国、省控（8个）：达标"),
        ("版本 1.2 ．3", "版本1.2.3"),
    ],
)
def test_spaces_and_full_width_forms(raw: str, expected: str) -> None:
    assert text_of(raw) == expected


def test_chinese_punctuation_is_not_folded() -> None:
    text = text_of("全市（含县区）：优良天数，同比增加；")
    assert text == "全市（含县区）：优良天数，同比增加；"
    assert "," not in text and ":" not in text and "(" not in text


def test_newlines_controls_and_blank_lines() -> None:
    raw = "\n\n  标题一  \r\n\r\n\r\n第二行。\r第三\x07行。\x0c第四行。 \n\n"
    assert text_of(raw) == "标题一\n第二行。\n第三行。\n第四行。"


@pytest.mark.parametrize(
    "page", ["3", "- 3 -", "— 3 —", "－12－", "第 3 页", "第3页 共10页", "3/10"]
)
def test_page_numbers_are_dropped_and_the_sentence_rejoined(page: str) -> None:
    raw = f"{LONG}受\n\n{page}\n\n历史遗留污染影响。\n"
    assert text_of(raw) == f"{LONG}受历史遗留污染影响。"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # A short line cut after a comma or a function word is still mid-sentence.
        ("正文开始。\n案件39起，\n\n立案率54.1%。", "正文开始。\n案件39起，立案率54.1%。"),
        ("正文开始。\n加强对\n企业的监管。", "正文开始。\n加强对企业的监管。"),
        # A line that starts with closing punctuation continues the previous one.
        ("正文开始。\n排名第11\n）位。", "正文开始。\n排名第11）位。"),
        # Short lines that stop without punctuation are ended, not wrapped.
        ("正文开始。\n安阳市人大常委会办公室\n2025年4月22日印", None),
        # Headings, footers and table rows are never joined in either direction.
        (f"正文开始。\n{LONG}\n（一）污染防治攻坚战全面推进\n正文。", None),
        (f"正文开始。\n（一）{LONG}\n正文。", None),
        (f"正文开始。\n{LONG}\n签发：薛树军", None),
        (f"正文开始。\n{LONG}\n安阳市人大常委会办公室2025年4月22日印发", None),
        (f"正文开始。\n{LONG} | 51\n{LONG}", None),
        (f"正文开始。\n{LONG}\n1．总体要求", None),
        # A break inside a number, or between a number and its unit, is no break at all.
        ("正文开始。\n资金共计3\n136万元。", "正文开始。\n资金共计3136万元。"),
        ("正文开始。\n年均浓度为２\n８微克/立方米。", "正文开始。\n年均浓度为28微克/立方米。"),
        ("正文开始。\n优良天数为226\n天。", "正文开始。\n优良天数为226天。"),
        # A wrapped Latin word boundary keeps its space.
        (f"正文开始。\n{LONG}执行GB\n3095-2012标准。", f"正文开始。\n{LONG}执行GB 3095-2012标准。"),
    ],
)
def test_line_joining(raw: str, expected: str | None) -> None:
    assert text_of(raw) == (expected if expected is not None else raw)


def test_title_block_lines_are_not_joined_even_when_long() -> None:
    # Until a line with sentence punctuation, lines are a title block however long they are.
    title = [
        "关于我市2024年度环境状况和环境保护目标完成情况的调研报告",
        "——2025年4月23日在安阳市第十五届人民代表大会常务委员会第十八次会议上",
        "安阳市人大常委会生态环境保护工作调研组",
    ]
    body = f"{LONG}\n和服务企业。"
    assert text_of("\n\n".join([*title, body])) == "\n".join([*title, LONG + "和服务企业。"])


@pytest.mark.skipif(not ANYANG.exists(), reason="seed reports not present")
def test_anyang_seed_joins_exactly_the_broken_sentences() -> None:
    doc = load(ANYANG)
    for joined in (
        "安阳市永通建筑再生有限公司",
        "土壤污染防治方面：",
        "39起，立案率54.1%",
        "受历史遗留污染",
        "零部件、高端装备",
        "四是加强化工园区",
    ):
        assert joined in doc.text
    raw_lines = [ln for ln in doc.raw.split("\n") if ln.strip()]
    assert len(lines_of(doc)) == len(raw_lines) - 6
    lines = set(lines_of(doc))
    for whole in (
        "安阳市十五届人大常委会",
        "关于我市2024年度环境状况和环境保护目标完成情况的调研报告",
        "——2025年4月23日在安阳市第十五届人民代表大会",
        "常务委员会第十八次会议上",
        "市人大常委会：",
        "一、总体情况",
        "（一）污染防治攻坚战全面推进",
        "四、意见建议",
        "签发：薛树军",
        "校对：李晓磊",
        "2025年4月22日印",
    ):
        assert whole in lines
    assert "PM_{" not in doc.text and doc.text.count("PM2.5") == doc.raw.count("PM_{2.5}")
    assert "2024 年" not in doc.text and "\n\n" not in doc.text


@pytest.mark.skipif(not PINGDINGSHAN.exists(), reason="seed reports not present")
def test_pingdingshan_seed_keeps_every_line() -> None:
    doc = load(PINGDINGSHAN)
    assert lines_of(doc) == [ln for ln in doc.raw.split("\n") if ln.strip()]


@pytest.mark.skipif(not ANYANG.exists(), reason="seed reports not present")
@pytest.mark.parametrize("seed", [ANYANG, PINGDINGSHAN])
def test_seed_headings_stay_whole_lines(seed: Path) -> None:
    doc = load(seed)
    heading = re.compile(r"^(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[）)])")
    raw_headings = [ln for ln in doc.raw.split("\n") if heading.match(ln)]
    assert len(raw_headings) >= 15
    text_headings = [ln for ln in lines_of(doc) if heading.match(ln)]
    assert text_headings == raw_headings


# --- offset map and identity -------------------------------------------------------------------


def _is_cjk_char(c: str) -> bool:
    return "\u4e00" <= c <= "\u9fff"


def _rewrite_ok(t: str, r: str) -> bool:
    if t == r:
        return True
    if t == "\n":
        return r in "\r\f\v\x85\u2028\u2029\x1c\x1d\x1e"
    if t == " ":
        return r.isspace()
    return unicodedata.normalize("NFKC", r) == t or (t == "." and r == "·")


def assert_offsets_exact(raw: str, text: str, offsets: list[int] | tuple[int, ...]) -> None:
    assert len(offsets) == len(text) + 1
    assert offsets[-1] == len(raw)
    assert all(a < b for a, b in pairwise(offsets))
    for i, t in enumerate(text):
        assert _rewrite_ok(t, raw[offsets[i]]), (i, t, raw[offsets[i]])


@pytest.mark.skipif(not ANYANG.exists(), reason="seed reports not present")
@pytest.mark.parametrize("seed", [ANYANG, PINGDINGSHAN])
def test_seed_offset_map_is_exact(seed: Path) -> None:
    doc = load(seed)
    assert_offsets_exact(doc.raw, doc.text, doc.offsets)
    cjk = [i for i, c in enumerate(doc.text) if _is_cjk_char(c)]
    assert len(cjk) > 2000
    assert all(doc.raw[doc.offsets[i]] == doc.text[i] for i in cjk)


@pytest.mark.skipif(not ANYANG.exists(), reason="seed reports not present")
def test_raw_span_recovers_the_original_spelling() -> None:
    doc = load(ANYANG)
    start = doc.text.index("PM2.5浓度")
    a, b = doc.raw_span(start, start + len("PM2.5"))
    assert doc.raw[a:b] == "PM_{2.5}"
    start = doc.text.index("2024年度环境状况")
    a, b = doc.raw_span(start, start + len("2024年"))
    assert doc.raw[a:b] == "2024 年"
    start = doc.text.index("受历史遗留")
    a, b = doc.raw_span(start, start + 3)
    assert doc.raw[a:b] == "受\n\n历史"
    assert doc.raw_span(5, 5) == (doc.offsets[5], doc.offsets[5])
    with pytest.raises(ValueError):
        doc.raw_span(0, len(doc.text) + 1)


ALPHABET = [
    *"环境报告受历史，。、；：（）“”一二三PM_{}.．０１２５9%％ \u3000\t\n\r\f\x07-第页共GBa₂₅",
    "PM_{2.5}",
    "2024 年",
    "一、",
    "（一）",
    "签发：",
    "日印",
    " | ",
    LONG,
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(ALPHABET), max_size=40).map("".join))
def test_offsets_are_exact_and_normalizing_is_idempotent(raw: str) -> None:
    text, offsets = normalize(raw)
    assert_offsets_exact(raw, text, offsets)
    assert normalize(text)[0] == text


def test_doc_id_is_over_the_normalized_text(tmp_path: Path) -> None:
    path = tmp_path / "report.txt"
    path.write_bytes(SNIPPET.encode("gb18030"))
    doc = load(path)
    assert re.fullmatch(r"[0-9a-f]{16}", doc.doc_id)
    assert doc.doc_id == hashlib.sha256(doc.text.encode()).hexdigest()[:16]
    # The same text in another encoding or as a string is the same document.
    assert doc.doc_id == load_text(SNIPPET).doc_id == load(path).doc_id
    assert doc.doc_id != load_text(SNIPPET + "补充。").doc_id
    assert doc.sha256 != load_text(SNIPPET).sha256
    source = doc.source()
    assert (source.path, source.sha256, source.chars, source.encoding) == (
        str(path),
        doc.sha256,
        len(SNIPPET_TEXT),
        "gb18030",
    )
