"""Quote → span, and nowhere else: a quote is located exact, then ignoring whitespace and
punctuation width, then fuzzy, and replaced by the exact source substring, so every span
slices back to its quote; a quote that cannot be located keeps span None for the checker.

``grounded`` places one model quote within its section (nearest the chunk it came from);
``ground_facts`` is the pipeline's grounding stage, run once before checking."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from rapidfuzz import fuzz

from extractor.folding import simplified_same_length
from extractor.numbers import Mention, find_numbers
from extractor.schemas import CheckIssue, Fact
from extractor.sectioning import CLAUSE_MARKS, enclosing

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
    quote: str,
    text: str,
    start: int,
    end: int,
    hint: int | None = None,
    taken: Collection[int] = (),
) -> tuple[int, int] | None:
    """Span of ``quote`` within ``text[start:end]`` (absolute offsets), or None.

    With several exact occurrences the one nearest ``hint`` wins (the chunk a fact came from),
    among those whose start is not in ``taken`` while any is free.
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
    free = [p for p in hits if start + p not in taken]
    hits = free or hits
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


def grounded(
    text: str,
    quote: str,
    start: int,
    end: int,
    hint: int | None,
    taken: Collection[int] = (),
) -> tuple[str, Span]:
    """A model's quote as it stands in ``text[start:end]``: the exact source substring and its
    span when it can be located (not at a start in ``taken`` while another occurrence is
    free), else the quote as given and no span."""
    span = locate(quote, text, start, end, hint, taken)
    return (text[span[0] : span[1]], span) if span else (quote, None)


@dataclass(frozen=True)
class Grounded:
    """Facts with their quotes located, and notes on the ones grounding moved (re-quoted)."""

    facts: list[Fact]
    notes: dict[int, list[CheckIssue]] = field(default_factory=dict)


def ground_facts(
    facts: Iterable[Fact], text: str, mentions: list[Mention] | None = None
) -> Grounded:
    """Every fact with its quote located in ``text``: a span that slices back to its quote is
    kept; otherwise the quote is found (exact, then folded, then fuzzy) and replaced by the
    source substring. Two facts quoting the same words (改善率在全省排名第4位, said of PM2.5
    and of 优良天数) take successive occurrences rather than both the first. A model's fact
    whose quote does not state its value is re-quoted where the value stands with its subject
    (noted ``requoted``). A quote that cannot be found leaves the span None, for the checker."""
    claimed: dict[str, list[int]] = {}
    out: list[Fact] = []
    notes: dict[int, list[CheckIssue]] = {}
    live: list[Mention] | None = None
    for i, f in enumerate(facts):
        span = _find_span(f, text, claimed)
        if span is not None and span != f.span:
            f = f.model_copy(update={"span": span, "quote": text[span[0] : span[1]]})
        elif span is None and f.span is not None:
            f = f.model_copy(update={"span": None})
        if f.origin == "llm" and f.value is not None:
            if live is None:
                found = (
                    mentions if mentions is not None else find_numbers(text, include_masked=True)
                )
                live = [m for m in found if not m.masked]
            moved = requote(f, text, live)
            if moved is not None:
                f, note = moved
                notes[i] = [note]
        out.append(f)
    return Grounded(out, notes)


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


# --- re-quoting ------------------------------------------------------------------------------

REQUOTE_SHARE = 0.5  # of the subject's character pairs, in the sentence leading to the number


def _pairs(s: str) -> set[str]:
    s = "".join(c for c in s if "\u4e00" <= c <= "\u9fff")
    return {s[k : k + 2] for k in range(len(s) - 1)} or ({s} if s else set())


def _states(value: Decimal, m: Mention) -> bool:
    return value == m.value or (m.value_to is not None and value == m.value_to)


def _lead(text: str, m: Mention, subject: set[str]) -> tuple[float, int]:
    """How well the sentence leading to ``m`` names the subject, and where the shortest
    stretch naming it starts (a clause boundary)."""
    lo = m.start
    best = (0.0, m.start)
    sentence_start = enclosing(text, m.start, m.start)[0]
    while True:
        lo = enclosing(
            text, max(sentence_start, lo - 1), max(sentence_start, lo - 1), CLAUSE_MARKS
        )[0]
        window = simplified_same_length(text[lo : enclosing(text, m.end, m.end, CLAUSE_MARKS)[1]])
        share = sum(p in window for p in subject) / len(subject) if subject else 0.0
        if share > best[0]:
            best = (share, lo)
        if share >= REQUOTE_SHARE or lo <= sentence_start:
            return best


def requote(f: Fact, text: str, live: list[Mention]) -> tuple[Fact, CheckIssue] | None:
    """``f`` quoted where its value is stated with its subject, when its own quote does not
    state the value; None when it does, or when no place states both."""
    value = Decimal(str(f.value))
    if f.span is not None and any(
        _states(value, m) and f.span[0] <= m.num_start and m.num_end <= f.span[1] for m in live
    ):
        return None
    subject = _pairs(simplified_same_length(f.subject))
    # a rank is stated as one (第10, 并列第10), not as a list's length (前十名); a figure
    # that also has a rank (33μg/m3，全省排名第3) is stated as a figure
    is_rank = f.rank is not None and f.rank.position is not None and f.value == f.rank.position
    places = [
        m
        for m in live
        if _states(value, m)
        and is_rank == (m.kind == "rank")
        and not (is_rank and m.text.startswith("前"))
    ]
    scored = [(*_lead(text, m, subject), m) for m in places]
    scored = [x for x in scored if x[0] >= REQUOTE_SHARE]
    if not scored:
        return None
    hint = f.span[0] if f.span is not None else 0
    _share, start, m = max(scored, key=lambda x: (x[0], -abs(x[2].start - hint)))
    quote = text[start : m.end].strip()
    at = text.index(quote, start)
    note = CheckIssue(
        code="requoted",
        message=f"the quote did not state {f.value:g}; moved to {quote!r}, where "
        f"{f.subject!r} is stated with it ({len(places)} places state {f.value:g})",
    )
    return f.model_copy(update={"quote": quote, "span": (at, at + len(quote))}), note
