"""The panel from Python: ``extractor.panel(db, ...)`` → rows (or a pandas DataFrame)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Literal, overload

from pydantic import BaseModel

from extractor.errors import ConfigError
from extractor.storage._store import Store
from extractor.storage._views import PANEL_COLUMNS

if TYPE_CHECKING:
    import pandas

__all__ = ["PanelRow", "panel", "panel_query"]

Number = int | float


class PanelRow(BaseModel):
    """One figure of the panel, with the sentence it came from."""

    region: str | None
    period: str | None
    area: str | None
    indicator: str
    qualifier: str | None  # the subject's words beyond the indicator's name
    subject: str
    value: Number
    unit: str | None
    value_std: Number | None
    unit_std: str | None
    change_basis: str | None
    change_value: Number | None
    change_unit: str | None
    status: str | None  # the checker's: verified | flagged | unverifiable
    is_target: bool
    doc_id: str | None
    report_id: str
    path: str | None
    quote: str
    span_start: int | None
    span_end: int | None
    fact_id: str


def panel_query(
    *,
    view: str = "panel",
    indicator: str | None = None,
    region: str | None = None,
    period: str | None = None,
    status: str | None = None,
    targets: bool | None = False,
) -> tuple[str, list[Any]]:
    """The SQL (and its parameters) selecting panel rows; ``targets`` None keeps both actual
    figures and targets."""
    where: list[str] = []
    params: list[Any] = []
    for column, wanted in (
        ("indicator", indicator),
        ("region", region),
        ("period", period),
        ("status", status),
    ):
        if wanted is not None:
            where.append(f"{column} = ?")
            params.append(wanted)
    if targets is not None:
        where.append("is_target = ?")
        params.append(int(targets))
    sql = f"SELECT * FROM {view}" + (f" WHERE {' AND '.join(where)}" if where else "")
    sql += " ORDER BY indicator, region, period, area, doc_id, span_start"
    return sql, params


@overload
def panel(
    db: str | os.PathLike[str] | Store,
    *,
    indicator: str | None = ...,
    region: str | None = ...,
    period: str | None = ...,
    status: str | None = ...,
    targets: bool | None = ...,
    frame: Literal[False] = ...,
) -> list[PanelRow]: ...


@overload
def panel(
    db: str | os.PathLike[str] | Store,
    *,
    indicator: str | None = ...,
    region: str | None = ...,
    period: str | None = ...,
    status: str | None = ...,
    targets: bool | None = ...,
    frame: Literal[True],
) -> pandas.DataFrame: ...


def panel(
    db: str | os.PathLike[str] | Store,
    *,
    indicator: str | None = None,
    region: str | None = None,
    period: str | None = None,
    status: str | None = None,
    targets: bool | None = False,
    frame: bool = False,
) -> list[PanelRow] | pandas.DataFrame:
    """The panel of a results database: one row per figure of every current report, keyed by
    region, period, area and indicator, with its value, unit, standardized value, the
    checker's status and the quote and span it came from.

    Filter with ``indicator`` (a catalogue key such as ``pm25_annual_mean``), ``region``,
    ``period`` and ``status`` (``verified`` for figures the checker confirmed). Targets are
    left out unless ``targets`` is True (only targets) or None (both). ``frame=True`` returns
    a pandas DataFrame (``pip install 'extractor[pandas]'``).
    """
    sql, params = panel_query(
        indicator=indicator, region=region, period=period, status=status, targets=targets
    )
    store = db if isinstance(db, Store) else Store(db)
    try:
        rows = [dict(r) for r in store.db.query(sql, params)]
    finally:
        if store is not db:
            store.close()
    if not frame:
        return [PanelRow.model_validate({**r, "is_target": bool(r["is_target"])}) for r in rows]
    try:
        import pandas
    except ImportError as e:
        raise ConfigError(
            "panel(..., frame=True) needs pandas: pip install 'extractor[pandas]'"
        ) from e
    return pandas.DataFrame(rows, columns=list(PANEL_COLUMNS))
