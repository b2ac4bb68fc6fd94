"""Scoring one document: every leaf of every matched, missing or hallucinated item."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from extractor.schemas import Finding, Report, ReportMeta
from extractor.scoring._fields import (
    FACT_CUTOFF,
    FACT_LEAVES,
    FINDING_CUTOFF,
    FINDING_LEAVES,
    META_LEAVES,
    FieldSpec,
    ItemKind,
    outcome_of,
)
from extractor.scoring._match import (
    fact_is_correct,
    fact_similarity,
    finding_is_correct,
    finding_similarity,
    match,
)
from extractor.scoring._models import (
    CheckerQuality,
    DocScore,
    FactPair,
    FieldScore,
    ItemScore,
    Leaf,
)


def _score_items(
    doc: str,
    kind: ItemKind,
    gold: Sequence[Any],
    pred: Sequence[Any],
    leaves_spec: dict[str, FieldSpec],
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
    spec: FieldSpec,
    g: Any | None,
    p: Any | None,
    prefix: str,
    counts: dict[str, FieldScore],
    leaves: list[Leaf],
) -> None:
    outcome = outcome_of(spec, g, p)
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


class _Tally:
    """The leaves of one document, and their counts per field."""

    def __init__(self, doc: str) -> None:
        self.doc = doc
        self.counts: dict[str, FieldScore] = {}
        self.leaves: list[Leaf] = []

    def items(
        self,
        kind: ItemKind,
        gold: Sequence[Any],
        pred: Sequence[Any],
        spec: dict[str, FieldSpec],
        pairs: list[tuple[int, int, float]],
        prefix: str,
    ) -> None:
        _score_items(self.doc, kind, gold, pred, spec, pairs, prefix, self.counts, self.leaves)

    def fields(self) -> list[FieldScore]:
        order = {f"{p}.{n}": i for i, (p, spec) in enumerate(
            (("fact", FACT_LEAVES), ("finding", FINDING_LEAVES), ("meta", META_LEAVES))
        ) for n in spec}  # fmt: skip
        return sorted(self.counts.values(), key=lambda f: (order.get(f.field, 99), f.field))


def _without_optional(
    gold: Report, predicted: Report, optional: frozenset[int]
) -> tuple[Report, Report, list[int], list[int]]:
    """Both reports without the optional gold facts and the predictions matched to them, and
    where each kept fact stood (so pairs still name the facts of the reports as given)."""
    pairs = match(gold.facts, predicted.facts, fact_similarity, FACT_CUTOFF)
    dropped = {p for g, p, _ in pairs if g in optional}
    gold_at = [i for i in range(len(gold.facts)) if i not in optional]
    pred_at = [i for i in range(len(predicted.facts)) if i not in dropped]
    return (
        gold.model_copy(update={"facts": [gold.facts[i] for i in gold_at]}),
        predicted.model_copy(update={"facts": [predicted.facts[i] for i in pred_at]}),
        gold_at,
        pred_at,
    )


def _facts(tally: _Tally, gold: Report, predicted: Report) -> tuple[set[int], list[FactPair]]:
    """Score the facts; the predicted facts that are correct, and every pair for the report."""
    fact_pairs = match(gold.facts, predicted.facts, fact_similarity, FACT_CUTOFF)
    tally.items("fact", gold.facts, predicted.facts, FACT_LEAVES, fact_pairs, "fact")
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
    return correct_pred, pairs_out


def _findings(tally: _Tally, gold: Report, predicted: Report) -> int:
    """Score the findings; how many predicted findings are correct."""
    correct = 0
    kinds: tuple[tuple[ItemKind, list[Finding], list[Finding]], ...] = (
        ("problem", gold.problems, predicted.problems),
        ("recommendation", gold.recommendations, predicted.recommendations),
    )
    for kind, g_items, p_items in kinds:
        pairs = match(g_items, p_items, finding_similarity, FINDING_CUTOFF)
        tally.items(kind, g_items, p_items, FINDING_LEAVES, pairs, "finding")
        correct += sum(finding_is_correct(g_items[g], p_items[p]) for g, p, _ in pairs)
    return correct


def _checker(predicted: Report, correct_pred: set[int]) -> CheckerQuality | None:
    """How the checker's flags fall on correct and on wrong or hallucinated facts."""
    if not any(f.check is not None for f in predicted.facts):
        return None
    checker = CheckerQuality()
    for pi, f in enumerate(predicted.facts):
        flagged = f.check is not None and f.check.status == "flagged"
        verified = f.check is not None and f.check.status == "verified"
        checker.verified += verified
        if pi in correct_pred:
            checker.good += 1
            checker.good_flagged += flagged
            checker.verified_correct += verified
        else:
            checker.bad += 1
            checker.bad_flagged += flagged
    return checker


def score_report(
    doc: str,
    gold: Report,
    pred: Report | None,
    error: str | None = None,
    *,
    optional: frozenset[int] = frozenset(),
) -> DocScore:
    """Score one document. ``pred`` None (extraction failed) scores as an empty prediction.
    Gold facts in ``optional`` count neither way: they and the predictions matched to them
    are left out."""
    predicted = pred if pred is not None else Report()
    gold_at, pred_at = list(range(len(gold.facts))), list(range(len(predicted.facts)))
    if optional:
        gold, predicted, gold_at, pred_at = _without_optional(gold, predicted, optional)
    tally = _Tally(doc)
    correct_pred, pairs_out = _facts(tally, gold, predicted)
    findings_correct = _findings(tally, gold, predicted)
    meta_pred: ReportMeta | None = pred.meta if pred is not None else None
    for name, spec in META_LEAVES.items():
        _add(
            doc, "meta", 0, 0, name, spec, gold.meta, meta_pred, "meta", tally.counts, tally.leaves
        )
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
        fields=tally.fields(),
        checker=_checker(predicted, correct_pred) if pred is not None else None,
        fact_pairs=[
            pair.model_copy(
                update={
                    "gold": None if pair.gold is None else gold_at[pair.gold],
                    "pred": None if pair.pred is None else pred_at[pair.pred],
                }
            )
            for pair in pairs_out
        ],
        leaves=tally.leaves,
    )
