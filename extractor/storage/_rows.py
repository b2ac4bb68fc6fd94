"""The store's tables, each declared once as a row model: its columns (with the migration that
added each), keys and indexes, and the mapping to and from the contract's models.

A column maps to the attribute of the same name, or, through its prefix, to a field of a
nested model (``change_basis`` ↔ ``fact.change.basis``, ``span_start`` ↔ ``fact.span[0]``);
columns marked ``json`` hold JSON text (``check_issues``, ``path``). Migrations create a table
from the columns their name introduced, so a later column never changes an earlier step.
"""

from __future__ import annotations

import json
import types
import typing
from functools import cache
from typing import Any, ClassVar, Literal, Self, TypeVar, Union

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic.fields import FieldInfo
from sqlite_utils import Database

from extractor.schemas.report import RunInfo
from extractor.units import plain_number

M = TypeVar("M", bound=BaseModel)
Number = int | float
FIRST = "0001"


def column(default: Any = None, *, since: str = FIRST, as_json: bool = False) -> Any:
    """A column added by migration ``since``; ``as_json`` keeps a value as JSON text."""
    return Field(default, json_schema_extra={"since": since, "json": as_json})


def _extra(f: FieldInfo, key: str, default: Any) -> Any:
    extra = f.json_schema_extra if isinstance(f.json_schema_extra, dict) else {}
    return extra.get(key, default)


def _sql_type(annotation: Any) -> type:
    """The SQLite column type of a field: numbers REAL, counts and flags INTEGER, else TEXT."""
    origin = typing.get_origin(annotation)
    if origin is Literal:
        return str
    if origin in (Union, types.UnionType):
        kinds = {_sql_type(a) for a in typing.get_args(annotation) if a is not type(None)}
        return float if float in kinds else int if kinds == {int} else str
    if annotation in (bool, int):
        return int
    return float if annotation is float else str


class Row(BaseModel):
    # Rows read back may carry columns added by later migrations; they are simply not used.
    model_config = ConfigDict(extra="ignore")

    table: ClassVar[str]
    pk: ClassVar[str] = "id"
    not_null: ClassVar[frozenset[str]] = frozenset()
    foreign_keys: ClassVar[tuple[tuple[str, str, str], ...]] = ()
    indexes: ClassVar[tuple[tuple[str, ...], ...]] = ()

    # -- the table ----------------------------------------------------------------------

    @classmethod
    def columns(cls, since: str) -> dict[str, type]:
        """The columns migration ``since`` adds, the primary key first."""
        names = sorted(cls.model_fields, key=lambda n: n != cls.pk)
        return {
            name: _sql_type(cls.model_fields[name].annotation)
            for name in names
            if _extra(cls.model_fields[name], "since", FIRST) == since
        }

    @classmethod
    def create_table(cls, db: Database) -> None:
        db.table(cls.table).create(
            cls.columns(FIRST),
            pk=cls.pk,
            not_null=set(cls.not_null),
            foreign_keys=list(cls.foreign_keys),
        )
        for index in cls.indexes:
            db.table(cls.table).create_index(list(index))

    @classmethod
    def add_columns(cls, db: Database, since: str) -> None:
        for name, kind in cls.columns(since).items():
            db.table(cls.table).add_column(name, kind)

    # -- to and from models -------------------------------------------------------------

    @classmethod
    def flat(cls, obj: BaseModel, **given: Any) -> Self:
        """The row for ``obj``; ``given`` sets columns ``obj`` does not hold (ids, counts)."""
        values: dict[str, Any] = {}
        for name, path, as_json in _plan(cls, type(obj)):
            if name in given:
                values[name] = given[name]
                continue
            value = _follow(obj, path) if path is not None else _lookup(obj, name)
            if as_json and value is not None:
                value = json.dumps(_plain(value), ensure_ascii=False)
            values[name] = value
        return cls(**values)

    @classmethod
    def insert_sql(cls) -> str:
        """One prepared INSERT of every column, for ``values``."""
        names = ", ".join(f"[{n}]" for n in cls.model_fields)
        marks = ", ".join("?" * len(cls.model_fields))
        return f"INSERT INTO [{cls.table}] ({names}) VALUES ({marks})"

    def values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, n) for n in type(self).model_fields)

    def to_model(self, model: type[M], **given: Any) -> M:
        """The model this row stores (``given`` for fields the row names differently)."""
        data: dict[str, Any] = {}
        for name, f in model.model_fields.items():
            data[name] = given[name] if name in given else self._field(name, f)
        return model.model_validate(data)

    def _field(self, name: str, f: FieldInfo) -> Any:
        if name in type(self).model_fields:
            return self._read(name, f)
        nested = _model_in(f.annotation)
        if nested is not None:
            sub = {
                k: self._read(f"{name}_{k}", g)
                for k, g in nested.model_fields.items()
                if f"{name}_{k}" in type(self).model_fields
            }
            return sub if any(v is not None for v in sub.values()) else None
        start, end = getattr(self, f"{name}_start", None), getattr(self, f"{name}_end", None)
        return (start, end) if start is not None and end is not None else None

    def _read(self, name: str, target: FieldInfo) -> Any:
        value = getattr(self, name)
        if value is not None and _extra(type(self).model_fields[name], "json", False):
            return json.loads(value)
        if isinstance(value, float) and int in typing.get_args(target.annotation):
            return plain_number(value)  # numbers live in REAL columns; 51 reads back as 51
        return value


def _model_in(annotation: Any) -> type[BaseModel] | None:
    for a in (annotation, *typing.get_args(annotation)):
        if isinstance(a, type) and issubclass(a, BaseModel):
            return a
    return None


FieldPath = tuple[str | int, ...]


@cache
def _plan(row: type[Row], model: type[BaseModel]) -> tuple[tuple[str, FieldPath | None, bool], ...]:
    """Per column of ``row``: where it sits in ``model`` (resolved once per pair of classes,
    since a lookup by ``hasattr`` costs a raised error per miss) and whether it is JSON."""
    return tuple(
        (name, _path(model, name), bool(_extra(f, "json", False)))
        for name, f in row.model_fields.items()
    )


def _path(model: type[BaseModel], name: str) -> FieldPath | None:
    """``change_basis`` → ``("change", "basis")``, ``span_start`` → ``("span", 0)``; None when
    ``model`` has no such field (``_lookup`` then asks the object itself)."""
    if name in model.model_fields:
        return (name,)
    head, _, tail = name.partition("_")
    while tail:
        if head in model.model_fields:
            annotation = model.model_fields[head].annotation
            nested = _model_in(annotation)
            if nested is not None:
                rest = _path(nested, tail)
                return None if rest is None else (head, *rest)
            if tail in ("start", "end"):
                return (head, 0 if tail == "start" else 1)
            return None
        more, _, tail = tail.partition("_")
        head = f"{head}_{more}"
    return None


def _follow(obj: Any, path: FieldPath) -> Any:
    for step in path:
        if obj is None:
            return None
        obj = obj[step] if isinstance(step, int) else getattr(obj, step)
    return obj


def _lookup(obj: Any, name: str) -> Any:
    """``obj.name``, or through a prefix: ``change_basis`` → ``obj.change.basis``."""
    if hasattr(obj, name):
        return getattr(obj, name)
    head, _, tail = name.partition("_")
    while tail:
        if hasattr(obj, head):
            inner = getattr(obj, head)
            if inner is None:
                return None
            if isinstance(inner, tuple) and tail in ("start", "end"):
                return inner[0 if tail == "start" else 1]
            return _lookup(inner, tail)
        more, _, tail = tail.partition("_")
        head = f"{head}_{more}"
    return None


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


# --- the tables ------------------------------------------------------------------------------

_OF_REPORT = (("report_id", "reports", "id"),)


class ReportRow(Row):
    table = "reports"
    not_null = frozenset({"config", "status", "created_at", "updated_at"})
    indexes = (("doc_id", "config"),)

    id: str
    doc_id: str | None = None
    config: str
    path: str | None = None
    # incomplete: stored, but some sections failed (the next run retries them)
    status: Literal["ok", "incomplete", "failed"]
    error: str | None = None
    title: str | None = None
    doc_type: str | None = None
    issuer: str | None = None
    region: str | None = None
    period: str | None = None
    issued_on: str | None = None
    schema_version: str | None = None
    text: str | None = None
    source_path: str | None = None
    source_sha256: str | None = None
    chars: int | None = None
    encoding: str | None = None
    n_facts: int = 0
    n_problems: int = 0
    n_recommendations: int = 0
    created_at: str
    updated_at: str
    # the file a report was read from (absolute path): its versions supersede each other
    source_key: str | None = column(since="0003")
    superseded_by: str | None = column(since="0003")  # the newer version's report id
    failed_sections: int = column(0, since="0003")


class SectionRow(Row):
    table = "sections"
    not_null = frozenset({"report_id"})
    foreign_keys = _OF_REPORT
    indexes = (("report_id",),)

    id: str
    report_id: str
    idx: int
    section_id: str
    path: str = column("[]", as_json=True)  # the headings from the top
    kind: str
    start: int
    end: int
    status: str
    error: str | None = None


class FactRow(Row):
    table = "facts"
    not_null = frozenset({"report_id"})
    foreign_keys = _OF_REPORT
    indexes = (("report_id",), ("indicator",), ("subject",))

    id: str
    report_id: str
    idx: int
    category: str
    subject: str
    indicator: str | None = None
    value: Number | None = None
    value_text: str | None = None
    unit: str | None = None
    value_std: Number | None = None
    unit_std: str | None = None
    period: str | None = None
    area: str | None = None
    change_basis: str | None = None
    change_value: Number | None = None
    change_unit: str | None = None
    rank_scope: str | None = None
    rank_position: int | None = None
    rank_metric: str | None = None
    rank_tied: bool | None = None  # NULL exactly when the fact has no rank
    is_target: bool = False
    quote: str = ""
    span_start: int | None = None
    span_end: int | None = None
    section: str | None = None
    check_status: str | None = None  # NULL exactly when the fact was not checked
    check_issues: str | None = column(as_json=True)  # [{code, message}]
    origin: str | None = None
    # the subject's words beyond its indicator's name: two quantities of one indicator
    # (国家监管 and 治理农村 黑臭水体) are two rows of the panel, not a conflict
    qualifier: str | None = column(since="0006")


class FindingRow(Row):
    table = "findings"
    not_null = frozenset({"report_id"})
    foreign_keys = _OF_REPORT
    indexes = (("report_id",),)

    id: str
    report_id: str
    idx: int  # position within its kind: Report.problems[idx] or Report.recommendations[idx]
    kind: Literal["problem", "recommendation"]
    category: str = ""
    title: str
    detail: str = ""
    quote: str = ""
    span_start: int | None = None
    span_end: int | None = None
    section: str | None = None


class RunRow(Row, RunInfo):
    """``RunInfo`` as a row, with the report's check summary beside it."""

    model_config = ConfigDict(extra="ignore")
    table = "runs"
    pk = "report_id"
    foreign_keys = _OF_REPORT

    report_id: str = ""
    checks: str = column("{}", as_json=True)  # CheckSummary: counts, cross-checks, unaccounted
    repair: str | None = column(since="0002", as_json=True)  # type: ignore[assignment]
    by_kind: str | None = column(since="0007", as_json=True)  # type: ignore[assignment]
    cost: float | None = column(since="0007")

    @field_validator("by_kind", mode="before")
    @classmethod
    def _no_kinds(cls, v: Any) -> Any:
        return v  # the row holds JSON text; RunInfo's reading of NULL as {} is for the model


class CopyRow(Row):
    """A file skipped because another file has the same text: which one, and its report."""

    table = "copies"
    not_null = frozenset({"path", "config"})
    indexes = (("doc_id",),)

    id: str
    path: str
    source_key: str
    doc_id: str
    config: str
    same_as: str  # the path whose report holds this text
    report_id: str
    seen_at: str


class JobRow(Row):
    """A request to the service: its input and options, where it stands, and what it gave.
    The input is kept until the job is done, so a restart resumes the job."""

    table = "jobs"
    not_null = frozenset({"status", "created_at", "updated_at"})
    indexes = (("status",),)

    id: str
    status: Literal["queued", "running", "done", "failed"]
    filename: str | None = None
    text: str | None = None  # the loaded text; cleared once the report is stored
    chars: int = 0
    options: str = "{}"  # JSON: the extraction options asked for (never an API key)
    doc_id: str | None = None
    report_id: str | None = None
    error: str | None = None
    created_at: str
    updated_at: str


TABLES: tuple[type[Row], ...] = (ReportRow, SectionRow, FactRow, FindingRow, RunRow)
