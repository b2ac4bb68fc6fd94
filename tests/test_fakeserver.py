"""The loopback fake server, exercised through the real openai SDK and instructor."""

from __future__ import annotations

import json
import time
from typing import Any

import instructor
import openai
import pytest
from instructor.core import InstructorRetryException
from openai.types.chat import ChatCompletionMessageFunctionToolCall
from pydantic import BaseModel, Field

from tests.fakeserver import FakeLLM, Reply, json_reply, md_json_reply, tool_reply

MESSAGES: list[Any] = [{"role": "user", "content": "你好"}]
TOOL: Any = {
    "type": "function",
    "function": {
        "name": "Person",
        "description": "A person",
        "parameters": {
            "type": "object",
            "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
            "required": ["name", "age"],
        },
    },
}


class Person(BaseModel):
    name: str
    age: int = Field(ge=0)


def client(fake: FakeLLM, **kw: Any) -> openai.OpenAI:
    kw.setdefault("max_retries", 0)
    kw.setdefault("timeout", 5.0)
    return openai.OpenAI(base_url=fake.base_url, api_key="x", **kw)


def test_content_reply_with_usage(fake_llm: FakeLLM) -> None:
    fake_llm.script(json_reply({"城市": "安阳", "n": 1}))
    c = client(fake_llm)
    r = c.chat.completions.create(model="m-1", messages=MESSAGES, temperature=0)
    assert json.loads(r.choices[0].message.content or "") == {"城市": "安阳", "n": 1}
    assert r.choices[0].finish_reason == "stop"
    assert r.choices[0].message.tool_calls is None
    assert r.model == "m-1" and r.object == "chat.completion"
    assert r.usage is not None
    usage = r.usage
    assert (usage.prompt_tokens, usage.completion_tokens, usage.total_tokens) == (100, 20, 120)


def test_md_json_reply_is_fenced() -> None:
    content = md_json_reply({"a": "安"}).content or ""
    assert content.startswith("```json\n") and content.endswith("\n```")
    assert json.loads(content[len("```json") : -3]) == {"a": "安"}


def test_requests_are_recorded_with_their_json(fake_llm: FakeLLM) -> None:
    fake_llm.script(Reply(content="a", prompt_tokens=7, completion_tokens=3), Reply(content="b"))
    c = client(fake_llm)
    r1 = c.chat.completions.create(model="fake", messages=MESSAGES, max_tokens=50)
    r2 = c.chat.completions.create(model="other", messages=[{"role": "user", "content": "2"}])
    assert [r1.choices[0].message.content, r2.choices[0].message.content] == ["a", "b"]
    assert r1.usage is not None and r1.usage.total_tokens == 10
    assert fake_llm.calls == 2
    first, second = fake_llm.requests
    assert first["path"] == "/v1/chat/completions"
    assert first["json"]["messages"] == MESSAGES and first["json"]["model"] == "fake"
    assert first["json"]["max_tokens"] == 50
    assert second["json"]["model"] == "other"
    assert first["headers"]["authorization"] == "Bearer x"
    assert first["time"] <= second["time"]
    fake_llm.reset()
    assert fake_llm.calls == 0 and fake_llm.requests == []


def test_tools_mode_reply_uses_requested_tool_name(fake_llm: FakeLLM) -> None:
    fake_llm.script(tool_reply({"name": "张三", "age": 3}))
    c = client(fake_llm)
    r = c.chat.completions.create(
        model="fake",
        messages=MESSAGES,
        tools=[TOOL],
        tool_choice={"type": "function", "function": {"name": "Person"}},
    )
    choice = r.choices[0]
    assert choice.finish_reason == "tool_calls"
    assert choice.message.tool_calls is not None
    call = choice.message.tool_calls[0]
    assert isinstance(call, ChatCompletionMessageFunctionToolCall)
    assert call.id == "call_1" and call.type == "function"
    assert call.function.name == "Person"
    assert json.loads(call.function.arguments) == {"name": "张三", "age": 3}


def test_raw_tool_args_without_tools_still_come_as_a_tool_call(fake_llm: FakeLLM) -> None:
    fake_llm.script(Reply(tool_args='{"name": '))
    r = client(fake_llm).chat.completions.create(model="fake", messages=MESSAGES)
    calls = r.choices[0].message.tool_calls
    assert calls is not None and isinstance(calls[0], ChatCompletionMessageFunctionToolCall)
    assert calls[0].function.arguments == '{"name": '
    assert r.choices[0].message.content is None


def test_429_surfaces_as_rate_limit_error_without_retries(fake_llm: FakeLLM) -> None:
    fake_llm.script(Reply(status=429, headers={"Retry-After": "1"}))
    with pytest.raises(openai.RateLimitError) as info:
        client(fake_llm).chat.completions.create(model="fake", messages=MESSAGES)
    assert info.value.status_code == 429
    assert info.value.response.headers["retry-after"] == "1"
    assert fake_llm.calls == 1


@pytest.mark.parametrize(
    ("retry_after", "low", "high"),
    [
        ("1", 0.9, 3.0),  # honoured as given
        ("0", 0.3, 2.0),  # "0" is not honoured: falls back to backoff 0.5 s x jitter 0.75..1
    ],
)
def test_429_is_retried_honouring_retry_after(
    fake_llm: FakeLLM, retry_after: str, low: float, high: float
) -> None:
    fake_llm.script(Reply(status=429, headers={"Retry-After": retry_after}), Reply(content="ok"))
    r = client(fake_llm, max_retries=1).chat.completions.create(model="fake", messages=MESSAGES)
    assert r.choices[0].message.content == "ok"
    assert fake_llm.calls == 2
    gap = fake_llm.requests[1]["time"] - fake_llm.requests[0]["time"]
    assert low <= gap <= high, gap


def test_500_surfaces_as_internal_server_error(fake_llm: FakeLLM) -> None:
    fake_llm.script(Reply(status=500))
    with pytest.raises(openai.InternalServerError) as info:
        client(fake_llm).chat.completions.create(model="fake", messages=MESSAGES)
    assert info.value.status_code == 500
    assert "HTTP 500" in info.value.message


def test_400_with_raw_body(fake_llm: FakeLLM) -> None:
    body = {"error": {"message": "context too long", "type": "invalid_request_error"}}
    fake_llm.script(Reply(status=400, body=json.dumps(body)))
    with pytest.raises(openai.BadRequestError, match="context too long"):
        client(fake_llm, max_retries=2).chat.completions.create(model="fake", messages=MESSAGES)
    assert fake_llm.calls == 1  # 4xx other than 408/409/429 is not retried


def test_delay_past_client_timeout_raises_timeout(fake_llm: FakeLLM) -> None:
    fake_llm.script(Reply(content="late", delay=5.0))
    start = time.monotonic()
    with pytest.raises(openai.APITimeoutError):
        client(fake_llm, timeout=0.3).chat.completions.create(model="fake", messages=MESSAGES)
    assert time.monotonic() - start < 2.0


def test_drop_raises_connection_error(fake_llm: FakeLLM) -> None:
    fake_llm.script(Reply(drop=True))
    with pytest.raises(openai.APIConnectionError) as info:
        client(fake_llm).chat.completions.create(model="fake", messages=MESSAGES)
    assert not isinstance(info.value, openai.APITimeoutError)
    assert fake_llm.calls == 1


def test_drop_then_success_is_retried_by_the_sdk(fake_llm: FakeLLM) -> None:
    fake_llm.script(Reply(drop=True), Reply(content="ok"))
    r = client(fake_llm, max_retries=1).chat.completions.create(model="fake", messages=MESSAGES)
    assert r.choices[0].message.content == "ok" and fake_llm.calls == 2


def test_responder_used_when_queue_is_empty(fake_llm: FakeLLM) -> None:
    seen: list[dict[str, Any]] = []

    def responder(request: dict[str, Any]) -> Reply:
        seen.append(request)
        return Reply(content="echo:" + request["messages"][-1]["content"])

    fake_llm.script(Reply(content="scripted"))
    fake_llm.responder = responder
    c = client(fake_llm)
    out = [
        c.chat.completions.create(model="fake", messages=[{"role": "user", "content": t}])
        for t in ("a", "b", "c")
    ]
    assert [r.choices[0].message.content for r in out] == ["scripted", "echo:b", "echo:c"]
    assert [s["messages"][-1]["content"] for s in seen] == ["b", "c"]


def test_no_script_and_no_responder_is_a_500(fake_llm: FakeLLM) -> None:
    with pytest.raises(openai.InternalServerError, match="no scripted reply"):
        client(fake_llm).chat.completions.create(model="fake", messages=MESSAGES)


def test_models_endpoint(fake_llm: FakeLLM) -> None:
    models = client(fake_llm).models.list()
    assert [m.id for m in models.data] == ["fake"]
    assert fake_llm.calls == 0 and fake_llm.requests[0]["path"] == "/v1/models"


async def test_async_client(fake_llm: FakeLLM) -> None:
    fake_llm.script(json_reply({"ok": True}), Reply(status=500))
    c = openai.AsyncOpenAI(base_url=fake_llm.base_url, api_key="x", max_retries=0, timeout=5.0)
    try:
        r = await c.chat.completions.create(model="fake", messages=MESSAGES)
        assert r.choices[0].message.content == '{"ok": true}'
        assert r.usage is not None and r.usage.total_tokens == 120
        with pytest.raises(openai.InternalServerError):
            await c.chat.completions.create(model="fake", messages=MESSAGES)
    finally:
        await c.close()
    assert fake_llm.calls == 2


def test_instructor_json_mode_reasks_after_invalid_reply(fake_llm: FakeLLM) -> None:
    fake_llm.script(json_reply({"name": "张三", "age": -1}), json_reply({"name": "张三", "age": 3}))
    ic = instructor.from_openai(client(fake_llm), mode=instructor.Mode.JSON)
    person = ic.chat.completions.create(
        model="fake", messages=MESSAGES, response_model=Person, max_retries=1
    )
    assert person.model_dump() == {"name": "张三", "age": 3}
    assert fake_llm.calls == 2
    # usage summed over both attempts rides on the (private) _total_usage attribute
    assert person._total_usage.prompt_tokens == 200  # type: ignore[attr-defined]
    reask = json.dumps(fake_llm.requests[1]["json"]["messages"], ensure_ascii=False)
    assert "greater than or equal to 0" in reask
    assert fake_llm.requests[0]["json"]["response_format"] == {"type": "json_object"}


def test_instructor_tools_mode(fake_llm: FakeLLM) -> None:
    fake_llm.script(tool_reply({"name": "李四", "age": 40}))
    ic = instructor.from_openai(client(fake_llm), mode=instructor.Mode.TOOLS)
    person = ic.chat.completions.create(
        model="fake", messages=MESSAGES, response_model=Person, max_retries=0
    )
    assert person.model_dump() == {"name": "李四", "age": 40}
    request = fake_llm.requests[0]["json"]
    assert request["tool_choice"]["function"]["name"] == "Person"


def test_instructor_wraps_api_errors(fake_llm: FakeLLM) -> None:
    fake_llm.script(Reply(status=500), json_reply({"name": "x", "age": 1}))
    ic = instructor.from_openai(client(fake_llm), mode=instructor.Mode.JSON)
    with pytest.raises(InstructorRetryException) as info:
        ic.chat.completions.create(
            model="fake", messages=MESSAGES, response_model=Person, max_retries=3
        )
    assert isinstance(info.value.__cause__, openai.InternalServerError)
    assert fake_llm.calls == 1  # instructor does not retry API errors, only parse errors
