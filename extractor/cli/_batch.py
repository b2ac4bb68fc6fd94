"""``extractor batch``: folders of reports into a results database, resumably.

``extractor batch DIR --db results.db`` runs the batch (``run`` is the default command), so
the group can hold the commands that prepare and read batches made elsewhere.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from extractor.cli._common import announce, handle_errors, say
from extractor.cli._options import model_options

if TYPE_CHECKING:
    from extractor.batch._files import FileRound
    from extractor.options import ExtractOptions

__all__ = ["batch_group"]


class _DefaultRun(click.Group):
    """A group whose first argument, when it names no command, is the ``run`` command's."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("-h", "--help"):
            args = ["run", *args]
        return super().parse_args(ctx, args)


@click.group("batch", cls=_DefaultRun)
def batch_group() -> None:
    """Extract every report in folders, globs or files into a SQLite database (resumable):
    extractor batch DIR --db results.db."""


@batch_group.command("run")
@click.argument("inputs", nargs=-1, required=True)
@click.option(
    "--db",
    type=click.Path(path_type=Path, dir_okay=False),
    required=True,
    help="SQLite file to store results in (created if missing).",
)
@model_options
@click.option(
    "--docs", type=click.IntRange(min=1), default=2, show_default=True, help="Documents at once."
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Processes for the rules backend and the checker (CPU-bound).",
)
@click.option("--force", is_flag=True, help="Re-extract documents already stored.")
@click.option("--retry-failed", is_flag=True, help="Retry documents that failed whole.")
@click.option("--quiet", "-q", is_flag=True, help="No progress, only the summary.")
def batch_run(
    inputs: tuple[str, ...],
    db: Path,
    opts: ExtractOptions,
    docs: int,
    workers: int,
    force: bool,
    retry_failed: bool,
    quiet: bool,
) -> None:
    """Extract every report in folders, globs or files into a SQLite database (resumable).

    A stored document is skipped; a document stored incomplete (some sections failed) has
    those sections retried; one that failed whole is retried with --retry-failed. The
    database opens in Datasette as it is: datasette results.db -m results.metadata.json.
    """
    from extractor.batch import BatchSettings, collect_inputs, run_batch
    from extractor.storage import Store
    from extractor.storage._datasette import write_datasette_metadata

    with handle_errors():
        announce(opts)
        paths = collect_inputs(list(inputs))
        settings = BatchSettings(
            doc_concurrency=docs,
            force=force,
            retry_failed=retry_failed,
            workers=workers,
            progress="quiet" if quiet else "auto",
        )
        with Store(db) as store:
            summary = run_batch(paths, store, opts, settings)
        meta = write_datasette_metadata(db)
        for item in summary.items:
            if item.status in ("failed", "incomplete"):
                say(f"{item.status} {item.path}: {item.error}")
        parts = [f"{summary.ok} stored"]
        if summary.incomplete:
            parts.append(f"{summary.incomplete} incomplete (rerun to retry their sections)")
        parts += [f"{summary.skipped} skipped", f"{summary.failed} failed"]
        if summary.calls:
            parts.append(f"{summary.calls} calls, {summary.tokens} tokens")
        if summary.cost is not None:
            parts.append(f"cost ≈ {summary.cost:.4f}")
        click.echo(f"{', '.join(parts)} → {db} ({summary.seconds:.1f} s)")
        say(f"browse: datasette {db} -m {meta}")
        if summary.failed and not (summary.ok or summary.incomplete or summary.skipped):
            raise SystemExit(1)


@batch_group.command("emit")
@click.argument("inputs", nargs=-1, required=True)
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    required=True,
    help="Folder for the request files and their manifest.",
)
@model_options
def batch_emit(inputs: tuple[str, ...], out: Path, opts: ExtractOptions) -> None:
    """Write the requests the model path would send as OpenAI Batch API JSONL (vllm run-batch
    reads it too); requests the response cache already answers are left out."""
    from extractor import aio
    from extractor.batch import collect_inputs
    from extractor.batch._files import aemit, endpoint_free

    with handle_errors():
        paths = collect_inputs(list(inputs))
        done = aio.run(aemit(paths, endpoint_free(opts), out))
        for f in done.files:
            click.echo(str(f))
        click.echo(f"{done.requests} requests for {done.pending} documents → {out}")


@batch_group.command("ingest")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path, exists=True))
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    required=True,
    help="The folder emit wrote (its manifest names the documents and options).",
)
@click.option(
    "--db",
    type=click.Path(path_type=Path, dir_okay=False),
    required=True,
    help="SQLite file to store the completed documents in.",
)
def batch_ingest(files: tuple[Path, ...], out: Path, db: Path) -> None:
    """Read a batch engine's output (OpenAI output or error files, vllm run-batch output),
    store every document it completes, and write the next request file for the rest."""
    from extractor import aio
    from extractor.batch._files import aingest
    from extractor.storage import Store

    with handle_errors():
        with Store(db) as store:
            done = aio.run(aingest(list(files), out, store))
        _ingested(done, db)


_OUT = click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    required=True,
    help="The folder emit wrote.",
)


@batch_group.command("submit")
@_OUT
@model_options
def batch_submit(out: Path, opts: ExtractOptions) -> None:
    """Upload the request files emit or ingest wrote and start an OpenAI batch for each."""
    from extractor.batch._remote import submit

    with handle_errors():
        started = submit(out, opts)
        for name, batch_id in started:
            click.echo(f"{name} → {batch_id}")
        click.echo(f"{len(started)} batches started; extractor batch status --out {out}")


@batch_group.command("status")
@_OUT
@model_options
def batch_status(out: Path, opts: ExtractOptions) -> None:
    """How each submitted batch is doing."""
    from extractor.batch._remote import status

    with handle_errors():
        for name, entry in status(out, opts).items():
            counts = entry.get("counts") or {}
            click.echo(
                f"{name}: {entry['status']} · {counts.get('completed', 0)}/"
                f"{counts.get('total', 0)} done, {counts.get('failed', 0)} failed"
            )


@batch_group.command("fetch")
@_OUT
@click.option(
    "--db",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Ingest what was fetched into this SQLite file at once.",
)
@model_options
def batch_fetch(out: Path, db: Path | None, opts: ExtractOptions) -> None:
    """Download the output of every finished batch (and ingest it with --db)."""
    from extractor import aio
    from extractor.batch._files import aingest
    from extractor.batch._remote import fetch
    from extractor.storage import Store

    with handle_errors():
        got = fetch(out, opts)
        for f in got:
            click.echo(str(f))
        if db is None:
            click.echo(f"{len(got)} files; extractor batch ingest FILES --out {out} --db DB")
            return
        with Store(db) as store:
            done = aio.run(aingest(got, out, store))
        _ingested(done, db)


def _ingested(done: FileRound, db: Path) -> None:
    """What an ingest did, for ``ingest`` and ``fetch --db``."""
    for f in done.files:
        click.echo(str(f))
    click.echo(
        f"{done.answered} answers read, {len(done.failed)} failed; {done.stored} documents "
        f"stored → {db}; {done.pending} waiting on {done.requests} requests"
    )
