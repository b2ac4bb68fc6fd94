"""Pydantic models at every boundary: the contract's Report, the per-section reply models a
model fills, and the indicator catalogue."""

from extractor.schemas.report import (
    CATEGORIES,
    SCHEMA_VERSION,
    Change,
    CheckIssue,
    CheckSummary,
    CrossCheck,
    Fact,
    FactCheck,
    Finding,
    Rank,
    RepairInfo,
    Report,
    ReportMeta,
    RunInfo,
    Section,
    Source,
    UnaccountedNumber,
)

__all__ = [
    "CATEGORIES",
    "SCHEMA_VERSION",
    "Change",
    "CheckIssue",
    "CheckSummary",
    "CrossCheck",
    "Fact",
    "FactCheck",
    "Finding",
    "Rank",
    "RepairInfo",
    "Report",
    "ReportMeta",
    "RunInfo",
    "Section",
    "Source",
    "UnaccountedNumber",
]
