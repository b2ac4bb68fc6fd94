"""The results store: one SQLite file that a batch fills and an analyst queries.

Each report is split into plain rows (``reports``, ``sections``, ``facts``, ``findings``,
``runs``) so the figures can be queried, faceted and joined across cities and years without
parsing JSON, and ``load_report`` rebuilds the exact ``Report`` from those rows. The normalized
text is stored too, so every span can be re-sliced from the database alone.

Schema changes go through ``MIGRATIONS``: named steps applied in order, each recorded in
``_migrations`` so a file written by an older version is upgraded in place on open.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict
from sqlite_utils import Database

from extractor.errors import StoreError
from extractor.schemas.report import (
    Change,
    CheckIssue,
    CheckSummary,
    Fact,
    FactCheck,
    Finding,
    Rank,
    Report,
    ReportMeta,
    RunInfo,
    Section,
    Source,
)

__all__ = [
    "MIGRATIONS",
    "FactRow",
    "FindingRow",
    "Migration",
    "MigrationError",
    "ReportRow",
    "RunRow",
    "SectionRow",
    "Store",
    "apply_migrations",
    "failure_id",
    "report_id",
]

Number = int | float


# --- ids -------------------------------------------------------------------------------------


def _hex16(*parts: object) -> str:
    # JSON keeps the parts unambiguous ("a","bc" never hashes like "ab","c") and stable.
    blob = json.dumps(parts, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]


def report_id(doc_id: str, config: str) -> str:
    """Row id of a document extracted under one configuration (same for success and failure,
    so a later success replaces an earlier failure)."""
    return hashlib.sha256(f"{doc_id}\0{config}".encode()).hexdigest()[:16]


def failure_id(path: str | os.PathLike[str], config: str) -> str:
    """Row id of a failure that has no doc_id (the file could not even be read)."""
    absolute = os.path.abspath(os.fspath(path))
    return hashlib.sha256(f"path\0{absolute}\0{config}".encode()).hexdigest()[:16]


def _fact_id(rid: str, idx: int, fact: Fact) -> str:
    # The index is part of the id because two facts may legitimately agree on section, span,
    # subject and value (an unlocated quote has no span; the checker keeps `duplicate`s so a
    # reviewer can see them): without it the second upsert would silently overwrite the first.
    return _hex16(rid, idx, fact.section, fact.span, fact.subject, fact.value)


def _finding_id(rid: str, kind: str, idx: int, finding: Finding) -> str:
    return _hex16(rid, kind, idx, finding.section, finding.span, finding.title)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _number(v: Number | None) -> Number | None:
    # Numbers live in REAL columns (so SQL sees them as numbers); the project writes integral
    # values as ints (pipeline._tidy_number, units.to_std), so give them back as ints.
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
        return int(v)
    return v


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


# --- row shapes ------------------------------------------------------------------------------


class _Row(BaseModel):
    # Rows read back may carry columns added by later migrations; they are simply not used.
    model_config = ConfigDict(extra="ignore")


class ReportRow(_Row):
    id: str
    doc_id: str | None = None
    config: str
    path: str | None = None
    status: Literal["ok", "failed"]
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


class SectionRow(_Row):
    id: str
    report_id: str
    idx: int
    section_id: str
    path: str  # JSON list of headings
    kind: str
    start: int
    end: int
    status: str
    error: str | None = None

    @classmethod
    def of(cls, rid: str, idx: int, s: Section) -> SectionRow:
        return cls(
            id=f"{rid}:{s.id}",
            report_id=rid,
            idx=idx,
            section_id=s.id,
            path=_json(s.path),
            kind=s.kind,
            start=s.start,
            end=s.end,
            status=s.status,
            error=s.error,
        )

    def to_section(self) -> Section:
        return Section.model_validate(
            {
                "id": self.section_id,
                "path": json.loads(self.path),
                "kind": self.kind,
                "start": self.start,
                "end": self.end,
                "status": self.status,
                "error": self.error,
            }
        )


class FactRow(_Row):
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
    check_issues: str | None = None  # JSON list of {code, message}
    origin: str | None = None

    @classmethod
    def of(cls, rid: str, idx: int, f: Fact) -> FactRow:
        change, rank, check = f.change, f.rank, f.check
        return cls(
            id=_fact_id(rid, idx, f),
            report_id=rid,
            idx=idx,
            category=f.category,
            subject=f.subject,
            indicator=f.indicator,
            value=f.value,
            value_text=f.value_text,
            unit=f.unit,
            value_std=f.value_std,
            unit_std=f.unit_std,
            period=f.period,
            area=f.area,
            change_basis=change.basis if change else None,
            change_value=change.value if change else None,
            change_unit=change.unit if change else None,
            rank_scope=rank.scope if rank else None,
            rank_position=rank.position if rank else None,
            rank_metric=rank.metric if rank else None,
            rank_tied=rank.tied if rank else None,
            is_target=f.is_target,
            quote=f.quote,
            span_start=f.span[0] if f.span else None,
            span_end=f.span[1] if f.span else None,
            section=f.section,
            check_status=check.status if check else None,
            check_issues=_json([i.model_dump() for i in check.issues]) if check else None,
            origin=f.origin,
        )

    def to_fact(self) -> Fact:
        # A change is stored as its three columns; one with none of them set says nothing, so
        # it reads back as no change (the pipeline never emits such a change).
        has_change = any(
            v is not None for v in (self.change_basis, self.change_value, self.change_unit)
        )
        check = None
        if self.check_status is not None:
            issues = [CheckIssue.model_validate(i) for i in json.loads(self.check_issues or "[]")]
            check = FactCheck.model_validate({"status": self.check_status, "issues": issues})
        return Fact.model_validate(
            {
                "category": self.category,
                "subject": self.subject,
                "indicator": self.indicator,
                "value": _number(self.value),
                "value_text": self.value_text,
                "unit": self.unit,
                "value_std": _number(self.value_std),
                "unit_std": self.unit_std,
                "period": self.period,
                "area": self.area,
                "change": Change(
                    basis=self.change_basis,
                    value=_number(self.change_value),
                    unit=self.change_unit,
                )
                if has_change
                else None,
                "rank": Rank(
                    scope=self.rank_scope,
                    position=self.rank_position,
                    metric=self.rank_metric,
                    tied=self.rank_tied,
                )
                if self.rank_tied is not None
                else None,
                "is_target": self.is_target,
                "quote": self.quote,
                "span": _span(self.span_start, self.span_end),
                "section": self.section,
                "check": check,
                "origin": self.origin,
            }
        )


class FindingRow(_Row):
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

    @classmethod
    def of(
        cls, rid: str, kind: Literal["problem", "recommendation"], idx: int, g: Finding
    ) -> FindingRow:
        return cls(
            id=_finding_id(rid, kind, idx, g),
            report_id=rid,
            idx=idx,
            kind=kind,
            category=g.category,
            title=g.title,
            detail=g.detail,
            quote=g.quote,
            span_start=g.span[0] if g.span else None,
            span_end=g.span[1] if g.span else None,
            section=g.section,
        )

    def to_finding(self) -> Finding:
        return Finding(
            category=self.category,
            title=self.title,
            detail=self.detail,
            quote=self.quote,
            span=_span(self.span_start, self.span_end),
            section=self.section,
        )


class RunRow(_Row):
    report_id: str
    backend: str = ""
    model: str | None = None
    mode: str | None = None
    prompt_version: str | None = None
    calls: int = 0
    http_requests: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_calls: int = 0
    reasks: int = 0
    seconds: float = 0.0
    checks: str = "{}"  # JSON CheckSummary: counts, cross-checks, unaccounted numbers
    repair: str | None = None  # JSON RepairInfo (migration 0002)

    @classmethod
    def of(cls, rid: str, run: RunInfo, checks: CheckSummary) -> RunRow:
        fields = run.model_dump(exclude={"repair"})
        repair = _json(run.repair.model_dump()) if run.repair is not None else None
        return cls(
            report_id=rid, **fields, checks=_json(checks.model_dump(mode="json")), repair=repair
        )

    def to_run(self) -> RunInfo:
        fields = self.model_dump(exclude={"report_id", "checks", "repair"})
        if self.repair is not None:
            fields["repair"] = json.loads(self.repair)
        return RunInfo.model_validate(fields)

    def to_checks(self) -> CheckSummary:
        return CheckSummary.model_validate(json.loads(self.checks))


def _span(start: int | None, end: int | None) -> tuple[int, int] | None:
    return (start, end) if start is not None and end is not None else None


# --- migrations ------------------------------------------------------------------------------
# Each step spells out its own columns instead of deriving them from the row models above: a
# migration must create the same schema forever, whatever the models become later.


def _m0001_initial(db: Database) -> None:
    db.table("reports").create(
        {
            "id": str,
            "doc_id": str,
            "config": str,
            "path": str,
            "status": str,
            "error": str,
            "title": str,
            "doc_type": str,
            "issuer": str,
            "region": str,
            "period": str,
            "issued_on": str,
            "schema_version": str,
            "text": str,
            "source_path": str,
            "source_sha256": str,
            "chars": int,
            "encoding": str,
            "n_facts": int,
            "n_problems": int,
            "n_recommendations": int,
            "created_at": str,
            "updated_at": str,
        },
        pk="id",
        not_null={"config", "status", "created_at", "updated_at"},
    )
    db.table("reports").create_index(["doc_id", "config"])
    db.table("sections").create(
        {
            "id": str,
            "report_id": str,
            "idx": int,
            "section_id": str,
            "path": str,
            "kind": str,
            "start": int,
            "end": int,
            "status": str,
            "error": str,
        },
        pk="id",
        foreign_keys=[("report_id", "reports", "id")],
        not_null={"report_id"},
    )
    db.table("facts").create(
        {
            "id": str,
            "report_id": str,
            "idx": int,
            "category": str,
            "subject": str,
            "indicator": str,
            "value": float,
            "value_text": str,
            "unit": str,
            "value_std": float,
            "unit_std": str,
            "period": str,
            "area": str,
            "change_basis": str,
            "change_value": float,
            "change_unit": str,
            "rank_scope": str,
            "rank_position": int,
            "rank_metric": str,
            "rank_tied": int,
            "is_target": int,
            "quote": str,
            "span_start": int,
            "span_end": int,
            "section": str,
            "check_status": str,
            "check_issues": str,
            "origin": str,
        },
        pk="id",
        foreign_keys=[("report_id", "reports", "id")],
        not_null={"report_id"},
    )
    db.table("findings").create(
        {
            "id": str,
            "report_id": str,
            "idx": int,
            "kind": str,
            "category": str,
            "title": str,
            "detail": str,
            "quote": str,
            "span_start": int,
            "span_end": int,
            "section": str,
        },
        pk="id",
        foreign_keys=[("report_id", "reports", "id")],
        not_null={"report_id"},
    )
    db.table("runs").create(
        {
            "report_id": str,
            "backend": str,
            "model": str,
            "mode": str,
            "prompt_version": str,
            "calls": int,
            "http_requests": int,
            "prompt_tokens": int,
            "completion_tokens": int,
            "cached_calls": int,
            "reasks": int,
            "seconds": float,
            "checks": str,
        },
        pk="report_id",
        foreign_keys=[("report_id", "reports", "id")],
    )
    for table in ("sections", "facts", "findings"):
        db.table(table).create_index(["report_id"])
    db.table("facts").create_index(["indicator"])
    db.table("facts").create_index(["subject"])


def _m0002_run_repair(db: Database) -> None:
    # What the checker's repair round changed (RunInfo.repair), as JSON.
    db.table("runs").add_column("repair", str)


Migration = tuple[str, Callable[[Database], None]]

MIGRATIONS: list[Migration] = [
    ("0001_initial", _m0001_initial),
    ("0002_run_repair", _m0002_run_repair),
]


def apply_migrations(db: Database, steps: list[Migration]) -> list[str]:
    """Apply pending migrations in order; each runs in its own transaction with its record, so
    a failed step leaves the file at the previous step. Returns the names applied now.

    Shared by every SQLite file the project writes (results store, evaluation history)."""
    db.table("_migrations").create({"name": str, "applied_at": str}, pk="name", if_not_exists=True)
    done = {row["name"] for row in db.table("_migrations").rows}
    applied: list[str] = []
    for name, step in steps:
        if name in done:
            continue
        try:
            with db.atomic():
                step(db)
                db.table("_migrations").insert({"name": name, "applied_at": _now()})
        except sqlite3.Error as e:
            raise MigrationError(name, e) from e
        applied.append(name)
    return applied


class MigrationError(Exception):
    def __init__(self, name: str, cause: sqlite3.Error) -> None:
        super().__init__(f"migration {name} failed: {cause}")


# --- the store -------------------------------------------------------------------------------


class Store:
    """A results database. Open it, save reports and failures, load reports back.

    Every save is one transaction, so an interrupted batch leaves whole reports or nothing.
    """

    db: Database
    applied: list[str]  # migrations applied by this open (empty when the file was current)

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = os.fspath(path)
        shown = self.path
        try:
            if self.path == ":memory:":
                self.db = Database(memory=True)
            else:
                Path(self.path).parent.mkdir(parents=True, exist_ok=True)
                if Path(self.path).is_dir():
                    raise StoreError(
                        f"cannot open the results database {shown}: it is a folder; "
                        "pass a file name such as results.db"
                    )
                self.db = Database(self.path)
        except OSError as e:
            raise StoreError(f"cannot open the results database {shown}: {e.strerror or e}") from e
        except sqlite3.Error as e:
            raise StoreError(f"cannot open the results database {shown}: {e}") from e
        try:
            # Reading sqlite_master is the first thing that touches the file, so a file that is
            # not SQLite fails here rather than halfway through a batch.
            self.db.execute("PRAGMA foreign_keys = ON")
            self.db.table_names()
            if self.path != ":memory:":
                # WAL lets someone query the file while a long batch is still writing to it.
                self.db.enable_wal()
            self.applied = apply_migrations(self.db, MIGRATIONS)
        except (sqlite3.Error, MigrationError) as e:
            self.db.close()
            raise StoreError(f"cannot open the results database {shown}: {_explain(e)}") from e

    # -- context manager ------------------------------------------------------------------

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def _guard(self, doing: str) -> Iterator[None]:
        try:
            yield
        except sqlite3.Error as e:
            raise StoreError(f"{self.path}: cannot {doing}: {_explain(e)}") from e

    # -- queries --------------------------------------------------------------------------

    def has_report(self, doc_id: str, config: str) -> bool:
        """True when this document was extracted successfully under this configuration."""
        with self._guard("read the reports table"):
            hits = self.db.table("reports").count_where(
                "id = ? and status = 'ok'", [report_id(doc_id, config)]
            )
        return hits > 0

    def _report_row(self, rid: str) -> ReportRow | None:
        rows = list(self.db.table("reports").rows_where("id = ?", [rid]))
        return ReportRow.model_validate(rows[0]) if rows else None

    # -- writes ---------------------------------------------------------------------------

    def save_report(self, report: Report, *, config: str, path: str | None) -> str:
        """Store a successful extraction and return its row id.

        Re-saving replaces the report and all its child rows (a new run may find fewer facts).
        A failure recorded earlier for the same document, or for the same file before it could
        be read, is replaced too.
        """
        # doc_id identifies the text; a hand-built report without one gets it the way
        # loading.LoadedDocument computes it.
        doc_id = (
            report.doc_id
            or hashlib.sha256(report.text.encode("utf-8", "surrogatepass")).hexdigest()[:16]
        )
        rid = report_id(doc_id, config)
        src = report.source
        where = path if path is not None else (src.path if src else None)
        with self._guard(f"save report {rid}"), self.db.atomic():
            old = self._report_row(rid)
            now = _now()
            row = ReportRow(
                id=rid,
                doc_id=doc_id,
                config=config,
                path=where,
                status="ok",
                error=None,
                **report.meta.model_dump(),
                schema_version=report.schema_version,
                text=report.text,
                source_path=src.path if src else None,
                source_sha256=src.sha256 if src else None,
                chars=src.chars if src else None,
                encoding=src.encoding if src else None,
                n_facts=len(report.facts),
                n_problems=len(report.problems),
                n_recommendations=len(report.recommendations),
                created_at=old.created_at if old else now,
                updated_at=now,
            )
            self.db.table("reports").upsert(row.model_dump(), pk="id")
            self._delete_children(rid)
            self.db.table("sections").insert_all(
                SectionRow.of(rid, i, s).model_dump() for i, s in enumerate(report.sections)
            )
            self.db.table("facts").insert_all(
                FactRow.of(rid, i, f).model_dump() for i, f in enumerate(report.facts)
            )
            findings = [FindingRow.of(rid, "problem", i, g) for i, g in enumerate(report.problems)]
            findings += [
                FindingRow.of(rid, "recommendation", i, g)
                for i, g in enumerate(report.recommendations)
            ]
            self.db.table("findings").insert_all(g.model_dump() for g in findings)
            self.db.table("runs").upsert(
                RunRow.of(rid, report.run, report.checks).model_dump(), pk="report_id"
            )
            if where is not None:
                self._drop_failure(failure_id(where, config))
        return rid

    def save_failure(self, *, path: str, error: str, config: str, doc_id: str | None = None) -> str:
        """Record that a file could not be read (no ``doc_id``) or extracted; return the row id.

        A failure never overwrites a report already stored successfully for the same document
        and configuration (a failed ``--force`` retry keeps the good result); the id of that
        report is returned.
        """
        rid = report_id(doc_id, config) if doc_id else failure_id(path, config)
        with self._guard(f"save the failure of {path}"), self.db.atomic():
            old = self._report_row(rid)
            if old is not None and old.status == "ok":
                return rid
            now = _now()
            row = ReportRow(
                id=rid,
                doc_id=doc_id,
                config=config,
                path=path,
                status="failed",
                error=" ".join(error.split()) or "unknown error",
                created_at=old.created_at if old else now,
                updated_at=now,
            )
            self.db.table("reports").upsert(row.model_dump(), pk="id")
            if doc_id:
                # The file is readable now; its earlier "could not read" row is out of date.
                self._drop_failure(failure_id(path, config))
        return rid

    def _delete_children(self, rid: str) -> None:
        for table in ("sections", "facts", "findings", "runs"):
            self.db.table(table).delete_where("report_id = ?", [rid])

    def _drop_failure(self, fid: str) -> None:
        self.db.table("reports").delete_where("id = ? and status = 'failed'", [fid])

    # -- reading back ---------------------------------------------------------------------

    def load_report(self, report_id: str) -> Report:
        """Rebuild the stored ``Report`` (equal to the one saved)."""
        with self._guard(f"load report {report_id}"):
            row = self._report_row(report_id)
            if row is None:
                raise StoreError(f"{self.path}: no report with id {report_id}")
            if row.status != "ok":
                raise StoreError(
                    f"{self.path}: report {report_id} ({row.path}) failed and holds no "
                    f"result: {row.error}"
                )
            sections = [
                SectionRow.model_validate(r).to_section()
                for r in self.db.table("sections").rows_where(
                    "report_id = ?", [report_id], order_by="idx"
                )
            ]
            facts = [
                FactRow.model_validate(r).to_fact()
                for r in self.db.table("facts").rows_where(
                    "report_id = ?", [report_id], order_by="idx"
                )
            ]
            findings = [
                FindingRow.model_validate(r)
                for r in self.db.table("findings").rows_where(
                    "report_id = ?", [report_id], order_by="kind, idx"
                )
            ]
            runs = list(self.db.table("runs").rows_where("report_id = ?", [report_id]))
        run_row = RunRow.model_validate(runs[0]) if runs else RunRow(report_id=report_id)
        source = None
        if row.source_sha256 is not None:
            source = Source(
                path=row.source_path,
                sha256=row.source_sha256,
                chars=row.chars or 0,
                encoding=row.encoding or "",
            )
        return Report.model_validate(
            {
                "schema_version": row.schema_version or "1",
                "doc_id": row.doc_id or "",
                "source": source,
                "text": row.text or "",
                "meta": ReportMeta.model_validate(
                    {
                        "title": row.title,
                        "doc_type": row.doc_type or "other",
                        "issuer": row.issuer,
                        "region": row.region,
                        "period": row.period,
                        "issued_on": row.issued_on,
                    }
                ),
                "sections": sections,
                "facts": facts,
                "problems": [g.to_finding() for g in findings if g.kind == "problem"],
                "recommendations": [g.to_finding() for g in findings if g.kind == "recommendation"],
                "checks": run_row.to_checks(),
                "run": run_row.to_run(),
            }
        )


def _explain(e: BaseException) -> str:
    text = " ".join(str(e).split())
    if "file is not a database" in text or "file is encrypted" in text:
        return "not a SQLite database; pass --db with a new file name or an extractor results db"
    if "readonly" in text or "unable to open database file" in text:
        return f"{text} (is the location writable?)"
    return text
