"""The LLM client: any OpenAI-compatible endpoint, through openai + instructor.

Two retry layers, kept apart on purpose:

* transport: the openai SDK's own retries (5xx, timeouts, dropped connections) with
  exponential backoff, ``max_retries`` times per request; a 429 is retried here instead, after
  the Retry-After the server asks for (no other call goes out before then), with the calls
  in flight cut (``limits.AdaptiveGate``);
* validation: instructor re-asks, ``max_reasks`` times, only when the reply does not parse into
  the reply model (the error text goes back to the model).

Every request that reaches the wire goes through ``_create`` below, which is where the
response cache and the usage counters live, so usage counts every attempt and every re-ask.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import re
import ssl
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, TypeVar, cast

import instructor
import openai
from instructor.core import IncompleteOutputException, InstructorRetryException
from openai.types.chat import ChatCompletion
from pydantic import BaseModel, ValidationError

from extractor.errors import LLMError, ModeRefusedError
from extractor.llm.cache import ResponseCache, request_key
from extractor.llm.limits import AdaptiveGate, RateLimits, retry_after
from extractor.llm.settings import LLMSettings, Usage
from extractor.llm.window import Window, last_attempt_only, stated_window

T = TypeVar("T", bound=BaseModel)

# instructor logs every failed attempt at ERROR; we report failures ourselves, once, as data.
logging.getLogger("instructor").addHandler(logging.NullHandler())
logging.getLogger("instructor").propagate = False

MODES: dict[str, instructor.Mode] = {
    "tools": instructor.Mode.TOOLS,
    "json": instructor.Mode.JSON,
    "json_schema": instructor.Mode.JSON_SCHEMA,
    "md_json": instructor.Mode.MD_JSON,
}
_OTHER_MODE = {"json_schema": "json", "tools": "json", "json": "md_json", "md_json": "json"}
# instructor's json and md_json modes put the reply schema in the system message, indented
# two spaces a level: a third of a facts call's tokens
_INSTRUCTOR_SCHEMA = re.compile(
    r"\s*As a genius expert, your task is to understand the content and provide\s+the parsed "
    r"objects in json that match the following json_schema:\s*(\{.*\})\s*Make sure to return "
    r"an instance of the JSON, not the schema itself\s*",
    re.S,
)


@dataclass
class _CallState:
    usage: Usage
    attempts: int = 0
    first: int = 0  # messages in the first attempt: a re-ask sends them and its own last pair


# Per asyncio task: sections run concurrently through one client, each counting its own usage.
_CALL: ContextVar[_CallState | None] = ContextVar("extractor_llm_call", default=None)
log = logging.getLogger("extractor.llm")
_RATE_HEADERS = ("x-ratelimit-remaining-requests", "x-ratelimit-remaining-tokens", "retry-after")


class _OpenAI(openai.AsyncOpenAI):
    """The SDK's client, but a 429 is not retried inside it: ``LLMClient`` waits it out with
    fewer calls in flight."""

    def _should_retry(self, response: Any) -> bool:
        if response.status_code == 429:
            return False
        return bool(super()._should_retry(response))


def _check_each_model_once() -> None:
    """instructor walks a reply model's whole class tree for async validators up to six
    times a call (~2 ms); a class's answer does not change, so each is walked once."""
    try:
        from instructor.v2.core import patch as patched
        from instructor.v2.validation import async_validators as module
    except ImportError:  # another instructor: it walks as it likes
        return
    walk = module.reject_async_validators
    clean: set[Any] = set()

    def once(response_model: Any) -> None:
        model = response_model
        try:
            if model in clean:
                return
        except TypeError:  # unhashable: walk it every time
            walk(model)
            return
        walk(model)  # raises for a model with async validators: that is never remembered
        clean.add(model)

    module.reject_async_validators = once
    if getattr(patched, "reject_async_validators", None) is walk:
        patched.reject_async_validators = once


_check_each_model_once()


@functools.cache
def _wrapped(response_model: type[T]) -> type[T]:
    """The reply model as instructor wraps it, made once: instructor would build the wrapper
    class (and its schema) anew on every call, ~2 ms each."""
    from instructor.v2.core.function_calls import response_schema

    return cast(type[T], response_schema(response_model))


@functools.cache
def _tls() -> ssl.SSLContext:
    """One TLS context for the process: loading the CA store costs ~30 ms, every client."""
    import httpx2

    return httpx2.create_ssl_context()


def _compact_message(message: dict[str, Any]) -> dict[str, Any]:
    content = message.get("content")
    if not isinstance(content, str) or "As a genius expert" not in content:
        return message
    return {**message, "content": _INSTRUCTOR_SCHEMA.sub(_compact_schema, content)}


@functools.lru_cache(maxsize=32)
def _compact_text(schema: str) -> str:
    compact = json.dumps(json.loads(schema), ensure_ascii=False, separators=(",", ":"))
    return f"\n\nReply with one JSON object (not the schema) that fits this JSON schema:\n{compact}"


def _compact_schema(m: re.Match[str]) -> str:
    try:
        return _compact_text(m.group(1))
    except ValueError:  # not the JSON we know: leave instructor's text as it is
        return m.group(0)


def _estimate(request: dict[str, Any]) -> int:
    """A request's tokens as providers count them against a quota: the prompt (about a token
    per two characters, erring high) and the reply it may write."""
    chars = sum(len(str(m.get("content") or "")) for m in request.get("messages", []))
    return chars // 2 + int(request.get("max_tokens") or 0)


class LLMClient:
    """One endpoint and model; ``structured`` fills a reply model from messages."""

    def __init__(
        self,
        settings: LLMSettings,
        cache: ResponseCache | None = None,
        *,
        defer: Callable[[str, dict[str, Any]], None] | None = None,
    ) -> None:
        self.settings = settings
        self.cache = cache
        # Batch files: a request the cache cannot answer is handed to ``defer`` (its cache
        # key and body) instead of being sent, and the call fails as ``deferred``.
        self.defer = defer

        async def on_request(request: Any) -> None:
            # The SDK's own retries re-send without passing through _create: count them here.
            state = _CALL.get()
            if state is not None:
                state.usage.http_requests += 1

        async def on_response(response: Any) -> None:
            if log.isEnabledFor(logging.DEBUG):
                seen = {h: response.headers.get(h) for h in _RATE_HEADERS if h in response.headers}
                log.debug("HTTP %s %s", response.status_code, seen)

        hooks = {"request": [on_request], "response": [on_response]}
        http_client = openai.DefaultAsyncHttpx2Client(event_hooks=hooks, verify=_tls())
        self.gate = AdaptiveGate(settings.concurrency)
        self.limits = RateLimits(settings.rpm, settings.tpm)
        self._openai = _OpenAI(
            api_key=settings.api_key,
            base_url=settings.base_url,
            timeout=settings.timeout,
            max_retries=settings.max_retries,
            http_client=http_client,
        )
        # instructor's typing of a patched bare ``create`` is the sync overload; it is async here.
        self._instructor: Callable[..., Awaitable[Any]] = instructor.patch(
            create=self._create, mode=MODES[settings.mode]
        )

    async def _create(self, **request: Any) -> ChatCompletion:
        state = _CALL.get()
        assert state is not None, "_create is only called from structured()"
        state.attempts += 1
        messages = [_compact_message(m) for m in request["messages"]]
        if state.attempts == 1:
            state.first = len(messages)
        request["messages"] = last_attempt_only(messages, state.first)
        key = request_key(request, self.settings.base_url)
        if self.cache is not None:
            hit = self.cache.get(key)
            if hit is not None:
                state.usage.cached_calls += 1
                return ChatCompletion.model_validate(hit)
        if self.defer is not None:
            self.defer(key, request)
            raise LLMError("deferred to a batch file", kind="deferred")
        state.usage.calls += 1
        completion = await self._send(request)
        if completion.usage is not None:
            u = completion.usage
            state.usage.add_tokens(u.prompt_tokens, u.completion_tokens)
        if self.cache is not None and completion.choices:
            self.cache.put(key, self.settings.model, completion.model_dump(mode="json"))
        return completion

    async def _send(self, request: dict[str, Any]) -> ChatCompletion:
        """One request through the gate and the rate limits; a 429 cuts the calls in flight,
        waits what the server asks, and goes again (``max_retries`` times)."""
        attempt, resized = 0, False
        while True:
            await self.limits.acquire(_estimate(request))
            async with self.gate:
                try:
                    # the SDK's documented way to post a body as it is: ``create`` would walk
                    # every message and the schema to transform them (~2 ms a call) into the
                    # same JSON
                    raw = await self._openai.post("/chat/completions", cast_to=bytes, body=request)
                except openai.BadRequestError as e:
                    # a server that states the window and the prompt's size: once, a reply
                    # cap that fits (the reply may then be cut off, and the text is cut)
                    window = _window_of(e)
                    fit = window.room(int(request.get("max_tokens") or 0)) if window else None
                    if fit is None or resized:
                        raise
                    log.debug("reply cap %s -> %d to fit the window", request["max_tokens"], fit)
                    request, resized = {**request, "max_tokens": fit}, True
                    continue
                except openai.RateLimitError as e:
                    self.gate.cut()
                    if attempt >= self.settings.max_retries:
                        raise
                    wait = retry_after(e.response.headers, attempt)
                    self.gate.pause(wait)
                else:
                    await self.gate.answered()
                    return _completion(raw)
            attempt += 1
            await asyncio.sleep(wait)

    async def structured(
        self,
        response_model: type[T],
        messages: list[dict[str, str]],
        *,
        usage: Usage,
        max_tokens: int | None = None,
    ) -> T:
        """Ask for ``response_model``; raise ``LLMError`` (or ``ModeRefusedError``) on failure."""
        cap = min(max_tokens or self.settings.max_output_tokens, self.settings.max_output_tokens)
        state = _CallState(usage=usage)
        token = _CALL.set(state)
        try:
            result = await self._instructor(
                model=self.settings.model,
                messages=messages,
                response_model=_wrapped(response_model),
                max_retries=self.settings.max_reasks,
                temperature=self.settings.temperature,
                max_tokens=cap,
            )
        except Exception as e:
            raise self._explain(e) from e
        finally:
            usage.reasks += max(state.attempts - 1, 0)
            _CALL.reset(token)
        return cast(T, result)

    def _explain(self, exc: BaseException) -> LLMError:
        """Turn what the SDK or instructor raised into one sentence a user can act on."""
        seen: BaseException | None = exc
        while seen is not None:  # ours (a deferred call), however instructor wrapped it
            if isinstance(seen, LLMError):
                return seen
            seen = seen.__cause__ or seen.__context__
        root: BaseException = exc
        while isinstance(root, InstructorRetryException) and root.__cause__:
            root = root.__cause__
        mode = self.settings.mode
        if isinstance(root, openai.APIStatusError):
            status = root.status_code
            body = _short(_error_message(root))
            if _refuses_mode(mode, status, body):
                return ModeRefusedError(
                    f"the endpoint refused structured-output mode {mode!r} "
                    f"(HTTP {status}: {body}); "
                    f"try --mode {_OTHER_MODE[mode]}",
                    kind="mode",
                    status=status,
                )
            window = _window_of(root) if status == 400 else None
            if window is not None:
                return LLMError(
                    f"the request runs over the model's context window ({window.describe()}): "
                    "shorten sections with --chunk-chars, or use a model with a longer context",
                    kind="context",
                    status=status,
                )
            if status == 401:
                return LLMError(
                    "the endpoint rejected the API key (HTTP 401): set OPENAI_API_KEY or --api-key",
                    kind="auth",
                    status=status,
                )
            if status == 404:
                return LLMError(
                    f"HTTP 404 from the endpoint ({body}): check --base-url (usually ends in /v1) "
                    f"and that model {self.settings.model!r} exists",
                    kind="not_found",
                    status=status,
                )
            kind = "rate_limit" if status == 429 else "http"
            streak = " (a streak of server errors: the endpoint is failing, not the request)"
            return LLMError(
                f"HTTP {status} after {self.settings.max_retries} transport retries"
                f"{streak if status >= 500 else ''}: {body}",
                kind=kind,
                status=status,
            )
        if isinstance(root, openai.APITimeoutError):
            return LLMError(
                f"no answer within {self.settings.timeout:g} s after {self.settings.max_retries} "
                "transport retries (raise --timeout or shorten sections with --chunk-chars)",
                kind="timeout",
            )
        if isinstance(root, openai.APIConnectionError):
            return LLMError(
                f"cannot reach the endpoint {self.settings.base_url or 'api.openai.com'}: "
                f"{_short(str(root.__cause__ or root))}",
                kind="connection",
            )
        if isinstance(root, IncompleteOutputException):
            return LLMError(
                "the reply was cut off at the output cap (max_tokens, set from the numbers in "
                "the text), even for a text that cannot be cut further; raise max_output_tokens",
                kind="truncated",
            )
        if isinstance(exc, InstructorRetryException) or isinstance(root, ValidationError):
            return LLMError(
                f"the reply did not fit the schema after {self.settings.max_reasks} re-asks: "
                f"{_validation_summary(root)}",
                kind="validation",
            )
        return LLMError(f"{type(root).__name__}: {_short(str(root))}", kind="other")

    async def room(self) -> None:
        await self.gate.room()

    async def aclose(self) -> None:
        await self._openai.close()
        if self.cache is not None:
            self.cache.close()


_MODE_WORDS = {
    "json_schema": ("schema", "response_format", "json", "grammar", "structured"),
    "tools": ("tool", "function"),
    "json": ("response_format", "json_object"),
}


def _refuses_mode(mode: str, status: int, body: str) -> bool:
    """The endpoint refused the structured-output mode itself. A 400 or 422 in json_schema
    mode is one; any other status is one only when its message names the mode's machinery,
    so a streak of transient 500s is reported as what it is."""
    if status not in (400, 422, 500, 501):
        return False
    if mode == "json_schema" and status in (400, 422):
        return True
    return any(w in body.lower() for w in _MODE_WORDS.get(mode, ()))


def _window_of(exc: openai.APIStatusError) -> Window | None:
    return stated_window(_error_message(exc), exc.body)


def _validation_summary(exc: BaseException) -> str:
    """``findings.3.quote: Field required; …`` instead of pydantic's multi-line text with URLs."""
    if isinstance(exc, ValidationError):
        parts = [
            f"{'.'.join(str(p) for p in e['loc']) or 'reply'}: {e['msg']}" for e in exc.errors()
        ]
        return _short("; ".join(parts))
    return _short(str(exc))


def _error_message(exc: openai.APIStatusError) -> str:
    body = exc.body
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and inner.get("message"):
            return str(inner["message"])
        if isinstance(inner, str):
            return inner
    return str(exc.message)


def _completion(raw: bytes) -> ChatCompletion:
    """The reply as a ``ChatCompletion``: validated in one pass when it is a complete one (the
    SDK's own reading walks it in Python, ~1 ms a call), else built leniently as the SDK
    would, since a local server may leave fields out."""
    try:
        return ChatCompletion.model_validate_json(raw)
    except ValidationError:
        pass
    try:
        data = json.loads(raw)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        text = _short(raw.decode("utf-8", "replace"))
        raise LLMError(f"the endpoint's reply is not a JSON object: {text}", kind="other")
    return ChatCompletion.construct(**data)


def _short(text: str, limit: int = 240) -> str:
    one_line = " ".join(text.split())
    return one_line if len(one_line) <= limit else one_line[: limit - 1] + "…"
