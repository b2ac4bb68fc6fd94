"""A loopback OpenAI-compatible chat-completions server for offline tests.

Real HTTP on 127.0.0.1 (a random free port), stdlib only: a ``ThreadingHTTPServer`` runs in a
daemon thread and answers ``POST /v1/chat/completions`` from a FIFO queue of scripted
:class:`Reply` objects (or from ``responder`` when the queue is empty). Every wait is bounded,
so the server always stops by itself.

    fake = FakeLLM()                       # or the ``fake_llm`` pytest fixture
    fake.script(json_reply({"a": 1}), Reply(status=429, headers={"Retry-After": "1"}))
    client = openai.OpenAI(base_url=fake.base_url, api_key="x")
    ...
    fake.close()
"""

from __future__ import annotations

import contextlib
import itertools
import json
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

__all__ = ["MAX_DELAY", "FakeLLM", "Reply", "json_reply", "md_json_reply", "tool_reply"]

MAX_DELAY = 30.0  # cap on Reply.delay, seconds
IDLE_TIMEOUT = 60.0  # an idle keep-alive connection is closed after this many seconds
MAX_BODY = 64 * 1024 * 1024  # refuse request bodies above this size

_ERROR_TYPES: dict[int, tuple[str, str | None]] = {
    400: ("invalid_request_error", None),
    401: ("authentication_error", "invalid_api_key"),
    403: ("permission_error", None),
    404: ("not_found_error", "model_not_found"),
    408: ("timeout", None),
    409: ("conflict", None),
    422: ("invalid_request_error", None),
    429: ("rate_limit_exceeded", "rate_limit_exceeded"),
}


@dataclass
class Reply:
    """One scripted response."""

    content: str | None = None  # assistant message text (json / md_json modes)
    tool_args: str | dict[str, Any] | None = None  # tools mode: dict → json.dumps, str sent raw
    status: int = 200  # e.g. 429, 500, 400
    headers: dict[str, str] = field(default_factory=dict)  # e.g. {"Retry-After": "1"}
    body: str | None = None  # raw body override (any status), e.g. error JSON or garbage
    delay: float = 0.0  # seconds to sleep before answering (capped at MAX_DELAY)
    # count ``delay`` from the request's arrival, not from the reply being ready: a fixed
    # latency however long the responder (and this process's GIL) took
    from_arrival: bool = False
    drop: bool = False  # close the socket without any HTTP response (after ``delay``)
    prompt_tokens: int = 100
    completion_tokens: int = 20
    tool_name: str | None = None  # override the tool name taken from the request
    finish_reason: str | None = None  # override ("length" to simulate truncation)


def json_reply(obj: Any) -> Reply:
    """A content reply carrying ``obj`` as JSON text (json mode)."""
    return Reply(content=json.dumps(obj, ensure_ascii=False))


def md_json_reply(obj: Any) -> Reply:
    """A content reply carrying ``obj`` as JSON inside ```json fences (md_json mode)."""
    return Reply(content="```json\n" + json.dumps(obj, ensure_ascii=False, indent=2) + "\n```")


def tool_reply(obj: Any) -> Reply:
    """A tool-call reply whose function arguments are ``obj`` (tools mode)."""
    return Reply(tool_args=obj if isinstance(obj, str | dict) else json.dumps(obj))


def requested_tool_name(request: dict[str, Any]) -> str | None:
    """The tool the request asks for: tool_choice.function.name, else tools[0].function.name."""
    choice = request.get("tool_choice")
    if isinstance(choice, dict):
        fn = choice.get("function")
        if isinstance(fn, dict) and isinstance(fn.get("name"), str):
            return fn["name"]
    tools = request.get("tools")
    if isinstance(tools, list) and tools and isinstance(tools[0], dict):
        fn = tools[0].get("function")
        if isinstance(fn, dict) and isinstance(fn.get("name"), str):
            return fn["name"]
    return None


def completion_body(request: dict[str, Any], reply: Reply, seq: int) -> dict[str, Any]:
    """A valid OpenAI ChatCompletion object for a 200 ``reply`` to ``request``."""
    message: dict[str, Any] = {
        "role": "assistant",
        "content": reply.content,
        "refusal": None,
        "tool_calls": None,
    }
    if reply.tool_args is not None:
        args = reply.tool_args
        message["tool_calls"] = [
            {
                "id": "call_1",
                "type": "function",
                "function": {
                    "name": reply.tool_name or requested_tool_name(request) or "tool",
                    "arguments": args if isinstance(args, str) else json.dumps(args),
                },
            }
        ]
    finish = reply.finish_reason or ("tool_calls" if reply.tool_args is not None else "stop")
    return {
        "id": f"chatcmpl-fake-{seq}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": request.get("model") or "fake",
        "system_fingerprint": None,
        "choices": [{"index": 0, "message": message, "finish_reason": finish, "logprobs": None}],
        "usage": {
            "prompt_tokens": reply.prompt_tokens,
            "completion_tokens": reply.completion_tokens,
            "total_tokens": reply.prompt_tokens + reply.completion_tokens,
        },
    }


def error_body(status: int, message: str | None = None) -> dict[str, Any]:
    """An OpenAI-style error object."""
    kind, code = _ERROR_TYPES.get(status, ("server_error" if status >= 500 else "api_error", None))
    return {
        "error": {
            "message": message or f"fake server: HTTP {status}",
            "type": kind,
            "param": None,
            "code": code,
        }
    }


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # FakeLLM.close() ends open connections itself, with a bound
    allow_reuse_address = True
    # socketserver's 5: more connections opened at once wait out a SYN-ACK retransmit
    request_queue_size = 128
    fake: FakeLLM

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients hang up on purpose (timeouts, drops); tracebacks would only be noise.
        pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like the real API
    timeout = IDLE_TIMEOUT
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def setup(self) -> None:
        super().setup()
        # as real servers do: without it, the body written after the headers waits for the
        # client's delayed ACK, ~40 ms a response on Linux
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.fake._track(self.connection, add=True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.fake._track(self.connection, add=False)

    # -- plumbing -----------------------------------------------------------------------------

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            raise ValueError("request body too large")
        return self.rfile.read(length) if length > 0 else b""

    def _headers(self) -> dict[str, str]:
        """Request headers with lower-case names (HTTP names are case-insensitive)."""
        return {k.lower(): v for k, v in self.headers.items()}

    def _send(self, status: int, body: str | bytes, headers: dict[str, str] | None = None) -> None:
        data = body.encode("utf-8") if isinstance(body, str) else body
        given = {k.lower() for k in (headers or {})}
        try:
            self.send_response(status)
            if "content-type" not in given:
                self.send_header("Content-Type", "application/json")
            if "x-request-id" not in given:
                self.send_header("x-request-id", f"req_fake_{id(self):x}")
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except OSError:  # the client went away (e.g. it timed out first)
            self.close_connection = True

    def _send_json(self, status: int, obj: Any, headers: dict[str, str] | None = None) -> None:
        self._send(status, json.dumps(obj, ensure_ascii=False), headers)

    def _drop(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)
        with contextlib.suppress(OSError):
            self.connection.close()

    # -- routes -------------------------------------------------------------------------------

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0].rstrip("/")
        self.server.fake._record(path, self._headers(), None)
        if path in ("/v1/models", "/models"):
            model = {"id": "fake", "object": "model", "created": 0, "owned_by": "fake"}
            self._send_json(200, {"object": "list", "data": [model]})
        elif path.startswith("/v1/batches/") and path[12:] in self.server.fake.batches:
            self._send_json(200, self.server.fake.batches[path[12:]])
        elif path.startswith("/v1/files/") and path.endswith("/content"):
            data = self.server.fake.files.get(path[10:-8])
            if data is None:
                self._send_json(404, error_body(404, f"fake server: no file {path}"))
            else:
                self._send(200, data, {"Content-Type": "application/octet-stream"})
        else:
            self._send_json(404, error_body(404, f"fake server: no route GET {path}"))

    def do_POST(self) -> None:
        arrived = time.monotonic()
        fake = self.server.fake
        path = self.path.split("?", 1)[0].rstrip("/")
        try:
            raw = self._read_body()
        except (OSError, ValueError):
            self.close_connection = True
            return
        try:
            request: Any = json.loads(raw) if raw else None
        except ValueError:
            request = None
        headers = self._headers()

        if path == "/v1/files":
            fake._record(path, headers, None)
            self._send_json(200, fake._upload(raw, headers.get("content-type", "")))
            return
        if path == "/v1/batches" and isinstance(request, dict):
            fake._record(path, headers, request)
            self._send_json(200, fake._run_batch(request))
            return
        if path not in ("/v1/chat/completions", "/chat/completions"):
            fake._record(path, headers, request)
            self._send_json(404, error_body(404, f"fake server: no route POST {path}"))
            return
        if not isinstance(request, dict):
            fake._record(path, headers, request)
            self._send_json(400, error_body(400, "fake server: request body is not a JSON object"))
            return

        seq, reply = fake._next(path, headers, request)
        if reply is None:
            self._send_json(500, error_body(500, "fake server: no scripted reply"))
            return
        delay = reply.delay - (time.monotonic() - arrived if reply.from_arrival else 0.0)
        if delay > 0:
            fake._stopping.wait(min(delay, MAX_DELAY))
        if reply.drop or fake._stopping.is_set():  # closing: hang up instead of answering
            self._drop()
            return
        if reply.body is not None:
            self._send(reply.status, reply.body, reply.headers)
        elif reply.status == 200:
            self._send_json(200, completion_body(request, reply, seq), reply.headers)
        else:
            self._send_json(reply.status, error_body(reply.status), reply.headers)


class FakeLLM:
    """The loopback server: starts on construction; ``close()`` or ``with`` stops it."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.requests: list[dict[str, Any]] = []
        self.responder: Callable[[dict[str, Any]], Reply] | None = None
        self.errors: list[str] = []  # exceptions raised by ``responder``, as text
        self.connections_opened = 0  # TCP connections clients opened, over the server's life
        # the Batch API: uploaded files and batches, run at once through ``responder``
        self.files: dict[str, bytes] = {}
        self.batches: dict[str, dict[str, Any]] = {}
        self._queue: deque[Reply] = deque()
        self._lock = threading.Lock()
        self._seq = itertools.count(1)
        self._connections: set[socket.socket] = set()
        self._stopping = threading.Event()
        self._closed = False
        self._server = _Server((host, 0), _Handler)
        self._server.fake = self
        port = self._server.server_address[1]
        self.base_url = f"http://{host}:{port}/v1"
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"fake-llm-{port}",
            daemon=True,
        )
        self._thread.start()

    # -- scripting ----------------------------------------------------------------------------

    def script(self, *replies: Reply) -> None:
        """Queue replies; they are served first in, first out."""
        with self._lock:
            self._queue.extend(replies)

    @property
    def pending(self) -> int:
        """Scripted replies not yet served."""
        with self._lock:
            return len(self._queue)

    @property
    def calls(self) -> int:
        """Number of chat-completions requests received."""
        with self._lock:
            return sum(1 for r in self.requests if r["path"].endswith("/chat/completions"))

    @property
    def chat_requests(self) -> list[dict[str, Any]]:
        """The JSON bodies of the chat-completions requests, in arrival order."""
        with self._lock:
            return [r["json"] for r in self.requests if r["path"].endswith("/chat/completions")]

    def reset(self) -> None:
        """Forget queued replies, recorded requests, errors and the responder."""
        with self._lock:
            self._queue.clear()
            self.requests.clear()
            self.errors.clear()
            self.responder = None

    # -- lifecycle ----------------------------------------------------------------------------

    def close(self) -> None:
        """Stop serving, wake sleeping handlers and end open connections (bounded)."""
        if self._closed:
            return
        self._closed = True
        self._stopping.set()
        self._server.shutdown()  # returns within one poll interval
        self._server.server_close()
        with self._lock:
            conns = list(self._connections)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        self._thread.join(timeout=5)

    def __enter__(self) -> FakeLLM:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"FakeLLM({self.base_url!r}, calls={self.calls}, pending={self.pending})"

    # -- used by the handler ------------------------------------------------------------------

    def _upload(self, raw: bytes, content_type: str) -> dict[str, Any]:
        """A multipart upload (files.create): keep the file, answer a FileObject."""
        from email.parser import BytesParser
        from email.policy import HTTP

        message = BytesParser(policy=HTTP).parsebytes(
            b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + raw
        )
        data, name = b"", "upload.jsonl"
        for part in message.iter_parts():
            if part.get_param("name", header="content-disposition") == "file":
                data = part.get_payload(decode=True) or b""
                name = part.get_filename() or name
        file_id = f"file-{len(self.files) + 1}"
        self.files[file_id] = data
        return {"id": file_id, "object": "file", "bytes": len(data), "created_at": 0,
                "filename": name, "purpose": "batch", "status": "processed"}  # fmt: skip

    def _run_batch(self, request: dict[str, Any]) -> dict[str, Any]:
        """batches.create: every line of the input file answered by ``responder`` now."""
        lines = [json.loads(x) for x in self.files[request["input_file_id"]].splitlines() if x]
        out = []
        for k, line in enumerate(lines):
            reply = self.responder(line["body"]) if self.responder else Reply(status=500)
            body = completion_body(line["body"], reply, k)
            out.append({"id": f"batch_req_{k}", "custom_id": line["custom_id"],
                        "response": {"status_code": 200, "request_id": f"r{k}", "body": body},
                        "error": None})  # fmt: skip
        output_id = f"file-{len(self.files) + 1}"
        self.files[output_id] = "\n".join(json.dumps(x) for x in out).encode()
        batch_id = f"batch_{len(self.batches) + 1}"
        self.batches[batch_id] = {
            "id": batch_id, "object": "batch", "endpoint": request["endpoint"],
            "input_file_id": request["input_file_id"], "completion_window": "24h",
            "status": "completed", "output_file_id": output_id, "error_file_id": None,
            "created_at": 0,
            "request_counts": {"total": len(lines), "completed": len(lines), "failed": 0},
        }  # fmt: skip
        return self.batches[batch_id]

    def _track(self, conn: socket.socket, *, add: bool) -> None:
        with self._lock:
            if add:
                self._connections.add(conn)
                self.connections_opened += 1
            else:
                self._connections.discard(conn)

    def _record(self, path: str, headers: dict[str, str], body: Any) -> None:
        with self._lock:
            self.requests.append(
                {"path": path, "headers": headers, "json": body, "time": time.monotonic()}
            )

    def _next(
        self, path: str, headers: dict[str, str], request: dict[str, Any]
    ) -> tuple[int, Reply | None]:
        """Record a chat request and pick its reply (queue first, then the responder)."""
        with self._lock:
            self.requests.append(
                {"path": path, "headers": headers, "json": request, "time": time.monotonic()}
            )
            seq = next(self._seq)
            if self._queue:
                return seq, self._queue.popleft()
            responder = self.responder
        if responder is None:
            return seq, None
        try:
            return seq, responder(request)
        except Exception as exc:  # surface it as a 500 the test can see in .errors
            message = f"fake server: responder raised {type(exc).__name__}: {exc}"
            with self._lock:
                self.errors.append(message)
            return seq, Reply(status=500, body=json.dumps(error_body(500, message)))
