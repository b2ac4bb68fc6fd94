"""``extractor serve``: the extraction service over a results database."""

from __future__ import annotations

import os
from pathlib import Path

import click

from extractor.cli._common import handle_errors, say
from extractor.cli._options import model_options
from extractor.options import ExtractOptions

__all__ = ["serve"]


@click.command("serve")
@click.option(
    "--db",
    type=click.Path(path_type=Path, dir_okay=False),
    required=True,
    help="The results database the service stores into and reads from.",
)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--token",
    envvar="EXTRACTOR_TOKEN",
    help="Require Authorization: Bearer TOKEN "
    "on every route but /healthz.  [env var: EXTRACTOR_TOKEN]",
)
@click.option(
    "--max-jobs",
    default=2,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Jobs extracted at once.",
)
@click.option(
    "--sync-chars",
    default=20_000,
    show_default=True,
    type=click.IntRange(0),
    help="Texts up to this long are answered at once; longer ones become jobs.",
)
@model_options
def serve(db: Path, host: str, port: int, token: str | None, max_jobs: int, sync_chars: int,
          opts: ExtractOptions) -> None:  # fmt: skip
    """Serve extraction over HTTP: POST /v1/extract, GET /v1/jobs/ID, /v1/reports/DOC_ID,
    /v1/panel; OpenAPI at /docs."""
    from extractor import service

    with handle_errors():
        config = service.settings(
            db=os.fspath(db), options=opts, token=token or None, max_jobs=max_jobs,
            max_mb=opts.max_mb, sync_chars=sync_chars,
        )  # fmt: skip
        from extractor.storage import Store

        with Store(db):
            pass  # a bad database path fails here, in one line, before the server starts
        if host not in ("127.0.0.1", "localhost", "::1") and token is None:
            say("warning: serving beyond this machine without --token: anyone can extract")
        service.serve(config, host=host, port=port)
