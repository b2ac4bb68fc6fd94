"""The store's views: what an analyst reads without writing SQL.

* ``current_reports``: one row per source, its newest stored version (superseded versions and
  failures are history, out of every view).
* ``panel``: region × period × area × indicator → value, with the quote, span and check status
  behind each figure, over current reports only.
* ``panel_conflicts``: the panel rows of every region, period, area and indicator stated with
  more than one standardized value (by different reports, or places of one): shown side by
  side, never averaged or picked.
"""

from __future__ import annotations

from sqlite_utils import Database

__all__ = ["PANEL_COLUMNS", "VIEWS", "create_views"]

_CURRENT_REPORTS = """
SELECT id, doc_id, config, path, source_key, status, error, title, doc_type, issuer, region,
       period, issued_on, chars, encoding, n_facts, n_problems, n_recommendations,
       failed_sections, created_at, updated_at
FROM reports
WHERE status IN ('ok', 'incomplete') AND superseded_by IS NULL
"""

_PANEL = """
SELECT r.region AS region,
       COALESCE(f.period, r.period) AS period,
       f.area AS area,
       f.indicator AS indicator,
       f.qualifier AS qualifier,
       f.subject AS subject,
       f.value AS value,
       f.unit AS unit,
       f.value_std AS value_std,
       f.unit_std AS unit_std,
       f.change_basis AS change_basis,
       f.change_value AS change_value,
       f.change_unit AS change_unit,
       f.check_status AS status,
       f.is_target AS is_target,
       r.doc_id AS doc_id,
       r.id AS report_id,
       r.path AS path,
       f.quote AS quote,
       f.span_start AS span_start,
       f.span_end AS span_end,
       f.id AS fact_id
FROM facts f JOIN current_reports r ON r.id = f.report_id
WHERE f.indicator IS NOT NULL AND f.value IS NOT NULL
"""

# One quantity is an indicator with its qualifiers; targets are compared with targets and
# actual figures with actual figures; a value in 天 is not compared with one in %.
_PANEL_CONFLICTS = """
SELECT p.*, g.n_values AS n_values
FROM panel p JOIN (
    SELECT region, period, area, indicator, qualifier, is_target, unit_std,
           COUNT(DISTINCT value_std) AS n_values
    FROM panel
    GROUP BY region, period, area, indicator, qualifier, is_target, unit_std
    HAVING COUNT(DISTINCT value_std) > 1
) g ON p.region IS g.region AND p.period IS g.period AND p.area IS g.area
   AND p.indicator = g.indicator AND p.qualifier IS g.qualifier
   AND p.is_target = g.is_target AND p.unit_std IS g.unit_std
"""

VIEWS: dict[str, str] = {
    "current_reports": _CURRENT_REPORTS,
    "panel": _PANEL,
    "panel_conflicts": _PANEL_CONFLICTS,
}

PANEL_COLUMNS = (
    "region", "period", "area", "indicator", "qualifier", "subject", "value", "unit", "value_std",
    "unit_std", "change_basis", "change_value", "change_unit", "status", "is_target", "doc_id",
    "report_id", "path", "quote", "span_start", "span_end", "fact_id",
)  # fmt: skip


def create_views(db: Database) -> None:
    """(Re)create every view: a view is dropped first, so a migration may redefine it."""
    for name in reversed(VIEWS):
        db.execute(f"DROP VIEW IF EXISTS {name}")
    for name, sql in VIEWS.items():
        db.execute(f"CREATE VIEW {name} AS {sql}")
