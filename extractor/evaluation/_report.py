"""What a run writes: ``report.md`` for a reader, ``scores.json`` for a program, and each
predicted Report."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from extractor.errors import StoreError
from extractor.evaluation._run import EvalRun
from extractor.schemas import Fact


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
    lines = _headline(run)
    lines += _per_field(run)
    lines += _per_document(run)
    lines += _checker(run)
    lines += _misses(run, worst)
    lines += _unmatched(run, worst)
    return "\n".join(lines) + "\n"


def _headline(run: EvalRun) -> list[str]:
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
    return [
        *lines,
        f"| all leaves (micro) | {_pct(s.micro.precision)} | {_pct(s.micro.recall)} | "
        f"{_pct(s.micro.f1)} | {interval('micro_f1')} |",
        f"| fields (macro F1) | | | {_pct(s.macro_f1)} | |",
    ]


def _per_field(run: EvalRun) -> list[str]:
    lines = [
        "",
        "## Per field",
        "",
        "| field | correct | wrong | missing | hallucinated | P | R | F1 |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for f in run.scores.fields:
        prf = f.prf
        lines.append(
            f"| {f.field} | {f.correct} | {f.wrong} | {f.missing} | {f.hallucinated} | "
            f"{_pct(prf.precision)} | {_pct(prf.recall)} | {_pct(prf.f1)} |"
        )
    return lines


def _per_document(run: EvalRun) -> list[str]:
    lines = [
        "",
        "## Per document",
        "",
        "| document | status | gold facts | predicted | correct | fact F1 | finding F1 "
        "| micro F1 | verified precision |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for d in run.scores.docs:
        status = d.status if d.status == "ok" else f"failed: {_cell(d.error, 80)}"
        lines.append(
            f"| {d.doc} | {status} | {d.facts.gold} | {d.facts.predicted} | {d.facts.correct} | "
            f"{_pct(d.facts.prf.f1)} | {_pct(d.findings.prf.f1)} | {_pct(d.micro.f1)} | "
            f"{_pct(d.checker.verified_precision if d.checker else None)} |"
        )
    return lines


def _checker(run: EvalRun) -> list[str]:
    c = run.scores.checker
    if c is None:
        return ["", "## Checker", "", "No predicted fact carries a check result."]
    return [
        "",
        "## Checker",
        "",
        f"**Verified precision {_pct(c.verified_precision)}%**: of {c.verified} facts marked "
        f"verified, {c.verified_correct} are right by the gold.",
        "",
        f"Of {c.bad} wrong or hallucinated facts, {_pct(c.bad_flagged_share)}% are flagged; "
        f"of {c.good} correct facts, {_pct(c.good_flagged_share)}% are flagged.",
    ]


def _misses(run: EvalRun, worst: int) -> list[str]:
    lines = [
        "",
        f"## Worst misses (up to {worst})",
        "",
        "| document | gold | prediction | source |",
        "|---|---|---|---|",
    ]
    shown = 0
    for d in run.scores.docs:
        gold = run.gold.get(d.doc)
        pred = run.reports.get(d.doc)
        text = run.texts.get(d.doc, "")
        if gold is None:
            continue
        for pair in d.fact_pairs:
            if shown >= worst or pair.correct or pair.gold is None:
                continue  # hallucinations are listed below
            g = gold.facts[pair.gold]
            p = pred.facts[pair.pred] if pred is not None and pair.pred is not None else None
            lines.append(
                f"| {d.doc} | {_cell(_show_fact(g))} | {_cell(_show_fact(p)) if p else 'missing'} "
                f"| {_cell(_snippet(text, g.quote), 80)} |"
            )
            shown += 1
    return lines


def _unmatched(run: EvalRun, worst: int) -> list[str]:
    s = run.scores
    hallucinated = [
        (d.doc, run.reports[d.doc].facts[p.pred])
        for d in s.docs
        if d.doc in run.reports
        for p in d.fact_pairs
        if p.gold is None and p.pred is not None
    ]
    if not hallucinated:
        return []
    lines = [
        "",
        f"## Predicted facts with no gold match ({len(hallucinated)}; first {worst})",
        "",
        "| document | prediction | quote | check |",
        "|---|---|---|---|",
    ]
    for doc, fact in hallucinated[:worst]:
        check = fact.check.status if fact.check else "–"
        lines.append(f"| {doc} | {_cell(_show_fact(fact))} | {_cell(fact.quote, 50)} | {check} |")
    return lines


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
RUN_FIELDS = {
    "run_id", "started_at", "git_commit", "backend", "model", "prompt_version", "gold_dir",
    "seconds",
}  # fmt: skip


def scores_json(run: EvalRun) -> dict[str, Any]:
    s = run.scores
    return {
        **run.model_dump(include=RUN_FIELDS),
        "headline": {
            **s.headline(),
            "verified_precision": s.checker.verified_precision if s.checker else None,
        },
        "intervals": {k: v.model_dump() for k, v in s.intervals.items()},
        "fields": {f.field: {**f.model_dump(), **f.prf.model_dump()} for f in s.fields},
        "checker": None
        if s.checker is None
        else {
            **s.checker.model_dump(),
            "bad_flagged_share": s.checker.bad_flagged_share,
            "good_flagged_share": s.checker.good_flagged_share,
            "verified_precision": s.checker.verified_precision,
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
                "checker": None
                if d.checker is None
                else {**d.checker.model_dump(), "verified_precision": d.checker.verified_precision},
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
