"""Tables flattened into lines ("细颗粒物（PM2.5） | 31 | -6.1" under "监测项目 | 年评价值 |
同比变化（%）"): one fact per row and value column, its unit from the caption's （单位：…）, a
同比/较上年 column as the row's change, a year column as its period."""

from __future__ import annotations

import re

from extractor.lexicon import BASIS
from extractor.rules.draft import Draft
from extractor.rules.grids import (
    Cell,
    grid_drafts,
    is_place_grid,
    stream_drafts,
    vertical_tables,
)
from extractor.rules.subject import topic
from extractor.rules.text import DocText
from extractor.schemas import Change, Section
from extractor.schemas.catalogue import match_indicator
from extractor.sectioning import TABLE_CELL, is_table_row
from extractor.units import SCALE, canonical_unit, plain_number

_YEAR_CELL = re.compile(r"((?:19|20)\d{2})年?(?:度)?")
_PAREN = re.compile(r"[（(][^）)]*[）)]")
_DIGIT = re.compile(r"\d")
_NUMBER_CELL = re.compile(r"[-+]?\d[\d.,]*\s*[%‰]?")
_CAPTION_UNIT = re.compile(r"单位[：:]\s*([^，,；;）)]+)")
_CAPTION_OVERRIDE = re.compile(r"[，,；;]([^，,；;为]{1,12})为([^，,；;）)]+)")
_CHANGE_HEAD = re.compile(r"变化|增减|变幅|增幅|降幅")
_HEAD_UNIT = re.compile(r"[（(]([^）)]+)[）)]")
_CELL_UNITS = frozenset({"%", "‰", "天", "个", "家", "分贝", "个百分点", "倍", "件", "起"})

Line = tuple[int, str]  # where a line starts in the text, and the line (simplified)


def read_tables(doc: DocText, sec: Section) -> tuple[list[Draft], list[tuple[int, int]]]:
    """The drafts of every table in the section, and the spans of the rows read (which
    nothing else reads again)."""
    drafts: list[Draft] = []
    spans: list[tuple[int, int]] = []
    lines: list[Line] = []
    pos = sec.start
    for line in doc.simp[sec.start : sec.end].split("\n"):
        lines.append((pos, line))
        pos += len(line) + 1
    k = 0
    while k < len(lines):
        if not is_table_row(lines[k][1]):
            k += 1
            continue
        block = []
        while k < len(lines) and is_table_row(lines[k][1]):
            block.append(lines[k])
            k += 1
        caption = next((ln for at, ln in reversed(lines) if at < block[0][0] and ln.strip()), "")
        rest = []
        for at, line in block:
            streamed = stream_drafts(doc, _row_cells(at, line))
            if streamed:  # a whole ranking on one line
                spans.append((at, at + len(line)))
                drafts += streamed
            else:
                rest.append((at, line))
        block = rest
        if not block:
            continue
        header = _row_cells(*block[0])
        if is_place_grid(header) and len(block) > 1:
            spans += [(at, at + len(line)) for at, line in block]
            rows = [_row_cells(at, line) for at, line in block[1:]]
            drafts += grid_drafts(doc, header, rows, _units(caption)[0])
        else:
            drafts += _table(doc, block, caption, spans)
    for header, rows in vertical_tables(doc, sec):
        spans += [(c.start, c.end + 2) for row in [header, *rows] for c in row]
        drafts += grid_drafts(doc, header, rows, None)
    return drafts, spans


def _row_cells(at: int, line: str) -> list[Cell]:
    """The cells of a flattened row, with where each stands in the text."""
    cells: list[Cell] = []
    pos = 0
    for sep in [*TABLE_CELL.finditer(line), None]:
        end = sep.start() if sep is not None else len(line)
        raw = line[pos:end]
        lead = len(raw) - len(raw.lstrip())
        cells.append(Cell(at + pos + lead, at + pos + len(raw.rstrip()), raw.strip()))
        pos = sep.end() if sep is not None else len(line)
    return cells


def _units(caption: str) -> tuple[str | None, dict[str, str | None]]:
    """The caption's unit for every row, and the rows it names another unit for
    (（单位：微克/立方米，一氧化碳为毫克/立方米）)."""
    unit_m = _CAPTION_UNIT.search(caption)
    default = canonical_unit(unit_m.group(1).strip()) if unit_m else None
    overrides = {
        name.strip(): canonical_unit(u.strip()) for name, u in _CAPTION_OVERRIDE.findall(caption)
    }
    return default, overrides


def _table(
    doc: DocText, block: list[Line], caption: str, spans: list[tuple[int, int]]
) -> list[Draft]:
    header = [c.strip() for c in TABLE_CELL.split(block[0][1])]
    if any(_NUMBER_CELL.fullmatch(c) and not _YEAR_CELL.fullmatch(c) for c in header[1:]):
        header = []  # no header row: every line is data
    default, overrides = _units(caption)
    out: list[Draft] = []
    for at, line in block[1:] if header else block:
        label = TABLE_CELL.split(line)[0].strip()
        year_row = bool(header) and bool(_YEAR_CELL.fullmatch(label))
        digits = _DIGIT.search(_PAREN.sub("", label)) and not label.startswith("PM")
        if not label or (digits and not year_row):
            continue
        row_unit = next((u for n, u in overrides.items() if n and n in label), default)
        spans.append((at, at + len(line)))
        out += _row(doc, header, at, line, row_unit)
    return out


_GENERIC_HEAD = re.compile(r"^(?:年?评价值|数值|监测值|浓度值|年均值|均值|结果|现状值|实际值)?$")


def _unit_in(cell: str) -> tuple[str, str | None]:
    """A header or label without the unit it names in brackets (PM2.5(微克/立方米)), and
    that unit; a bracket that names no unit (细颗粒物（PM2.5）) stays."""
    m = _HEAD_UNIT.search(cell)
    if m is None:
        return cell, None
    unit = canonical_unit(m.group(1).strip())
    if unit is None or not (unit in SCALE or unit in _CELL_UNITS or "/" in unit):
        return cell, None
    return (cell[: m.start()] + cell[m.end() :]).strip(), unit


def _named(label: str, head: str, row_unit: str | None) -> tuple[str, str | None, str | None]:
    """Subject, unit and year of a cell from its row's label and its column's header: a year
    in either is the period, a unit in brackets in either is the unit, and a header that names
    a pollutant qualifies a generic label (PM2.5(微克/立方米) over 年均浓度)."""
    label_core, label_unit = _unit_in(label)
    head_core, head_unit = _unit_in(head)
    unit = label_unit or head_unit or row_unit
    if year := _YEAR_CELL.fullmatch(label):
        return head_core or label_core, unit, year.group(1)
    if year := _YEAR_CELL.fullmatch(head):
        return label_core, unit, year.group(1)
    if _GENERIC_HEAD.match(head_core) or _CHANGE_HEAD.search(head_core):
        return label_core, unit, None
    if match_indicator(label_core) is not None or not head_unit:
        return label_core, unit, None
    return head_core + label_core, unit, None


def _row(doc: DocText, header: list[str], at: int, line: str, row_unit: str | None) -> list[Draft]:
    cells = TABLE_CELL.split(line)
    label = cells[0].strip()
    values: list[Draft] = []
    change: Change | None = None
    offset = at + len(cells[0]) + 1
    for col, cell in enumerate(cells[1:], start=1):
        start = doc.text.find(cell.strip(), offset) if cell.strip() else -1
        offset += len(cell) + 1
        m = doc.mention_from(start) if start >= 0 else None
        if m is None or m.masked or m.num_start >= start + len(cell):
            continue
        head = header[col] if col < len(header) else ""
        basis = BASIS.search(head)
        if (basis or _CHANGE_HEAD.search(head)) and values:
            cell_unit = _HEAD_UNIT.search(head)
            change = Change(
                basis=basis.group(1) if basis else None,
                value=plain_number(m.value),
                unit=canonical_unit(cell_unit.group(1)) if cell_unit else m.unit,
            )
            continue
        subject, unit, year = _named(label, head, row_unit)
        period = year if year != doc.meta_year else None
        unit = canonical_unit(m.unit) or unit
        d = Draft(m, subject, at, at + len(line), unit, value=m.value, period=period)
        d.head, d.topic = subject, topic(subject)
        values.append(d)
    if change is not None:
        values[0].change = change  # the row's change qualifies its first value column
    return values
