"""The review pages of a results database: one page per current report, and an index."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from extractor.errors import InputError, UsageError
from extractor.review._page import render_index, render_report, status_of


def _open(db: str | os.PathLike[str]) -> Any:
    from extractor.storage import Store

    if not Path(db).is_file():
        raise InputError(os.fspath(db), "no results database here: run `extractor batch` first")
    return Store(db)


def write_site(
    db: str | os.PathLike[str], out: str | os.PathLike[str], *, doc: str | None = None
) -> list[Path]:
    """Write DIR/index.html and DIR/DOC_ID.html for every current report of ``db`` (or only
    ``doc``, a doc_id or report id); the paths written."""
    folder = Path(out)
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"{folder} is a file: give a folder for the review pages (-o DIR)")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise UsageError(f"cannot make the folder {folder}: {e.strerror or e}") from e
    written: list[Path] = []
    rows: list[dict[str, Any]] = []
    with _open(db) as store:
        current = list(store.db.query("SELECT * FROM current_reports ORDER BY path, doc_id"))
        failed = list(store.db.query("SELECT * FROM reports WHERE status = 'failed'"))
        if doc is not None:
            current = [r for r in current if doc in (r["doc_id"], r["id"])]
            if not current:
                raise UsageError(
                    f"{db} holds no current report with id {doc}: "
                    f"see `extractor export {db} -t reports`"
                )
            failed = []
        for row in current:
            report = store.load_report(row["id"])
            page = folder / f"{report.doc_id}.html"
            page.write_text(render_report(report, back="index.html"), encoding="utf-8")
            written.append(page)
            counts = {s: 0 for s in ("verified", "flagged", "unverifiable")}
            for f in report.facts:
                counts[status_of(f)] = counts.get(status_of(f), 0) + 1
            rows.append({
                "page": page.name, "title": report.meta.title or row["path"] or report.doc_id,
                "path": row["path"], "region": report.meta.region, "period": report.meta.period,
                "facts": len(report.facts), **counts,
                "failed_sections": sum(s.status == "failed" for s in report.sections),
                "error": None,
            })  # fmt: skip
        for row in failed:
            rows.append({
                "page": None, "title": row["path"] or row["id"], "path": row["path"],
                "region": None, "period": None, "facts": 0, "verified": 0, "flagged": 0,
                "unverifiable": 0, "failed_sections": 0, "error": row["error"],
            })  # fmt: skip
    index = folder / "index.html"
    index.write_text(render_index(rows, os.fspath(db)), encoding="utf-8")
    return [index, *written]
