"""What the Python API accepts as a report, tried as a new user would: a path, the text itself,
bytes, and the mistakes (a misspelt file name, None) as one-sentence errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from extractor import InputError, extract, load

TEXT = "一、总体情况\n全年优良天数226天，同比增加14天。\n"


def test_a_missing_file_named_as_a_string_is_an_input_error(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InputError, match=r"reprot\.txt: file not found"):
        extract("reprot.txt", backend="rules")


def test_a_one_line_text_is_still_read_as_text():
    report = extract("全年优良天数226天，同比增加14天。", backend="rules")
    assert [f.value for f in report.facts] == [226]
    report = extract("PM2.5年均浓度为2.5", backend="rules")  # ends in digits: no extension
    assert report.text == "PM2.5年均浓度为2.5"


def test_none_is_an_input_error_that_says_what_to_pass():
    with pytest.raises(InputError, match="pass a file path, the report's text or its bytes"):
        extract(None, backend="rules")  # type: ignore[arg-type]


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030", "utf-16"])
def test_bytes_are_decoded_like_a_file(encoding: str):
    report = extract(TEXT.encode(encoding), backend="rules")
    assert report.source is not None and report.source.path is None
    assert [f.value for f in report.facts] == [226]


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_byte_order_mark_is_detected(tmp_path: Path, codec: str):
    path = tmp_path / "report.txt"
    path.write_bytes(TEXT.encode(codec))
    doc = load(path)
    assert doc.encoding == "utf-16" and doc.text == TEXT.strip()


def test_nul_bytes_that_are_no_utf16_are_still_binary(tmp_path: Path):
    path = tmp_path / "blob.txt"
    path.write_bytes(b"\x00\x01\x02\x00abc\x00\x00\xff" * 20)
    with pytest.raises(InputError, match="binary"):
        load(path)
