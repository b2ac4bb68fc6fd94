"""Matching gold items to predicted ones, one to one."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from scipy.optimize import linear_sum_assignment

from extractor.folding import fold
from extractor.schemas import Fact, Finding
from extractor.scoring._fields import (
    CATEGORY_OK,
    FACT_SUBJECT_MIN,
    FACT_WEIGHTS,
    FINDING_WEIGHTS,
    TITLE_OK,
    norm_period,
    similarity,
    unit_key,
    unit_same,
    value_key,
    value_same,
)


def fact_similarity(g: Fact, p: Fact) -> float:
    gv, pv = value_key(g), value_key(p)
    value = 1.0 if gv is not None and pv is not None and value_same(gv, pv) else 0.0
    unit = 1.0 if unit_same(unit_key(g), unit_key(p)) else 0.0
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


def fact_is_correct(g: Fact, p: Fact) -> bool:
    """Item-level verdict for a matched pair: value and unit right, subject recognisable."""
    gv, pv = value_key(g), value_key(p)
    if gv is None or pv is None or not value_same(gv, pv):
        return False
    if not unit_same(unit_key(g), unit_key(p)):
        return False
    return similarity(g.subject, p.subject) >= FACT_SUBJECT_MIN


def finding_is_correct(g: Finding, p: Finding) -> bool:
    return (
        similarity(g.title, p.title) >= TITLE_OK
        and similarity(g.category, p.category) >= CATEGORY_OK
    )
