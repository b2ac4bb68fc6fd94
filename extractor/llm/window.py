"""A model's context window: what a server says when a request runs over it, and keeping
re-asks inside it.

Servers state the window in their 400s in a few shapes; where they also state the prompt's
tokens, the request is sent again with a reply cap that fits (``room``). A re-ask carries the
model's failed reply and the error; instructor appends every attempt to the messages, so a
small model's long failed replies would pile up past the window: only the last one is sent
(``last_attempt_only``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

# OpenAI: "This model's maximum context length is 8192 tokens. However, your messages
# resulted in 9000 tokens"; vLLM: "… However, you requested 9000 tokens (7000 in the
# messages, 2000 in the completion)" or "… is 8192 tokens and your request has 7000 input
# tokens"
_MAX_CONTEXT = re.compile(r"maximum context length is (\d+) tokens")
_PROMPT_STATED = re.compile(
    r"(\d+) in the messages|request has (\d+) input tokens|messages resulted in (\d+) tokens"
)
# llama-cpp-python: "Requested tokens (9000) exceed context window of 8192" (the prompt alone)
_LLAMA_CPP_PY = re.compile(r"Requested tokens \((\d+)\) exceed context window of (\d+)")
# llama.cpp's server: {"type": "exceed_context_size_error", "n_prompt_tokens": …, "n_ctx": …}
_LLAMA_CPP_FIELDS = ("n_ctx", "n_prompt_tokens")
# a reply shorter than this is not worth asking for: the text is cut instead
_LEAST_REPLY = 64
_MARGIN = 16


@dataclass(frozen=True)
class Window:
    """The window a server stated, and the prompt's tokens where it stated them."""

    tokens: int
    prompt: int | None = None

    def room(self, asked: int) -> int | None:
        """A reply cap that fits beside the prompt, when one smaller than ``asked`` does."""
        if self.prompt is None:
            return None
        fits = self.tokens - self.prompt - _MARGIN
        return fits if _LEAST_REPLY <= fits < asked else None

    def describe(self) -> str:
        prompt = f", the prompt alone {self.prompt}" if self.prompt is not None else ""
        return f"{self.tokens} tokens{prompt}"


def stated_window(message: str, body: object = None) -> Window | None:
    """The context window a 400's message or body states, or None when it states none."""
    inner = body.get("error", body) if isinstance(body, dict) else None
    if isinstance(inner, dict) and all(isinstance(inner.get(k), int) for k in _LLAMA_CPP_FIELDS):
        return Window(inner["n_ctx"], inner["n_prompt_tokens"])
    if m := _LLAMA_CPP_PY.search(message):
        return Window(int(m.group(2)), int(m.group(1)))
    if m := _MAX_CONTEXT.search(message):
        said = _PROMPT_STATED.search(message)
        prompt = next((int(g) for g in said.groups() if g), None) if said else None
        return Window(int(m.group(1)), prompt)
    return None


def last_attempt_only(messages: list[Any], first: int) -> list[Any]:
    """The first request's ``first`` messages and the last failed reply with its error."""
    if len(messages) <= first:
        return messages
    tail = messages[first:]
    replies = [i for i, m in enumerate(tail) if _role(m) == "assistant"]
    return [*messages[:first], *tail[replies[-1] if replies else 0 :]]


def _role(message: Any) -> str | None:
    return message.get("role") if isinstance(message, dict) else getattr(message, "role", None)
