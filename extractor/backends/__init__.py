"""Backends: what reads a document into facts, findings and meta. They only extract; the
pipeline grounds and checks what they return, once.

* ``rules`` (``backends.rules``): the offline reading of the text, no model;
* ``llm`` (``backends.llm``): a ``ChatModel`` fills reply schemas section by section, and
  flagged facts go back once (repair);
* ``hybrid`` (``backends.hybrid``): the model's reading, completed and corrected by the rules'.

A backend that needs to know what the checker thinks (repair, hybrid) is handed the pipeline's
check stage as a function; it never calls the checker itself.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Protocol

from pydantic import BaseModel, Field

from extractor.schemas import CheckSummary, Fact, Finding, ReportMeta, RunInfo, Section

if TYPE_CHECKING:
    from extractor.llm.protocol import ChatModel
    from extractor.loading import LoadedDocument
    from extractor.options import ExtractOptions

__all__ = ["Backend", "CheckFn", "Extraction", "ProgressFn", "make_backend", "open_model"]

# (facts, sections, meta period) → the facts grounded and checked, and the summary
CheckFn = Callable[[list[Fact], list[Section], str | None], tuple[list[Fact], CheckSummary]]
ProgressFn = Callable[[int, int, str], None]


class Extraction(BaseModel):
    """What a backend read: unchecked facts (their quotes located where the backend could),
    findings, meta, the sections with their status, and what the run cost."""

    meta: ReportMeta = Field(default_factory=ReportMeta)
    sections: list[Section] = Field(default_factory=list)
    facts: list[Fact] = Field(default_factory=list)
    problems: list[Finding] = Field(default_factory=list)
    recommendations: list[Finding] = Field(default_factory=list)
    run: RunInfo = Field(default_factory=RunInfo)


class Backend(Protocol):
    name: str

    def extract(
        self, doc: LoadedDocument, sections: list[Section], check: CheckFn
    ) -> Awaitable[Extraction]: ...

    async def aclose(self) -> None: ...


def make_backend(
    opts: ExtractOptions,
    *,
    model: ChatModel | None = None,
    progress: ProgressFn | None = None,
) -> Backend:
    """The backend ``opts`` asks for. ``model`` replaces the HTTP client built from the
    options (an in-process ``FunctionModel`` in tests); the model path is imported only when
    it is used."""
    name = opts.resolved_backend(model_given=model is not None)
    from extractor.backends.rules import RulesBackend

    if name == "rules":
        return RulesBackend()
    from extractor.backends.llm import LLMBackend

    # a model handed in belongs to the caller (one client for a whole run): it is not closed
    llm = LLMBackend(model or http_model(opts), opts, progress=progress, owns=model is None)
    if name == "llm":
        return llm
    from extractor.backends.hybrid import HybridBackend

    return HybridBackend(RulesBackend(), llm)


def open_model(opts: ExtractOptions) -> ChatModel | None:
    """One HTTP model for a whole run (its connections, gate and rate limits shared by every
    document), or None when ``opts`` runs the rules backend. The caller closes it."""
    return None if opts.resolved_backend() == "rules" else http_model(opts)


def http_model(opts: ExtractOptions) -> ChatModel:
    from extractor.llm.cache import open_cache
    from extractor.llm.client import LLMClient

    settings = opts.llm_settings()
    assert settings is not None  # resolved_backend() said there is an endpoint
    return LLMClient(settings, open_cache(opts.cache))
