"""A SQLite cache of model responses, keyed by the exact request.

A second run over the same input with the same settings costs zero calls; any change to the
model, messages, schema, mode, temperature or output cap is a different key.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from platformdirs import user_cache_dir

from extractor.errors import StoreError


def default_cache_path() -> Path:
    env = os.environ.get("EXTRACTOR_CACHE")
    if env:
        return Path(env)
    return Path(user_cache_dir("extractor")) / "responses.db"


def open_cache(option: bool | str | os.PathLike[str]) -> ResponseCache | None:
    """The cache an option asks for: True for the default, a path, or False for none."""
    if option is False:
        return None
    return ResponseCache(default_cache_path() if option is True else Path(option))


# keys of a request that say how it travels, not what it asks
TRANSPORT_KEYS = frozenset({"timeout", "extra_headers", "stream"})


def sent_body(request: dict[str, Any]) -> dict[str, Any]:
    """The request as a server sees it: without ``TRANSPORT_KEYS``."""
    return {k: v for k, v in request.items() if k not in TRANSPORT_KEYS}


def request_key(request: dict[str, Any], endpoint: str | None = None) -> str:
    """sha256 of the request as sent (transport-only keys removed, order-independent) and of
    the endpoint it goes to: one model name on two servers is two models."""
    keep = sent_body(request)
    keep["__endpoint__"] = endpoint_id(endpoint)
    blob = json.dumps(keep, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def endpoint_id(base_url: str | None) -> str:
    """The endpoint as one string: scheme, host, port and path, without a trailing slash."""
    return (base_url or "https://api.openai.com/v1").strip().rstrip("/").lower()


class ResponseCache:
    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS responses ("
                "key TEXT PRIMARY KEY, model TEXT, response TEXT NOT NULL, created REAL)"
            )
            self._db.commit()
        except (OSError, sqlite3.Error) as e:
            raise StoreError(
                f"cannot open the response cache {self.path}: {e}; pass --cache PATH or --no-cache"
            ) from e

    def get(self, key: str) -> dict[str, Any] | None:
        with self._lock:
            row = self._db.execute(
                "SELECT response FROM responses WHERE key = ?", (key,)
            ).fetchone()
        return json.loads(row[0]) if row else None

    def put(self, key: str, model: str, response: dict[str, Any]) -> None:
        blob = json.dumps(response, ensure_ascii=False)
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO responses (key, model, response, created) VALUES (?,?,?,?)",
                (key, model, blob, time.time()),
            )
            self._db.commit()

    def __len__(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT count(*) FROM responses").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._db.close()
