"""Split a report into its numbered parts (``Section``) and cut spans into budget-sized chunks.

Heading levels: 1 ``一、``; 2 ``（一）``/``(一)``; 3 ``1.``/``1．``/``1、``; 4 ``（1）``/``(1)``
(the official-document order, so "1." items nest their "（1）" items; a "（1）" directly under
"（一）" works too).
A heading opens a line: it is the whole line, or it runs into its paragraph up to the first
``。`` or colon ("（一）水环境状况。全市…" gives "（一）水环境状况"); its title is at most
``_HEADING_MAX`` characters. ``一是…二是…`` items are never headings: the findings extractor
reads them inside their section.

Sections tile the text. Text before the first heading is one ``front`` section (whitespace
alone joins the first section instead, so there is never an empty front); a trailing footer
(签发/校对/印发/抄送 lines, office and date lines, or a signature block ending in a date) is one
``back`` section. A text without headings is cut into ``other`` sections with ``path == []``
of at most ``_PLAIN_SECTION_CHARS`` characters on paragraph (then sentence) boundaries.
"""

from __future__ import annotations

import re

from extractor.folding import simplified_same_length
from extractor.schemas.report import Section, SectionKind

_HEADING_MAX = 40
_PLAIN_SECTION_CHARS = 1500

_CN = "一二三四五六七八九十"
_NUMBER = re.compile(
    rf"[ \t\u3000]*(?:(?P<l1>[{_CN}]{{1,3}}、)"
    rf"|(?P<l2>[（(][{_CN}]{{1,3}}[）)])"
    r"|(?P<l3>\d{1,2}[.．、](?![\d.．]))"
    r"|(?P<l4>[（(]\d{1,2}[）)]))"
)
# A colon also ends a run-in heading ("（一）水环境状况：全市…"), like 。 does.
_RUN_IN_END = re.compile(r"[。：:]")
# A line ending in a clause mark is a sentence broken by the PDF, not a heading; a semicolon
# inside means an inline list ("（1）钢铁；（2）焦化。"), which stays in its paragraph.
_CLAUSE_END = ("，", ",", "、", "；", ";")
_HAS_TEXT = re.compile(r"[\u4e00-\u9fffA-Za-z]")

# Keyword plus colon: a closing sentence that merely starts with 印发/报送 is prose.
_FOOTER_KEY = re.compile(
    r"[（(]?(?:(?:签发|校对|抄送|抄报|报送|分送|主送|印发|联系人|联系电话|审核|核稿|责任编辑)"
    r"\s*[：:]|共印)"
)
_DATE_LINE = re.compile(
    r"^.{0,30}?(?:\d{4}|[〇零○一二三四五六七八九]{4})\s*年\s*[\d一二三四五六七八九十]{1,3}\s*月"
    r"\s*[\d一二三四五六七八九十]{1,3}\s*日\s*(?:印发|印|发)?\s*[)）]?$"
)
_SHORT_PLAIN = re.compile(r"^[^\d，。；,;：:！？、]{1,30}$")
# Page-number debris left by PDF extraction must not hide a footer above it.
_PAGE_NO = re.compile(r"^(?:[-—－–\s]*\d{1,3}[-—－–\s]*|第\s*\d+\s*页(?:\s*共\s*\d+\s*页)?)$")

# Sentence and clause ends for chunking; closing quotes stay with their sentence.
_SENTENCE_END = re.compile(r"[。；！？!?;][”’\"」』）)]*")
_CLAUSE_SPLIT = re.compile(r"[，,、：:][”’\"」』）)]*")

# Kind keywords, strongest first within one heading (see ``section_kind``).
_FRAMING: tuple[tuple[SectionKind, re.Pattern[str]], ...] = (
    ("problems", re.compile(r"存在的?(?:主要|突出|困难和)?问题|问题和不足|不足|困难和问题")),
    (
        "recommendations",
        re.compile(r"意见建议|建议|下一步|对策|工作(?:打算|安排|思路|计划|重点)|努力方向"),
    ),
)
_STRONG: tuple[tuple[SectionKind, re.Pattern[str]], ...] = (
    (
        "measures",
        re.compile(r"做法|措施|成效|工作现状|工作开展|推进情况|工作情况|完成情况|主要工作"),
    ),
    ("status", re.compile(r"总体情况|基本情况|状况|成绩")),
)
_TOPIC = re.compile(r"环境质量|空气质量|大气环境|水环境|土壤|声环境|生态环境现状")


def section_kind(heading_path: list[str]) -> SectionKind:
    """Kind of a section from its heading path (top first). Precedence:

    1. problems / recommendations words: the *outermost* heading carrying one decides, because
       a top-level 存在的问题 frames everything below it (its "（二）环境质量改善成果仍需巩固"
       stays problems) and a child's stray 不足 must not flip a recommendation.
    2. else strong status/measures words (做法/措施/成效/工作现状 → measures, checked before
       总体情况/状况/取得成绩 → status, so "主要做法及成效" is measures): the *innermost*
       heading carrying one decides, so a specific child overrides a generic parent.
    3. else topic words (空气质量/水环境/土壤/…) anywhere → status. They are weak because a
       measures child like "（三）土壤环境风险得到有效管控" names a topic, not a state.
    4. else ``other``. ``front`` and ``back`` come from position, never from this function.
    """
    # keywords are simplified; a traditional report's 存在的問題 must read the same
    heading_path = [simplified_same_length(h) for h in heading_path]
    for heading in heading_path:
        for kind, pattern in _FRAMING:
            if pattern.search(heading):
                return kind
    for heading in reversed(heading_path):
        for kind, pattern in _STRONG:
            if pattern.search(heading):
                return kind
    if any(_TOPIC.search(h) for h in heading_path):
        return "status"
    return "other"


def _lines(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """(start, end) of each line in [start, end), end excluding its newline."""
    end = len(text) if end is None else end
    out: list[tuple[int, int]] = []
    pos = start
    while pos < end:
        nl = text.find("\n", pos, end)
        stop = end if nl < 0 else nl
        out.append((pos, stop))
        pos = stop + 1
    return out


def _heading(line: str) -> tuple[int, int, str] | None:
    """(level, offset of the heading in the line, heading text) when the line opens a heading."""
    m = _NUMBER.match(line)
    if not m:
        return None
    level = next(n for n in (1, 2, 3, 4) if m.group(f"l{n}"))
    lead = len(m.group(0)) - len(m.group(0).lstrip(" \t\u3000"))
    rest = line[m.end() :]
    cut = _RUN_IN_END.search(rest)
    title = (rest[: cut.start()] if cut else rest).strip()
    if not title or len(title) > _HEADING_MAX or not _HAS_TEXT.search(title):
        return None
    if (not cut and title.endswith(_CLAUSE_END)) or "；" in title or ";" in title:
        return None
    return level, lead, line[lead : m.end() + (cut.start() if cut else len(rest))].rstrip()


def _is_footer_line(line: str) -> bool:
    return bool(
        _FOOTER_KEY.match(line)
        or (len(line) <= 50 and _DATE_LINE.match(line))
        or _SHORT_PLAIN.match(line)
        or _PAGE_NO.match(line)
    )


def _back_start(text: str, after: int) -> int | None:
    """Start of the trailing footer/signature block after offset ``after``, if there is one.

    Walk back over blank, footer-keyword, date and short digit-free lines; the block counts only
    if it holds a keyword or date line, so a short closing line of prose is never taken.
    """
    start: int | None = None
    anchored = False
    for s, e in reversed(_lines(text, after)):
        line = text[s:e].strip()
        if not line:
            continue
        if not _is_footer_line(line):
            break
        anchored = anchored or bool(_FOOTER_KEY.match(line) or _DATE_LINE.match(line))
        start = s + (len(text[s:e]) - len(text[s:e].lstrip()))
    return start if anchored else None


def split_sections(text: str) -> list[Section]:
    """Ordered sections tiling ``text``: ids s01…, heading paths, kinds (see module doc)."""
    if not text:
        return []
    # Footer words are matched on a simplified copy of the same length (印發 reads as 印发);
    # headings keep the text as written.
    simp = simplified_same_length(text)
    heads: list[tuple[int, int, str]] = []  # (offset, level, heading text)
    lines = _lines(text)
    for s, e in lines:
        found = _heading(text[s:e])
        if found:
            level, lead, heading = found
            heads.append((s + lead, level, heading))
    last_line_end = 0
    if heads:
        last_line_end = next(e for s, e in lines if s <= heads[-1][0] <= e)
    back = _back_start(simp, last_line_end)
    body_end = len(text) if back is None else back

    # (start, path, kind) of each section; ends are the next start.
    spans: list[tuple[int, list[str], SectionKind]] = []
    if not heads:
        if text[:body_end].strip():
            spans = [
                (s, [], "other") for s, _ in chunk_spans(text, 0, body_end, _PLAIN_SECTION_CHARS)
            ]
    else:
        if text[: heads[0][0]].strip():
            spans.append((0, [], "front"))
        stack: list[tuple[int, str]] = []
        for offset, level, heading in heads:
            while stack and stack[-1][0] >= level:
                stack.pop()
            stack.append((level, heading))
            path = [h for _, h in stack]
            spans.append((offset, path, section_kind(path)))
        # Leading whitespace joins the first section so that sections still tile from 0.
        spans[0] = (0, spans[0][1], spans[0][2])
    if back is not None:
        spans.append((back if spans else 0, [], "back"))
    if not spans:  # whitespace only: one section still covers it
        spans.append((0, [], "other"))

    sections: list[Section] = []
    for i, (s, path, kind) in enumerate(spans):
        e = spans[i + 1][0] if i + 1 < len(spans) else len(text)
        sections.append(Section(id=f"s{i + 1:02d}", path=path, kind=kind, start=s, end=e))
    return sections


def _pieces(text: str, start: int, end: int, pattern: re.Pattern[str]) -> list[tuple[int, int]]:
    """[start, end) cut after each match of ``pattern`` (the separator stays with the left part)."""
    out: list[tuple[int, int]] = []
    pos = start
    for m in pattern.finditer(text, start, end):
        if m.end() > pos:
            out.append((pos, m.end()))
            pos = m.end()
    if pos < end:
        out.append((pos, end))
    return out


_PARAGRAPH_END = re.compile(r"\n+")


def _units(text: str, start: int, end: int, budget: int) -> list[tuple[int, int]]:
    """Contiguous pieces of [start, end), each <= budget: paragraphs, else sentences, else
    clauses, else hard cuts."""
    levels = (_PARAGRAPH_END, _SENTENCE_END, _CLAUSE_SPLIT)

    def split(s: int, e: int, depth: int) -> list[tuple[int, int]]:
        if e - s <= budget:
            return [(s, e)]
        if depth == len(levels):
            return [(i, min(i + budget, e)) for i in range(s, e, budget)]
        return [
            u for ps, pe in _pieces(text, s, e, levels[depth]) for u in split(ps, pe, depth + 1)
        ]

    # Whole paragraphs are units even when small, so packing prefers paragraph boundaries.
    return [u for ps, pe in _pieces(text, start, end, _PARAGRAPH_END) for u in split(ps, pe, 1)]


_CLOSERS = '”’"」』）)'


def _overlap_start(text: str, lo: int, boundary: int, limit: int) -> int:
    """Earliest sentence start in (lo, boundary) at most ``limit`` chars before ``boundary``;
    ``boundary`` itself (no overlap) when the last sentence is already longer than that."""
    for p in range(max(lo + 1, boundary - max(limit, 0)), boundary):
        if text[p] not in _CLOSERS and _ends_sentence(text, p):
            return p
    return boundary


def _ends_sentence(text: str, pos: int) -> bool:
    """True when a sentence (with any closing quotes) or a line ends exactly at ``pos``."""
    k = pos
    while k > 0 and text[k - 1] in _CLOSERS:
        k -= 1
    return k > 0 and text[k - 1] in "。；！？!?;\n"


def chunk_spans(
    text: str, start: int, end: int, budget: int, overlap: int = 0
) -> list[tuple[int, int]]:
    """Cut [start, end) into spans of at most ``budget`` chars on paragraph, then sentence
    boundaries (hard cuts only for a sentence longer than the budget).

    With ``overlap > 0`` each chunk after the first starts with the last whole sentence(s) of
    the previous chunk, at most ``overlap`` chars and never pushing the chunk over budget, so a
    fact straddling a cut is seen whole once. Without overlap the spans tile [start, end).
    """
    if budget <= 0:
        raise ValueError("budget must be positive")
    units = _units(text, start, end, budget)
    chunks: list[tuple[int, int]] = []
    i = 0
    while i < len(units):
        c_start, c_end = units[i]
        if chunks and overlap > 0:
            room = budget - (c_end - c_start)
            c_start = _overlap_start(text, chunks[-1][0], c_start, min(overlap, room))
        i += 1
        while i < len(units) and units[i][1] - c_start <= budget:
            c_end = units[i][1]
            i += 1
        chunks.append((c_start, c_end))
    return chunks


def halve(text: str, start: int, end: int) -> int | None:
    """A cut of [start, end) into two parts, at the line, sentence, clause or list item end
    nearest its middle (the first of those kinds that has one); None when there is none to cut
    at. A list's items are cut last: a quote may run over several of them."""
    middle = (start + end) // 2
    for marks in ("\n", "。！？!?", "；;", "，,：:", "、"):
        cuts = [p + 1 for p in range(start, end - 1) if text[p] in marks]
        if cuts:
            return min(cuts, key=lambda p: abs(p - middle))
    return None


# --- sentences and clauses (for the checker and the rules backend) ---------------------------

# A table flattened into text: cells split by " | " (what loading writes for .docx tables), a
# full-width bar or a tab.
TABLE_CELL = re.compile(r"\s*[|｜\t]\s*")
_TABLE_ROW = re.compile(r"\S\s*[|｜\t]\s*\S")


def is_table_row(s: str) -> bool:
    """Whether ``s`` holds a table row: a cell on each side of a separator."""
    return bool(_TABLE_ROW.search(s))


# The number a heading starts with: 一、 （一） (1) 1. 1、
HEADING_NUMBER = re.compile(
    r"^\s*(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[）)]|\d+[.．、])\s*"
)


def heading_title(heading: str) -> str:
    """A heading without its number: the contract's category of the findings under it."""
    return HEADING_NUMBER.sub("", heading).strip()


SENTENCE_MARKS = "。！？!?\n"
SEGMENT_MARKS = SENTENCE_MARKS + "；;"
CLAUSE_MARKS = SEGMENT_MARKS + "，,：:"


def enclosing(text: str, start: int, end: int, marks: str = SENTENCE_MARKS) -> tuple[int, int]:
    """The stretch around ``text[start:end]`` bounded by ``marks`` (the end mark included), so
    ``enclosing(text, a, b)`` is the sentence holding a quote and ``CLAUSE_MARKS`` its clause."""
    lo = start
    while lo > 0 and text[lo - 1] not in marks:
        lo -= 1
    hi = max(end, start)
    while hi < len(text) and text[hi] not in marks:
        hi += 1
    if hi < len(text) and text[hi] != "\n":
        hi += 1
    return lo, hi
