"""``extractor export``: a table of a results database as CSV, JSON lines, Excel or Parquet."""

from __future__ import annotations

from pathlib import Path

import click

from extractor.cli._common import handle_errors, say

__all__ = ["export"]

_TABLES = ("panel", "facts", "findings", "reports")
_FORMATS = ("csv", "jsonl", "xlsx", "parquet")


@click.command("export")
@click.argument("db", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--table", "-t", type=click.Choice(_TABLES), default="panel", show_default=True,
    help="What to export (of the current reports only).",
)  # fmt: skip
@click.option(
    "--format", "fmt", type=click.Choice(_FORMATS),
    help="Output format (default: from the file's suffix).",
)  # fmt: skip
@click.option(
    "--output", "-o", required=True, help="File to write (- for stdout, csv and jsonl only)."
)
@click.option("--status", help="Only figures with this check status (e.g. verified).")
@click.option("--indicator", help="Only this indicator (a catalogue key, e.g. pm25_annual_mean).")
@click.option("--region", help="Only this region (e.g. 安阳市).")
@click.option("--wide", is_flag=True, help="The panel as regions × periods (one indicator).")
def export(
    db: Path,
    table: str,
    fmt: str | None,
    output: str,
    status: str | None,
    indicator: str | None,
    region: str | None,
    wide: bool,
) -> None:
    """Export the panel, facts, findings or reports of a results database, with the quote,
    span and check status behind every figure."""
    from extractor.export import export as run_export

    with handle_errors():
        n = run_export(
            db, table, output, fmt=fmt, status=status, indicator=indicator, region=region,
            wide_form=wide,
        )  # fmt: skip
        if output != "-":
            say(f"{n} rows → {output}")
