"""Checks of one fact against its own quote: value, unit, change, rank, subject, range."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from decimal import Decimal

from extractor.checker.precision import dec, same_number
from extractor.checker.subjects import subject_issues
from extractor.folding import fold
from extractor.lexicon import (
    CHANGE_SUBJECT_WORDS,
    CHANGE_VERBS,
    DECREASE_CHARS,
    DECREASE_VERBS,
    EXACT_COUNT_UNITS,
    IMPROVE_VERB,
    INCREASE_CHARS,
    INCREASE_VERBS,
    alternation,
    improvement_sign,
    unit_fits,
)
from extractor.numbers import Mention
from extractor.schemas import CheckIssue, Fact
from extractor.schemas.catalogue import Indicator, by_key
from extractor.sectioning import is_table_row
from extractor.units import canonical_unit, std_value

_NEGATIVE = DECREASE_VERBS + DECREASE_CHARS
_POSITIVE = INCREASE_VERBS + INCREASE_CHARS
_HEAD_UNIT = re.compile(r"[（(]\s*([^）()（]{1,12}?)\s*[）)]")
_COUNT_SUBJECT = re.compile(r"(?:个数|家数|数量|[市县区省站点面河湖库厂企)）]数)$")
_CHANGE_WINDOW = 10  # characters before a change's number in which its direction word stands


@dataclass
class Ctx:
    text: str
    mentions: list[Mention]  # every mention in the text, masked ones included
    meta_period: str | None
    starts: list[int] = field(default_factory=list)  # num_start of each mention, ascending

    def __post_init__(self) -> None:
        self.mentions = sorted(self.mentions, key=lambda m: m.num_start)
        self.starts = [m.num_start for m in self.mentions]


def in_span(ctx: Ctx, start: int, end: int) -> list[Mention]:
    # mentions come in text order: bisect to the quote instead of scanning the whole report
    lo = bisect.bisect_left(ctx.starts, start)
    hi = bisect.bisect_right(ctx.starts, end)
    return [m for m in ctx.mentions[lo:hi] if m.num_end <= end]


def issue(code: str, message: str) -> CheckIssue:
    return CheckIssue(code=code, message=message)


def _indicator(f: Fact) -> Indicator | None:
    if f.indicator and f.indicator in by_key():
        return by_key()[f.indicator]
    return None


def value_matches(value: Decimal, unit: str | None, m: Mention) -> str | None:
    """How ``m`` states ``value unit``: "same", "scaled" (another scale of the same quantity),
    "slip" (off by a power of ten), or None."""
    if same_number(value, m.value) or (m.value_to is not None and same_number(value, m.value_to)):
        return "same"
    mine, base = std_value(value, unit)
    theirs, their_base = std_value(m.value, m.unit)
    if base == their_base and same_number(mine, theirs):
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


def check_one(f: Fact, ctx: Ctx) -> tuple[list[CheckIssue], bool, Mention | None]:
    """Issues of one grounded fact, whether its value is derived, and the mention in the
    source that states its value."""
    text = ctx.text
    span = f.span
    if span is None:
        issues = [issue("quote_not_in_source", f"quote {f.quote!r} is not in the source")]
        value = dec(f.value)
        if value is not None and not any(
            value_matches(value, f.unit, m) == "same" for m in ctx.mentions if not m.masked
        ):
            issues.append(
                issue("value_not_in_source", f"{f.value:g} appears nowhere in the source")
            )
        return issues, False, None

    quoted = in_span(ctx, *span)
    live = [m for m in quoted if not m.masked]
    issues, derived, matched = _value_issues(f, ctx, quoted, live)
    if matched is not None:
        issues += _unit_issues(f, matched, text)
        if f.change is None and _is_change_number(text, matched):
            issues.append(
                issue(
                    "value_is_change",
                    f"{matched.text} is the size of a change, not the value itself",
                )
            )
    issues += _change_issues(f, text, live)
    issues += _rank_issues(f, live)
    issues += subject_issues(f, text, span, matched)
    issues += _range_issues(f)
    return issues, derived, matched


def _value_issues(
    f: Fact, ctx: Ctx, quoted: list[Mention], live: list[Mention]
) -> tuple[list[CheckIssue], bool, Mention | None]:
    """Whether the quote states the value: the mention that states it, or why none does."""
    value = dec(f.value)
    if value is None:
        if f.value_text and fold(f.value_text) not in fold(f.quote):
            return (
                [issue("value_not_in_quote", f"{f.value_text!r} is not stated in the quote")],
                False,
                None,
            )
        return [], False, None
    kinds = {m: value_matches(value, f.unit, m) for m in live}
    same = [m for m, k in kinds.items() if k in ("same", "scaled")]
    # Prefer a mention whose unit agrees, so "8个…100%" matches 100 to the 100%.
    unit = canonical_unit(f.unit)
    same.sort(key=lambda m: (canonical_unit(m.unit) != unit, m.kind == "rank"))
    if same:
        return [], False, same[0]
    if any(k == "slip" for k in kinds.values()):
        slip = next(m for m, k in kinds.items() if k == "slip")
        message = f"scale slip: the quote states {slip.text}, the fact {f.value:g}"
        return [issue("value_not_in_quote", message)], False, None
    if _derived(value, live):
        return [], True, None
    masked = [m for m in quoted if m.masked and same_number(value, m.value)]
    if masked:
        # the number is there, but as part of a date, a name, an address or page furniture
        what = masked[0].masked
        return [issue("not_a_fact", f"{f.value:g} is part of a {what}, not a figure")], False, None
    issues = [issue("value_not_in_quote", f"{f.value:g} is not stated in the quote")]
    if not any(value_matches(value, f.unit, m) == "same" for m in ctx.mentions):
        issues.append(issue("value_not_in_source", f"{f.value:g} appears nowhere in the source"))
    return issues, False, None


def _derived(value: Decimal, mentions: list[Mention]) -> bool:
    """A total or difference of two or more stated numbers (a model adding parts up)."""
    numbers = [m.value for m in mentions]
    if len(numbers) < 2:
        return False
    if same_number(value, sum(numbers, Decimal(0))):
        return True
    return any(
        same_number(value, abs(a - b)) for i, a in enumerate(numbers) for b in numbers[i + 1 :]
    )


_CHANGE_VERBS = re.compile(rf"(?:{alternation(CHANGE_VERBS)})了?(?:约|近|超过)?$")


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
    if at >= 0:
        return above[at:].split("\n", 1)[0]
    lines = above.split("\n")
    table = []
    for line in reversed(lines[:-1]):  # the rows above, up to the table's header
        if not is_table_row(line):
            table.append(line)  # the caption
            break
        table.append(line)
    above = "\n".join([*reversed(table), lines[-1]])
    # a header or the row's label names its unit in brackets: PM2.5月均浓度(μg/m3)排名
    heads = _HEAD_UNIT.findall(above) + _HEAD_UNIT.findall(text[span[0] : span[1]])
    return " ".join(canonical_unit(u) or u for u in heads)


def _unit_issues(f: Fact, m: Mention, text: str = "") -> list[CheckIssue]:
    issues: list[CheckIssue] = []
    unit = canonical_unit(f.unit)
    stated = canonical_unit(m.unit)
    if stated is None and unit is not None and unit in _caption_units(text, f.span):
        stated = unit  # a table row: its unit is stated in the caption
    if m.kind == "rank":
        stated = stated if stated in ("位", "名") else None
        if unit not in (None, "位", "名"):
            issues.append(issue("unit_mismatch", f"{m.text} is a rank, not {f.unit}"))
        return issues
    if unit != stated:
        value = dec(f.value)
        scaled = (
            value is not None
            and stated is not None
            and unit is not None
            and std_value(value, unit) == std_value(m.value, stated)
        )
        if not scaled:
            issues.append(
                issue(
                    "unit_mismatch",
                    f"the text gives {m.text!r} ({stated or 'no unit'}), the fact {f.unit!r}",
                )
            )
    ind = _indicator(f)
    if ind is not None and unit is not None and not unit_fits(ind.units, unit):
        expected = "/".join(u for u in ind.units if u) or "no unit"
        issues.append(issue("unit_mismatch", f"{ind.name} is measured in {expected}, not {f.unit}"))
    return issues


def _change_issues(f: Fact, text: str, live: list[Mention]) -> list[CheckIssue]:
    c = f.change
    if c is None or c.value is None:
        return []
    size = abs(dec(c.value) or Decimal(0))
    found = [m for m in live if same_number(size, abs(m.value)) and m.kind != "rank"]
    if not found:
        if size == 0 and "持平" in f.quote:
            return []
        return [issue("value_not_in_quote", f"the change {c.value:g} is not stated in the quote")]
    m = found[-1]
    window = text[max(0, m.start - _CHANGE_WINDOW) : m.start]
    # only words after the previous number count, so "下降4.4%，改善率…第2" reads its own verb
    cut = max((k.end for k in live if k.end <= m.start and k is not m), default=0)
    if cut > m.start - _CHANGE_WINDOW:
        window = text[cut : m.start]
    # a signed number (a table's -6.1 or +2.9) states its own direction
    signed = text[m.num_start - 1 : m.num_start] if m.num_start else ""
    sign = -1 if m.value < 0 else 1 if signed == "+" else _direction(window)
    if not sign and IMPROVE_VERB in window:
        sign = improvement_sign(canonical_unit(f.unit), f.subject)
    value = dec(c.value) or Decimal(0)
    if sign and value and (value > 0) != (sign > 0):
        word = "a decrease" if sign < 0 else "an increase"
        return [
            issue("sign_mismatch", f"the text states {word} ({window.strip()}{m.text}), "
                   f"the change is {c.value:+g}")
        ]  # fmt: skip
    return []


def _rank_issues(f: Fact, live: list[Mention]) -> list[CheckIssue]:
    r = f.rank
    if r is None or r.position is None:
        return []
    if any(m.value == r.position for m in live):
        return []
    if r.tied and f.span is not None and f.quote and "|" in f.quote:
        return []  # a tied row of a table takes the rank of the row above, stated there
    return [issue("value_not_in_quote", f"rank 第{r.position} is not stated in the quote")]


def _is_its_change(f: Fact) -> bool:
    """A change-only fact: its value is the change it states (忻州(-36.8%) in a list of 降幅)."""
    return f.change is not None and f.change.value is not None and f.change.value == f.value


def _is_count(f: Fact, unit: str | None) -> bool:
    """A count of things: 23 个, 6 家, or a subject that says it counts (县(市)数)."""
    if unit is not None:
        return unit in EXACT_COUNT_UNITS
    return _COUNT_SUBJECT.search(f.subject) is not None


def _range_issues(f: Fact) -> list[CheckIssue]:
    value = dec(f.value)
    if value is None:
        return []
    unit = canonical_unit(f.unit)
    lo: Decimal | None = None
    hi: Decimal | None = None
    ind = _indicator(f)
    if ind is not None and unit_fits(ind.units, unit):
        lo, hi = Decimal(str(ind.range[0])), Decimal(str(ind.range[1]))
        if ind.units and unit not in ind.units:
            # another scale of the indicator's unit (12 万辆 of 辆): compare in the listed one
            value = std_value(value, unit)[0] / std_value(Decimal(1), ind.units[0])[0]
    elif any(w in f.subject for w in CHANGE_SUBJECT_WORDS) or _is_its_change(f):
        pass  # the size of a change may be negative, and a rate's above 100
    elif unit == "%":
        lo, hi = Decimal(0), Decimal(100)
    elif unit == "天":
        lo, hi = Decimal(0), Decimal(366)
    elif unit is not None:
        lo = Decimal(0)  # counts, amounts and concentrations are never negative
    if value != value.to_integral_value() and _is_count(f, unit) and not _is_its_change(f):
        return [
            issue("out_of_range", f"{f.value:g} is not a whole number, and {f.subject!r} counts")
        ]
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        bounds = f"{lo if lo is not None else '-∞'}–{hi if hi is not None else '∞'}"
        return [
            issue("out_of_range", f"{f.value:g} {f.unit or ''} is outside the plausible {bounds}")
        ]
    return []
