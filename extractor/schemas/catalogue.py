"""The indicator catalogue: canonical keys for the figures analysts put in a panel.

Kept as data (``indicators.json``) so prompts, the checker and the rules backend read one list.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources

from pydantic import BaseModel, Field

from extractor.schemas.report import Category


class Indicator(BaseModel):
    key: str
    name: str = Field(description="Chinese name")
    category: Category
    aliases: list[str] = Field(default_factory=list, description="surface forms, incl. traditional")
    units: list[str | None] = Field(default_factory=list, description="expected units; null = none")
    range: tuple[float, float] = Field(description="plausible [min, max] in the expected unit")


@lru_cache(maxsize=1)
def catalogue() -> tuple[Indicator, ...]:
    raw = resources.files("extractor.schemas").joinpath("indicators.json").read_text("utf-8")
    return tuple(Indicator.model_validate(item) for item in json.loads(raw))


@lru_cache(maxsize=1)
def by_key() -> dict[str, Indicator]:
    return {ind.key: ind for ind in catalogue()}


@lru_cache(maxsize=65536)  # subjects repeat across facts, checks and cross-checks
def match_indicator(subject: str, *, slack: int | None = None) -> Indicator | None:
    """The indicator whose longest alias occurs in ``subject`` (longest wins, so 'PM2.5浓度'
    beats a bare '浓度'-style alias). With ``slack``, the alias must cover all of the subject
    but at most that many characters ("优良天数比例距目标差距" is not 优良天数比例)."""
    best: tuple[int, Indicator] | None = None
    for ind in catalogue():
        for alias in (ind.name, *ind.aliases):
            if alias and alias in subject and (best is None or len(alias) > best[0]):
                best = (len(alias), ind)
    if best is None or (slack is not None and len(subject) - best[0] > slack):
        return None
    return best[1]
