"""Locate a model's quote inside its section: exact, then ignoring whitespace and punctuation
width, then fuzzy. A located quote is replaced by the exact source substring, so every span
slices back to its quote; a quote that cannot be located keeps span None for the checker."""

from __future__ import annotations

from rapidfuzz import fuzz

# Models often return half-width punctuation for the report's full-width (or the reverse).
_FOLD = str.maketrans({",": "，", ":": "：", ";": "；", "(": "（", ")": "）", "!": "！", "?": "？"})
FUZZY_CUTOFF = 90.0


def _folded(text: str) -> tuple[str, list[int]]:
    """Text without whitespace and with punctuation folded, and each kept char's index."""
    chars: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(text):
        if ch.isspace():
            continue
        chars.append(ch.translate(_FOLD))
        index.append(i)
    return "".join(chars), index


def locate(
    quote: str, text: str, start: int, end: int, hint: int | None = None
) -> tuple[int, int] | None:
    """Span of ``quote`` within ``text[start:end]`` (absolute offsets), or None.

    With several exact occurrences the one nearest ``hint`` wins (the chunk a fact came from).
    """
    quote = quote.strip()
    if not quote:
        return None
    window = text[start:end]
    hits: list[int] = []
    pos = window.find(quote)
    while pos != -1:
        hits.append(pos)
        pos = window.find(quote, pos + 1)
    if hits:
        best = min(hits, key=lambda p: abs(start + p - hint)) if hint is not None else hits[0]
        return start + best, start + best + len(quote)

    fw, idx = _folded(window)
    fq, _ = _folded(quote)
    if fq:
        pos = fw.find(fq)
        if pos != -1:
            return start + idx[pos], start + idx[pos + len(fq) - 1] + 1

    if len(fq) >= 4 and fw:
        al = fuzz.partial_ratio_alignment(fq, fw, score_cutoff=FUZZY_CUTOFF)
        if al is not None and al.dest_end > al.dest_start:
            return start + idx[al.dest_start], start + idx[al.dest_end - 1] + 1
    return None
