"""What a backend asks of a model."""

from __future__ import annotations

from typing import Protocol, TypeVar

from pydantic import BaseModel

from extractor.llm.settings import LLMSettings, Usage

T = TypeVar("T", bound=BaseModel)


class ChatModel(Protocol):
    """What a backend asks of a model: fill a reply model from messages. ``LLMClient`` does it
    over HTTP; ``extractor.llm.fake.FunctionModel`` in-process, for tests."""

    settings: LLMSettings

    async def structured(
        self,
        response_model: type[T],
        messages: list[dict[str, str]],
        *,
        usage: Usage,
        max_tokens: int | None = None,
    ) -> T: ...

    async def room(self) -> None:
        """Return once the calls already waiting would not keep the endpoint busy for a round:
        a batch starts its next document then, not all of them at once."""
        ...

    async def aclose(self) -> None: ...
