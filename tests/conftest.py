from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.fakeserver import FakeLLM


@pytest.fixture
def fake_llm(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeLLM]:
    """A loopback OpenAI-compatible server, fresh for each test; stopped afterwards."""
    for var in ("NO_PROXY", "no_proxy"):  # never send loopback traffic through a proxy
        monkeypatch.setenv(var, ",".join(filter(None, [os.environ.get(var), "127.0.0.1"])))
    server = FakeLLM()
    try:
        yield server
    finally:
        server.close()
