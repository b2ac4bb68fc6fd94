"""An in-process model for tests and dry runs: a function answers each call, no HTTP.

    model = FunctionModel(lambda reply_model, messages: {"facts": []})

The function gets the reply model asked for and the messages (system + user) and returns a
reply: an instance of the reply model, or data that validates into it. Raising
``extractor.LLMError`` from it is how a test makes a call fail. Usage counts every call, and
tokens as a rough four characters per token, so cost reports have something to show.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

from pydantic import BaseModel, ValidationError

from extractor.errors import LLMError
from extractor.llm.settings import LLMSettings, Usage

T = TypeVar("T", bound=BaseModel)
Reply = Callable[[type[BaseModel], list[dict[str, str]]], Any]


class FunctionModel:
    def __init__(self, reply: Reply, *, settings: LLMSettings | None = None) -> None:
        self.reply = reply
        self.settings = settings or LLMSettings(model="function", base_url="in-process")
        self.requests: list[tuple[str, list[dict[str, str]]]] = []

    async def structured(
        self,
        response_model: type[T],
        messages: list[dict[str, str]],
        *,
        usage: Usage,
        max_tokens: int | None = None,
    ) -> T:
        self.requests.append((response_model.__name__, messages))
        usage.calls += 1
        out = self.reply(response_model, messages)
        prompt = sum(len(m["content"]) for m in messages) // 4
        try:
            reply = out if isinstance(out, response_model) else response_model.model_validate(out)
        except ValidationError as e:
            raise LLMError(f"the reply did not fit the schema: {e}", kind="validation") from e
        usage.add_tokens(prompt, len(reply.model_dump_json()) // 4)
        return cast(T, reply)

    async def room(self) -> None:
        return None  # answers at once: nothing ever waits

    async def aclose(self) -> None:
        return None
