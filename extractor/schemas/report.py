"""The contract's models (``shared/design/contract.md``): what ``extract`` returns.

Field names are binding. Fields marked *output only* in the contract are filled by the program
and default to empty so that gold files (which hold only labelled fields) parse into the same
models.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

SCHEMA_VERSION: Literal["1"] = "1"

Category = Literal[
    "air",
    "water",
    "soil",
    "noise",
    "ecology",
    "energy_climate",
    "transport",
    "waste",
    "agriculture",
    "enforcement",
    "funding",
    "governance",
    "other",
]
CATEGORIES: tuple[str, ...] = Category.__args__  # type: ignore[attr-defined]

DocType = Literal["survey_report", "inspection_report", "government_report", "bulletin", "other"]
SectionKind = Literal["front", "status", "measures", "problems", "recommendations", "back", "other"]
SectionStatus = Literal["ok", "failed", "skipped"]
CheckStatus = Literal["verified", "flagged", "unverifiable"]
Origin = Literal["llm", "rules"]
Number = int | float


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Source(_Model):
    path: str | None = None
    sha256: str = Field(description="sha256 of the bytes read (of the text, for text input)")
    chars: int = Field(description="length of the normalized text")
    encoding: str = Field(description="detected encoding, or 'docx' / 'pdf' / 'str'")


class ReportMeta(_Model):
    title: str | None = None
    doc_type: DocType = "other"
    issuer: str | None = None
    region: str | None = None
    period: str | None = None
    issued_on: str | None = None


class Section(_Model):
    id: str
    path: list[str] = Field(default_factory=list)
    kind: SectionKind = "other"
    start: int
    end: int
    status: SectionStatus = "ok"
    error: str | None = None


class Change(_Model):
    basis: str | None = None
    value: Number | None = None
    unit: str | None = None


class Rank(_Model):
    scope: str | None = None
    position: int | None = None
    metric: str | None = None
    tied: bool = False


class CheckIssue(_Model):
    code: str
    message: str


class FactCheck(_Model):
    status: CheckStatus
    issues: list[CheckIssue] = Field(default_factory=list)


class Fact(_Model):
    category: Category = "other"
    subject: str
    indicator: str | None = None
    value: Number | None = None
    value_text: str | None = None
    unit: str | None = None
    value_std: Number | None = None
    unit_std: str | None = None
    period: str | None = None
    area: str | None = None
    change: Change | None = None
    rank: Rank | None = None
    is_target: bool = False
    quote: str = ""
    span: tuple[int, int] | None = None
    section: str | None = None
    check: FactCheck | None = None
    origin: Origin | None = None


class Finding(_Model):
    category: str = ""
    title: str
    detail: str = ""
    quote: str = ""
    span: tuple[int, int] | None = None
    section: str | None = None


class CrossCheck(_Model):
    rule: str
    facts: list[int] = Field(default_factory=list, description="indexes into Report.facts")
    ok: bool
    detail: str = ""


class UnaccountedNumber(_Model):
    text: str
    span: tuple[int, int]
    clause: str = ""


class CheckSummary(_Model):
    verified: int = 0
    flagged: int = 0
    unverifiable: int = 0
    cross_checks: list[CrossCheck] = Field(default_factory=list)
    unaccounted_numbers: list[UnaccountedNumber] = Field(default_factory=list)


class RepairInfo(_Model):
    """What the repair round (LLM path) changed."""

    sections: int = Field(default=0, description="section chunks sent back with flagged facts")
    flagged_before: int = 0
    corrected: int = Field(
        default=0, description="flagged facts replaced by one that passes the checker"
    )
    dropped: int = Field(default=0, description="flagged facts the model withdrew")
    still_flagged: int = 0
    offered: int = Field(
        default=0, description="unaccounted numbers offered as possibly missed facts"
    )
    added: int = Field(default=0, description="of those, new facts that pass the checker")


class KindUsage(_Model):
    """What one kind of call (meta, facts, findings, repair, missed) cost over a document."""

    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0


class RunInfo(_Model):
    backend: str = ""
    model: str | None = None
    mode: str | None = None
    prompt_version: str | None = None
    calls: int = 0
    http_requests: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_calls: int = 0
    reasks: int = 0
    seconds: float = 0.0
    repair: RepairInfo | None = None
    by_kind: dict[str, KindUsage] = Field(default_factory=dict)
    cost: float | None = None  # at --price-in / --price-out per million tokens

    @field_validator("by_kind", mode="before")
    @classmethod
    def _no_kinds(cls, v: Any) -> Any:
        return {} if v is None else v  # runs stored before tokens were counted by kind


class Report(_Model):
    schema_version: Literal["1"] = SCHEMA_VERSION
    doc_id: str = ""
    source: Source | None = None
    text: str = ""
    meta: ReportMeta = Field(default_factory=ReportMeta)
    sections: list[Section] = Field(default_factory=list)
    facts: list[Fact] = Field(default_factory=list)
    problems: list[Finding] = Field(default_factory=list)
    recommendations: list[Finding] = Field(default_factory=list)
    checks: CheckSummary = Field(default_factory=CheckSummary)
    run: RunInfo = Field(default_factory=RunInfo)

    @field_validator("doc_id")
    @classmethod
    def _doc_id_hex(cls, v: str) -> str:
        if v and (len(v) != 16 or any(c not in "0123456789abcdef" for c in v)):
            raise ValueError("doc_id is 16 lowercase hex characters")
        return v

    def spans_ok(self) -> bool:
        """True when every located span slices ``text`` back to its quote."""
        items: list[Fact | Finding] = [*self.facts, *self.problems, *self.recommendations]
        return all(i.span is None or self.text[i.span[0] : i.span[1]] == i.quote for i in items)
