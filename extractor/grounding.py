"""Quote → span, and nowhere else: a quote is located exact, then ignoring whitespace and
punctuation width, then fuzzy, and replaced by the exact source substring, so every span
slices back to its quote; a quote that cannot be located keeps span None for the checker.

``grounded`` places one model quote within its section (nearest the chunk it came from);
``ground_facts`` is the pipeline's grounding stage, run once before checking."""

from __future__ import annotations

from collections.abc import Iterable

from rapidfuzz import fuzz

from extractor.schemas import Fact

Span = tuple[int, int] | None

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


def grounded(text: str, quote: str, start: int, end: int, hint: int | None) -> tuple[str, Span]:
    """A model's quote as it stands in ``text[start:end]``: the exact source substring and its
    span when it can be located, else the quote as given and no span."""
    span = locate(quote, text, start, end, hint)
    return (text[span[0] : span[1]], span) if span else (quote, None)


def ground_facts(facts: Iterable[Fact], text: str) -> list[Fact]:
    """Every fact with its quote located in ``text``: a span that slices back to its quote is
    kept; otherwise the quote is found (exact, then folded, then fuzzy) and replaced by the
    source substring. Two facts quoting the same words (改善率在全省排名第4位, said of PM2.5
    and of 优良天数) take successive occurrences rather than both the first. A quote that
    cannot be found leaves the span None, for the checker to report."""
    claimed: dict[str, list[int]] = {}
    out: list[Fact] = []
    for f in facts:
        span = _find_span(f, text, claimed)
        if span is not None and span != f.span:
            f = f.model_copy(update={"span": span, "quote": text[span[0] : span[1]]})
        elif span is None and f.span is not None:
            f = f.model_copy(update={"span": None})
        out.append(f)
    return out


def _find_span(f: Fact, text: str, claimed: dict[str, list[int]]) -> Span:
    if f.span is not None and text[f.span[0] : f.span[1]] == f.quote:
        return f.span
    if not f.quote:
        return None
    taken = claimed.setdefault(f.quote, [])
    at = text.find(f.quote)
    while at >= 0 and at in taken:
        at = text.find(f.quote, at + 1)
    if at >= 0:
        taken.append(at)
        return at, at + len(f.quote)
    return locate(f.quote, text, 0, len(text), f.span[0] if f.span else None)
