"""``extractor review``: the review page of a report, or of every report in a results database."""

from __future__ import annotations

from pathlib import Path

import click

from extractor.cli._common import handle_errors, say

__all__ = ["review"]


@click.command("review")
@click.argument("report", required=False, type=click.Path(path_type=Path, dir_okay=False))
@click.option("--db", type=click.Path(path_type=Path, dir_okay=False), help="A results database.")
@click.option("--doc", help="Only this document of the database (its doc_id).")
@click.option(
    "--output", "-o", type=click.Path(path_type=Path), required=True,
    help="The page to write (REPORT), or the folder of pages and index.html (--db).",
)  # fmt: skip
def review(report: Path | None, db: Path | None, doc: str | None, output: Path) -> None:
    """Write a self-contained HTML page that shows every fact in its sentence.

    \b
      extractor review report.json -o page.html
      extractor review --db results.db -o review/
    """
    from extractor.errors import UsageError

    with handle_errors():
        if (report is None) == (db is None):
            raise UsageError("give a report JSON file or --db results.db, not both or neither")
        if report is not None:
            from extractor.cli import _read_report
            from extractor.review import write_review

            if doc is not None:
                raise UsageError("--doc picks a document of --db; a report file is one already")
            say(f"wrote {write_review(_read_report(report), output)}")
            return
        from extractor.review import write_site

        assert db is not None
        written = write_site(db, output, doc=doc)
        say(f"wrote {len(written) - 1} pages and {written[0]}")
