"""Export from a results database: the panel, facts, findings or reports of the current
reports, with their provenance (doc, path, quote, span, check status), as CSV, JSON lines,
Excel or Parquet; and the panel's wide form (regions × periods for one indicator) for
spreadsheets. Numbers keep their stated form (51, not 51.0).

Excel and Parquet use openpyxl and pyarrow, optional extras (``extractor[xlsx]``,
``extractor[parquet]``).
"""

from __future__ import annotations

import csv
import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

from extractor.errors import ConfigError, StoreError, UsageError
from extractor.storage import Store
from extractor.storage._panel import panel_query

__all__ = ["FORMATS", "TABLES", "export", "rows_of"]

TABLES = ("panel", "facts", "findings", "reports")
FORMATS = ("csv", "jsonl", "xlsx", "parquet")
_SUFFIXES = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".xlsx": "xlsx"}
_SUFFIXES[".parquet"] = "parquet"

Row = dict[str, Any]

# the provenance every exported fact or finding carries
_REPORT_COLUMNS = "r.doc_id AS doc_id, r.path AS path, r.region AS region"


def format_for(path: str | os.PathLike[str], given: str | None) -> str:
    """The format asked for, or the one the file's suffix names."""
    if given is not None:
        return given
    found = _SUFFIXES.get(Path(path).suffix.lower())
    if found is None:
        raise UsageError(
            f"{path}: cannot tell the format from the suffix; pass --format ({', '.join(FORMATS)})"
        )
    return found


def rows_of(
    store: Store,
    table: str,
    *,
    status: str | None = None,
    indicator: str | None = None,
    region: str | None = None,
) -> tuple[list[str], list[Row]]:
    """The column names and rows of one exportable table, over current reports only."""
    if table not in TABLES:
        raise UsageError(f"unknown table {table!r}: use one of {', '.join(TABLES)}")
    if table in ("findings", "reports") and (status or indicator):
        raise UsageError("--status and --indicator filter figures: use them with panel or facts")
    if table == "panel":
        sql, params = panel_query(indicator=indicator, region=region, status=status, targets=None)
    else:
        sql, params = _table_query(table, status=status, indicator=indicator, region=region)
    cursor = store.db.execute(sql, params)
    columns = [d[0] for d in cursor.description]
    return columns, [dict(zip(columns, r, strict=True)) for r in cursor.fetchall()]


def _table_query(
    table: str, *, status: str | None, indicator: str | None, region: str | None
) -> tuple[str, list[Any]]:
    where: list[str] = []
    params: list[Any] = []
    if table == "reports":
        sql = "SELECT * FROM current_reports r"
        order = " ORDER BY r.path"
    elif table == "facts":
        sql = (
            f"SELECT f.*, {_REPORT_COLUMNS} FROM facts f "
            "JOIN current_reports r ON r.id = f.report_id"
        )
        order = " ORDER BY r.path, f.idx"
        for column, wanted in (("f.check_status", status), ("f.indicator", indicator)):
            if wanted is not None:
                where.append(f"{column} = ?")
                params.append(wanted)
    else:
        sql = (
            f"SELECT g.*, {_REPORT_COLUMNS} FROM findings g "
            "JOIN current_reports r ON r.id = g.report_id"
        )
        order = " ORDER BY r.path, g.kind, g.idx"
    if region is not None:
        where.append("r.region = ?")
        params.append(region)
    return sql + (f" WHERE {' AND '.join(where)}" if where else "") + order, params


def wide(columns: list[str], rows: list[Row]) -> tuple[list[str], list[Row]]:
    """The panel of one indicator as regions (and areas) × periods. A cell two reports or
    places state differently holds both values, "51 | 45": never one picked."""
    indicators = {r["indicator"] for r in rows}
    if len(indicators) > 1:
        raise UsageError("the wide form is one indicator: pass --indicator KEY")
    periods = sorted({r["period"] or "" for r in rows})
    cells: dict[tuple[str, str], dict[str, list[Any]]] = {}
    units: dict[tuple[str, str], set[str]] = {}
    for r in rows:
        key = (r["region"] or "", r["area"] or "")
        values = cells.setdefault(key, {}).setdefault(r["period"] or "", [])
        if r["value"] not in values:
            values.append(r["value"])
        units.setdefault(key, set()).add(r["unit"] or "")
    out_columns = ["region", "area", "unit", *periods]
    out: list[Row] = []
    for (region, area), by_period in sorted(cells.items()):
        row: Row = {"region": region, "area": area, "unit": " | ".join(sorted(units[region, area]))}
        for p in periods:
            values = by_period.get(p, [])
            row[p] = values[0] if len(values) == 1 else " | ".join(map(str, values)) or None
        out.append(row)
    return out_columns, out


def export(
    db: str | os.PathLike[str],
    table: str,
    output: str | os.PathLike[str],
    *,
    fmt: str | None = None,
    status: str | None = None,
    indicator: str | None = None,
    region: str | None = None,
    wide_form: bool = False,
) -> int:
    """Write one table of ``db`` to ``output`` (``-`` for stdout, csv and jsonl only);
    returns the number of rows written."""
    fmt = format_for(output, fmt) if str(output) != "-" else (fmt or "csv")
    if fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    if wide_form and table != "panel":
        raise UsageError("the wide form is of the panel: use --table panel")
    if not Path(db).is_file():
        raise StoreError(f"{db}: no such results database; run extractor batch ... --db {db}")
    with Store(db) as store:
        columns, rows = rows_of(store, table, status=status, indicator=indicator, region=region)
    if wide_form:
        columns, rows = wide(columns, rows)
    _WRITERS[fmt](columns, rows, output)
    return len(rows)


@contextmanager
def _open_text(output: str | os.PathLike[str]) -> Iterator[TextIO]:
    if str(output) == "-":
        yield sys.stdout
        return
    with open(output, "w", encoding="utf-8", newline="") as f:
        yield f


def _csv(columns: list[str], rows: list[Row], output: str | os.PathLike[str]) -> None:
    with _open_text(output) as f:
        writer = csv.writer(f)
        writer.writerow(columns)
        writer.writerows([_cell(r.get(c)) for c in columns] for r in rows)


def _cell(value: Any) -> Any:
    return "" if value is None else value  # ints print as 51, floats as 4.803


def _jsonl(columns: list[str], rows: list[Row], output: str | os.PathLike[str]) -> None:
    with _open_text(output) as f:
        for r in rows:
            f.write(json.dumps({c: r.get(c) for c in columns}, ensure_ascii=False) + "\n")


def _xlsx(columns: list[str], rows: list[Row], output: str | os.PathLike[str]) -> None:
    _no_stdout(output, "xlsx")
    try:
        from openpyxl import Workbook
    except ImportError as e:
        raise ConfigError("xlsx export needs openpyxl: pip install 'extractor[xlsx]'") from e
    book = Workbook(write_only=True)
    sheet = book.create_sheet("data")
    sheet.append(columns)
    for r in rows:
        sheet.append([r.get(c) for c in columns])
    book.save(os.fspath(output))


def _parquet(columns: list[str], rows: list[Row], output: str | os.PathLike[str]) -> None:
    _no_stdout(output, "parquet")
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as e:
        raise ConfigError("parquet export needs pyarrow: pip install 'extractor[parquet]'") from e
    types = {c: _arrow_type(pa, [r.get(c) for r in rows]) for c in columns}
    text = {c for c, t in types.items() if t == pa.string()}
    data = [
        {c: (str(r[c]) if c in text and r.get(c) is not None else r.get(c)) for c in columns}
        for r in rows
    ]
    schema = pa.schema([pa.field(c, types[c]) for c in columns])
    pq.write_table(pa.Table.from_pylist(data, schema=schema), os.fspath(output))


def _arrow_type(pa: Any, values: list[Any]) -> Any:
    """int64 for whole numbers, float64 when any is fractional, else text."""
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        return pa.int64()
    if present and all(isinstance(v, int | float) and not isinstance(v, bool) for v in present):
        return pa.float64()
    return pa.string()


def _no_stdout(output: str | os.PathLike[str], fmt: str) -> None:
    if str(output) == "-":
        raise UsageError(f"{fmt} is a binary format: pass -o FILE")


_WRITERS: dict[str, Callable[[list[str], list[Row], str | os.PathLike[str]], None]] = {
    "csv": _csv,
    "jsonl": _jsonl,
    "xlsx": _xlsx,
    "parquet": _parquet,
}
