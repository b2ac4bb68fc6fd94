"""The folds used for comparing text: the fast path for simplified text must give exactly what
OpenCC gives."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from extractor.folding import _t2s, fold, simplified_same_length, to_simplified

ROOT = Path(__file__).resolve().parents[1]

# Simplified text, traditional characters, and the pieces of phrase rules whose change needs
# context (覆 is only changed inside 反覆, 瞭 inside 不瞭解).
_PIECES = [
    "全市空气质量优良天数",
    "同比下降4.4%",
    "反覆",
    "覆盖率",
    "不瞭解",
    "瞭",
    "優良天數",
    "國控斷面",
    "環境",
    "于",
    "乾淨",
    "著作",
    "，",
]


@given(st.lists(st.sampled_from(_PIECES), max_size=8).map("".join))
def test_to_simplified_equals_opencc_on_any_mix(text: str) -> None:
    assert to_simplified(text) == str(_t2s().convert(text))


def test_to_simplified_equals_opencc_on_every_document() -> None:
    paths = [*ROOT.glob("eval/gold/*.txt"), *ROOT.glob("tests/data/rules_corpus/*.txt")]
    assert len(paths) >= 16
    for path in paths:
        text = path.read_text(encoding="utf-8")
        assert to_simplified(text) == str(_t2s().convert(text)), path.name


def test_traditional_is_converted_and_simplified_kept() -> None:
    assert to_simplified("優良天數同比反覆") == "优良天数同比反复"
    assert to_simplified("覆盖率达到95%") == "覆盖率达到95%"
    assert simplified_same_length("國控斷面") == "国控断面"
    assert fold("（一）優良 天數") == "优良天数"
