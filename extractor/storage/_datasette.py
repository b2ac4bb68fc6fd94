"""Datasette metadata for a results database: what each table and column holds, facets on
indicator, region, period and status, and canned queries, so an analyst browses and filters
the panel without writing SQL.

    datasette results.db -m results.metadata.json
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

__all__ = ["datasette_metadata", "metadata_path", "write_datasette_metadata"]

_PANEL_COLUMNS = {
    "region": "the administrative division the report covers (GB/T 2260 name)",
    "period": "the period the figure is for: 2024, 2024-06, 2024-01/2024-06",
    "area": "the place within the region a figure is of (a county, a river section)",
    "indicator": "catalogue key, e.g. pm25_annual_mean, good_air_days",
    "qualifier": "the subject's words beyond the indicator's name (县级, 农村): another quantity",
    "subject": "what the report says the figure measures, in its words",
    "value": "the value as stated",
    "unit": "the unit as stated",
    "value_std": "the value in the indicator's base unit (万吨 → 吨)",
    "unit_std": "the base unit",
    "change_basis": "what a stated change is against (同比, 较2015年)",
    "change_value": "the stated change (a decrease is negative)",
    "change_unit": "the change's unit (%, 个百分点, 天)",
    "status": "the checker's verdict: verified, flagged or unverifiable",
    "is_target": "1 for a target or plan figure, 0 for an actual one",
    "doc_id": "the report's text hash",
    "report_id": "the report row",
    "path": "the file the report was read from",
    "quote": "the sentence the figure was read from",
    "span_start": "where the quote starts in the report's text (characters)",
    "span_end": "where it ends",
    "fact_id": "the fact row",
}
_PANEL_FACETS = ["indicator", "region", "period", "status"]


def metadata_path(db: str | os.PathLike[str]) -> Path:
    """``results.db`` → ``results.metadata.json`` beside it."""
    p = Path(db)
    return p.with_name(f"{p.stem}.metadata.json")


def datasette_metadata(db: str | os.PathLike[str]) -> dict[str, Any]:
    name = Path(db).stem
    panel = {"columns": _PANEL_COLUMNS, "facets": _PANEL_FACETS, "sort": "indicator"}
    tables: dict[str, Any] = {
        "panel": {
            "title": "Panel: region × period × indicator",
            "description": "One row per figure of every current report, with its quote.",
            **panel,
        },
        "panel_conflicts": {
            "title": "Panel conflicts",
            "description": "Figures of the same region, period, area and indicator stated "
            "with different values (by different reports, or places of one). Shown side by "
            "side; nothing is averaged or picked.",
            **panel,
            "columns": {**_PANEL_COLUMNS, "n_values": "how many different values"},
        },
        "current_reports": {
            "description": "One row per source file: its newest stored version.",
            "facets": ["status", "doc_type", "region", "period"],
        },
        "reports": {
            "description": "Every stored report, older versions and failures included.",
            "facets": ["status", "doc_type", "region"],
        },
        "facts": {
            "description": "Every fact of every stored report.",
            "facets": ["category", "indicator", "check_status", "origin"],
        },
        "findings": {
            "description": "Problems and recommendations the reports name.",
            "facets": ["kind", "category"],
        },
        "copies": {"description": "Files skipped because another file has the same text."},
        "sections": {"hidden": True},
        "runs": {"hidden": True},
        "_migrations": {"hidden": True},
    }
    queries = {
        "indicator_by_region_and_period": {
            "title": "One indicator by region and period (verified figures)",
            "sql": "SELECT region, period, area, value, unit, value_std, unit_std, quote, path "
            "FROM panel WHERE indicator = :indicator AND status = 'verified' "
            "AND is_target = 0 ORDER BY region, period, area",
        },
        "flagged_figures": {
            "title": "Figures the checker flagged, with their issues",
            "sql": "SELECT r.path, f.subject, f.value, f.unit, f.check_issues, f.quote "
            "FROM facts f JOIN current_reports r ON r.id = f.report_id "
            "WHERE f.check_status = 'flagged' ORDER BY r.path, f.idx",
        },
    }
    return {
        "title": "extractor results",
        "description": "Figures, problems and recommendations read from environmental "
        "reports; every figure with the sentence it came from.",
        "databases": {name: {"tables": tables, "queries": queries}},
    }


def write_datasette_metadata(db: str | os.PathLike[str]) -> Path:
    """Write the metadata beside the database; returns its path."""
    target = metadata_path(db)
    target.write_text(
        json.dumps(datasette_metadata(db), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    return target
