"""The history of runs (``eval/runs/history.db``): one row per run, per document and per
scored leaf, so two runs can be compared leaf by leaf."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from sqlite_utils import Database

from extractor.errors import StoreError, UsageError
from extractor.evaluation._gold import DEFAULT_HISTORY
from extractor.evaluation._report import scores_json
from extractor.evaluation._run import EvalRun
from extractor.storage import Migration, MigrationError, Row, apply_migrations

_OF_RUN = (("run_id", "runs", "run_id"),)
_HEADLINE = ("fact_f1", "finding_f1", "micro_f1", "macro_f1")


class RunRecord(Row):
    table = "runs"
    pk = "run_id"

    run_id: str
    started_at: str
    git_commit: str | None = None
    backend: str
    model: str | None = None
    prompt_version: str | None = None
    gold_dir: str
    seconds: float = 0.0
    fact_f1: float
    finding_f1: float
    micro_f1: float
    macro_f1: float
    scores: str  # scores.json as text


class DocRecord(Row):
    table = "docs"
    foreign_keys = _OF_RUN

    id: str
    run_id: str
    doc: str
    status: str
    error: str | None = None
    fact_f1: float
    finding_f1: float
    micro_f1: float


class LeafRecord(Row):
    table = "leaves"
    foreign_keys = _OF_RUN
    indexes = (("run_id", "doc", "kind", "item", "field"),)

    id: str
    run_id: str
    doc: str
    kind: str
    item: int | None = None
    pred_item: int | None = None
    field: str
    outcome: str
    gold: str | None = None
    pred: str | None = None


def _h0001_initial(db: Database) -> None:
    for row in (RunRecord, DocRecord, LeafRecord):
        row.create_table(db)


HISTORY_MIGRATIONS: list[Migration] = [("0001_initial", _h0001_initial)]


class LeafChange(BaseModel):
    doc: str
    kind: str
    item: int | None
    field: str
    before: str  # outcome in run A ("absent" for a hallucination A did not have)
    after: str
    gold: str | None = None
    pred: str | None = None


class DocDelta(BaseModel):
    doc: str
    fact_f1: tuple[float, float]
    finding_f1: tuple[float, float]
    micro_f1: tuple[float, float]


class Comparison(BaseModel):
    run_a: str
    run_b: str
    fixed: list[LeafChange]
    broken: list[LeafChange]
    docs: list[DocDelta]
    headline_a: dict[str, float]
    headline_b: dict[str, float]

    def paired_difference(self, metric: str = "fact_f1") -> float:
        """Mean over the documents both runs scored of (B − A)."""
        diffs = [getattr(d, metric)[1] - getattr(d, metric)[0] for d in self.docs]
        return sum(diffs) / len(diffs) if diffs else 0.0


class History:
    """``eval/runs/history.db``: one row per run, per document and per scored leaf."""

    def __init__(self, path: str | os.PathLike[str] = DEFAULT_HISTORY) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.db = Database(self.path)
            self.db.table_names()
            apply_migrations(self.db, HISTORY_MIGRATIONS)
        except (OSError, sqlite3.Error, MigrationError) as e:
            raise StoreError(f"cannot open the evaluation history {self.path}: {e}") from e

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> History:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def record(self, run: EvalRun) -> None:
        h = run.scores.headline()
        scores = json.dumps(scores_json(run), ensure_ascii=False)
        head = RunRecord.flat(run, **{k: h[k] for k in _HEADLINE}, scores=scores)
        docs = [
            DocRecord.flat(
                d,
                id=f"{run.run_id}:{d.doc}",
                run_id=run.run_id,
                fact_f1=d.facts.prf.f1,
                finding_f1=d.findings.prf.f1,
                micro_f1=d.micro.f1,
            )
            for d in run.scores.docs
        ]
        leaves = (
            LeafRecord.flat(leaf, id=f"{run.run_id}:{n}", run_id=run.run_id)
            for n, leaf in enumerate(x for d in run.scores.docs for x in d.leaves)
        )
        try:
            with self.db.atomic():
                self.db.table("runs").upsert(head.model_dump(), pk="run_id")
                for table in ("docs", "leaves"):
                    self.db.table(table).delete_where("run_id = ?", [run.run_id])
                self.db.table("docs").insert_all(d.model_dump() for d in docs)
                self.db.table("leaves").insert_all(leaf.model_dump() for leaf in leaves)
        except sqlite3.Error as e:
            raise StoreError(f"cannot record run {run.run_id} in {self.path}: {e}") from e

    def runs(self) -> list[dict[str, Any]]:
        return list(self.db.table("runs").rows_where(order_by="started_at desc"))

    def _run(self, run_id: str) -> dict[str, Any]:
        rows = list(self.db.table("runs").rows_where("run_id = ?", [run_id]))
        if not rows:
            # A unique prefix is enough, as with git commits.
            rows = list(self.db.table("runs").rows_where("run_id like ?", [f"{run_id}%"]))
            if len(rows) > 1:
                raise UsageError(f"run id {run_id!r} is ambiguous: {len(rows)} runs start so")
        if not rows:
            raise UsageError(f"no run {run_id!r} in {self.path}; see extractor eval runs")
        return rows[0]

    def compare(self, run_a: str, run_b: str) -> Comparison:
        a, b = self._run(run_a), self._run(run_b)

        def leaves(run_id: str) -> dict[tuple[Any, ...], dict[str, Any]]:
            out: dict[tuple[Any, ...], dict[str, Any]] = {}
            for row in self.db.table("leaves").rows_where("run_id = ?", [run_id]):
                if row["item"] is None:  # a hallucination has no gold item: key it by content
                    key = (row["doc"], row["kind"], None, row["field"], row["pred"])
                else:
                    key = (row["doc"], row["kind"], row["item"], row["field"], None)
                out[key] = row
            return out

        la, lb = leaves(a["run_id"]), leaves(b["run_id"])
        fixed: list[LeafChange] = []
        broken: list[LeafChange] = []
        for key in sorted(set(la) | set(lb), key=lambda k: tuple(str(x) for x in k)):
            before = la[key]["outcome"] if key in la else "absent"
            after = lb[key]["outcome"] if key in lb else "absent"
            row = lb.get(key) or la[key]
            change = LeafChange(
                doc=key[0], kind=key[1], item=key[2], field=key[3], before=before, after=after,
                gold=row["gold"], pred=lb[key]["pred"] if key in lb else la[key]["pred"],
            )  # fmt: skip
            good_before = before in ("correct", "absent")
            good_after = after in ("correct", "absent")
            if key[2] is None:  # hallucinations: present is bad, absent is good
                good_before, good_after = before == "absent", after == "absent"
            if good_after and not good_before:
                fixed.append(change)
            elif good_before and not good_after:
                broken.append(change)

        def per_doc(run_id: str) -> dict[str, dict[str, Any]]:
            return {r["doc"]: r for r in self.db.table("docs").rows_where("run_id = ?", [run_id])}

        da, db_ = per_doc(a["run_id"]), per_doc(b["run_id"])
        docs = [
            DocDelta(
                doc=name,
                fact_f1=(da[name]["fact_f1"], db_[name]["fact_f1"]),
                finding_f1=(da[name]["finding_f1"], db_[name]["finding_f1"]),
                micro_f1=(da[name]["micro_f1"], db_[name]["micro_f1"]),
            )
            for name in sorted(set(da) & set(db_))
        ]
        return Comparison(
            run_a=a["run_id"],
            run_b=b["run_id"],
            fixed=fixed,
            broken=broken,
            docs=docs,
            headline_a=json.loads(a["scores"])["headline"],
            headline_b=json.loads(b["scores"])["headline"],
        )
