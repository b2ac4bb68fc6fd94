"""The evaluation suite: a dataset (a gold folder), a solver (``extract`` under some options)
and a scorer (``scoring``), with every run recorded leaf by leaf in a history database.

    from extractor.evaluation import evaluate
    run = evaluate("eval/gold", backend="rules")
    print(run.scores.headline())

A gold folder holds ``<name>.txt`` (the source text, exactly) beside ``<name>.gold.json`` (a
Report with only the labelled fields). A document that fails to extract is scored as an empty
prediction and recorded as failed; it never aborts the run.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import sqlite3
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError
from sqlite_utils import Database

from extractor import prompts
from extractor.errors import ExtractorError, GoldError, StoreError, UsageError
from extractor.folding import fold
from extractor.loading import LoadedDocument, load, normalize
from extractor.numbers import find_numbers
from extractor.options import ExtractOptions
from extractor.pipeline import aextract_document
from extractor.schemas import Fact, Report
from extractor.schemas.catalogue import by_key
from extractor.scoring import DocScore, RunScores, score_report, summarize
from extractor.storage import Migration, MigrationError, apply_migrations

__all__ = [
    "Comparison",
    "EvalRun",
    "GoldDoc",
    "GoldProblem",
    "History",
    "aevaluate",
    "evaluate",
    "load_gold",
    "validate_gold",
    "write_outputs",
]

DEFAULT_GOLD = Path("eval/gold")
DEFAULT_HISTORY = Path("eval/runs/history.db")
GOLD_SUFFIX = ".gold.json"


# --- the dataset -----------------------------------------------------------------------------


@dataclass(frozen=True)
class GoldDoc:
    name: str
    doc: LoadedDocument
    gold: Report


class GoldProblem(BaseModel):
    doc: str
    where: str  # "facts[3]", "meta", "file"
    message: str

    def __str__(self) -> str:
        return f"{self.doc} {self.where}: {self.message}"


_OUTPUT_ONLY_REPORT = ("doc_id", "source", "text", "sections", "checks", "run")
_OUTPUT_ONLY_FACT = ("value_std", "unit_std", "span", "section", "check", "origin")
_OUTPUT_ONLY_FINDING = ("span", "section")


def _pairs(folder: Path) -> list[tuple[str, Path, Path]]:
    if not folder.is_dir():
        raise UsageError(f"{folder}: no such gold folder; pass --gold DIR (default eval/gold)")
    out = []
    for gold in sorted(folder.glob(f"*{GOLD_SUFFIX}")):
        name = gold.name[: -len(GOLD_SUFFIX)]
        out.append((name, folder / f"{name}.txt", gold))
    if not out:
        raise UsageError(
            f"{folder}: no *{GOLD_SUFFIX} files; a gold document is NAME.txt beside "
            f"NAME{GOLD_SUFFIX} (see eval/gold/README.md)"
        )
    return out


def _read(name: str, text_path: Path, gold_path: Path) -> tuple[GoldDoc | None, list[GoldProblem]]:
    """Parse one gold pair, collecting every problem instead of stopping at the first."""
    problems: list[GoldProblem] = []

    def problem(where: str, message: str) -> None:
        problems.append(GoldProblem(doc=name, where=where, message=message))

    if not text_path.is_file():
        problem("file", f"{text_path.name} is missing: the source text must sit beside the gold")
        return None, problems
    try:
        doc = load(text_path)
    except ExtractorError as e:
        problem("file", str(e))
        return None, problems
    try:
        raw = json.loads(gold_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        problem("file", f"{gold_path.name} is not readable JSON ({e})")
        return None, problems
    try:
        gold = Report.model_validate(raw)
    except ValidationError as e:
        for err in e.errors():
            loc = ".".join(str(p) for p in err["loc"])
            problem(loc or "file", err["msg"])
        return None, problems

    for key in _OUTPUT_ONLY_REPORT:
        if raw.get(key):
            problem(key, "is output only; a gold file holds meta, facts, problems, recommendations")
    text = doc.text
    for i, (fact, item) in enumerate(zip(gold.facts, raw.get("facts", []), strict=False)):
        where = f"facts[{i}]"
        for key in _OUTPUT_ONLY_FACT:
            if item.get(key) is not None:
                problem(where, f"{key} is output only; leave it out of gold")
        gold.facts[i] = fact = _ground_quote(fact, text, where, problem)
        if fact.quote not in text:
            pass  # already reported; a value cannot be checked against a quote that is wrong
        elif fact.value is None and not fact.value_text:
            problem(where, "has neither value nor value_text")
        elif fact.value is not None and not _value_in_quote(fact):
            problem(where, f"value {fact.value:g} does not appear in its quote {fact.quote!r}")
        elif fact.value is None and fold(fact.value_text) not in fold(fact.quote):
            problem(where, f"value_text {fact.value_text!r} does not appear in its quote")
        if fact.indicator is not None and fact.indicator not in by_key():
            problem(where, f"indicator {fact.indicator!r} is not in the catalogue")
    for kind in ("problems", "recommendations"):
        findings = getattr(gold, kind)
        for i, (finding, item) in enumerate(zip(findings, raw.get(kind, []), strict=False)):
            where = f"{kind}[{i}]"
            for key in _OUTPUT_ONLY_FINDING:
                if item.get(key) is not None:
                    problem(where, f"{key} is output only; leave it out of gold")
            findings[i] = _ground_quote(finding, text, where, problem)
    seen: dict[tuple[Any, ...], int] = {}
    for i, fact in enumerate(gold.facts):
        same: tuple[Any, ...] = (fact.subject, fact.value, fact.value_text, fact.unit)
        same += (fact.period, fact.area, fact.quote)
        if same in seen:
            problem(f"facts[{i}]", f"duplicates facts[{seen[same]}] (same fields and quote)")
        seen.setdefault(same, i)
    return GoldDoc(name=name, doc=doc, gold=gold), problems


def _ground_quote(item: Any, text: str, where: str, problem: Callable[[str, str], None]) -> Any:
    """The quote as it stands in the normalized text; a quote copied from the raw file (with
    its spaces or PM_{2.5}) is accepted in its normalized form."""
    if not item.quote:
        problem(where, "has no quote")
        return item
    if item.quote in text:
        return item
    normalized, _ = normalize(item.quote)
    if normalized and normalized in text:
        return item.model_copy(update={"quote": normalized})
    problem(where, f"quote {item.quote!r} is not an exact substring of the text")
    return item


def _value_in_quote(fact: Fact) -> bool:
    try:
        want = Decimal(str(fact.value))
    except InvalidOperation:
        return False
    # Either end of a range states a number ("26—33件": 26 and 33 may each be a fact).
    return any(want in (m.value, m.value_to) for m in find_numbers(fact.quote))


def validate_gold(folder: str | os.PathLike[str] = DEFAULT_GOLD) -> list[GoldProblem]:
    """Every problem in a gold folder (empty when it is valid)."""
    problems: list[GoldProblem] = []
    for name, text_path, gold_path in _pairs(Path(folder)):
        problems += _read(name, text_path, gold_path)[1]
    return problems


def load_gold(folder: str | os.PathLike[str] = DEFAULT_GOLD) -> list[GoldDoc]:
    """The gold documents of a folder; ``GoldError`` naming the first problem if any."""
    docs: list[GoldDoc] = []
    problems: list[GoldProblem] = []
    for name, text_path, gold_path in _pairs(Path(folder)):
        doc, found = _read(name, text_path, gold_path)
        problems += found
        if doc is not None:
            docs.append(doc)
    if problems:
        more = f" (and {len(problems) - 1} more; run extractor eval --validate)"
        raise GoldError(f"gold does not validate: {problems[0]}{more if len(problems) > 1 else ''}")
    return docs


# --- a run -----------------------------------------------------------------------------------


class EvalRun(BaseModel):
    run_id: str
    started_at: str
    git_commit: str | None = None
    backend: str
    model: str | None = None
    prompt_version: str | None = None
    gold_dir: str
    seconds: float = 0.0
    scores: RunScores
    reports: dict[str, Report] = Field(default_factory=dict, exclude=True)
    texts: dict[str, str] = Field(default_factory=dict, exclude=True)
    gold: dict[str, Report] = Field(default_factory=dict, exclude=True)


def git_commit(where: Path | None = None) -> str | None:
    """Short commit of the checkout, "+dirty" when it has uncommitted changes; None outside git."""
    try:
        cwd = where or Path(__file__).resolve().parent
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=cwd, capture_output=True, text=True,
            timeout=5, check=True,
        ).stdout.strip()  # fmt: skip
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"], cwd=cwd,
            capture_output=True, text=True, timeout=5, check=True,
        ).stdout.strip()  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return None
    return f"{head}+dirty" if dirty else head


async def aevaluate(
    gold_dir: str | os.PathLike[str] = DEFAULT_GOLD,
    opts: ExtractOptions | None = None,
    *,
    progress: Callable[[int, int, str], None] | None = None,
) -> EvalRun:
    """Extract every gold text with ``opts`` and score it; failures are recorded, not raised."""
    opts = opts or ExtractOptions()
    backend = opts.resolved_backend()  # a configuration error stops before any document
    docs = load_gold(gold_dir)
    started = datetime.now(UTC)
    t0 = time.monotonic()
    scores: list[DocScore] = []
    reports: dict[str, Report] = {}
    model: str | None = None
    for i, g in enumerate(docs):
        if progress is not None:
            progress(i, len(docs), g.name)
        try:
            report = await aextract_document(g.doc, opts)
        except Exception as e:  # a failed document is data, never the end of the run
            message = " ".join(str(e).split()) or type(e).__name__
            if not isinstance(e, ExtractorError):
                message = f"{type(e).__name__}: {message}"
            scores.append(score_report(g.name, g.gold, None, message))
            continue
        reports[g.name] = report
        model = model or report.run.model
        scores.append(score_report(g.name, g.gold, report))
    if progress is not None:
        progress(len(docs), len(docs), "scored")
    stamp = started.strftime("%Y%m%dT%H%M%S")
    salt = hashlib.sha256(f"{started.isoformat()}{opts.describe()}".encode()).hexdigest()[:6]
    return EvalRun(
        run_id=f"{stamp}-{salt}",
        started_at=started.isoformat(timespec="milliseconds"),
        git_commit=git_commit(),
        backend=backend,
        model=model,
        prompt_version=prompts.prompt_version() if backend != "rules" else None,
        gold_dir=str(gold_dir),
        seconds=round(time.monotonic() - t0, 3),
        scores=summarize(scores),
        reports=reports,
        texts={g.name: g.doc.text for g in docs},
        gold={g.name: g.gold for g in docs},
    )


def evaluate(
    gold_dir: str | os.PathLike[str] = DEFAULT_GOLD,
    *,
    progress: Callable[[int, int, str], None] | None = None,
    **options: Any,
) -> EvalRun:
    """``aevaluate`` for synchronous callers; ``options`` are ``extract``'s."""
    opts = ExtractOptions(**options)
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(aevaluate(gold_dir, opts, progress=progress))
    raise UsageError("evaluate() was called inside a running event loop: use `await aevaluate`")


# --- outputs ---------------------------------------------------------------------------------


def _pct(x: float | None) -> str:
    return "–" if x is None else f"{100 * x:.1f}"


def _cell(text: str | None, limit: int = 60) -> str:
    if text is None:
        return "–"
    one = " ".join(text.split()).replace("|", "\\|")
    return one if len(one) <= limit else one[: limit - 1] + "…"


def _snippet(text: str, quote: str, pad: int = 25) -> str:
    at = text.find(quote)
    if at < 0:
        return ""
    return text[max(0, at - pad) : at + len(quote) + pad]


def render_markdown(run: EvalRun, *, worst: int = 20) -> str:
    s = run.scores
    h = s.headline()
    lines = [
        f"# Evaluation {run.run_id}",
        "",
        f"backend **{run.backend}** · model {run.model or '–'} · prompt {run.prompt_version or '–'}"
        f" · commit {run.git_commit or '–'} · gold `{run.gold_dir}` · {len(s.docs)} documents"
        f" · {run.seconds:.1f} s",
        "",
        "| | precision | recall | F1 | 95% CI |",
        "|---|---|---|---|---|",
    ]

    def interval(key: str) -> str:
        ci = s.intervals.get(key)
        return f"{_pct(ci.low)}–{_pct(ci.high)}" if ci else "n/a (< 3 docs)"

    for label, key in (("facts", "fact"), ("findings", "finding")):
        lines.append(
            f"| {label} | {_pct(h[f'{key}_precision'])} | {_pct(h[f'{key}_recall'])} | "
            f"{_pct(h[f'{key}_f1'])} | {interval(key + '_f1')} |"
        )
    lines += [
        f"| all leaves (micro) | {_pct(s.micro.precision)} | {_pct(s.micro.recall)} | "
        f"{_pct(s.micro.f1)} | {interval('micro_f1')} |",
        f"| fields (macro F1) | | | {_pct(s.macro_f1)} | |",
        "",
        "## Per field",
        "",
        "| field | correct | wrong | missing | hallucinated | P | R | F1 |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for f in s.fields:
        prf = f.prf
        lines.append(
            f"| {f.field} | {f.correct} | {f.wrong} | {f.missing} | {f.hallucinated} | "
            f"{_pct(prf.precision)} | {_pct(prf.recall)} | {_pct(prf.f1)} |"
        )
    lines += [
        "",
        "## Per document",
        "",
        "| document | status | gold facts | predicted | correct | fact F1 | finding F1 "
        "| micro F1 |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for d in s.docs:
        status = d.status if d.status == "ok" else f"failed: {_cell(d.error, 80)}"
        lines.append(
            f"| {d.doc} | {status} | {d.facts.gold} | {d.facts.predicted} | {d.facts.correct} | "
            f"{_pct(d.facts.prf.f1)} | {_pct(d.findings.prf.f1)} | {_pct(d.micro.f1)} |"
        )
    lines += ["", "## Checker", ""]
    if s.checker is None:
        lines.append("No predicted fact carries a check result.")
    else:
        c = s.checker
        lines.append(
            f"Of {c.bad} wrong or hallucinated facts, {_pct(c.bad_flagged_share)}% are flagged; "
            f"of {c.good} correct facts, {_pct(c.good_flagged_share)}% are flagged."
        )
    lines += [
        "",
        f"## Worst misses (up to {worst})",
        "",
        "| document | gold | prediction | source |",
        "|---|---|---|---|",
    ]
    shown = 0
    for d in s.docs:
        gold = run.gold.get(d.doc)
        pred = run.reports.get(d.doc)
        text = run.texts.get(d.doc, "")
        if gold is None:
            continue
        for pair in d.fact_pairs:
            if shown >= worst or pair.correct:
                continue
            g = gold.facts[pair.gold] if pair.gold is not None else None
            p = pred.facts[pair.pred] if pred is not None and pair.pred is not None else None
            if g is None and p is None:
                continue
            if g is None:
                continue  # hallucinations are listed below
            lines.append(
                f"| {d.doc} | {_cell(_show_fact(g))} | {_cell(_show_fact(p)) if p else 'missing'} "
                f"| {_cell(_snippet(text, g.quote), 80)} |"
            )
            shown += 1
    hallucinated = [
        (d.doc, run.reports[d.doc].facts[p.pred])
        for d in s.docs
        if d.doc in run.reports
        for p in d.fact_pairs
        if p.gold is None and p.pred is not None
    ]
    if hallucinated:
        lines += [
            "",
            f"## Predicted facts with no gold match ({len(hallucinated)}; first {worst})",
            "",
            "| document | prediction | quote | check |",
            "|---|---|---|---|",
        ]
        for doc, fact in hallucinated[:worst]:
            check = fact.check.status if fact.check else "–"
            lines.append(
                f"| {doc} | {_cell(_show_fact(fact))} | {_cell(fact.quote, 50)} | {check} |"
            )
    return "\n".join(lines) + "\n"


def _show_fact(f: Fact | None) -> str:
    if f is None:
        return "–"
    value = f.value_text if f.value is None else f"{f.value:g}"
    extra = []
    if f.change and f.change.value is not None:
        extra.append(f"{f.change.basis or ''}{f.change.value:+g}{f.change.unit or ''}")
    if f.rank:
        extra.append(f"第{f.rank.position}")
    if f.period:
        extra.append(f.period)
    if f.area:
        extra.append(f.area)
    tail = f" ({', '.join(extra)})" if extra else ""
    return f"{f.subject} = {value} {f.unit or ''}{tail}"


# What identifies a run, in scores.json and in the history's runs table alike.
_RUN_FIELDS = {
    "run_id", "started_at", "git_commit", "backend", "model", "prompt_version", "gold_dir",
    "seconds",
}  # fmt: skip


def scores_json(run: EvalRun) -> dict[str, Any]:
    s = run.scores
    return {
        **run.model_dump(include=_RUN_FIELDS),
        "headline": s.headline(),
        "intervals": {k: v.model_dump() for k, v in s.intervals.items()},
        "fields": {f.field: {**f.model_dump(), **f.prf.model_dump()} for f in s.fields},
        "checker": None
        if s.checker is None
        else {
            **s.checker.model_dump(),
            "bad_flagged_share": s.checker.bad_flagged_share,
            "good_flagged_share": s.checker.good_flagged_share,
        },
        "documents": [
            {
                "doc": d.doc,
                "status": d.status,
                "error": d.error,
                "facts": {**d.facts.model_dump(), **d.facts.prf.model_dump()},
                "findings": {**d.findings.model_dump(), **d.findings.prf.model_dump()},
                "micro": d.micro.model_dump(),
                "macro_f1": d.macro_f1,
            }
            for d in s.docs
        ],
    }


def write_outputs(run: EvalRun, out_dir: str | os.PathLike[str]) -> tuple[Path, Path]:
    """``report.md`` and ``scores.json`` under ``out_dir``; also each predicted Report."""
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
        md = out / "report.md"
        md.write_text(render_markdown(run), encoding="utf-8")
        js = out / "scores.json"
        js.write_text(json.dumps(scores_json(run), ensure_ascii=False, indent=2) + "\n", "utf-8")
        for name, report in run.reports.items():
            (out / f"{name}.json").write_text(report.model_dump_json(indent=2) + "\n", "utf-8")
    except OSError as e:
        raise StoreError(f"cannot write the evaluation outputs to {out}: {e.strerror or e}") from e
    return md, js


# --- history ---------------------------------------------------------------------------------


def _h0001_initial(db: Database) -> None:
    db.table("runs").create(
        {
            "run_id": str,
            "started_at": str,
            "git_commit": str,
            "backend": str,
            "model": str,
            "prompt_version": str,
            "gold_dir": str,
            "seconds": float,
            "fact_f1": float,
            "finding_f1": float,
            "micro_f1": float,
            "macro_f1": float,
            "scores": str,
        },
        pk="run_id",
    )
    db.table("docs").create(
        {
            "id": str,
            "run_id": str,
            "doc": str,
            "status": str,
            "error": str,
            "fact_f1": float,
            "finding_f1": float,
            "micro_f1": float,
        },
        pk="id",
        foreign_keys=[("run_id", "runs", "run_id")],
    )
    db.table("leaves").create(
        {
            "id": str,
            "run_id": str,
            "doc": str,
            "kind": str,
            "item": int,
            "pred_item": int,
            "field": str,
            "outcome": str,
            "gold": str,
            "pred": str,
        },
        pk="id",
        foreign_keys=[("run_id", "runs", "run_id")],
    )
    db.table("leaves").create_index(["run_id", "doc", "kind", "item", "field"])


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
        try:
            with self.db.atomic():
                self.db.table("runs").upsert(
                    {
                        **run.model_dump(include=_RUN_FIELDS),
                        "fact_f1": h["fact_f1"],
                        "finding_f1": h["finding_f1"],
                        "micro_f1": h["micro_f1"],
                        "macro_f1": h["macro_f1"],
                        "scores": json.dumps(scores_json(run), ensure_ascii=False),
                    },
                    pk="run_id",
                )
                for table in ("docs", "leaves"):
                    self.db.table(table).delete_where("run_id = ?", [run.run_id])
                self.db.table("docs").insert_all(
                    {
                        "id": f"{run.run_id}:{d.doc}",
                        "run_id": run.run_id,
                        "doc": d.doc,
                        "status": d.status,
                        "error": d.error,
                        "fact_f1": d.facts.prf.f1,
                        "finding_f1": d.findings.prf.f1,
                        "micro_f1": d.micro.f1,
                    }
                    for d in run.scores.docs
                )
                self.db.table("leaves").insert_all(
                    {"id": f"{run.run_id}:{n}", "run_id": run.run_id, **leaf.model_dump()}
                    for n, leaf in enumerate(x for d in run.scores.docs for x in d.leaves)
                )
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
