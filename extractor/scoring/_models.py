"""Scores as data: leaves, precision/recall/F1 per field and per item, checker quality."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from pydantic import BaseModel, Field

from extractor.scoring._fields import ItemKind, Outcome


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
        return cls(precision=p, recall=r, f1=f1_of(p, r))


def f1_of(p: float, r: float) -> float:
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
        return PRF(precision=p, recall=r, f1=f1_of(p, r))


class CheckerQuality(BaseModel):
    """How well the checker's flags separate bad facts from good ones, and how far a user can
    trust a fact marked ``verified``."""

    bad: int = 0  # predicted facts that are wrong or hallucinated
    bad_flagged: int = 0
    good: int = 0  # predicted facts that are correct
    good_flagged: int = 0
    verified: int = 0  # predicted facts marked verified
    verified_correct: int = 0  # of those, the ones the gold confirms

    @property
    def bad_flagged_share(self) -> float | None:
        return self.bad_flagged / self.bad if self.bad else None

    @property
    def good_flagged_share(self) -> float | None:
        return self.good_flagged / self.good if self.good else None

    @property
    def verified_precision(self) -> float | None:
        """Of the facts marked verified, the share the gold confirms."""
        return self.verified_correct / self.verified if self.verified else None

    def __add__(self, other: CheckerQuality) -> CheckerQuality:
        return CheckerQuality(
            **{name: getattr(self, name) + getattr(other, name) for name in type(self).model_fields}
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
        return micro(self.fields)

    @property
    def macro_f1(self) -> float:
        return macro(self.fields)


def micro(fields: Iterable[FieldScore]) -> PRF:
    c = w = m = h = 0
    for f in fields:
        c, w, m, h = c + f.correct, w + f.wrong, m + f.missing, h + f.hallucinated
    return PRF.of(c, w, m, h)


def macro(fields: Iterable[FieldScore]) -> float:
    f1s = [f.prf.f1 for f in fields if f.correct + f.wrong + f.missing + f.hallucinated]
    return sum(f1s) / len(f1s) if f1s else 0.0


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
        return micro(self.fields)

    @property
    def macro_f1(self) -> float:
        return macro(self.fields)

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
