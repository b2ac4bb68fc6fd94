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
* ``subject_not_at_number``: the subject's words are not in the sentence that leads to the
  number (or its table row and caption);
* ``subject_unclear``: the subject names nothing (a fragment, a placeholder, a unit);
* ``not_a_fact``: the number is part of a date, a name, an address or page furniture;
* ``out_of_range``: outside the catalogue's plausible range (percent 0–100, days ≤ 366, …);
* ``duplicate``: the same number at the same place as an earlier fact;
* ``cross_check_failed``: a rule between figures does not hold (see ``crosschecks.json``).

Status: ``flagged`` with any issue; otherwise ``verified``, or ``unverifiable`` for a value the
rules cannot confirm (a grade not in the quote, a value derived from the quote's numbers).
All arithmetic is Decimal; numbers carry the interval their stated precision allows.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from extractor.checker.coverage import unaccounted
from extractor.checker.cross import cross_checks
from extractor.checker.facts import Ctx, check_one, issue
from extractor.checker.precision import Places, dec, interval, same_number
from extractor.numbers import Mention, find_numbers
from extractor.schemas import CheckIssue, CheckSummary, Fact, FactCheck, Section
from extractor.schemas.report import CheckStatus
from extractor.sectioning import split_sections
from extractor.units import canonical_unit, to_std

__all__ = ["NOTE_CODES", "Memo", "check_facts", "interval"]

# What grounding did to a fact: shown among its issues, but no reason to flag it.
NOTE_CODES = frozenset({"requoted"})
# A fact's own checks depend on the fact (not the section it is filed under), the text and its
# numbers only: a document's facts checked once (a section before its repair) need not be
# checked again at the end.
Memo = dict[str, tuple[list[CheckIssue], bool, Mention | None]]
_NOT_CHECKED = {"check", "value_std", "unit_std", "origin", "section"}


def _check_one(f: Fact, ctx: Ctx, memo: Memo | None) -> tuple[list[CheckIssue], bool, Any]:
    if memo is None:
        return check_one(f, ctx)
    key = f.model_dump_json(exclude=_NOT_CHECKED)
    if key not in memo:
        memo[key] = check_one(f, ctx)
    found, is_derived, stated = memo[key]
    return list(found), is_derived, stated  # the list is added to below: never the memo's


def check_facts(
    facts: Iterable[Fact],
    text: str,
    *,
    sections: list[Section] | None = None,
    meta_period: str | None = None,
    mentions: list[Mention] | None = None,
    notes: dict[int, list[CheckIssue]] | None = None,
    memo: Memo | None = None,
) -> tuple[list[Fact], CheckSummary]:
    """Check grounded ``facts`` against ``text``: each fact comes back with ``check`` (and
    ``value_std``/``unit_std`` filled); the summary holds the counts, the cross-checks and the
    unaccounted numbers. ``notes`` are what grounding did to a fact (``requoted``): they are
    shown with its issues but do not flag it. ``memo``: one document's facts checked before
    (the same ``text`` and ``mentions``), so checking it again costs only what changed."""
    ctx = Ctx(
        text=text,
        mentions=mentions if mentions is not None else find_numbers(text, include_masked=True),
        meta_period=meta_period,
    )
    checked: list[Fact] = []
    issues: list[list[CheckIssue]] = []
    derived: list[bool] = []
    seen: dict[tuple[Any, ...], int] = {}
    places: Places = {}
    for f in facts:
        found, is_derived, stated = _check_one(f, ctx, memo)
        # a list's places share its quote (莆田、泉州分别上升1位、2位): each place is its own fact
        key = (f.span, f.value, f.value_text, canonical_unit(f.unit), f.area)
        if f.span is not None and key in seen:
            found.append(issue("duplicate", f"the same number as fact {seen[key]}"))
        seen.setdefault(key, len(checked))
        std, unit_std = to_std(f.value, f.unit)
        checked.append(f.model_copy(update={"value_std": std, "unit_std": unit_std}))
        if stated is not None and same_number(dec(f.value) or Decimal(0), stated.value):
            places[id(checked[-1])] = stated.places  # "1.0亿元" is 1.0, not 1
        issues.append(found)
        derived.append(is_derived)

    # Figures are compared only once each stands on its own: an invented number must not
    # drag a true one into a failed cross-check.
    sound = [i for i, found in enumerate(issues) if not found]
    cross = [
        cc.model_copy(update={"facts": [sound[k] for k in cc.facts]})
        for cc in cross_checks([checked[i] for i in sound], text, meta_period, places)
    ]
    for cc in cross:
        if cc.ok:
            continue
        for i in cc.facts:
            issues[i].append(issue("cross_check_failed", f"{cc.rule}: {cc.detail}"))

    out: list[Fact] = []
    for k, (f, found, is_derived) in enumerate(zip(checked, issues, derived, strict=True)):
        status: CheckStatus
        found = (notes or {}).get(k, []) + found
        if any(x.code not in NOTE_CODES for x in found):
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
        unaccounted_numbers=unaccounted(
            out, ctx, sections if sections is not None else split_sections(text)
        ),
    )
    return out, summary
