"""Folded copies of text for comparing and matching, never for what is stored or quoted.

Spans and quotes always index the normalized source; these folds only decide whether two
strings say the same thing (a scorer comparing subjects, the rules backend matching aliases
in a traditional-character report). Traditional → simplified is character-for-character
(OpenCC ``t2s`` keeps length for these texts), which is what lets a match on the folded copy
map back to the same offsets in the original.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path

import opencc
from opencc import OpenCC

_SPACE = re.compile(r"\s+")
_QUOTES = str.maketrans("", "", "“”‘’\"'「」『』")
# Heading numbers a prediction may or may not carry: "（一）", "一、", "1.", "一是".
# Mirror-site pinyin after a character (環(huán)境): loading drops it from the text; a label
# copied with it still names the same thing.
_PINYIN = re.compile(r"(?<=[\u4e00-\u9fff])\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]{1,7}\)")
_HEADING_NUMBER = re.compile(
    r"^(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[）)]|\d+[.．、]|[一二三四五六七八九十]+是)"
)


@lru_cache(maxsize=1)
def _t2s() -> OpenCC:
    return OpenCC("t2s")


@lru_cache(maxsize=1)
def _t2s_triggers() -> tuple[frozenset[str], re.Pattern[str]]:
    """What can make ``t2s`` change a text: the characters its character rules change, and the
    phrase rules whose change needs more than those characters (反覆 → 反复: 覆 alone stays).
    Text holding neither converts to itself, so OpenCC (otherwise most of the checker's and
    the rules backend's time) is skipped on simplified input."""
    folder = Path(opencc.__file__).parent / "dictionary"

    def rules(name: str) -> list[tuple[str, str]]:
        out = []
        for line in (folder / name).read_text(encoding="utf-8").splitlines():
            key, _, values = line.partition("\t")
            target = values.split(" ")[0] if values else key
            if key != target:
                out.append((key, target))
        return out

    chars = frozenset(key for key, _ in rules("TSCharacters.txt"))
    phrases = [
        key
        for key, target in rules("TSPhrases.txt")
        if len(key) != len(target)
        or any(a != b and a not in chars for a, b in zip(key, target, strict=True))
    ]
    return chars, re.compile("|".join(map(re.escape, phrases)))


def to_simplified(text: str) -> str:
    """Traditional characters → simplified (a no-op on simplified text)."""
    chars, phrases = _t2s_triggers()
    if chars.isdisjoint(text) and not phrases.search(text):
        return text
    return str(_t2s().convert(text))


def simplified_same_length(text: str) -> str:
    """``to_simplified`` with every offset kept, so a match found in the result is a match at
    the same offsets in ``text``. Phrase rules can change a length; then each character is
    converted on its own (one character never becomes two)."""
    converted = to_simplified(text)
    if len(converted) == len(text):
        return converted
    out = []
    for ch in text:
        one = to_simplified(ch)
        out.append(one if len(one) == 1 else ch)
    return "".join(out)


@lru_cache(maxsize=4096)
def fold(text: str | None) -> str:
    """Compare form: width-folded (NFKC is fine on a copy), simplified, lower-case, without
    whitespace, quotation marks or a leading heading number."""
    if not text:
        return ""
    folded = unicodedata.normalize("NFKC", text)
    folded = to_simplified(folded).lower()
    folded = _PINYIN.sub("", _SPACE.sub("", folded).translate(_QUOTES))
    return _HEADING_NUMBER.sub("", folded)
