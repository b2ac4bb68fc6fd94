"""The review page: one self-contained HTML file per report (no network: styles and script
inlined), its text with every fact's span marked by check status, a facts table, the problems
and recommendations beside the text; and for a results database, an index of its documents."""

from __future__ import annotations

import itertools
import os
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from jinja2 import Environment, FunctionLoader, StrictUndefined, Template

from extractor.errors import UsageError
from extractor.schemas import Fact, Finding, Report

# worst first: a piece of text under several facts shows the worst of their statuses
_STATUS_ORDER = ("flagged", "unverifiable", "verified", "unchecked")


@dataclass
class Piece:
    """A run of text under the same facts, findings and unaccounted numbers."""

    text: str
    facts: list[int] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)
    unaccounted: bool = False
    first_of: list[int] = field(default_factory=list)  # facts whose span begins here
    finding_starts: list[str] = field(default_factory=list)

    def status(self, facts: list[Fact]) -> str:
        found = {status_of(facts[i]) for i in self.facts}
        return next((s for s in _STATUS_ORDER if s in found), "")


def status_of(f: Fact) -> str:
    return f.check.status if f.check is not None else "unchecked"


def _findings(report: Report) -> list[tuple[str, Finding]]:
    """Each finding with its key: p3 for the fourth problem, r0 for the first recommendation."""
    return [(f"p{i}", f) for i, f in enumerate(report.problems)] + [
        (f"r{i}", f) for i, f in enumerate(report.recommendations)
    ]


def pieces(report: Report) -> list[Piece]:
    """The text cut at every span's ends, each piece knowing what covers it."""
    text = report.text
    spans: list[tuple[int, int, str, Any]] = []
    for i, f in enumerate(report.facts):
        if f.span is not None:
            spans.append((*f.span, "fact", i))
    for key, g in _findings(report):
        if g.span is not None:
            spans.append((*g.span, "finding", key))
    for n in report.checks.unaccounted_numbers:
        spans.append((*n.span, "number", None))
    cuts = sorted({0, len(text), *(a for a, *_ in spans), *(b for _, b, *_ in spans)})
    out: list[Piece] = []
    for a, b in itertools.pairwise(cuts):
        if a >= b or b > len(text):
            continue
        p = Piece(text[a:b])
        for s, e, kind, ref in spans:
            if not s <= a < e:
                continue
            if kind == "fact":
                p.facts.append(ref)
                if s == a:
                    p.first_of.append(ref)
            elif kind == "finding":
                p.findings.append(ref)
                if s == a:
                    p.finding_starts.append(ref)
            else:
                p.unaccounted = True
        out.append(p)
    return out


def _fact_row(i: int, f: Fact) -> dict[str, Any]:
    change = ""
    if f.change is not None:
        change = " ".join(str(x) for x in (f.change.basis, f.change.value, f.change.unit) if x)
    rank = ""
    if f.rank is not None:
        rank = f"{f.rank.scope or ''}第{f.rank.position}" + ("（并列）" if f.rank.tied else "")
    value = f.value_text if f.value is None else f"{f.value:g}"
    return {
        "i": i,
        "status": status_of(f),
        "category": f.category,
        "subject": f.subject,
        "value": value or "",
        "unit": f.unit or "",
        "change": change,
        "rank": rank,
        "period": f.period or "",
        "area": f.area or "",
        "indicator": f.indicator or "",
        "origin": f.origin,
        "quote": f.quote,
        "located": f.span is not None,
        "issues": [x.message for x in (f.check.issues if f.check else [])],
    }


@lru_cache(maxsize=4)
def _template(name: str) -> Template:
    env = Environment(
        loader=FunctionLoader(
            lambda n: resources.files("extractor.review").joinpath(n).read_text("utf-8")
        ),
        undefined=StrictUndefined,
        autoescape=True,  # every report string is text, never markup
    )
    return env.get_template(name)


def render_report(report: Report, *, back: str | None = None) -> str:
    """The review page of ``report`` as one HTML string (``back``: a link to an index)."""
    facts = [_fact_row(i, f) for i, f in enumerate(report.facts)]
    return _template("page.html.j2").render(
        report=report,
        pieces=pieces(report),
        facts=facts,
        all_facts=report.facts,
        findings=_findings(report),
        categories=sorted({f.category for f in report.facts}),
        failed=[s for s in report.sections if s.status == "failed"],
        back=back,
    )


def write_review(report: Report, out: str | os.PathLike[str]) -> Path:
    """Write the review page of ``report`` to ``out`` (a file)."""
    path = Path(out)
    if path.is_dir():
        raise UsageError(f"{path} is a folder: give the page's file name, e.g. {path}/page.html")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render_report(report), encoding="utf-8")
    except OSError as e:
        raise UsageError(f"cannot write the page {path}: {e.strerror or e}") from e
    return path


def render_index(rows: list[dict[str, Any]], db: str) -> str:
    return _template("index.html.j2").render(rows=rows, db=db)
