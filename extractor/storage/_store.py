"""The results store: one SQLite file that a batch fills and an analyst queries.

Each report is split into plain rows (``reports``, ``sections``, ``facts``, ``findings``,
``runs``; declared once in ``_rows``) so the figures can be queried, faceted and joined across
cities and years without parsing JSON, and ``load_report`` rebuilds the exact ``Report`` from
those rows. The normalized text is stored too, so every span can be re-sliced from the
database alone.

Schema changes go through ``MIGRATIONS``: named steps applied in order, each recorded in
``_migrations`` so a file written by an older version is upgraded in place on open.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlite_utils import Database

from extractor.errors import StoreError
from extractor.schemas.catalogue import qualifier
from extractor.schemas.report import (
    CheckSummary,
    Fact,
    Finding,
    Report,
    ReportMeta,
    RunInfo,
    Section,
    Source,
)
from extractor.storage._migrations import Migration, MigrationError, apply_migrations, now
from extractor.storage._rows import (
    TABLES,
    CopyRow,
    FactRow,
    FindingRow,
    JobRow,
    ReportRow,
    RunRow,
    SectionRow,
)
from extractor.storage._views import create_views


def _m0001_initial(db: Database) -> None:
    for row in TABLES:
        row.create_table(db)


def _m0002_run_repair(db: Database) -> None:
    # What the checker's repair round changed (RunInfo.repair), as JSON.
    RunRow.add_columns(db, "0002")


def _m0003_versions(db: Database) -> None:
    # Which file a report was read from, and the newer version that replaced it; rows stored
    # before this step know their path only as it was given.
    ReportRow.add_columns(db, "0003")
    db.execute("UPDATE reports SET source_key = path, failed_sections = 0")
    db.table("reports").create_index(["source_key"])
    db.execute(
        """UPDATE reports SET superseded_by = (
               SELECT n.id FROM reports n
               WHERE n.source_key = reports.source_key AND n.status != 'failed'
                 AND (n.updated_at > reports.updated_at
                      OR (n.updated_at = reports.updated_at AND n.id > reports.id))
               ORDER BY n.updated_at DESC, n.id DESC LIMIT 1)
           WHERE status != 'failed' AND source_key IS NOT NULL"""
    )


def _m0004_copies(db: Database) -> None:
    CopyRow.create_table(db)


def _m0005_numbers_as_stated(db: Database) -> None:
    # REAL columns print 51 as 51.0 in every export; NUMERIC affinity keeps 51 an integer and
    # 4.803 a real.
    db.table("facts").transform(types={c: "ANY" for c in ("value", "value_std", "change_value")})


def _m0006_panel_views(db: Database) -> None:
    FactRow.add_columns(db, "0006")
    rows = db.execute("SELECT id, indicator, subject FROM facts WHERE indicator IS NOT NULL")
    for fid, indicator, subject in rows.fetchall():
        db.execute(
            "UPDATE facts SET qualifier = ? WHERE id = ?", [qualifier(indicator, subject), fid]
        )
    create_views(db)


def _m0007_run_costs(db: Database) -> None:
    # Tokens per call kind (RunInfo.by_kind, JSON) and the estimated cost of each run.
    RunRow.add_columns(db, "0007")


def _m0008_jobs(db: Database) -> None:
    # The service's requests, so a restart loses none.
    JobRow.create_table(db)


MIGRATIONS: list[Migration] = [
    ("0001_initial", _m0001_initial),
    ("0002_run_repair", _m0002_run_repair),
    ("0003_versions", _m0003_versions),
    ("0004_copies", _m0004_copies),
    ("0005_numbers_as_stated", _m0005_numbers_as_stated),
    ("0006_panel_views", _m0006_panel_views),
    ("0007_run_costs", _m0007_run_costs),
    ("0008_jobs", _m0008_jobs),
]


# --- ids -------------------------------------------------------------------------------------


def _hex16(*parts: object) -> str:
    # JSON keeps the parts unambiguous ("a","bc" never hashes like "ab","c") and stable.
    blob = json.dumps(parts, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]


def report_id(doc_id: str, config: str) -> str:
    """Row id of a document extracted under one configuration (same for success and failure,
    so a later success replaces an earlier failure)."""
    return hashlib.sha256(f"{doc_id}\0{config}".encode()).hexdigest()[:16]


def source_key(path: str | os.PathLike[str] | None) -> str | None:
    """What identifies a source across runs and versions: its absolute path."""
    return os.path.abspath(os.fspath(path)) if path is not None else None


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


class Store:
    """A results database. Open it, save reports and failures, load reports back.

    Every save is one transaction, so an interrupted batch leaves whole reports or nothing.
    """

    db: Database
    applied: list[str]  # migrations applied by this open (empty when the file was current)

    def __init__(
        self, path: str | os.PathLike[str], *, migrations: list[Migration] | None = None
    ) -> None:
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
            self.applied = apply_migrations(
                self.db, MIGRATIONS if migrations is None else migrations
            )
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
        """True when this document was extracted whole under this configuration."""
        return self.stored_status(doc_id, config) == "ok"

    def stored_status(self, doc_id: str, config: str) -> str | None:
        """``ok``, ``incomplete`` or ``failed`` for a document stored under this
        configuration; None when it never was."""
        with self._guard("read the reports table"):
            row = self._report_row(report_id(doc_id, config))
        return row.status if row is not None else None

    def report_row(self, rid: str) -> ReportRow | None:
        """The ``reports`` row of a report id, or None."""
        with self._guard("read the reports table"):
            return self._report_row(rid)

    def _report_row(self, rid: str) -> ReportRow | None:
        rows = list(self.db.table("reports").rows_where("id = ?", [rid]))
        return ReportRow.model_validate(rows[0]) if rows else None

    # -- writes ---------------------------------------------------------------------------

    def save_report(self, report: Report, *, config: str, path: str | None) -> str:
        """Store an extraction and return its row id: ``ok``, or ``incomplete`` when some of
        its sections failed (a later run retries them).

        Re-saving replaces the report and all its child rows (a new run may find fewer facts).
        A failure recorded earlier for the same document, or for the same file before it could
        be read, is replaced too, and so is, as the current version, any other report read
        from the same file (an edited file supersedes its earlier text).
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
        failed = sum(s.status == "failed" for s in report.sections)
        key = source_key(where)
        with self._guard(f"save report {rid}"), self.db.atomic():
            old = self._report_row(rid)
            stamp = now()
            src = report.source or Source(path=None, sha256="", chars=0, encoding="")
            row = ReportRow.flat(
                report.meta,
                id=rid,
                doc_id=doc_id,
                config=config,
                path=where,
                status="incomplete" if failed else "ok",
                error=f"{failed} section(s) failed" if failed else None,
                source_key=key,
                superseded_by=None,
                failed_sections=failed,
                schema_version=report.schema_version,
                text=report.text,
                source_path=src.path,
                source_sha256=src.sha256 if report.source else None,
                chars=src.chars if report.source else None,
                encoding=src.encoding if report.source else None,
                n_facts=len(report.facts),
                n_problems=len(report.problems),
                n_recommendations=len(report.recommendations),
                created_at=old.created_at if old else stamp,
                updated_at=stamp,
            )
            self.db.table("reports").upsert(row.model_dump(), pk="id")
            self._delete_children(rid)
            self._insert_children(rid, report)
            if where is not None:
                self._drop_failure(failure_id(where, config))
            self._supersede(key, rid)
        return rid

    def make_current(self, rid: str, path: str) -> None:
        """A stored report is what ``path`` holds now (a file edited back to an earlier text,
        or a copy of another stored file): it is its current version again."""
        key = source_key(path)
        with self._guard(f"update report {rid}"), self.db.atomic():
            row = self._report_row(rid)
            if row is None or row.status == "failed":
                return
            if row.superseded_by is not None:
                self.db.execute(
                    "UPDATE reports SET superseded_by = NULL, source_key = ?, path = ? "
                    "WHERE id = ?",
                    [key, path, rid],
                )
            if row.source_key == key or row.superseded_by is not None:
                self._supersede(key, rid)

    def _supersede(self, key: str | None, rid: str) -> None:
        if key is None:
            return
        self.db.execute(
            "UPDATE reports SET superseded_by = ? WHERE source_key = ? AND id != ? "
            "AND status != 'failed' AND superseded_by IS NULL",
            [rid, key, rid],
        )

    def record_copy(self, *, path: str, doc_id: str, config: str, same_as: str) -> str:
        """Record that ``path`` was skipped: ``same_as`` has the same text. Returns the id of
        the report that holds it."""
        rid = report_id(doc_id, config)
        key = source_key(path) or path
        row = CopyRow(
            id=_hex16(key, config),
            path=path,
            source_key=key,
            doc_id=doc_id,
            config=config,
            same_as=same_as,
            report_id=rid,
            seen_at=now(),
        )
        with self._guard(f"record the copy {path}"):
            self.db.table("copies").upsert(row.model_dump(), pk="id")
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
            stamp = now()
            row = ReportRow(
                id=rid,
                doc_id=doc_id,
                config=config,
                path=path,
                source_key=source_key(path),
                status="failed",
                error=" ".join(error.split()) or "unknown error",
                created_at=old.created_at if old else stamp,
                updated_at=stamp,
            )
            self.db.table("reports").upsert(row.model_dump(), pk="id")
            if doc_id:
                # The file is readable now; its earlier "could not read" row is out of date.
                self._drop_failure(failure_id(path, config))
        return rid

    def _insert_children(self, rid: str, report: Report) -> None:
        def found(kind: str, items: list[Finding]) -> list[FindingRow]:
            return [
                FindingRow.flat(g, id=_finding_id(rid, kind, i, g), report_id=rid, idx=i, kind=kind)
                for i, g in enumerate(items)
            ]

        sections = [
            SectionRow.flat(s, id=f"{rid}:{s.id}", report_id=rid, idx=i, section_id=s.id)
            for i, s in enumerate(report.sections)
        ]
        facts = [
            FactRow.flat(
                f,
                id=_fact_id(rid, i, f),
                report_id=rid,
                idx=i,
                qualifier=qualifier(f.indicator, f.subject) if f.indicator else None,
            )
            for i, f in enumerate(report.facts)
        ]
        findings = found("problem", report.problems) + found(
            "recommendation", report.recommendations
        )
        for kind, rows in ((SectionRow, sections), (FactRow, facts), (FindingRow, findings)):
            # one prepared statement per table: sqlite-utils' insert_all re-inspects each value
            self.db.conn.executemany(kind.insert_sql(), [r.values() for r in rows])
        checks = json.dumps(report.checks.model_dump(mode="json"), ensure_ascii=False)
        run = RunRow.flat(report.run, report_id=rid, checks=checks)
        self.db.table("runs").upsert(run.model_dump(), pk="report_id")

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
            if row.status == "failed":
                raise StoreError(
                    f"{self.path}: report {report_id} ({row.path}) failed and holds no "
                    f"result: {row.error}"
                )
            sections = [
                SectionRow.model_validate(r).to_model(Section, id=r["section_id"])
                for r in self._children("sections", report_id, "idx")
            ]
            facts = [
                FactRow.model_validate(r).to_model(Fact)
                for r in self._children("facts", report_id, "idx")
            ]
            findings = [
                FindingRow.model_validate(r)
                for r in self._children("findings", report_id, "kind, idx")
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
        return Report(
            schema_version="1",
            doc_id=row.doc_id or "",
            source=source,
            text=row.text or "",
            meta=row.to_model(ReportMeta, doc_type=row.doc_type or "other"),
            sections=sections,
            facts=facts,
            problems=[g.to_model(Finding) for g in findings if g.kind == "problem"],
            recommendations=[g.to_model(Finding) for g in findings if g.kind == "recommendation"],
            checks=CheckSummary.model_validate(json.loads(run_row.checks)),
            run=run_row.to_model(RunInfo),
        )

    def _children(self, table: str, rid: str, order: str) -> Iterator[dict[str, object]]:
        return self.db.table(table).rows_where("report_id = ?", [rid], order_by=order)


def _explain(e: BaseException) -> str:
    text = " ".join(str(e).split())
    if "file is not a database" in text or "file is encrypted" in text:
        return "not a SQLite database; pass --db with a new file name or an extractor results db"
    if "readonly" in text or "unable to open database file" in text:
        return f"{text} (is the location writable?)"
    return text
