"""extractor: verified, structured data from Chinese local-government environmental reports.

    from extractor import extract
    report = extract("report.txt")                      # the offline rules backend
    report = extract("report.txt", base_url="http://127.0.0.1:8765/v1", model="local")

Names are imported on first use, so ``import extractor`` (and the rules path) never loads the
openai SDK or instructor.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
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
    from extractor.llm.fake import FunctionModel
    from extractor.loading import LoadedDocument, load, load_bytes, load_text
    from extractor.options import ExtractOptions
    from extractor.pipeline import aextract, aextract_document, check, extract
    from extractor.schemas import Fact, Finding, Report, ReportMeta, Section
    from extractor.storage import PanelRow, Store, panel

_EXPORTS = {
    "extractor.errors": (
        "ConfigError",
        "ExtractionError",
        "ExtractorError",
        "InputError",
        "LLMError",
        "ModeRefusedError",
        "StoreError",
        "UsageError",
    ),
    "extractor.llm.fake": ("FunctionModel",),
    "extractor.loading": ("LoadedDocument", "load", "load_bytes", "load_text"),
    "extractor.options": ("ExtractOptions",),
    "extractor.pipeline": ("aextract", "aextract_document", "check", "extract"),
    "extractor.schemas": ("Fact", "Finding", "Report", "ReportMeta", "Section"),
    "extractor.storage": ("PanelRow", "Store", "panel"),
}
_WHERE = {name: module for module, names in _EXPORTS.items() for name in names}

__all__ = [
    "ConfigError",
    "ExtractOptions",
    "ExtractionError",
    "ExtractorError",
    "Fact",
    "Finding",
    "FunctionModel",
    "InputError",
    "LLMError",
    "LoadedDocument",
    "ModeRefusedError",
    "PanelRow",
    "Report",
    "ReportMeta",
    "Section",
    "Store",
    "StoreError",
    "UsageError",
    "__version__",
    "aextract",
    "aextract_document",
    "check",
    "extract",
    "load",
    "load_bytes",
    "load_text",
    "panel",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'extractor' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_WHERE))
