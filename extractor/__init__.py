"""extractor: verified, structured data from Chinese local-government environmental reports.

from extractor import extract
report = extract("report.txt", base_url="http://127.0.0.1:8765/v1", model="local")
"""

from __future__ import annotations

__version__ = "0.1.0"

from extractor.checker import check
from extractor.errors import (
    ConfigError,
    ExtractionError,
    ExtractorError,
    InputError,
    LLMError,
    ModeRefusedError,
    StoreError,
    UsageError,
)
from extractor.loading import LoadedDocument, load, load_text
from extractor.pipeline import ExtractOptions, aextract, aextract_document, extract
from extractor.schemas import Fact, Finding, Report, ReportMeta, Section

__all__ = [
    "ConfigError",
    "ExtractOptions",
    "ExtractionError",
    "ExtractorError",
    "Fact",
    "Finding",
    "InputError",
    "LLMError",
    "LoadedDocument",
    "ModeRefusedError",
    "Report",
    "ReportMeta",
    "Section",
    "StoreError",
    "UsageError",
    "__version__",
    "aextract",
    "aextract_document",
    "check",
    "extract",
    "load",
    "load_text",
]
