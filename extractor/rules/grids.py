"""Ranking tables: one row per place, with its rank and its values (序号 | 城市 | AQI达标率 |
PM2.5浓度 | …), as web pages flatten them: a row per line, or one cell per line ("2.1744 |").
Each value cell is a fact whose subject is its column's header, whose area is the row's place
and whose rank is the row's rank for that ranking; a Δ or 变化 column is a change."""

from __future__ import annotations

import re
from dataclasses import dataclass

from extractor.rules.draft import Draft
from extractor.rules.subject import topic
from extractor.rules.text import DocText
from extractor.schemas import Change, Rank, Section
from extractor.units import canonical_unit, plain_number

_CELL_LINE = re.compile(r"^\s*([^|｜\n]*?)\s*[|｜]\s*$")
_PLACE_HEAD = re.compile(r"城市|县|区|市州|地区|名称|地市|单位|站点|断面")
_RANK_HEAD = re.compile(r"排名|名次|序号|位次")
_CHANGE_HEAD = re.compile(r"^[△Δ∆]|变化|同比|增减|变幅|增幅|降幅")
_HEAD_UNIT = re.compile(r"[（(]([^）)]*[^\d）)][^）)]*)[）)]")
_NUMERIC = re.compile(r"^[-+]?\d+(?:\.\d+)?%?$")
_INTEGER = re.compile(r"^\d{1,4}$")
_MIN_ROWS = 2


@dataclass(frozen=True)
class Cell:
    start: int
    end: int
    text: str  # simplified


def _columns(header: list[Cell]) -> tuple[list[int], list[int]]:
    """Indexes of the place columns and of the rank columns."""
    places = [
        k
        for k, c in enumerate(header)
        if _PLACE_HEAD.search(c.text) and not _RANK_HEAD.search(c.text)
    ]
    ranks = [k for k, c in enumerate(header) if _RANK_HEAD.search(c.text)]
    return places, ranks


def is_place_grid(header: list[Cell]) -> bool:
    places, _ = _columns(header)
    return bool(places)


def vertical_tables(doc: DocText, sec: Section) -> list[tuple[list[Cell], list[list[Cell]]]]:
    """Tables written one cell per line, each line ending in its bar: the header cells come
    first (no number among them), then rows of as many cells."""
    cells: list[Cell] = []
    runs: list[list[Cell]] = []
    pos = sec.start
    for line in doc.simp[sec.start : sec.end].split("\n"):
        m = _CELL_LINE.match(line)
        if m:
            cells.append(Cell(pos + m.start(1), pos + m.end(1), m.group(1)))
        elif line.strip():
            if cells:
                runs.append(cells)
            cells = []
        pos += len(line) + 1
    if cells:
        runs.append(cells)
    out = []
    for run in runs:
        width = next((k for k, c in enumerate(run) if _NUMERIC.match(c.text)), 0)
        header, body = run[:width], run[width:]
        if width < 2 or len(body) < _MIN_ROWS * width or not is_place_grid(header):
            continue
        out.append((header, [body[k : k + width] for k in range(0, len(body) - width + 1, width)]))
    return out


def _left_of(columns: list[int], k: int) -> int | None:
    return max((c for c in columns if c < k), default=None)


def grid_drafts(
    doc: DocText, header: list[Cell], rows: list[list[Cell]], unit: str | None
) -> list[Draft]:
    places, ranks = _columns(header)
    out: list[Draft] = []
    for row in rows:
        for k, cell in enumerate(row):
            if k in places or k in ranks or k >= len(header) or not _NUMERIC.match(cell.text):
                continue
            place_col = _left_of(places, k)
            if place_col is None or place_col >= len(row):
                continue
            d = _cell_draft(doc, header, row, k, place_col, _left_of(ranks, place_col), unit)
            if d is not None:
                out.append(d)
    return out


def _cell_draft(
    doc: DocText,
    header: list[Cell],
    row: list[Cell],
    k: int,
    place_col: int,
    rank_col: int | None,
    unit: str | None,
) -> Draft | None:
    cell, head = row[k], header[k].text
    m = doc.mention_from(cell.start)
    if m is None or m.masked or m.num_start >= cell.end:
        return None
    unit_m = _HEAD_UNIT.search(head)
    subject = _HEAD_UNIT.sub("", head).strip() or head
    own_unit = canonical_unit(m.unit) or (canonical_unit(unit_m.group(1)) if unit_m else unit)
    if own_unit in ("μg/m3", "ug/m3"):
        own_unit = "微克/立方米"
    place = doc.text[row[place_col].start : row[place_col].end]
    rank = None
    if rank_col is not None and rank_col < len(row) and _INTEGER.match(row[rank_col].text):
        rank = Rank(position=int(row[rank_col].text))
    start = (
        row[rank_col].start if rank is not None and rank_col is not None else row[place_col].start
    )
    d = Draft(m, subject, min(start, cell.start), cell.end, own_unit, value=m.value, area=place)
    d.rank, d.head, d.topic = rank, subject, topic(subject)
    if _CHANGE_HEAD.search(head):
        d.change = Change(value=plain_number(m.value), unit=own_unit)
    return d


# --- a ranking written as one stream of cells ------------------------------------------------
# 优良天数比例(%)排名 | PM2.5月均浓度(μg/m3)排名 | 1 | 兴化市 | 90.3% | 1 | 兴化市 | 17 | 2 | …:
# after the rankings' headers, records of (rank, place, value) for each ranking in turn; a
# place tied with the one above has no rank of its own.

_RANKING_HEAD = re.compile(r"排名$")
_PLACE_CELL = re.compile(r"[\u4e00-\u9fff]")


def _ranking_subject(head: str) -> tuple[str, str | None]:
    core = _RANKING_HEAD.sub("", head)
    core = core.rsplit("排名", 1)[-1]  # a caption run into the first header: …质量排名优良天数比例
    unit_m = _HEAD_UNIT.search(core)
    unit = canonical_unit(unit_m.group(1)) if unit_m else None
    return _HEAD_UNIT.sub("", core).strip(), unit


def stream_drafts(doc: DocText, cells: list[Cell]) -> list[Draft]:
    width = next((k for k, c in enumerate(cells) if _NUMERIC.match(c.text)), 0)
    heads = cells[:width]
    if width < 1 or not all(_RANKING_HEAD.search(c.text) for c in heads):
        return []
    rankings = [_ranking_subject(c.text) for c in heads]
    out: list[Draft] = []
    last_rank: dict[int, int] = {}
    pending: Cell | None = None  # a rank cell waiting for its place
    record = 0
    body = cells[width:]
    k = 0
    while k < len(body):
        cell = body[k]
        if _INTEGER.match(cell.text) and pending is None:
            pending = cell
            k += 1
            continue
        if not _PLACE_CELL.search(cell.text) or k + 1 >= len(body):
            pending = None
            k += 1
            continue
        value = body[k + 1]
        group = record % len(rankings)
        subject, unit = rankings[group]
        position = int(pending.text) if pending is not None else last_rank.get(group)
        d = _stream_draft(doc, pending or cell, cell, value, subject, unit, position)
        if d is not None:
            d.rank = (
                Rank(position=position, metric=subject, tied=pending is None) if position else None
            )
            out.append(d)
        if position is not None:
            last_rank[group] = position
        record += 1
        pending = None
        k += 2
    return out


def _stream_draft(
    doc: DocText,
    first: Cell,
    place: Cell,
    value: Cell,
    subject: str,
    unit: str | None,
    position: int | None,
) -> Draft | None:
    m = doc.mention_from(value.start)
    if m is None or m.masked or m.num_start >= value.end or not _NUMERIC.match(value.text):
        return None
    area = doc.text[place.start : place.end]
    d = Draft(
        m, subject, first.start, value.end, canonical_unit(m.unit) or unit, value=m.value, area=area
    )
    d.head, d.topic = subject, topic(subject)
    return d
