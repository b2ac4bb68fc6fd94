"""Models the LLM backend talks to: ``LLMClient`` (any OpenAI-compatible endpoint, through
openai + instructor) and ``FunctionModel`` (in-process, for tests), both ``ChatModel``s.

The HTTP client is imported on first use, so code that only needs settings never loads the
openai SDK.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from extractor.llm.settings import MODE_NAMES, LLMSettings, Usage

if TYPE_CHECKING:
    from extractor.llm.client import LLMClient
    from extractor.llm.protocol import ChatModel

__all__ = ["MODE_NAMES", "ChatModel", "LLMClient", "LLMSettings", "Usage"]


def __getattr__(name: str) -> Any:
    if name == "LLMClient":
        from extractor.llm.client import LLMClient

        return LLMClient
    if name == "ChatModel":
        from extractor.llm.protocol import ChatModel

        return ChatModel
    raise AttributeError(f"module 'extractor.llm' has no attribute {name!r}")
