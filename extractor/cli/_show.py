"""What the commands print for a reader: a report's summary, its checks, a run's scores."""

from __future__ import annotations

import os
import sys
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

    from extractor.schemas import Fact, Report

QUOTE_CHARS = 30
UNACCOUNTED_SHOWN = 10


@lru_cache(maxsize=1)
def out() -> Console:
    from rich.console import Console

    # Piped or redirected output gets rich's 80 columns, which folds the facts table into
    # slivers; a file or pager has room, so use a reader's wide default unless COLUMNS says.
    return Console(width=None if sys.stdout.isatty() or os.environ.get("COLUMNS") else 160)


def line(text: str) -> None:
    out().print(text, highlight=False, markup=False, soft_wrap=True)


def _fact_row(i: int, f: Fact) -> list[str]:
    value = f.value_text if f.value is None else f"{f.value:g}"
    change = (
        f"{f.change.basis or ''}{f.change.value:+g}{f.change.unit or ''}"
        if (f.change and f.change.value is not None)
        else ""
    )
    rank = f"{f.rank.scope or ''}第{f.rank.position}" if f.rank else ""
    check = "-"
    if f.check is not None:
        codes = sorted({x.code for x in f.check.issues})
        check = f.check.status + (f" ({', '.join(codes)})" if codes else "")
    quote = f.quote if len(f.quote) <= QUOTE_CHARS else f.quote[: QUOTE_CHARS - 1] + "…"
    return [str(i), f.subject, value or "", f.unit or "", change, rank, check, quote]


SHOWN_FACTS = 200


def print_summary(report: Report) -> None:
    """The readable view: what the report is, counts, facts with their check, failures."""
    from rich.table import Table

    m = report.meta
    src = report.source.path if report.source and report.source.path else "(text)"
    out().print(f"[bold]{m.title or src}[/bold]", highlight=False)
    line(
        f"{src} · doc {report.doc_id} · {m.doc_type} · region {m.region or '?'} · "
        f"period {m.period or '?'} · issued {m.issued_on or '?'}"
    )
    ok = sum(1 for s in report.sections if s.status == "ok")
    failed = [s for s in report.sections if s.status == "failed"]
    line(
        f"{len(report.facts)} facts · {len(report.problems)} problems · "
        f"{len(report.recommendations)} recommendations · sections {ok} ok, {len(failed)} failed"
    )
    if report.facts:
        t = Table(show_lines=False, pad_edge=False)
        for col in ("#", "subject", "value", "unit", "change", "rank", "check", "quote"):
            t.add_column(col, overflow="fold")
        # a table of thousands of rows is no view: the rest is in --json / -o
        for i, f in enumerate(report.facts[:SHOWN_FACTS], 1):
            t.add_row(*_fact_row(i, f))
        out().print(t)
        if len(report.facts) > SHOWN_FACTS:
            line(f"… and {len(report.facts) - SHOWN_FACTS} more facts (all of them: --json or -o)")
    for s in failed:
        line(f"failed {' > '.join(s.path) or s.id}: {s.error}")
    print_checks(report)
    print_run(report)


def print_run(report: Report) -> None:
    r = report.run
    if not r.backend:
        return  # a re-checked report that was never extracted here: no run to show
    if r.backend == "rules":
        line(f"offline rules backend · no model calls · {r.seconds:.2f} s")
        return
    line(
        f"{r.backend} {r.model or ''} · {r.calls} calls ({r.http_requests} HTTP requests "
        f"with transport retries, {r.cached_calls} cached, {r.reasks} re-asks) "
        f"· {r.prompt_tokens}+{r.completion_tokens} tokens"
        f"{f' · cost ≈ {r.cost:.4f}' if r.cost is not None else ''} · {r.seconds:.1f} s"
    )
    if r.by_kind:
        kinds = [
            f"{k} {u.calls} ({u.prompt_tokens}+{u.completion_tokens})" for k, u in r.by_kind.items()
        ]
        line("calls by kind (prompt+completion tokens): " + " · ".join(kinds))
    if r.repair is not None:
        p = r.repair
        line(
            f"repair: {p.flagged_before} flagged facts sent back ({p.sections} calls): "
            f"{p.corrected} corrected, {p.dropped} dropped, {p.still_flagged} still flagged; "
            f"{p.offered} unaccounted numbers offered, {p.added} facts added"
        )


def print_checks(report: Report) -> None:
    k = report.checks
    held = sum(cc.ok for cc in k.cross_checks)
    line(
        f"checks: {k.verified} verified · {k.flagged} flagged · {k.unverifiable} unverifiable"
        f" · cross-checks {held}/{len(k.cross_checks)} hold"
        f" · {len(k.unaccounted_numbers)} numbers no fact covers"
    )
    for cc in k.cross_checks:
        if not cc.ok:
            line(f"cross-check failed {cc.rule}: {cc.detail}")
    for n in k.unaccounted_numbers[:UNACCOUNTED_SHOWN]:
        line(f"  unaccounted {n.text!r} in “{n.clause}”")
    if len(k.unaccounted_numbers) > UNACCOUNTED_SHOWN:
        more = len(k.unaccounted_numbers) - UNACCOUNTED_SHOWN
        line(f"  … and {more} more (see --json)")


def _verified(checker: Any) -> str:
    vp = checker.verified_precision if checker is not None else None
    return "" if vp is None else f" · verified precision {vp:.3f}"


def print_scores(run: Any) -> None:
    from rich.table import Table

    s = run.scores
    h = s.headline()
    line(
        f"run {run.run_id} · {run.backend} {run.model or ''} · {len(s.docs)} documents "
        f"· {run.seconds:.1f} s"
    )
    t = Table(pad_edge=False)
    for col in ("", "P", "R", "F1"):
        t.add_column(col)
    for label, key in (("facts", "fact"), ("findings", "finding")):
        t.add_row(
            label,
            f"{h[key + '_precision']:.3f}",
            f"{h[key + '_recall']:.3f}",
            f"{h[key + '_f1']:.3f}",
        )
    t.add_row(
        "leaves (micro)", f"{s.micro.precision:.3f}", f"{s.micro.recall:.3f}", f"{s.micro.f1:.3f}"
    )
    t.add_row("fields (macro)", "", "", f"{s.macro_f1:.3f}")
    out().print(t)
    for d in s.docs:
        state = "ok" if d.status == "ok" else f"FAILED: {d.error}"
        line(
            f"  {d.doc}: facts {d.facts.correct}/{d.facts.gold} gold, {d.facts.predicted} predicted"
            f" · fact F1 {d.facts.prf.f1:.3f} · finding F1 {d.findings.prf.f1:.3f}"
            f"{_verified(d.checker)} · {state}"
        )
    if s.checker is not None:
        ck = s.checker
        bad = "–" if ck.bad_flagged_share is None else f"{ck.bad_flagged_share:.0%}"
        good = "–" if ck.good_flagged_share is None else f"{ck.good_flagged_share:.0%}"
        vp = "–" if ck.verified_precision is None else f"{ck.verified_precision:.3f}"
        line(
            f"verified precision {vp} ({ck.verified_correct} of {ck.verified} verified facts "
            f"right) · checker flags {bad} of {ck.bad} wrong/hallucinated facts, "
            f"{good} of {ck.good} correct ones"
        )
