"""The checker: every extracted number against the source, figures against each other, and the
numbers no fact covers.

Per fact (``check.issues`` codes):

* ``quote_not_in_source``: the quote cannot be located (exact, folded or fuzzy);
* ``value_not_in_quote``: no number in the quote equals the value at the coarser of the two
  precisions (3136 万元 and 31360000 元 agree; 0.044 against 4.4% is a scale slip); the same for
  the change and the rank;
* ``value_is_change``: the value is the size of a change stated next to it (同比增加14天 → 14);
* ``value_not_in_source``: the value appears nowhere in the source either;
* ``unit_mismatch``: the unit disagrees with the text or with the indicator's expected units;
* ``sign_mismatch``: the change's sign contradicts 下降/减少/降低 or 上升/增加/提高;
* ``subject_not_in_source``: the subject's words are not in the sentence around the quote;
* ``out_of_range``: outside the catalogue's plausible range (percent 0–100, days ≤ 366, …);
* ``duplicate``: the same number at the same place as an earlier fact;
* ``cross_check_failed``: a rule between figures does not hold (see ``crosschecks.json``).

Status: ``flagged`` with any issue; otherwise ``verified``, or ``unverifiable`` for a value the
rules cannot confirm (a grade not in the quote, a value derived from the quote's numbers).
All arithmetic is Decimal; numbers carry the interval their stated precision allows.
"""

from __future__ import annotations

import bisect
import calendar
import itertools
import json
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from importlib import resources
from typing import Any

from extractor.folding import fold
from extractor.grounding import locate
from extractor.numbers import Mention, find_numbers
from extractor.schemas import (
    CheckIssue,
    CheckSummary,
    CrossCheck,
    Fact,
    FactCheck,
    Report,
    Section,
    UnaccountedNumber,
)
from extractor.schemas.catalogue import Indicator, by_key, match_indicator
from extractor.schemas.report import CheckStatus
from extractor.sectioning import (
    CLAUSE_MARKS,
    SEGMENT_MARKS,
    enclosing,
    is_table_row,
    split_sections,
)
from extractor.units import canonical_unit, std_value, to_std

__all__ = ["check", "check_facts", "interval"]

_NEGATIVE = ("下降", "减少", "降低", "回落", "下滑", "减", "降", "少")
_POSITIVE = ("上升", "增加", "提高", "提升", "增长", "上涨", "增", "升", "多")
_CHANGE_BASIS = re.compile(
    r"(同比|环比|较上年|较去年|比上年|比去年|较\d{4}年|比\d{4}年|与去年相比)"
)
_GROWTH_WORDS = ("增长", "增幅", "提高", "上升", "增加", "变化", "降幅", "下降")
_SUBJECT_SHARE = 0.5
_CHANGE_WINDOW = 10  # characters before a change's number in which its direction word stands


# --- numbers with their precision ------------------------------------------------------------


def _dec(value: float | int | Decimal | None) -> Decimal | None:
    if value is None:
        return None
    try:
        return value if isinstance(value, Decimal) else Decimal(str(value))
    except InvalidOperation:
        return None


def _places(d: Decimal) -> int:
    exponent = d.as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


# Whole numbers of these are counted, not measured: 273 天 is exactly 273.
COUNT_UNITS = frozenset("天个家辆起件项条处套次名位座台所户人类批宗场")


def interval(
    value: Decimal, places: int | None = None, *, exact: bool = False
) -> tuple[Decimal, Decimal]:
    """What a stated number can mean: 61.7 is [61.65, 61.75], 51 (a measurement) is
    [50.5, 51.5], and an exact count is itself."""
    if exact:
        return value, value
    p = _places(value) if places is None else places
    half = Decimal(5) * Decimal(10) ** (-p - 1)
    return value - half, value + half


def _same_number(a: Decimal, b: Decimal) -> bool:
    """Equal at the coarser of the two stated precisions (51 = 51.0; 61.7 ≠ 61.8)."""
    places = min(_places(a), _places(b))
    q = Decimal(10) ** -places
    return a.quantize(q) == b.quantize(q)


# --- rules as data ---------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _rules() -> dict[str, Any]:
    raw = resources.files("extractor.schemas").joinpath("crosschecks.json").read_text("utf-8")
    rules: dict[str, Any] = json.loads(raw)
    return rules


# --- per fact --------------------------------------------------------------------------------


@dataclass
class _Ctx:
    text: str
    mentions: list[Mention]  # every mention in the text, masked ones included
    meta_period: str | None
    starts: list[int] = field(default_factory=list)  # num_start of each mention, ascending

    def __post_init__(self) -> None:
        self.mentions = sorted(self.mentions, key=lambda m: m.num_start)
        self.starts = [m.num_start for m in self.mentions]


def _in_span(ctx: _Ctx, start: int, end: int) -> list[Mention]:
    # mentions come in text order: bisect to the quote instead of scanning the whole report
    lo = bisect.bisect_left(ctx.starts, start)
    hi = bisect.bisect_right(ctx.starts, end)
    return [m for m in ctx.mentions[lo:hi] if m.num_end <= end]


def _issue(code: str, message: str) -> CheckIssue:
    return CheckIssue(code=code, message=message)


def _indicator(f: Fact) -> Indicator | None:
    if f.indicator and f.indicator in by_key():
        return by_key()[f.indicator]
    return None


def _value_matches(value: Decimal, unit: str | None, m: Mention) -> str | None:
    """How ``m`` states ``value unit``: "same", "scaled" (another scale of the same quantity),
    "slip" (off by a power of ten), or None."""
    if _same_number(value, m.value) or (m.value_to is not None and _same_number(value, m.value_to)):
        return "same"
    mine, base = std_value(value, unit)
    theirs, their_base = std_value(m.value, m.unit)
    if base == their_base and _same_number(mine, theirs):
        return "scaled"
    if value and m.value:
        ratio = (value / m.value).normalize()
        if ratio in {Decimal(10) ** k for k in (-8, -4, -3, -2, 2, 3, 4, 8)}:
            return "slip"
    return None


def _direction(before: str) -> int:
    """-1 / +1 for the last direction word in ``before`` (0 when none)."""
    best, sign = -1, 0
    for words, s in ((_NEGATIVE, -1), (_POSITIVE, 1)):
        for w in words:
            at = before.rfind(w)
            if at > best or (at == best and at >= 0 and s == -1 and len(w) > 1):
                best, sign = at, s
    return sign


def _find_span(f: Fact, ctx: _Ctx, claimed: dict[str, list[int]]) -> tuple[int, int] | None:
    """Where the quote stands. Two facts quoting the same words (改善率在全省排名第4位, said
    of PM2.5 and of 优良天数) take successive occurrences rather than both the first."""
    text = ctx.text
    if f.span is not None and text[f.span[0] : f.span[1]] == f.quote:
        return f.span
    if not f.quote:
        return None
    taken = claimed.setdefault(f.quote, [])
    at = text.find(f.quote)
    while at >= 0 and at in taken:
        at = text.find(f.quote, at + 1)
    if at >= 0:
        taken.append(at)
        return at, at + len(f.quote)
    return locate(f.quote, text, 0, len(text), f.span[0] if f.span else None)


def _check_one(
    f: Fact, ctx: _Ctx, claimed: dict[str, list[int]]
) -> tuple[Fact, list[CheckIssue], bool, Mention | None]:
    """Issues of one fact, the fact with its span located, whether its value is derived, and
    the mention in the source that states its value."""
    text = ctx.text
    issues: list[CheckIssue] = []
    span = _find_span(f, ctx, claimed)
    if span is not None and span != f.span:
        f = f.model_copy(update={"span": span, "quote": text[span[0] : span[1]]})
    if span is None:
        issues.append(_issue("quote_not_in_source", f"quote {f.quote!r} is not in the source"))
        value = _dec(f.value)
        if value is not None and not any(
            _value_matches(value, f.unit, m) == "same" for m in ctx.mentions if not m.masked
        ):
            issues.append(
                _issue("value_not_in_source", f"{f.value:g} appears nowhere in the source")
            )
        return f, issues, False, None

    quoted = _in_span(ctx, *span)
    live = [m for m in quoted if not m.masked]
    derived = False
    value = _dec(f.value)
    matched: Mention | None = None
    if value is not None:
        kinds = {m: _value_matches(value, f.unit, m) for m in live}
        same = [m for m, k in kinds.items() if k in ("same", "scaled")]
        # Prefer a mention whose unit agrees, so "8个…100%" matches 100 to the 100%.
        unit = canonical_unit(f.unit)
        same.sort(key=lambda m: (canonical_unit(m.unit) != unit, m.kind == "rank"))
        if same:
            matched = same[0]
        elif any(k == "slip" for k in kinds.values()):
            slip = next(m for m, k in kinds.items() if k == "slip")
            issues.append(
                _issue(
                    "value_not_in_quote",
                    f"scale slip: the quote states {slip.text}, the fact {f.value:g}",
                )
            )
        elif _derived(value, live):
            derived = True
        else:
            masked = [m for m in quoted if m.masked and _same_number(value, m.value)]
            why = f" (there it is part of a {masked[0].masked})" if masked else ""
            issues.append(
                _issue("value_not_in_quote", f"{f.value:g} is not stated in the quote{why}")
            )
            if not any(_value_matches(value, f.unit, m) == "same" for m in ctx.mentions):
                issues.append(
                    _issue("value_not_in_source", f"{f.value:g} appears nowhere in the source")
                )
    elif f.value_text and fold(f.value_text) not in fold(f.quote):
        issues.append(_issue("value_not_in_quote", f"{f.value_text!r} is not stated in the quote"))

    if matched is not None:
        issues += _unit_issues(f, matched, text)
        if f.change is None and _is_change_number(text, matched):
            issues.append(
                _issue(
                    "value_is_change",
                    f"{matched.text} is the size of a change, not the value itself",
                )
            )
    issues += _change_issues(f, text, live)
    issues += _rank_issues(f, live)
    issues += _subject_issues(f, text, span)
    issues += _range_issues(f)
    return f, issues, derived, matched


def _derived(value: Decimal, mentions: list[Mention]) -> bool:
    """A total or difference of two or more stated numbers (a model adding parts up)."""
    numbers = [m.value for m in mentions]
    if len(numbers) < 2:
        return False
    if _same_number(value, sum(numbers, Decimal(0))):
        return True
    return any(
        _same_number(value, abs(a - b)) for i, a in enumerate(numbers) for b in numbers[i + 1 :]
    )


_CHANGE_VERBS = re.compile(
    r"(?:下降|减少|降低|回落|增加|上升|提高|提升|增长|上涨)了?(?:约|近|超过)?$"
)


def _is_change_number(text: str, m: Mention) -> bool:
    # Only a whole change verb right before the number: 压减100万吨 and 削减 are amounts.
    return bool(_CHANGE_VERBS.search(text[max(0, m.start - 6) : m.start]))


def _caption_units(text: str, span: tuple[int, int] | None) -> str:
    """For a fact quoting a table row, the caption above the table (…（单位：微克/立方米）),
    where the row's unit is stated once for every row; "" for anything else."""
    if span is None or not is_table_row(text[span[0] : span[1]]):
        return ""
    above = text[max(0, span[0] - 800) : span[0]]
    at = max(above.rfind("单位"), above.rfind("單位"))
    return above[at:].split("\n", 1)[0] if at >= 0 else ""


def _unit_issues(f: Fact, m: Mention, text: str = "") -> list[CheckIssue]:
    issues: list[CheckIssue] = []
    unit = canonical_unit(f.unit)
    stated = canonical_unit(m.unit)
    if stated is None and unit is not None and unit in _caption_units(text, f.span):
        stated = unit  # a table row: its unit is stated in the caption
    if m.kind == "rank":
        stated = stated if stated in ("位", "名") else None
        if unit not in (None, "位", "名"):
            issues.append(_issue("unit_mismatch", f"{m.text} is a rank, not {f.unit}"))
        return issues
    if unit != stated:
        value = _dec(f.value)
        scaled = (
            value is not None
            and stated is not None
            and unit is not None
            and std_value(value, unit) == std_value(m.value, stated)
        )
        if not scaled:
            issues.append(
                _issue(
                    "unit_mismatch",
                    f"the text gives {m.text!r} ({stated or 'no unit'}), the fact {f.unit!r}",
                )
            )
    ind = _indicator(f)
    if ind is not None and ind.units and unit is not None:
        bases = {std_value(Decimal(1), u)[1] for u in ind.units if u}
        if bases and std_value(Decimal(1), unit)[1] not in bases:
            expected = "/".join(u for u in ind.units if u)
            issues.append(
                _issue("unit_mismatch", f"{ind.name} is measured in {expected}, not {f.unit}")
            )
    return issues


def _change_issues(f: Fact, text: str, live: list[Mention]) -> list[CheckIssue]:
    c = f.change
    if c is None or c.value is None:
        return []
    size = abs(_dec(c.value) or Decimal(0))
    found = [m for m in live if _same_number(size, abs(m.value)) and m.kind != "rank"]
    if not found:
        if size == 0 and "持平" in f.quote:
            return []
        return [_issue("value_not_in_quote", f"the change {c.value:g} is not stated in the quote")]
    m = found[-1]
    window = text[max(0, m.start - _CHANGE_WINDOW) : m.start]
    # only words after the previous number count, so "下降4.4%，改善率…第2" reads its own verb
    cut = max((k.end for k in live if k.end <= m.start and k is not m), default=0)
    if cut > m.start - _CHANGE_WINDOW:
        window = text[cut : m.start]
    # a signed number (a table's -6.1 or +2.9) states its own direction
    signed = text[m.num_start - 1 : m.num_start] if m.num_start else ""
    sign = -1 if m.value < 0 else 1 if signed == "+" else _direction(window)
    value = _dec(c.value) or Decimal(0)
    if sign and value and (value > 0) != (sign > 0):
        word = "a decrease" if sign < 0 else "an increase"
        return [
            _issue("sign_mismatch", f"the text states {word} ({window.strip()}{m.text}), "
                   f"the change is {c.value:+g}")
        ]  # fmt: skip
    return []


def _rank_issues(f: Fact, live: list[Mention]) -> list[CheckIssue]:
    r = f.rank
    if r is None or r.position is None:
        return []
    if any(m.value == r.position for m in live):
        return []
    return [_issue("value_not_in_quote", f"rank 第{r.position} is not stated in the quote")]


def _subject_issues(f: Fact, text: str, span: tuple[int, int]) -> list[CheckIssue]:
    subject = re.sub(r"[\W\d_a-zA-Z]", "", fold(f.subject))
    if not subject:
        return []
    lo, hi = enclosing(text, span[0], span[1])
    # the sentence before may carry the topic ("声环境质量方面：区域声环境…；声环境质量级别…")
    lo = enclosing(text, max(0, lo - 2), max(0, lo - 1))[0] if lo else lo
    window = fold(text[lo:hi])
    if is_table_row(text[span[0] : span[1]]):
        # a table row is named by its caption, its header and the notes under it as well
        window = fold(text[max(0, span[0] - 600) : span[1] + 600])
    share = sum(c in window for c in subject) / len(subject)
    if share >= _SUBJECT_SHARE:
        return []
    # the subject's own meaning, not the declared key: a wrong key must not vouch for it
    ind = match_indicator(f.subject)
    if ind is not None and any(fold(a) in window for a in (ind.name, *ind.aliases) if a):
        return []
    return [_issue("subject_not_in_source", f"the words of {f.subject!r} are not around the quote")]


def _range_issues(f: Fact) -> list[CheckIssue]:
    value = _dec(f.value)
    if value is None:
        return []
    unit = canonical_unit(f.unit)
    lo: Decimal | None = None
    hi: Decimal | None = None
    ind = _indicator(f)
    if ind is not None and (not ind.units or unit in ind.units):
        lo, hi = Decimal(str(ind.range[0])), Decimal(str(ind.range[1]))
    elif unit == "%" and not any(w in f.subject for w in _GROWTH_WORDS):
        lo, hi = Decimal(0), Decimal(100)
    elif unit == "天":
        lo, hi = Decimal(0), Decimal(366)
    elif unit is not None:
        lo = Decimal(0)  # counts, amounts and concentrations are never negative
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        bounds = f"{lo if lo is not None else '-∞'}–{hi if hi is not None else '∞'}"
        return [
            _issue("out_of_range", f"{f.value:g} {f.unit or ''} is outside the plausible {bounds}")
        ]
    return []


# --- cross-checks ----------------------------------------------------------------------------


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
    m = re.search(r"(19|20)\d{2}", period or "")
    return int(m.group(0)) if m else None


def _days_in(period: str | None) -> int | None:
    """Days a period covers: a year, a year to a month, or up to a date (截至2025-09-16)."""
    if not period:
        return None
    if m := re.fullmatch(r"截至(\d{4})-(\d{2})-(\d{2})", period):
        d = date(int(m[1]), int(m[2]), int(m[3]))
        return (d - date(d.year, 1, 1)).days + 1
    if m := re.fullmatch(r"(\d{4})-01/(\d{4})-(\d{2})", period):
        y, month = int(m[2]), int(m[3])
        return sum(calendar.monthrange(y, k)[1] for k in range(1, month + 1))
    if m := re.fullmatch(r"(\d{4})", period):
        return 366 if calendar.isleap(int(m[1])) else 365
    return None


def _near(facts: list[tuple[int, Fact]], anchor: Fact) -> list[tuple[int, Fact]]:
    """Candidates ordered by distance to ``anchor`` in the text (unlocated ones last)."""
    if anchor.span is None:
        return facts
    a = anchor.span[0]
    return sorted(facts, key=lambda x: abs(x[1].span[0] - a) if x[1].span else 10**9)


Places = dict[int, int]  # id(fact) → decimal places as the source states the value


def _bounds(f: Fact, places: Places) -> tuple[Decimal, Decimal]:
    value = _dec(f.value) or Decimal(0)
    p = places.get(id(f))
    exact = (p or _places(value)) == 0 and canonical_unit(f.unit) in COUNT_UNITS
    return interval(value, p, exact=exact)


def _std(f: Fact, places: Places) -> tuple[Decimal, Decimal, str | None] | None:
    """(low, high) of the fact's value in its base unit, and the base unit."""
    if _dec(f.value) is None:
        return None
    lo, hi = _bounds(f, places)
    slo, base = std_value(lo, f.unit)
    shi, _ = std_value(hi, f.unit)
    return slo, shi, base


def _cross_checks(
    facts: list[Fact], text: str, meta_period: str | None, places: Places
) -> list[CrossCheck]:
    rules = _rules()
    out: list[CrossCheck] = []
    by_ind: dict[str, list[tuple[int, Fact]]] = defaultdict(list)
    for i, f in enumerate(facts):
        key = _ind_key(f)
        if key and f.value is not None and not f.is_target:
            by_ind[key].append((i, f))

    def same_scope(a: Fact, b: Fact) -> bool:
        return _period_of(a, meta_period) == _period_of(b, meta_period) and a.area == b.area

    for rule in rules.get("ratio", []):
        for ri, r in by_ind.get(rule["result"], []):
            nums = [(i, f) for i, f in _near(by_ind.get(rule["numerator"], []), r)]
            dens = [(i, f) for i, f in _near(by_ind.get(rule["denominator"], []), r)]
            nums = [x for x in nums if same_scope(x[1], r)]
            dens = [x for x in dens if same_scope(x[1], r)]
            if not nums or not dens:
                continue
            (ni, n), (di, d) = nums[0], dens[0]
            sn, sd = _std(n, places), _std(d, places)
            if sn is None or sd is None or sd[0] <= 0:
                continue
            factor = Decimal(str(rule.get("factor", 1)))
            lo, hi = sn[0] / sd[1] * factor, sn[1] / sd[0] * factor
            rlo, rhi = _bounds(r, places)
            ok = lo <= rhi and rlo <= hi
            out.append(
                CrossCheck(
                    rule=f"ratio: {rule['name']}",
                    facts=[ri, ni, di],
                    ok=ok,
                    detail=f"{n.value:g} / {d.value:g} × {factor} = {_show(lo, hi)}; "
                    f"stated {r.value:g}",
                )
            )

    for rule in rules.get("share_of_days", []):
        for si, s in by_ind.get(rule["share"], []):
            days = [x for x in _near(by_ind.get(rule["days"], []), s) if same_scope(x[1], s)]
            if not days:
                continue
            di, d = days[0]
            valid = [
                x
                for x in _near(by_ind.get(rule.get("valid_days", ""), []), s)
                if same_scope(x[1], s)
            ]
            if valid:
                total: int | None = int(_dec(valid[0][1].value) or 0)
                basis = f"{total} valid monitoring days"
            else:
                total = _days_in(_period_of(s, meta_period))
                basis = f"{total} days in {_period_of(s, meta_period)}"
            dv = _dec(d.value)
            if not total or dv is None:
                continue
            computed = dv / Decimal(total) * 100
            slo, shi = _bounds(s, places)
            ok = slo <= computed <= shi
            out.append(
                CrossCheck(
                    rule=f"share_of_days: {rule['name']}",
                    facts=[si, di] + ([valid[0][0]] if valid else []),
                    ok=ok,
                    detail=f"{d.value:g} / {basis} = {computed:.3f}%; stated {s.value:g}%",
                )
            )

    out += _change_consistency(facts, meta_period, rules.get("change_consistency", {}), places)
    out += _sum_of_parts(facts, text, rules.get("sum_of_parts", {}), places)
    if "same_quantity" in rules:
        out += _same_quantity(facts, text, meta_period, places)
    return out


def _show(lo: Decimal, hi: Decimal) -> str:
    return f"{lo:.4g}–{hi:.4g}" if lo != hi else f"{lo:.4g}"


def _change_consistency(
    facts: list[Fact], meta_period: str | None, rule: dict[str, Any], places: Places
) -> list[CrossCheck]:
    """A stated change against the current and the previous value of the same quantity."""
    previous_words = tuple(rule.get("previous_words", ()))
    out: list[CrossCheck] = []
    for ci, cur in enumerate(facts):
        c = cur.change
        if c is None or c.value is None or cur.value is None:
            continue
        cur_year = _year(_period_of(cur, meta_period))
        for pi, prev in enumerate(facts):
            if pi == ci or prev.value is None or prev.area != cur.area:
                continue
            if fold(prev.subject) != fold(cur.subject) and not (
                _ind_key(prev) and _ind_key(prev) == _ind_key(cur)
            ):
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
    cv, pv, delta = _dec(cur.value), _dec(prev.value), _dec(c.value)
    if (
        cv is None
        or pv is None
        or delta is None
        or canonical_unit(prev.unit) != canonical_unit(cur.unit)
    ):
        return None
    clo, chi = _bounds(cur, places)
    plo, phi = _bounds(prev, places)
    whole = _places(delta) == 0 and canonical_unit(c.unit) in COUNT_UNITS
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
        what = f"({cur.value:g} − {prev.value:g}) / {prev.value:g} = {_show(lo, hi)}%"
    elif unit in (fact_unit, "个百分点", None):
        lo, hi = clo - phi, chi - plo
        what = f"{cur.value:g} − {prev.value:g} = {_show(lo, hi)}"
    else:
        return None
    ok = lo <= dhi and dlo <= hi
    return ok, f"{what}; stated {c.value:+g}{c.unit or ''}"


# Rates, concentrations and levels of parts do not add up to the whole's: "平均为82.8%，其中
# 白岭县最高，为88.5%" names the best part, it does not split a total.
_NOT_ADDITIVE = frozenset({"%", "‰", "个百分点", "微克/立方米", "毫克/升", "分贝", "倍"})


_COUNTED = frozenset("个家座辆条处项套台所户批宗部道件起次")  # ranks (位, 名) still compare
_NEW_STATEMENT = re.compile(r"累计|全市|全县|全区|全省|此外|另外|同时|另有")


def _bracketed(text: str, span: tuple[int, int]) -> bool:
    """Whether the span sits inside a bracket (（国控断面1个、省控断面2个）)."""
    left = text[max(0, span[0] - 40) : span[1]]
    opened = max(left.rfind("（"), left.rfind("("))
    if opened < 0 or max(left.rfind("）"), left.rfind(")")) > opened:
        return False
    right = text[span[1] : span[1] + 40]
    return any(c in right for c in "）)")


def _sum_of_parts(
    facts: list[Fact], text: str, rule: dict[str, Any], places: Places
) -> list[CrossCheck]:
    """Parts listed after 其中 never exceed the total stated just before."""
    out: list[CrossCheck] = []
    located = sorted(
        ((i, f) for i, f in enumerate(facts) if f.span and f.value is not None),
        key=lambda x: x[1].span[0] if x[1].span else 0,
    )
    for marker in rule.get("markers", []):
        for m in re.finditer(re.escape(marker), text):
            seg_lo, seg_hi = enclosing(text, m.end(), m.end(), SEGMENT_MARKS)
            # the total is the last figure before 其中, not one inside a bracket that closed
            # before it (断面6个（国控1个、省控2个、县控3个）。其中…)
            before = [
                x
                for x in located
                if x[1].span and x[1].span[1] <= m.start() and not _bracketed(text, x[1].span)
            ]
            if not before:
                continue
            ti, total = before[-1]
            assert total.span is not None
            # The total is in the same or the previous sentence, not anywhere above.
            gap = text[total.span[1] : m.start()]
            if sum(gap.count(p) for p in "。！？\n") > 1:
                continue
            st = _std(total, places)
            if st is None or st[2] in _NOT_ADDITIVE:
                continue
            parts = [
                (i, f)
                for i, f in located
                if f.span and seg_lo <= f.span[0] and f.span[1] <= seg_hi and f.span[0] >= m.start()
                and (s := _std(f, places)) is not None and s[2] == st[2] and not f.is_target
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
            plo = sum((_std(f, places) or (Decimal(0), Decimal(0), None))[0] for _, f in parts)
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


def _same_quantity(
    facts: list[Fact], text: str, meta_period: str | None, places: Places
) -> list[CrossCheck]:
    """The same quantity (same subject, period, area, unit) stated twice must agree."""
    groups: dict[tuple[Any, ...], list[int]] = defaultdict(list)
    for i, f in enumerate(facts):
        s = _std(f, places)
        if s is None or not fold(f.subject) or s[2] in _COUNTED:
            # counts name what was counted in that passage (7座 inspected, 23座 built): the
            # same noun twice is not the same quantity; rates, levels and amounts are
            continue
        key = (fold(f.subject), _period_of(f, meta_period), f.area, s[2], f.is_target)
        groups[key].append(i)
    out: list[CrossCheck] = []
    for idx in groups.values():
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
        ranges = [s for i in idx if (s := _std(facts[i], places)) is not None]
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


_GRADE_STATED = re.compile(r"(?:为|是|保持|达到|达|属于|维持)(?:在)?$")


# --- coverage --------------------------------------------------------------------------------


def _covers(f: Fact, m: Mention) -> bool:
    if f.span is None or not (f.span[0] <= m.num_start and m.num_end <= f.span[1]):
        return False
    if m.kind == "grade":
        return f.value is None and bool(f.value_text)
    wanted: list[Decimal] = []
    for v in (f.value, f.change.value if f.change else None):
        d = _dec(v)
        if d is not None:
            wanted += [abs(d), d]  # a signed number in the text (a table's -8.3) states itself
    if f.rank and f.rank.position is not None:
        wanted.append(Decimal(f.rank.position))
    return any(_value_matches(w, f.unit, m) in ("same", "scaled") for w in wanted)


def _unaccounted(facts: list[Fact], ctx: _Ctx, sections: list[Section]) -> list[UnaccountedNumber]:
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


# --- entry points ----------------------------------------------------------------------------


def check_facts(
    facts: Iterable[Fact],
    text: str,
    *,
    sections: list[Section] | None = None,
    meta_period: str | None = None,
    mentions: list[Mention] | None = None,
) -> tuple[list[Fact], CheckSummary]:
    """Check ``facts`` against ``text``: each fact comes back with ``check`` (and its span
    located, ``value_std``/``unit_std`` filled); the summary holds the counts, the
    cross-checks and the unaccounted numbers."""
    ctx = _Ctx(
        text=text,
        mentions=mentions if mentions is not None else find_numbers(text, include_masked=True),
        meta_period=meta_period,
    )
    checked: list[Fact] = []
    issues: list[list[CheckIssue]] = []
    derived: list[bool] = []
    seen: dict[tuple[Any, ...], int] = {}
    claimed: dict[str, list[int]] = {}
    places: Places = {}
    for f in facts:
        f, found, is_derived, stated = _check_one(f, ctx, claimed)
        key = (f.span, f.value, f.value_text, canonical_unit(f.unit))
        if f.span is not None and key in seen:
            found.append(_issue("duplicate", f"the same number as fact {seen[key]}"))
        seen.setdefault(key, len(checked))
        std, unit_std = to_std(f.value, f.unit)
        checked.append(f.model_copy(update={"value_std": std, "unit_std": unit_std}))
        if stated is not None and _same_number(_dec(f.value) or Decimal(0), stated.value):
            places[id(checked[-1])] = stated.places  # "1.0亿元" is 1.0, not 1
        issues.append(found)
        derived.append(is_derived)

    # Figures are compared only once each stands on its own: an invented number must not
    # drag a true one into a failed cross-check.
    sound = [i for i, found in enumerate(issues) if not found]
    cross = [
        cc.model_copy(update={"facts": [sound[k] for k in cc.facts]})
        for cc in _cross_checks([checked[i] for i in sound], text, meta_period, places)
    ]
    for cc in cross:
        if cc.ok:
            continue
        for i in cc.facts:
            issues[i].append(_issue("cross_check_failed", f"{cc.rule}: {cc.detail}"))

    out: list[Fact] = []
    for f, found, is_derived in zip(checked, issues, derived, strict=True):
        status: CheckStatus
        if found:
            status = "flagged"
        elif is_derived or (f.value is None and not f.value_text):
            status = "unverifiable"
        else:
            status = "verified"
        out.append(f.model_copy(update={"check": FactCheck(status=status, issues=found)}))

    summary = CheckSummary(
        verified=sum(f.check is not None and f.check.status == "verified" for f in out),
        flagged=sum(f.check is not None and f.check.status == "flagged" for f in out),
        unverifiable=sum(f.check is not None and f.check.status == "unverifiable" for f in out),
        cross_checks=cross,
        unaccounted_numbers=_unaccounted(
            out, ctx, sections if sections is not None else split_sections(text)
        ),
    )
    return out, summary


def check(report: Report, text: str | None = None) -> Report:
    """Re-check every fact of ``report`` against ``text`` (default: ``report.text``)."""
    source = report.text if text is None else text
    same_text = source == report.text
    # Spans and sections index the text they were made on; against another text they are
    # found again from the quotes.
    sections = report.sections if same_text and report.sections else split_sections(source)
    facts = (
        report.facts if same_text else [f.model_copy(update={"span": None}) for f in report.facts]
    )
    facts, summary = check_facts(facts, source, sections=sections, meta_period=report.meta.period)
    update: dict[str, Any] = {"facts": facts, "checks": summary}
    if not same_text:
        update["text"] = source
        update["sections"] = sections
    return report.model_copy(update=update)
