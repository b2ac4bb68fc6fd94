"""Numbers no fact covers: what a reviewer should look at for a fact that may be missing."""

from __future__ import annotations

import bisect
import re
from decimal import Decimal

from extractor.checker.facts import Ctx, value_matches
from extractor.checker.precision import dec
from extractor.numbers import Mention
from extractor.schemas import Fact, Section, UnaccountedNumber
from extractor.sectioning import CLAUSE_MARKS, enclosing

_GRADE_STATED = re.compile(r"(?:为|是|保持|达到|达|属于|维持)(?:在)?$")


# --- coverage --------------------------------------------------------------------------------


def _covers(f: Fact, m: Mention) -> bool:
    if f.span is None or not (f.span[0] <= m.num_start and m.num_end <= f.span[1]):
        return False
    if m.kind == "grade":
        return f.value is None and bool(f.value_text)
    wanted: list[Decimal] = []
    for v in (f.value, f.change.value if f.change else None):
        d = dec(v)
        if d is not None:
            wanted += [abs(d), d]  # a signed number in the text (a table's -8.3) states itself
    if f.rank and f.rank.position is not None:
        wanted.append(Decimal(f.rank.position))
    return any(value_matches(w, f.unit, m) in ("same", "scaled") for w in wanted)


def unaccounted(facts: list[Fact], ctx: Ctx, sections: list[Section]) -> list[UnaccountedNumber]:
    back = [(s.start, s.end) for s in sections if s.kind == "back"]
    out: list[UnaccountedNumber] = []
    # only a fact whose quote starts at most its own length before a number can cover it
    spanned = sorted((f for f in facts if f.span is not None), key=lambda f: f.span or (0, 0))
    starts = [f.span[0] for f in spanned if f.span]
    longest = max((f.span[1] - f.span[0] for f in spanned if f.span), default=0)
    for m in ctx.mentions:
        if m.masked or any(a <= m.start < b for a, b in back):
            continue
        if m.kind == "grade" and not _GRADE_STATED.search(ctx.text[max(0, m.start - 4) : m.start]):
            continue  # "I-III类水质比例" names a class inside a subject; it states nothing
        near = spanned[
            bisect.bisect_left(starts, m.num_start - longest) : bisect.bisect_right(
                starts, m.num_start
            )
        ]
        if any(_covers(f, m) for f in near):
            continue
        lo, hi = enclosing(ctx.text, m.start, m.end, CLAUSE_MARKS)
        out.append(
            UnaccountedNumber(text=m.text, span=(m.start, m.end), clause=ctx.text[lo:hi].strip())
        )
    return out
