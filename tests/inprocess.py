"""In-process models for tests that need no HTTP: replies scripted in order, or per task."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from extractor import FunctionModel


def scripted(*answers: Any) -> FunctionModel:
    """A model that gives these answers in order (an exception instance is raised instead)."""
    queue = list(answers)

    def reply(model: type, messages: list[dict[str, str]]) -> Any:
        if not queue:
            raise AssertionError(
                f"no answer scripted for call {len(fn.requests)} ({model.__name__})"
            )
        answer = queue.pop(0)
        if isinstance(answer, BaseException):
            raise answer
        return answer

    fn = FunctionModel(reply)
    return fn


def facts(*items: dict[str, Any]) -> dict[str, Any]:
    return {"facts": list(items)}


def user_message(model: FunctionModel, call: int) -> str:
    """The user message of one recorded call."""
    _, messages = model.requests[call]
    return [m for m in messages if m["role"] == "user"][-1]["content"]


def values(items: Iterable[Any]) -> list[Any]:
    return sorted(f.value for f in items)
