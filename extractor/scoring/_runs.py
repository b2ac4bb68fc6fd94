"""Pooling documents into run scores, with bootstrap intervals over documents."""

from __future__ import annotations

import random
from collections.abc import Sequence

from extractor.scoring._models import (
    DocScore,
    FieldScore,
    Interval,
    ItemScore,
    RunScores,
    micro,
)


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
            samples["micro_f1"].append(micro(fl).f1)
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
