"""One error family for the whole package.

Every error a user can cause or meet carries the context needed to act on it, and renders as
one line (``str(err)``) so the CLI never has to show a traceback.
"""

from __future__ import annotations


class ExtractorError(Exception):
    """Base class. ``exit_code`` is what the CLI exits with."""

    exit_code = 1

    def __init__(self, message: str, **context: object) -> None:
        super().__init__(message)
        self.message = message
        self.context = context

    def __str__(self) -> str:
        return self.message


class UsageError(ExtractorError):
    """The caller asked for something that cannot work as asked (bad option, bad setting)."""

    exit_code = 2


class InputError(ExtractorError):
    """A document could not be read: missing, empty, binary, undecodable, unsupported."""

    def __init__(self, path: str | None, problem: str, *, kind: str = "unreadable") -> None:
        # kind: unreadable | empty | too_large | unsupported (what a caller such as the
        # service answers with)
        where = f"{path}: " if path else ""
        super().__init__(f"{where}{problem}", path=path, problem=problem, kind=kind)
        self.path = path
        self.problem = problem
        self.kind = kind


class ConfigError(UsageError):
    """An endpoint, model or mode setting is missing or wrong."""


class LLMError(ExtractorError):
    """A model call failed after the transport retries and the re-asks allowed."""

    def __init__(self, message: str, *, kind: str = "llm", status: int | None = None) -> None:
        super().__init__(message, kind=kind, status=status)
        self.kind = kind
        self.status = status


class ModeRefusedError(LLMError):
    """The server refused the structured-output mode (llama.cpp answers json_schema with 500)."""


class ExtractionError(ExtractorError):
    """A whole document could not be extracted (every section failed, or nothing to extract)."""


class StoreError(ExtractorError):
    """The SQLite store could not be opened, migrated or written."""


class GoldError(ExtractorError):
    """A gold file does not follow the contract."""
