"""Named migrations, applied in order, each recorded in ``_migrations``: one runner for every
SQLite file the project writes (the results store, the evaluation history)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime

from sqlite_utils import Database

Migration = tuple[str, Callable[[Database], None]]


class MigrationError(Exception):
    def __init__(self, name: str, cause: sqlite3.Error) -> None:
        super().__init__(f"migration {name} failed: {cause}")


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def apply_migrations(db: Database, steps: list[Migration]) -> list[str]:
    """Apply pending migrations in order; each runs in its own transaction with its record, so
    a failed step leaves the file at the previous step. Returns the names applied now."""
    db.table("_migrations").create({"name": str, "applied_at": str}, pk="name", if_not_exists=True)
    done = {row["name"] for row in db.table("_migrations").rows}
    applied: list[str] = []
    for name, step in steps:
        if name in done:
            continue
        try:
            with db.atomic():
                step(db)
                db.table("_migrations").insert({"name": name, "applied_at": now()})
        except sqlite3.Error as e:
            raise MigrationError(name, e) from e
        applied.append(name)
    return applied
