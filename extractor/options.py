"""Everything that decides how a document is extracted, with its defaults in one place: the
Python API, the CLI's option groups and batch all read them from here."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from extractor.errors import ConfigError
from extractor.llm.settings import LLMSettings

Backend = Literal["auto", "llm", "rules", "hybrid"]
BACKENDS: tuple[str, ...] = ("auto", "llm", "rules", "hybrid")


@dataclass(frozen=True)
class ExtractOptions:
    backend: Backend = "auto"
    model: str | None = None
    base_url: str | None = None
    api_key: str | None = field(default=None, repr=False)
    mode: str | None = None
    concurrency: int = 4
    cache: bool | str | os.PathLike[str] = True
    timeout: float = 180.0
    max_retries: int = 3
    max_reasks: int = 2
    chunk_chars: int = 1800
    max_output_tokens: int = 4096
    repair: bool = True
    max_mb: float = 20.0  # inputs above this size are refused (it does not change the output)
    rpm: int | None = None  # requests per minute, across the run
    tpm: int | None = None  # tokens per minute, across the run
    price_in: float | None = None  # per million prompt tokens, for the cost estimate
    price_out: float | None = None  # per million completion tokens

    def llm_settings(self) -> LLMSettings | None:
        return LLMSettings.resolve(
            model=self.model,
            base_url=self.base_url,
            api_key=self.api_key,
            mode=self.mode,
            timeout=self.timeout,
            max_retries=self.max_retries,
            max_reasks=self.max_reasks,
            max_output_tokens=self.max_output_tokens,
            concurrency=self.concurrency,
            rpm=self.rpm,
            tpm=self.tpm,
        )

    def resolved_backend(self, *, model_given: bool = False) -> str:
        """The backend to run: ``auto`` is ``llm`` when a model is configured (or handed in as
        ``model_given``), else ``rules``."""
        if self.backend not in BACKENDS:
            raise ConfigError(f"unknown backend {self.backend!r}: use auto, llm, rules or hybrid")
        if model_given:
            return "llm" if self.backend == "auto" else self.backend
        if self.backend in ("llm", "hybrid") and self.llm_settings() is None:
            raise ConfigError(
                f"backend {self.backend!r} needs an endpoint: pass --base-url (and --api-key) or "
                "set OPENAI_BASE_URL / OPENAI_API_KEY, plus --model or EXTRACTOR_MODEL"
            )
        if self.backend == "auto":
            return "llm" if self.llm_settings() is not None else "rules"
        return self.backend

    def config_key(self) -> str:
        """Short hash of what changes the output (not the key, the cache or concurrency)."""
        from extractor.versions import backend_version

        backend = self.resolved_backend()
        parts: dict[str, Any] = {"backend": backend, "code": backend_version(backend)}
        if backend != "rules":
            from extractor import prompts

            settings = self.llm_settings()
            assert settings is not None
            parts.update(
                prompt=prompts.prompt_version(),
                model=settings.model,
                base_url=settings.base_url,
                mode=settings.mode,
                chunk=self.chunk_chars,
                cap=settings.max_output_tokens,
                repair=self.repair,
            )
        blob = json.dumps(parts, sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:12]

    def describe(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("api_key", None)
        return d


DEFAULTS = ExtractOptions()
