"""Endpoint settings and usage counters: what every model (HTTP or in-process) shares.

Kept apart from the HTTP client (and from pydantic) so that options, the CLI and the rules
path never import the openai SDK or instructor, and ``extractor --version`` starts at once.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from extractor.errors import ConfigError

MODE_NAMES = ("tools", "json", "json_schema", "md_json")


@dataclass(frozen=True)
class LLMSettings:
    model: str
    base_url: str | None = None
    api_key: str | None = None
    mode: str = "tools"
    temperature: float = 0.0
    timeout: float = 180.0
    max_retries: int = 3
    max_reasks: int = 2
    max_output_tokens: int = 4096
    concurrency: int = 4  # calls in flight, across every document the client serves
    rpm: int | None = None  # requests per minute
    tpm: int | None = None  # tokens per minute (prompt and max_tokens, as providers count)

    def __post_init__(self) -> None:
        if self.mode not in MODE_NAMES:
            raise ConfigError(
                f"unknown mode {self.mode!r}: use one of {', '.join(MODE_NAMES)} "
                "(EXTRACTOR_MODE / --mode)"
            )

    @classmethod
    def resolve(
        cls,
        *,
        model: str | None = None,
        base_url: str | None = None,
        api_key: str | None = None,
        mode: str | None = None,
        **rest: Any,
    ) -> LLMSettings | None:
        """Settings from arguments, else the environment; None when no endpoint is configured
        (no base URL and no API key anywhere)."""
        base_url = base_url or os.environ.get("OPENAI_BASE_URL") or None
        api_key = api_key or os.environ.get("OPENAI_API_KEY") or None
        if not base_url and not api_key:
            return None
        model = model or os.environ.get("EXTRACTOR_MODEL") or None
        if not model:
            raise ConfigError(
                "an endpoint is configured but no model: pass --model NAME or set EXTRACTOR_MODEL"
            )
        mode = mode or os.environ.get("EXTRACTOR_MODE") or "tools"
        # Local servers (vLLM, Ollama, llama.cpp) accept any key; the SDK insists on one.
        return cls(
            model=model, base_url=base_url, api_key=api_key or "not-needed", mode=mode, **rest
        )


@dataclass
class Usage:
    """Counters across every attempt: cache hits, wire requests, re-asks and tokens."""

    calls: int = 0
    cached_calls: int = 0
    http_requests: int = 0
    reasks: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0

    # per call kind (meta, facts, findings, repair, missed): [calls, prompt, completion]
    by_kind: dict[str, list[int]] = field(default_factory=dict)

    def add_tokens(self, prompt: int | None, completion: int | None) -> None:
        self.prompt_tokens += prompt or 0
        self.completion_tokens += completion or 0

    def absorb(self, one: Usage, kind: str) -> None:
        """Add what one call (``one``) cost, counted under ``kind`` as well."""
        self.calls += one.calls
        self.cached_calls += one.cached_calls
        self.http_requests += one.http_requests
        self.reasks += one.reasks
        self.add_tokens(one.prompt_tokens, one.completion_tokens)
        row = self.by_kind.setdefault(kind, [0, 0, 0])
        row[0] += one.calls
        row[1] += one.prompt_tokens
        row[2] += one.completion_tokens

    def cost(self, price_in: float | None, price_out: float | None) -> float | None:
        """Estimated cost at the given prices per million tokens; None without prices."""
        if price_in is None and price_out is None:
            return None
        spent = self.prompt_tokens * (price_in or 0) + self.completion_tokens * (price_out or 0)
        return spent / 1_000_000
