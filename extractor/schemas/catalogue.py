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


def qualifier(indicator: str | None, subject: str) -> str:
    """The words of a subject beyond its indicator's name: what tells two quantities of one
    indicator apart (县级 and 乡镇级 达标率; 国家监管 and 治理农村 黑臭水体), "" when the subject
    is the indicator itself (PM2.5年均浓度 and PM2.5浓度 are one quantity)."""
    from extractor.folding import fold

    folded = fold(subject)
    ind = by_key().get(indicator or "")
    if ind is None:
        return folded
    names = sorted((fold(a) for a in (ind.name, *ind.aliases) if a), key=len, reverse=True)
    named = next((a for a in names if a in folded), None)
    return folded.replace(named, "", 1) if named else folded
