"""Score a predicted Report against a gold Report.

Facts (and, separately, findings) are matched one-to-one with the Hungarian algorithm on a
similarity built from what a fact *is* (value after unit scaling, unit, subject, period, area),
with a cut-off below which a pair is no match. Then every leaf (one field of one item) is
classified:

* correct: gold has it and the prediction agrees;
* wrong: both have it and they disagree;
* missing: gold has it, the prediction does not (or the item was not predicted at all);
* hallucinated: the prediction has it, gold does not (or the item is not in gold at all).

Leaves where neither side says anything are not counted. P = C/(C+W+H), R = C/(C+W+M).

The same folds are applied to both sides (``folding.fold``: width, traditional → simplified,
whitespace, quotes, heading numbers), numbers are compared as exact Decimals after scaling to
the unit's base (3136 万元 = 31360000 元), and Chinese subjects are compared character by
character (rapidfuzz ``ratio``; the ``token_*`` ratios assume spaces between words).
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, Field
from rapidfuzz import fuzz
from scipy.optimize import linear_sum_assignment

from extractor.folding import fold
from extractor.schemas import Fact, Finding, Report, ReportMeta
from extractor.units import canonical_unit, std_value

Outcome = Literal["correct", "wrong", "missing", "hallucinated"]
ItemKind = Literal["fact", "problem", "recommendation", "meta"]

FACT_FIELDS = (
    "value",
    "unit",
    "subject",
    "change",
    "rank",
    "period",
    "area",
    "category",
    "indicator",
    "is_target",
)
FINDING_FIELDS = ("category", "title", "detail")
META_FIELDS = ("title", "doc_type", "issuer", "region", "period", "issued_on")

# Matching weights and cut-offs. A fact with the right value and unit is matched whatever its
# subject (0.55 + period/area agreement); one with a wrong value needs the same unit and a
# close subject to count as "the same fact, wrong value" rather than two unrelated facts.
FACT_WEIGHTS = {"value": 0.40, "unit": 0.15, "subject": 0.30, "period": 0.10, "area": 0.05}
FACT_CUTOFF = 0.5
FINDING_WEIGHTS = {"category": 0.25, "title": 0.50, "detail": 0.25}
FINDING_CUTOFF = 0.4

# Leaf thresholds on character similarity (0..1).
SUBJECT_OK = 0.7
AREA_OK = 0.8
TITLE_OK = 0.7
CATEGORY_OK = 0.8
DETAIL_OK = 0.5
META_TEXT_OK = 0.8
# A matched fact counts as correct (for fact-level P/R/F1) when its value and unit are right
# and its subject recognisably names the same thing.
FACT_SUBJECT_MIN = 0.5


# --- numbers and folds -----------------------------------------------------------------------


def _decimal(value: float | int | None) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def std_number(value: float | int | None, unit: str | None) -> tuple[Decimal | None, str | None]:
    """Exact value in the unit's base (3136 万元 → 31360000 元) and that base unit."""
    d = _decimal(value)
    if d is None:
        return None, std_value(Decimal(0), unit)[1]
    std, base = std_value(d, unit)
    return std.normalize(), base


def similarity(a: str | None, b: str | None) -> float:
    """Character-level similarity of two folded strings, 0..1 (1 for two empty strings)."""
    fa, fb = fold(a), fold(b)
    if not fa and not fb:
        return 1.0
    return float(fuzz.ratio(fa, fb)) / 100.0


_YM_RANGE = re.compile(r"^(\d{4})年?(\d{1,2})月?[-—–~～至到](?:(\d{4})年?)?(\d{1,2})月?$")
_UNTIL = re.compile(r"^(?:截至|截止|截止到)(\d{4})[-年](\d{1,2})[-月](\d{1,2})日?$")
_YEAR = re.compile(r"^(\d{4})年?(?:度|全年)?$")
_SINCE = re.compile(r"^(\d{4})年?(?:以来|至今)$")
_ISO_RANGE = re.compile(r"^(\d{4})-(\d{1,2})/(\d{4})-(\d{1,2})$")


def norm_period(period: str | None) -> str:
    """One spelling per period: "2025年1-7月" and "2025-01/2025-07" compare equal."""
    p = fold(period).replace("“", "").replace("”", "")
    if not p:
        return ""
    if m := _ISO_RANGE.match(p):
        return f"{m[1]}-{int(m[2]):02d}/{m[3]}-{int(m[4]):02d}"
    if m := _YM_RANGE.match(p):
        return f"{m[1]}-{int(m[2]):02d}/{m[3] or m[1]}-{int(m[4]):02d}"
    if m := _UNTIL.match(p):
        return f"截至{m[1]}-{int(m[2]):02d}-{int(m[3]):02d}"
    if m := _YEAR.match(p):
        return m[1]
    if m := _SINCE.match(p):
        return f"{m[1]}至今"
    return p


# --- leaves ----------------------------------------------------------------------------------

Key = Any  # what a field compares: a Decimal, a folded string, a tuple; None = says nothing


class _Field:
    """How one field is read off an item and when two readings agree."""

    def __init__(
        self,
        key: Callable[[Any], Key],
        same: Callable[[Key, Key], bool],
        show: Callable[[Any], str | None],
    ) -> None:
        self.key = key
        self.same = same
        self.show = show


def _eq(a: Key, b: Key) -> bool:
    return bool(a == b)


def _text_same(threshold: float) -> Callable[[Key, Key], bool]:
    def same(a: Key, b: Key) -> bool:
        return bool(a == b) or float(fuzz.ratio(a, b)) / 100.0 >= threshold

    return same


def _contains_or(threshold: float) -> Callable[[Key, Key], bool]:
    def same(a: Key, b: Key) -> bool:
        return bool(a in b or b in a) or float(fuzz.ratio(a, b)) / 100.0 >= threshold

    return same


def _value_key(f: Fact) -> Key:
    if f.value is not None:
        return ("n", std_number(f.value, f.unit)[0], _decimal(f.value))
    if f.value_text:
        return ("t", fold(f.value_text))
    return None


def _value_same(a: Key, b: Key) -> bool:
    if a[0] != b[0]:
        return False
    if a[0] == "n":
        # The same quantity after scaling, or the same number as stated: a wrong unit is
        # charged to the unit leaf, not to the value as well.
        return bool(a[1] == b[1] or a[2] == b[2])
    return bool(a[1] == b[1] or a[1] in b[1] or b[1] in a[1])


def _unit_key(f: Fact) -> Key:
    unit = canonical_unit(f.unit)
    if unit is None:
        return None
    std, base = std_number(f.value, unit)
    return (unit, base, std)


def _unit_same(a: Key, b: Key) -> bool:
    """The same unit, or another scale of it that states the same quantity (31360000 元 for
    3136 万元); 51 毫克/立方米 for 51 微克/立方米 is a wrong unit, not a rescaling."""
    if a is None or b is None:
        return a is b
    return bool(a[0] == b[0] or (a[1] == b[1] and a[2] is not None and a[2] == b[2]))


def _change_key(f: Fact) -> Key:
    c = f.change
    if c is None or c.value is None:
        return None
    return (_decimal(c.value), canonical_unit(c.unit))


def _rank_key(f: Fact) -> Key:
    r = f.rank
    if r is None or r.position is None:
        return None
    return (r.position, r.tied, fold(r.metric))


def _show_number(v: float | int | None, unit: str | None) -> str:
    return f"{v:g}{unit or ''}" if v is not None else ""


FACT_LEAVES: dict[str, _Field] = {
    "value": _Field(
        _value_key,
        _value_same,
        lambda f: f.value_text if f.value is None else _show_number(f.value, None),
    ),
    "unit": _Field(_unit_key, _unit_same, lambda f: f.unit),
    "subject": _Field(
        lambda f: fold(f.subject) or None, _text_same(SUBJECT_OK), lambda f: f.subject
    ),
    "change": _Field(
        _change_key,
        _eq,
        lambda f: (
            f"{f.change.basis or ''} {_show_number(f.change.value, f.change.unit)}"
            if f.change
            else None
        ),
    ),
    "rank": _Field(
        _rank_key,
        _eq,
        lambda f: (
            f"{f.rank.scope or ''}{f.rank.metric or ''}{'并列' if f.rank.tied else ''}"
            f"第{f.rank.position}"
            if f.rank
            else None
        ),
    ),
    "period": _Field(lambda f: norm_period(f.period) or None, _eq, lambda f: f.period),
    "area": _Field(lambda f: fold(f.area) or None, _contains_or(AREA_OK), lambda f: f.area),
    "category": _Field(lambda f: f.category, _eq, lambda f: f.category),
    "indicator": _Field(lambda f: f.indicator, _eq, lambda f: f.indicator),
    "is_target": _Field(lambda f: True if f.is_target else None, _eq, lambda f: str(f.is_target)),
}

FINDING_LEAVES: dict[str, _Field] = {
    "category": _Field(
        lambda g: fold(g.category) or None, _text_same(CATEGORY_OK), lambda g: g.category
    ),
    "title": _Field(lambda g: fold(g.title) or None, _text_same(TITLE_OK), lambda g: g.title),
    "detail": _Field(lambda g: fold(g.detail) or None, _text_same(DETAIL_OK), lambda g: g.detail),
}

META_LEAVES: dict[str, _Field] = {
    "title": _Field(lambda m: fold(m.title) or None, _text_same(META_TEXT_OK), lambda m: m.title),
    "doc_type": _Field(lambda m: m.doc_type, _eq, lambda m: m.doc_type),
    "issuer": _Field(
        lambda m: fold(m.issuer) or None, _contains_or(META_TEXT_OK), lambda m: m.issuer
    ),
    "region": _Field(
        lambda m: fold(m.region) or None, _contains_or(META_TEXT_OK), lambda m: m.region
    ),
    "period": _Field(lambda m: norm_period(m.period) or None, _eq, lambda m: m.period),
    "issued_on": _Field(lambda m: m.issued_on, _eq, lambda m: m.issued_on),
}


def _outcome(field: _Field, gold: Any | None, pred: Any | None) -> Outcome | None:
    g = field.key(gold) if gold is not None else None
    p = field.key(pred) if pred is not None else None
    if g is None and p is None:
        return None
    if g is None:
        return "hallucinated"
    if p is None:
        return "missing"
    return "correct" if field.same(g, p) else "wrong"


# --- result models ---------------------------------------------------------------------------


class Leaf(BaseModel):
    doc: str
    kind: ItemKind
    item: int | None = Field(description="index of the gold item; None for a hallucinated one")
    pred_item: int | None = Field(description="index of the predicted item, None when missing")
    field: str
    outcome: Outcome
    gold: str | None = None
    pred: str | None = None


class PRF(BaseModel):
    precision: float
    recall: float
    f1: float

    @classmethod
    def of(cls, correct: int, wrong: int, missing: int, hallucinated: int) -> PRF:
        p_den = correct + wrong + hallucinated
        r_den = correct + wrong + missing
        p = correct / p_den if p_den else (1.0 if not r_den else 0.0)
        r = correct / r_den if r_den else (1.0 if not p_den else 0.0)
        return cls(precision=p, recall=r, f1=_f1(p, r))


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


class FieldScore(BaseModel):
    field: str  # "fact.value", "finding.title", "meta.region", …
    correct: int = 0
    wrong: int = 0
    missing: int = 0
    hallucinated: int = 0

    @property
    def prf(self) -> PRF:
        return PRF.of(self.correct, self.wrong, self.missing, self.hallucinated)


class ItemScore(BaseModel):
    """Whole-item agreement: an item is correct when matched and its key fields agree."""

    gold: int = 0
    predicted: int = 0
    correct: int = 0

    @property
    def prf(self) -> PRF:
        p = self.correct / self.predicted if self.predicted else (1.0 if not self.gold else 0.0)
        r = self.correct / self.gold if self.gold else (1.0 if not self.predicted else 0.0)
        return PRF(precision=p, recall=r, f1=_f1(p, r))


class CheckerQuality(BaseModel):
    """How well the checker's flags separate bad facts from good ones."""

    bad: int = 0  # predicted facts that are wrong or hallucinated
    bad_flagged: int = 0
    good: int = 0  # predicted facts that are correct
    good_flagged: int = 0

    @property
    def bad_flagged_share(self) -> float | None:
        return self.bad_flagged / self.bad if self.bad else None

    @property
    def good_flagged_share(self) -> float | None:
        return self.good_flagged / self.good if self.good else None

    def __add__(self, other: CheckerQuality) -> CheckerQuality:
        return CheckerQuality(
            bad=self.bad + other.bad,
            bad_flagged=self.bad_flagged + other.bad_flagged,
            good=self.good + other.good,
            good_flagged=self.good_flagged + other.good_flagged,
        )


class FactPair(BaseModel):
    """One gold fact and what it was matched to (for the report's worst misses)."""

    gold: int | None
    pred: int | None
    similarity: float = 0.0
    correct: bool = False


class DocScore(BaseModel):
    doc: str
    status: Literal["ok", "failed"] = "ok"
    error: str | None = None
    facts: ItemScore = Field(default_factory=ItemScore)
    findings: ItemScore = Field(default_factory=ItemScore)
    fields: list[FieldScore] = Field(default_factory=list)
    checker: CheckerQuality | None = None
    fact_pairs: list[FactPair] = Field(default_factory=list)
    leaves: list[Leaf] = Field(default_factory=list)

    @property
    def micro(self) -> PRF:
        return _micro(self.fields)

    @property
    def macro_f1(self) -> float:
        return _macro(self.fields)


def _micro(fields: Iterable[FieldScore]) -> PRF:
    c = w = m = h = 0
    for f in fields:
        c, w, m, h = c + f.correct, w + f.wrong, m + f.missing, h + f.hallucinated
    return PRF.of(c, w, m, h)


def _macro(fields: Iterable[FieldScore]) -> float:
    f1s = [f.prf.f1 for f in fields if f.correct + f.wrong + f.missing + f.hallucinated]
    return sum(f1s) / len(f1s) if f1s else 0.0


# --- matching --------------------------------------------------------------------------------


def fact_similarity(g: Fact, p: Fact) -> float:
    gv, pv = _value_key(g), _value_key(p)
    value = 1.0 if gv is not None and pv is not None and _value_same(gv, pv) else 0.0
    unit = 1.0 if _unit_same(_unit_key(g), _unit_key(p)) else 0.0
    period = 1.0 if norm_period(g.period) == norm_period(p.period) else 0.0
    ga, pa = fold(g.area), fold(p.area)
    area = 1.0 if ga == pa or (ga and pa and (ga in pa or pa in ga)) else 0.0
    w = FACT_WEIGHTS
    return (
        w["value"] * value
        + w["unit"] * unit
        + w["subject"] * similarity(g.subject, p.subject)
        + w["period"] * period
        + w["area"] * area
    )


def finding_similarity(g: Finding, p: Finding) -> float:
    w = FINDING_WEIGHTS
    detail = similarity(g.detail, p.detail) if (g.detail or p.detail) else 1.0
    return (
        w["category"] * similarity(g.category, p.category)
        + w["title"] * similarity(g.title, p.title)
        + w["detail"] * detail
    )


def match(
    gold: Sequence[Any], pred: Sequence[Any], sim: Callable[[Any, Any], float], cutoff: float
) -> list[tuple[int, int, float]]:
    """One-to-one pairs (gold index, pred index, similarity) maximising total similarity;
    pairs below ``cutoff`` are dropped (those items count as missing and hallucinated)."""
    if not gold or not pred:
        return []
    scores = np.array([[sim(g, p) for p in pred] for g in gold], dtype=float)
    # Below the cut-off a pair is worth nothing, so the assignment never trades a real match
    # for two weak ones.
    weights = np.where(scores >= cutoff, scores, 0.0)
    rows, cols = linear_sum_assignment(weights, maximize=True)
    return [
        (int(r), int(c), float(scores[r, c]))
        for r, c in zip(rows, cols, strict=True)
        if scores[r, c] >= cutoff
    ]


# --- scoring one document --------------------------------------------------------------------


def _score_items(
    doc: str,
    kind: ItemKind,
    gold: Sequence[Any],
    pred: Sequence[Any],
    leaves_spec: dict[str, _Field],
    pairs: list[tuple[int, int, float]],
    prefix: str,
    counts: dict[str, FieldScore],
    leaves: list[Leaf],
) -> None:
    matched_gold = {g: p for g, p, _ in pairs}
    matched_pred = {p for _, p, _ in pairs}
    for gi, g in enumerate(gold):
        p = pred[matched_gold[gi]] if gi in matched_gold else None
        for name, spec in leaves_spec.items():
            _add(doc, kind, gi, matched_gold.get(gi), name, spec, g, p, prefix, counts, leaves)
    for pi, p in enumerate(pred):
        if pi in matched_pred:
            continue
        for name, spec in leaves_spec.items():
            _add(doc, kind, None, pi, name, spec, None, p, prefix, counts, leaves)


def _add(
    doc: str,
    kind: ItemKind,
    gi: int | None,
    pi: int | None,
    name: str,
    spec: _Field,
    g: Any | None,
    p: Any | None,
    prefix: str,
    counts: dict[str, FieldScore],
    leaves: list[Leaf],
) -> None:
    outcome = _outcome(spec, g, p)
    if outcome is None:
        return
    key = f"{prefix}.{name}"
    score = counts.setdefault(key, FieldScore(field=key))
    setattr(score, outcome, getattr(score, outcome) + 1)
    leaves.append(
        Leaf(
            doc=doc,
            kind=kind,
            item=gi,
            pred_item=pi,
            field=name,
            outcome=outcome,
            gold=spec.show(g) if g is not None else None,
            pred=spec.show(p) if p is not None else None,
        )
    )


def fact_is_correct(g: Fact, p: Fact) -> bool:
    """Item-level verdict for a matched pair: value and unit right, subject recognisable."""
    gv, pv = _value_key(g), _value_key(p)
    if gv is None or pv is None or not _value_same(gv, pv):
        return False
    if not _unit_same(_unit_key(g), _unit_key(p)):
        return False
    return similarity(g.subject, p.subject) >= FACT_SUBJECT_MIN


def finding_is_correct(g: Finding, p: Finding) -> bool:
    return (
        similarity(g.title, p.title) >= TITLE_OK
        and similarity(g.category, p.category) >= CATEGORY_OK
    )


def score_report(doc: str, gold: Report, pred: Report | None, error: str | None = None) -> DocScore:
    """Score one document. ``pred`` None (extraction failed) scores as an empty prediction."""
    predicted = pred if pred is not None else Report()
    counts: dict[str, FieldScore] = {}
    leaves: list[Leaf] = []

    fact_pairs = match(gold.facts, predicted.facts, fact_similarity, FACT_CUTOFF)
    _score_items(
        doc, "fact", gold.facts, predicted.facts, FACT_LEAVES, fact_pairs, "fact", counts, leaves
    )
    correct_pred: set[int] = set()
    pairs_out: list[FactPair] = []
    by_gold = {g: (p, s) for g, p, s in fact_pairs}
    for gi, g in enumerate(gold.facts):
        if gi in by_gold:
            pi, s = by_gold[gi]
            ok = fact_is_correct(g, predicted.facts[pi])
            if ok:
                correct_pred.add(pi)
            pairs_out.append(FactPair(gold=gi, pred=pi, similarity=round(s, 3), correct=ok))
        else:
            pairs_out.append(FactPair(gold=gi, pred=None))
    matched_pred = {p for _, p, _ in fact_pairs}
    pairs_out += [
        FactPair(gold=None, pred=pi) for pi in range(len(predicted.facts)) if pi not in matched_pred
    ]

    findings_correct = 0
    finding_kinds: tuple[tuple[ItemKind, list[Finding], list[Finding]], ...] = (
        ("problem", gold.problems, predicted.problems),
        ("recommendation", gold.recommendations, predicted.recommendations),
    )
    for kind, g_items, p_items in finding_kinds:
        pairs = match(g_items, p_items, finding_similarity, FINDING_CUTOFF)
        _score_items(
            doc,
            kind,
            g_items,
            p_items,
            FINDING_LEAVES,
            pairs,
            "finding",
            counts,
            leaves,
        )
        findings_correct += sum(finding_is_correct(g_items[g], p_items[p]) for g, p, _ in pairs)

    for name, spec in META_LEAVES.items():
        meta_pred: ReportMeta | None = pred.meta if pred is not None else None
        _add(doc, "meta", 0, 0, name, spec, gold.meta, meta_pred, "meta", counts, leaves)

    checker = None
    if pred is not None and any(f.check is not None for f in predicted.facts):
        checker = CheckerQuality()
        for pi, f in enumerate(predicted.facts):
            flagged = f.check is not None and f.check.status == "flagged"
            if pi in correct_pred:
                checker.good += 1
                checker.good_flagged += flagged
            else:
                checker.bad += 1
                checker.bad_flagged += flagged

    order = {f"{p}.{n}": i for i, (p, spec) in enumerate(
        (("fact", FACT_LEAVES), ("finding", FINDING_LEAVES), ("meta", META_LEAVES))
    ) for n in spec}  # fmt: skip
    return DocScore(
        doc=doc,
        status="ok" if pred is not None else "failed",
        error=error,
        facts=ItemScore(
            gold=len(gold.facts), predicted=len(predicted.facts), correct=len(correct_pred)
        ),
        findings=ItemScore(
            gold=len(gold.problems) + len(gold.recommendations),
            predicted=len(predicted.problems) + len(predicted.recommendations),
            correct=findings_correct,
        ),
        fields=sorted(counts.values(), key=lambda f: (order.get(f.field, 99), f.field)),
        checker=checker,
        fact_pairs=pairs_out,
        leaves=leaves,
    )


# --- over documents --------------------------------------------------------------------------


class Interval(BaseModel):
    low: float
    high: float


class RunScores(BaseModel):
    docs: list[DocScore]
    facts: ItemScore
    findings: ItemScore
    fields: list[FieldScore]
    checker: CheckerQuality | None = None
    intervals: dict[str, Interval] = Field(
        default_factory=dict, description="95% bootstrap intervals over documents (≥ 3 docs)"
    )

    @property
    def micro(self) -> PRF:
        return _micro(self.fields)

    @property
    def macro_f1(self) -> float:
        return _macro(self.fields)

    def headline(self) -> dict[str, float]:
        return {
            "fact_f1": self.facts.prf.f1,
            "fact_precision": self.facts.prf.precision,
            "fact_recall": self.facts.prf.recall,
            "finding_f1": self.findings.prf.f1,
            "finding_precision": self.findings.prf.precision,
            "finding_recall": self.findings.prf.recall,
            "micro_f1": self.micro.f1,
            "macro_f1": self.macro_f1,
        }


def _pool(docs: Sequence[DocScore]) -> tuple[ItemScore, ItemScore, list[FieldScore]]:
    facts, findings = ItemScore(), ItemScore()
    fields: dict[str, FieldScore] = {}
    for d in docs:
        for total, part in ((facts, d.facts), (findings, d.findings)):
            total.gold += part.gold
            total.predicted += part.predicted
            total.correct += part.correct
        for f in d.fields:
            acc = fields.setdefault(f.field, FieldScore(field=f.field))
            acc.correct += f.correct
            acc.wrong += f.wrong
            acc.missing += f.missing
            acc.hallucinated += f.hallucinated
    return facts, findings, list(fields.values())


BOOTSTRAP_MIN_DOCS = 3


def summarize(docs: Sequence[DocScore], *, resamples: int = 1000, seed: int = 0) -> RunScores:
    """Pool documents (micro over every leaf), with bootstrap intervals over documents."""
    facts, findings, fields = _pool(docs)
    checkers = [d.checker for d in docs if d.checker is not None]
    checker = sum(checkers[1:], checkers[0]) if checkers else None
    intervals: dict[str, Interval] = {}
    if len(docs) >= BOOTSTRAP_MIN_DOCS:
        rng = random.Random(seed)  # fixed seed: the same scores give the same intervals
        samples: dict[str, list[float]] = {"fact_f1": [], "finding_f1": [], "micro_f1": []}
        for _ in range(resamples):
            pick = [docs[rng.randrange(len(docs))] for _ in docs]
            f, g, fl = _pool(pick)
            samples["fact_f1"].append(f.prf.f1)
            samples["finding_f1"].append(g.prf.f1)
            samples["micro_f1"].append(_micro(fl).f1)
        for name, values in samples.items():
            values.sort()
            intervals[name] = Interval(
                low=values[int(0.025 * (len(values) - 1))],
                high=values[int(0.975 * (len(values) - 1))],
            )
    return RunScores(
        docs=list(docs),
        facts=facts,
        findings=findings,
        fields=fields,
        checker=checker,
        intervals=intervals,
    )


__all__ = [
    "FACT_FIELDS",
    "FINDING_FIELDS",
    "META_FIELDS",
    "CheckerQuality",
    "DocScore",
    "FieldScore",
    "ItemScore",
    "Leaf",
    "RunScores",
    "fact_similarity",
    "finding_similarity",
    "match",
    "norm_period",
    "score_report",
    "similarity",
    "std_number",
    "summarize",
]
