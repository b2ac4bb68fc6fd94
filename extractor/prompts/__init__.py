"""Prompt templates (Jinja2 files beside this module) and their content-derived version."""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from importlib import resources
from typing import Any

from jinja2 import Environment, StrictUndefined

from extractor.schemas.catalogue import catalogue
from extractor.schemas.responses import REPLY_MODELS

TEMPLATES = ("system.j2", "facts.j2", "findings.j2", "meta.j2", "repair.j2", "missed.j2")


def _read(name: str) -> str:
    return resources.files("extractor.prompts").joinpath(name).read_text("utf-8")


@lru_cache(maxsize=1)
def _env() -> Environment:
    # StrictUndefined: a template naming a variable the code forgot must fail loudly in tests.
    return Environment(undefined=StrictUndefined, keep_trailing_newline=False, autoescape=False)


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


def render(name: str, **variables: Any) -> str:
    template = _env().from_string(_read(name))
    return template.render(indicators=catalogue(), **variables).strip()


def messages(task: str, **variables: Any) -> list[dict[str, str]]:
    """System + user messages for ``task`` (facts | findings | meta)."""
    return [
        {"role": "system", "content": render("system.j2")},
        {"role": "user", "content": render(f"{task}.j2", **variables)},
    ]
