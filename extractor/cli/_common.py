"""What every command shares: one-line errors with exit codes, and saying which backend runs."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import click

from extractor.errors import ExtractorError

if TYPE_CHECKING:
    from extractor.options import ExtractOptions

__all__ = ["announce", "handle_errors", "say"]


def say(message: str) -> None:
    click.echo(message, err=True)


@contextmanager
def handle_errors() -> Iterator[None]:
    try:
        yield
    except ExtractorError as e:
        say(f"error: {e}")
        raise SystemExit(e.exit_code) from None
    except KeyboardInterrupt:
        say("interrupted")
        raise SystemExit(130) from None
    except (SystemExit, click.exceptions.Exit, click.ClickException):
        raise
    except Exception as e:  # a bug of ours: still one line, traceback on request
        if os.environ.get("EXTRACTOR_DEBUG"):
            raise
        say(
            f"error: internal error {type(e).__name__}: {' '.join(str(e).split())} "
            "(set EXTRACTOR_DEBUG=1 for the traceback)"
        )
        raise SystemExit(1) from None


def announce(opts: ExtractOptions) -> str:
    """Resolve the backend, saying so when ``auto`` fell back to the offline rules."""
    backend = opts.resolved_backend()
    if opts.backend == "auto" and backend == "rules":
        say(
            "no model endpoint configured: using the offline rules backend "
            "(set OPENAI_BASE_URL or --base-url, and --model, to use a model)"
        )
    return backend
