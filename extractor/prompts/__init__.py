"""Prompt templates (Jinja2 files beside this module) and their content-derived version."""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from importlib import resources
from typing import Any

from jinja2 import Environment, FunctionLoader, StrictUndefined, Template

from extractor.folding import simplified_same_length
from extractor.schemas.catalogue import Indicator, catalogue
from extractor.schemas.responses import REPLY_MODELS

TEMPLATES = (
    "system.j2",
    "facts.j2",
    "findings.j2",
    "findings_rules.j2",
    "meta.j2",
    "repair.j2",
    "missed.j2",
)


def _read(name: str) -> str:
    return resources.files("extractor.prompts").joinpath(name).read_text("utf-8")


@lru_cache(maxsize=1)
def _env() -> Environment:
    # StrictUndefined: a template naming a variable the code forgot must fail loudly in tests.
    return Environment(
        loader=FunctionLoader(_read),  # for {% include %}: one home for rules two prompts share
        undefined=StrictUndefined,
        keep_trailing_newline=False,
        autoescape=False,
    )


@lru_cache(maxsize=1)
def prompt_version() -> str:
    """12 hex chars over every template and every reply schema: the schemas' field
    descriptions are sent to the model too, so editing one is a new prompt version."""
    h = hashlib.sha256()
    for name in TEMPLATES:
        h.update(name.encode() + b"\0" + _read(name).encode("utf-8") + b"\0")
    for kind in sorted(REPLY_MODELS):
        schema = REPLY_MODELS[kind].model_json_schema()
        h.update(json.dumps(schema, sort_keys=True, ensure_ascii=False).encode("utf-8"))
    return h.hexdigest()[:12]


@lru_cache(maxsize=16)
def _template(name: str) -> Template:
    return _env().get_template(name)


def _grams(s: str, n: int = 4) -> set[str]:
    return {s[i : i + n] for i in range(len(s) - n + 1)} or {s}


@lru_cache(maxsize=1)
def _alias_grams() -> tuple[tuple[Indicator, frozenset[str]], ...]:
    return tuple(
        (ind, frozenset(g for a in (ind.name, *ind.aliases) if a for g in _grams(a)))
        for ind in catalogue()
    )


def indicators_for(text: str) -> list[Indicator]:
    """The catalogue entries a section can need: those sharing four characters running with
    the text (空气质量, 优良天数, 达标率…). The whole catalogue is ~1,000 tokens a call; a
    section names a handful."""
    plain = simplified_same_length(text)
    seen = _grams(plain) | _grams(text)
    return [ind for ind, grams in _alias_grams() if grams & seen]


def render(name: str, **variables: Any) -> str:
    if "indicators" not in variables:
        variables["indicators"] = indicators_for(variables.get("text", ""))
    return _template(name).render(**variables).strip()


def messages(task: str, **variables: Any) -> list[dict[str, str]]:
    """System + user messages for ``task`` (facts | findings | meta)."""
    return [
        {"role": "system", "content": render("system.j2")},
        {"role": "user", "content": render(f"{task}.j2", **variables)},
    ]
