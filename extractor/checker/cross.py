"""Cross-checks between figures, kept as data in ``schemas/crosschecks.json``: ratios, shares
of days, change consistency, parts after 其中 against their total, and the same quantity
stated twice. A failed rule names the numbers that disagree; nothing is "fixed"."""

from __future__ import annotations

import bisect
import itertools
import json
import re
from collections import defaultdict
from decimal import Decimal
from functools import lru_cache
from importlib import resources
from typing import Any

from extractor.checker.precision import (
    Places,
    bounds,
    dec,
    interval,
    places_of,
    show,
    std_bounds,
)
from extractor.folding import fold
from extractor.lexicon import COUNTED_UNITS, EXACT_COUNT_UNITS
from extractor.period import Period
from extractor.schemas import CrossCheck, Fact
from extractor.schemas.catalogue import by_key, match_indicator, qualifier
from extractor.sectioning import SEGMENT_MARKS, enclosing
from extractor.units import canonical_unit


@lru_cache(maxsize=1)
def _rules() -> dict[str, Any]:
    raw = resources.files("extractor.schemas").joinpath("crosschecks.json").read_text("utf-8")
    rules: dict[str, Any] = json.loads(raw)
    return rules


def _ind_key(f: Fact) -> str | None:
    """The declared indicator, or one the subject names outright (a cross-check must not pair
    "优良天数比例距目标差距" with 优良天数)."""
    if f.indicator:
        return f.indicator
    ind = match_indicator(f.subject, slack=4)
    return ind.key if ind else None


def _period_of(f: Fact, meta_period: str | None) -> str | None:
    return f.period or meta_period


def _year(period: str | None) -> int | None:
    return Period.parse(period).year if period else None


def _days_in(period: str | None) -> int | None:
    """Days a period covers: a year, a year to a month, or up to a date (截至2025-09-16)."""
    return Period.parse(period).days() if period else None


class _Scope:
    """The figures of one indicator, period and area, for finding the one nearest a fact in
    the text (unlocated ones after every located one, the earlier fact on a tie)."""

    def __init__(self, items: list[tuple[int, Fact]]) -> None:
        self.items = items
        located = sorted((f.span[0], i, f) for i, f in items if f.span is not None)
        self.starts = [start for start, _, _ in located]
        self.located = [(i, f) for _, i, f in located]
        self.unlocated = [(i, f) for i, f in items if f.span is None]

    def nearest(self, anchor: Fact) -> tuple[int, Fact] | None:
        if anchor.span is None or not self.located:
            # an unlocated anchor takes the first in fact order
            return min(self.items, default=None, key=lambda x: x[0])
        a = anchor.span[0]
        k = bisect.bisect_left(self.starts, a)
        gaps = [abs(self.starts[j] - a) for j in (k - 1, k) if 0 <= j < len(self.starts)]
        d = min(gaps)
        ties: list[tuple[int, Fact]] = []
        for start in {a - d, a + d}:
            lo, hi = bisect.bisect_left(self.starts, start), bisect.bisect_right(self.starts, start)
            ties += self.located[lo:hi]
        return min(ties, key=lambda x: x[0])


def cross_checks(
    facts: list[Fact], text: str, meta_period: str | None, places: Places
) -> list[CrossCheck]:
    rules = _rules()
    out: list[CrossCheck] = []
    by_ind: dict[str, list[tuple[int, Fact]]] = defaultdict(list)
    grouped: dict[tuple[str, str | None, str | None], list[tuple[int, Fact]]] = defaultdict(list)
    for i, f in enumerate(facts):
        key = _ind_key(f)
        if key and f.value is not None and not f.is_target:
            by_ind[key].append((i, f))
            grouped[key, _period_of(f, meta_period), f.area].append((i, f))
    scopes = {k: _Scope(v) for k, v in grouped.items()}

    def nearest(indicator: str, anchor: Fact) -> tuple[int, Fact] | None:
        """The figure of ``indicator`` for the anchor's period and area nearest to it."""
        scope = scopes.get((indicator, _period_of(anchor, meta_period), anchor.area))
        return scope.nearest(anchor) if scope is not None else None

    for rule in rules.get("ratio", []):
        for ri, r in by_ind.get(rule["result"], []):
            num, den = nearest(rule["numerator"], r), nearest(rule["denominator"], r)
            if num is None or den is None:
                continue
            (ni, n), (di, d) = num, den
            sn, sd = std_bounds(n, places), std_bounds(d, places)
            if sn is None or sd is None or sd[0] <= 0:
                continue
            factor = Decimal(str(rule.get("factor", 1)))
            lo, hi = sn[0] / sd[1] * factor, sn[1] / sd[0] * factor
            rlo, rhi = bounds(r, places)
            ok = lo <= rhi and rlo <= hi
            out.append(
                CrossCheck(
                    rule=f"ratio: {rule['name']}",
                    facts=[ri, ni, di],
                    ok=ok,
                    detail=f"{n.value:g} / {d.value:g} × {factor} = {show(lo, hi)}; "
                    f"stated {r.value:g}",
                )
            )

    for rule in rules.get("share_of_days", []):
        for si, s in by_ind.get(rule["share"], []):
            days = nearest(rule["days"], s)
            if days is None:
                continue
            di, d = days
            valid = nearest(rule.get("valid_days", ""), s)
            if valid:
                total: int | None = int(dec(valid[1].value) or 0)
                basis = f"{total} valid monitoring days"
            else:
                total = _days_in(_period_of(s, meta_period))
                basis = f"{total} days in {_period_of(s, meta_period)}"
            dv = dec(d.value)
            if not total or dv is None:
                continue
            computed = dv / Decimal(total) * 100
            slo, shi = bounds(s, places)
            ok = slo <= computed <= shi
            out.append(
                CrossCheck(
                    rule=f"share_of_days: {rule['name']}",
                    facts=[si, di] + ([valid[0]] if valid else []),
                    ok=ok,
                    detail=f"{d.value:g} / {basis} = {computed:.3f}%; stated {s.value:g}%",
                )
            )

    out += _change_consistency(facts, meta_period, rules.get("change_consistency", {}), places)
    out += _sum_of_parts(facts, text, rules.get("sum_of_parts", {}), places)
    if "same_quantity" in rules:
        out += _same_quantity(facts, text, meta_period, places)
    return out


def _change_consistency(
    facts: list[Fact], meta_period: str | None, rule: dict[str, Any], places: Places
) -> list[CrossCheck]:
    """A stated change against the current and the previous value of the same quantity."""
    previous_words = tuple(rule.get("previous_words", ()))
    out: list[CrossCheck] = []
    # a fact's previous value has its subject or its indicator, and its area: look only there
    by_subject: dict[tuple[str | None, str], list[int]] = defaultdict(list)
    by_indicator: dict[tuple[str | None, str], list[int]] = defaultdict(list)
    for i, f in enumerate(facts):
        if f.value is None:
            continue
        by_subject[f.area, fold(f.subject)].append(i)
        key = _ind_key(f)
        if key:
            by_indicator[f.area, key].append(i)
    for ci, cur in enumerate(facts):
        c = cur.change
        if c is None or c.value is None or cur.value is None:
            continue
        cur_year = _year(_period_of(cur, meta_period))
        key = _ind_key(cur)
        same = by_subject[cur.area, fold(cur.subject)]
        candidates = sorted(set(same) | set(by_indicator[cur.area, key] if key else ()))
        for pi in candidates:
            prev = facts[pi]
            if pi == ci:
                continue
            p_period = prev.period or ""
            is_prev = (cur_year is not None and _year(p_period) == cur_year - 1) or (
                p_period in previous_words
            )
            if not is_prev:
                continue
            check = _change_holds(cur, prev, places)
            if check is None:
                continue
            ok, detail = check
            out.append(CrossCheck(rule="change_consistency", facts=[ci, pi], ok=ok, detail=detail))
            break
    return out


def _change_holds(cur: Fact, prev: Fact, places: Places) -> tuple[bool, str] | None:
    c = cur.change
    assert c is not None and c.value is not None
    cv, pv, delta = dec(cur.value), dec(prev.value), dec(c.value)
    if (
        cv is None
        or pv is None
        or delta is None
        or canonical_unit(prev.unit) != canonical_unit(cur.unit)
    ):
        return None
    clo, chi = bounds(cur, places)
    plo, phi = bounds(prev, places)
    whole = places_of(delta) == 0 and canonical_unit(c.unit) in EXACT_COUNT_UNITS
    dlo, dhi = interval(delta, exact=whole)
    unit = canonical_unit(c.unit)
    fact_unit = canonical_unit(cur.unit)
    relative = unit == "%" and fact_unit != "个百分点"
    if unit == "%" and fact_unit == "%":
        relative = True  # a percentage changing "by 3%" is relative; 个百分点 is absolute
    if relative:
        if plo <= 0:
            return None
        lo, hi = (clo - phi) / phi * 100, (chi - plo) / plo * 100
        what = f"({cur.value:g} − {prev.value:g}) / {prev.value:g} = {show(lo, hi)}%"
    elif unit in (fact_unit, "个百分点", None):
        lo, hi = clo - phi, chi - plo
        what = f"{cur.value:g} − {prev.value:g} = {show(lo, hi)}"
    else:
        return None
    ok = lo <= dhi and dlo <= hi
    return ok, f"{what}; stated {c.value:+g}{c.unit or ''}"


# Rates, concentrations and levels of parts do not add up to the whole's: "平均为82.8%，其中
# 白岭县最高，为88.5%" names the best part, it does not split a total.
_NOT_ADDITIVE = frozenset({"%", "‰", "个百分点", "微克/立方米", "毫克/升", "分贝", "倍"})


_NEW_STATEMENT = re.compile(r"累计|全市|全县|全区|全省|此外|另外|同时|另有")


def _bracketed(text: str, span: tuple[int, int]) -> bool:
    """Whether the span sits inside a bracket (（国控断面1个、省控断面2个）)."""
    left = text[max(0, span[0] - 40) : span[1]]
    opened = max(left.rfind("（"), left.rfind("("))
    if opened < 0 or max(left.rfind("）"), left.rfind(")")) > opened:
        return False
    right = text[span[1] : span[1] + 40]
    return any(c in right for c in "）)")


def _total_before(
    located: list[tuple[int, Fact]], upto: int, at: int, text: str
) -> tuple[int, Fact] | None:
    """The last located fact before ``at`` (of the first ``upto``) that is not inside a
    bracket that closed before it."""
    for k in range(upto - 1, -1, -1):
        span = located[k][1].span
        if span and span[1] <= at and not _bracketed(text, span):
            return located[k]
    return None


def _sum_of_parts(
    facts: list[Fact], text: str, rule: dict[str, Any], places: Places
) -> list[CrossCheck]:
    """Parts listed after 其中 never exceed the total stated just before."""
    out: list[CrossCheck] = []
    located = sorted(
        ((i, f) for i, f in enumerate(facts) if f.span and f.value is not None),
        key=lambda x: x[1].span[0] if x[1].span else 0,
    )
    starts = [f.span[0] if f.span else 0 for _, f in located]
    for marker in rule.get("markers", []):
        for m in re.finditer(re.escape(marker), text):
            seg_lo, seg_hi = enclosing(text, m.end(), m.end(), SEGMENT_MARKS)
            # the total is the last figure before 其中, not one inside a bracket that closed
            # before it (断面6个（国控1个、省控2个、县控3个）。其中…)
            found = _total_before(located, bisect.bisect_left(starts, m.start()), m.start(), text)
            if found is None:
                continue
            ti, total = found
            assert total.span is not None
            # The total is in the same or the previous sentence, not anywhere above.
            gap = text[total.span[1] : m.start()]
            if sum(gap.count(p) for p in "。！？\n") > 1:
                continue
            st = std_bounds(total, places)
            if st is None or st[2] in _NOT_ADDITIVE:
                continue
            lo = bisect.bisect_left(starts, max(seg_lo, m.start()))
            parts = [
                (i, f)
                for i, f in located[lo : bisect.bisect_right(starts, seg_hi)]
                if f.span and seg_lo <= f.span[0] and f.span[1] <= seg_hi and f.span[0] >= m.start()
                and (s := std_bounds(f, places)) is not None and s[2] == st[2] and not f.is_target
            ]  # fmt: skip
            # the list ends where a new statement starts: …其中“煤改电”9860户、“煤改气”4340户，
            # 全市累计完成…18.6万户 is not a third part
            for k in range(1, len(parts)):
                prev_span, span = parts[k - 1][1].span, parts[k][1].span
                if prev_span and span and _NEW_STATEMENT.search(text[prev_span[1] : span[0]]):
                    parts = parts[:k]
                    break
            if not parts:
                continue
            plo = sum(
                (std_bounds(f, places) or (Decimal(0), Decimal(0), None))[0] for _, f in parts
            )
            ok = plo <= st[1]
            shown = " + ".join(f"{f.value:g}{f.unit or ''}" for _, f in parts)
            out.append(
                CrossCheck(
                    rule="sum_of_parts",
                    facts=[ti] + [i for i, _ in parts],
                    ok=ok,
                    detail=f"{marker}: {shown} {'≤' if ok else '>'} {total.value:g}"
                    f"{total.unit or ''}",
                )
            )
    return out


def _quantity(f: Fact) -> tuple[str, str]:
    """What a fact measures, for comparing statements: its indicator and the words of its
    subject beyond the indicator's name, or, without an indicator, its subject."""
    key = _ind_key(f)
    if key is None or key not in by_key():
        return "subject", fold(f.subject)
    return f"indicator:{key}", qualifier(key, f.subject)


def _same_quantity(
    facts: list[Fact], text: str, meta_period: str | None, places: Places
) -> list[CrossCheck]:
    """The same quantity stated twice must agree: the same indicator (or, without one, the
    same subject), period, area and unit. Two values of PM2.5年均浓度 for one year and one
    place cannot both be right, whatever words each is stated in."""
    groups: dict[tuple[Any, ...], list[int]] = defaultdict(list)
    for i, f in enumerate(facts):
        s = std_bounds(f, places)
        if s is None or not fold(f.subject) or s[2] in COUNTED_UNITS:
            # counts name what was counted in that passage (7座 inspected, 23座 built): the
            # same noun twice is not the same quantity; rates, levels and amounts are
            continue
        what = _quantity(f)
        key = (what, _period_of(f, meta_period), fold(f.area), s[2], f.is_target)
        groups[key].append(i)
    out: list[CrossCheck] = []
    for key, idx in groups.items():  # noqa: B007 - key reads as what the group is
        if len(idx) < 2:
            continue
        spans = [facts[i].span for i in idx]
        if len(set(spans)) < len(idx):
            continue  # the same statement twice is a duplicate, reported per fact
        starts = sorted(sp[0] for sp in spans if sp is not None)
        if len(starts) == len(idx) and not any(
            "\n" in text[a:b] for a, b in itertools.pairwise(starts)
        ):
            continue  # within one paragraph the same words name different things (…中,5家…)
        ranges = [s for i in idx if (s := std_bounds(facts[i], places)) is not None]
        lo = max(r[0] for r in ranges)
        hi = min(r[1] for r in ranges)
        ok = lo <= hi
        values = ", ".join(f"{facts[i].value:g}{facts[i].unit or ''}" for i in idx)
        out.append(
            CrossCheck(
                rule="same_quantity",
                facts=idx,
                ok=ok,
                detail=f"{facts[idx[0]].subject} stated {len(idx)} times: {values}",
            )
        )
    return out
