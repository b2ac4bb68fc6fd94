"""The slim reply models a model fills for one section.

Their field descriptions are sent to the model as part of the prompt (instructor puts the JSON
schema in the request), so they are written for a model, in the contract's terms. Validation
errors raised here are what instructor's re-ask loop feeds back, so messages say how to fix.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from extractor.schemas.catalogue import by_key
from extractor.schemas.report import CATEGORIES, Category, DocType

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


class _Reply(BaseModel):
    # Models add stray keys (``confidence``, ``notes``); ignoring them is kinder than a re-ask.
    model_config = ConfigDict(extra="ignore")


class ChangeDraft(_Reply):
    basis: str | None = Field(
        None,
        description='What the change is measured against, as written: "同比", "较上年", "较2015年"',
    )
    value: float | None = Field(
        None,
        description="Size of the change as a signed number: 下降/减少/降低 give a NEGATIVE value "
        '("同比下降4.4%" → -4.4), 增加/上升/提高 a positive one ("同比增加14天" → 14)',
    )
    unit: str | None = Field(None, description='Unit of the change: "%", "天", "个百分点", …')


class RankDraft(_Reply):
    scope: str | None = Field(None, description='Where it is ranked: "全省", "全国168个重点城市"')
    position: int | None = Field(None, description="The rank number: 第2 → 2, 第十一位 → 11")
    metric: str | None = Field(
        None, description='What is ranked when the sentence says so ("改善率"), else null'
    )
    tied: bool = Field(False, description="true when the sentence says 并列 (tied)")


class FactDraft(_Reply):
    category: Category = Field(
        description="One of: " + ", ".join(CATEGORIES) + ". Pick the domain the number is about."
    )
    subject: str = Field(
        min_length=1,
        description="What the number measures, in the report's own words, shortest form that still "
        'says what it is: "PM2.5年均浓度", "优良天数", "焦化产能压减", "环境违法案件查处数"',
    )
    indicator: str | None = Field(
        None,
        description="Key from the indicator catalogue in the instructions, or null if none fits",
    )
    value: float | None = Field(
        None,
        description="The number exactly as stated, in the stated unit (51, 3136, 2.3, 99.8). "
        "Chinese numerals become digits (一千六百六十三 → 1663). Null only for a grade.",
    )
    value_text: str | None = Field(
        None, description='Only for non-numeric grades or classes: "II类", "二级"; else null'
    )
    unit: str | None = Field(
        None,
        description='Unit as stated: "微克/立方米", "%", "天", "万元", "亿元", "万吨", "家", "个", '
        '"辆", "分贝", "万千瓦", "万亩", "公里"; null for an index with no unit',
    )
    period: str | None = Field(
        None,
        description="Only when the number refers to another period than the report's: "
        '"2025-01/2025-07", '
        '"截至2025-09-16", "累计", "十四五"; else null',
    )
    area: str | None = Field(
        None,
        description='Sub-area when not the whole region: "南水北调干渠安阳段", "主城区"; else null',
    )
    change: ChangeDraft | None = Field(
        None, description="The change stated in the same clause (同比/较上年 …), else null"
    )
    rank: RankDraft | None = Field(
        None, description="The rank stated in the same clause, else null"
    )
    is_target: bool = Field(
        False,
        description="true when the number is a goal, plan or requirement, not an achieved value",
    )
    quote: str = Field(
        min_length=1,
        description="The shortest EXACT substring of the section text that states this number "
        "(copy it character for character; it must contain the number)",
    )

    @field_validator("category", mode="before")
    @classmethod
    def _category(cls, v: Any) -> Any:
        if isinstance(v, str):
            key = v.strip().lower().replace(" ", "_").replace("-", "_")
            return _CATEGORY_SYNONYMS.get(key, key)
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

    facts: list[FactDraft] = Field(
        default_factory=list, description="One entry per stated number, in the order of the text"
    )


class FindingDraft(_Reply):
    category: str = Field(
        description="The heading the item sits under, without its number: "
        '"结构性污染问题尚未根本解决"'
    )
    title: str = Field(
        min_length=1,
        description="The item's lead phrase: "
        '"产业结构偏重" for "一是产业结构偏重。…"; for a heading '
        "without enumerated items, the heading's own lead phrase",
    )
    detail: str = Field(
        "",
        description="The rest of the item in the report's words, "
        "condensed to at most 200 characters",
    )
    quote: str = Field(
        "",
        description="The shortest EXACT substring of the section text that carries the lead phrase",
    )

    @model_validator(mode="after")
    def _quote_defaults_to_title(self) -> FindingDraft:
        # The lead phrase is itself a substring of the item; weak models often leave the quote
        # out, and a re-ask over that costs a call for nothing the grounding step cannot do.
        if not self.quote.strip():
            self.quote = self.title
        return self


class FindingsReply(_Reply):
    """Every problem or recommendation item of the section."""

    findings: list[FindingDraft] = Field(
        default_factory=list,
        description="One entry per 一是/二是… item; a heading with no such items is one entry",
    )


class MetaReply(_Reply):
    """What the report is, from its title block and footer."""

    title: str | None = Field(None, description="The report's title as written")
    doc_type: DocType = Field(
        "other",
        description="survey_report (调研报告) | inspection_report (视察报告) | government_report "
        "(政府向人大的报告) | bulletin (公报) | other",
    )
    issuer: str | None = Field(None, description="The body that wrote it, as written")
    region: str | None = Field(
        None, description='The city/district/province the report covers, as written: "安阳市"'
    )
    period: str | None = Field(
        None,
        description='Main reporting period: "2024", or "2025-01/2025-09" for year-to-date texts',
    )
    issued_on: str | None = Field(
        None, description="ISO date (YYYY-MM-DD) of issue or of the meeting, when stated; else null"
    )

    @field_validator("doc_type", mode="before")
    @classmethod
    def _doc_type(cls, v: Any) -> Any:
        return v.strip().lower() if isinstance(v, str) else v


ReplyKind = Literal["facts", "findings", "meta"]
REPLY_MODELS: dict[str, type[_Reply]] = {
    "facts": FactsReply,
    "findings": FindingsReply,
    "meta": MetaReply,
}
