"""The slim reply models a model fills for one section.

Their field descriptions are sent to the model as part of the prompt (instructor puts the JSON
schema in the request), so they are written for a model, in the contract's terms. Validation
errors raised here are what instructor's re-ask loop feeds back, so messages say how to fix.
"""

from __future__ import annotations

import copy
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaMode, JsonSchemaValue

from extractor.schemas.catalogue import by_key
from extractor.schemas.report import Category, DocType

_CATEGORIES = frozenset(get_args(Category))

_CATEGORY_SYNONYMS = {
    "climate": "energy_climate",
    "energy": "energy_climate",
    "carbon": "energy_climate",
    "traffic": "transport",
    "vehicle": "transport",
    "solid_waste": "waste",
    "finance": "funding",
    "money": "funding",
    "law_enforcement": "enforcement",
    "supervision": "enforcement",
    "ecological": "ecology",
    "farm": "agriculture",
    "management": "governance",
}


def _compact(node: Any, top: bool = False) -> Any:
    """A schema without what only costs tokens: titles (but the top one, the tool's name),
    ``default`` null or false, ``minLength``, and null as a type: a field that may be null
    is not required, and a model leaves it out (validation still takes a null)."""
    if isinstance(node, list):
        return [_compact(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {
        k: _compact(v)
        for k, v in node.items()
        if not (k == "title" and not top) and not (k == "default" and v in (None, False))
        and k != "minLength"  # validation says it when it matters
    }  # fmt: skip
    if "properties" in node:
        out["properties"] = {k: _compact(v) for k, v in node["properties"].items()}
    options = out.get("anyOf")
    if isinstance(options, list) and len(options) == 2 and {"type": "null"} in options:
        (other,) = [o for o in options if o != {"type": "null"}]
        del out["anyOf"]
        out.update(other)
    return out


class _CompactSchema(GenerateJsonSchema):
    def generate(self, schema: Any, mode: JsonSchemaMode = "validation") -> JsonSchemaValue:
        return _compact(super().generate(schema, mode), top=True)


class _Reply(BaseModel):
    # Models add stray keys (``confidence``, ``notes``); ignoring them is kinder than a re-ask.
    model_config = ConfigDict(extra="ignore")

    @classmethod
    def model_json_schema(  # type: ignore[override]
        cls,
        by_alias: bool = True,
        ref_template: str = "#/$defs/{model}",
        schema_generator: type[GenerateJsonSchema] = _CompactSchema,
        mode: JsonSchemaMode = "validation",
        **kw: Any,
    ) -> dict[str, Any]:
        """The schema sent with every call (instructor reads it here, once a call), without
        the parts that tell a model nothing; built once per reply model (it costs ~5 ms)."""
        # instructor wraps the reply model in a fresh subclass on every call; the schema is
        # the one of the reply model it wraps
        own = next(c for c in cls.__mro__ if c.__module__ == __name__ and _ours(c))
        key = (own, by_alias, ref_template, schema_generator, mode, tuple(sorted(kw.items())))
        if key not in _SCHEMAS:
            _SCHEMAS[key] = super().model_json_schema(
                by_alias, ref_template, schema_generator, mode, **kw
            )
        return copy.deepcopy(_SCHEMAS[key])  # callers edit what they are given


_SCHEMAS: dict[tuple[Any, ...], dict[str, Any]] = {}


def _ours(c: type) -> bool:
    """Declared here, not one of instructor's per-call wrappers of a class declared here."""
    return all(b.__module__ == __name__ or b.__module__.startswith("pydantic") or b is object
               for b in c.__mro__)  # fmt: skip


# The instructions say what is a fact; descriptions say only what a field holds, since every
# call sends them again.
class ChangeDraft(_Reply):
    basis: str | None = Field(None, description="同比, 较上年…")
    value: float | None = Field(None, description="下降 → negative")
    unit: str | None = None


class RankDraft(_Reply):
    scope: str | None = Field(None, description="全省…")
    position: int | None = Field(None, description="第2 → 2")
    metric: str | None = Field(None, description="改善率…, when stated")
    tied: bool = Field(False, description="并列")


class FactDraft(_Reply):
    category: Category
    subject: str = Field(min_length=1, description="what the number measures, report's words")
    indicator: str | None = Field(None, description="a key of the Indicators, if one fits")
    value: float | None = Field(None, description="in digits: 一千六百六十三 → 1663")
    value_text: str | None = Field(None, description="for a grade: II类")
    unit: str | None = Field(None, description="as stated")
    period: str | None = Field(None, description="if not the report's: 2025-01/2025-07")
    area: str | None = Field(None, description="a part of the region: 主城区")
    change: ChangeDraft | None = None
    rank: RankDraft | None = None
    is_target: bool = Field(False, description="a goal or plan")
    quote: str = Field(min_length=1, description="shortest exact substring holding the number")

    @model_validator(mode="before")
    @classmethod
    def _indicator_as_category(cls, data: Any) -> Any:
        # Small models write the indicator's key where the category goes; the key says both.
        if isinstance(data, dict) and isinstance(data.get("category"), str):
            entry = by_key().get(data["category"].strip())
            if entry is not None:
                data = {**data, "category": entry.category}
                if not data.get("indicator"):
                    data["indicator"] = entry.key
        return data

    @field_validator("category", mode="before")
    @classmethod
    def _category(cls, v: Any) -> Any:
        if isinstance(v, str):
            key = v.strip().lower().replace(" ", "_").replace("-", "_")
            key = _CATEGORY_SYNONYMS.get(key, key)
            # Like an unknown indicator key: a lesser error than losing the section's facts
            # to re-asks a small model cannot satisfy. The number is checked all the same.
            return key if key in _CATEGORIES else "other"
        return v

    @field_validator("indicator", mode="before")
    @classmethod
    def _indicator(cls, v: Any) -> Any:
        # An unknown key is a lesser error than a wasted re-ask: keep the fact, drop the key.
        if isinstance(v, str) and v.strip() not in by_key():
            return None
        return v.strip() if isinstance(v, str) else v

    @model_validator(mode="after")
    def _has_value(self) -> FactDraft:
        if self.value is None and not self.value_text:
            raise ValueError(
                f"fact {self.subject!r} has neither value nor value_text: give the stated number "
                "as value, or the grade as value_text, or leave this fact out"
            )
        return self


class FactsReply(_Reply):
    """Every number the section states, one fact per number."""

    facts: list[FactDraft] = Field(default_factory=list)


class FindingDraft(_Reply):
    category: str = Field(description="the heading it sits under, without its number")
    title: str = Field(min_length=1, description="the item's lead phrase")
    detail: str = Field("", description="the rest, in the report's words, ≤200 characters")
    quote: str = Field("", description="shortest exact substring holding the lead phrase")

    @model_validator(mode="after")
    def _quote_defaults_to_title(self) -> FindingDraft:
        # The lead phrase is itself a substring of the item; weak models often leave the quote
        # out, and a re-ask over that costs a call for nothing the grounding step cannot do.
        if not self.quote.strip():
            self.quote = self.title
        return self


class FindingsReply(_Reply):
    """Every problem or recommendation item of the section."""

    findings: list[FindingDraft] = Field(default_factory=list)


class SectionReply(_Reply):
    """Every number the section states, and its problem or recommendation items."""

    facts: list[FactDraft] = Field(default_factory=list)
    findings: list[FindingDraft] = Field(default_factory=list)


class MetaReply(_Reply):
    """What the report is, from its title block and footer."""

    title: str | None = Field(None, description="as written")
    doc_type: DocType = "other"
    issuer: str | None = Field(None, description="the body that wrote it, as written")
    region: str | None = Field(None, description="the city or district it covers: 安阳市")
    period: str | None = Field(None, description="2024, or 2025-01/2025-09 for year to date")
    issued_on: str | None = Field(None, description="YYYY-MM-DD of issue or meeting, if stated")

    @field_validator("doc_type", mode="before")
    @classmethod
    def _doc_type(cls, v: Any) -> Any:
        return v.strip().lower() if isinstance(v, str) else v


ReplyKind = Literal["facts", "findings", "section", "meta"]
REPLY_MODELS: dict[str, type[_Reply]] = {
    "facts": FactsReply,
    "findings": FindingsReply,
    "section": SectionReply,
    "meta": MetaReply,
}
