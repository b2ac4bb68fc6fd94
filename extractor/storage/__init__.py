"""The results store (``Store``), its tables (row models in ``_rows``, each declared once) and
the migration runner every SQLite file of the project uses (``apply_migrations``)."""

from extractor.storage._migrations import Migration, MigrationError, apply_migrations
from extractor.storage._rows import FactRow, FindingRow, ReportRow, Row, RunRow, SectionRow
from extractor.storage._store import MIGRATIONS, Store, failure_id, report_id

__all__ = [
    "MIGRATIONS",
    "FactRow",
    "FindingRow",
    "Migration",
    "MigrationError",
    "ReportRow",
    "Row",
    "RunRow",
    "SectionRow",
    "Store",
    "apply_migrations",
    "failure_id",
    "report_id",
]
