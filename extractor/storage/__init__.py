"""The results store (``Store``), its tables (row models in ``_rows``, each declared once) and
the migration runner every SQLite file of the project uses (``apply_migrations``)."""

from extractor.storage._migrations import Migration, MigrationError, apply_migrations
from extractor.storage._panel import PanelRow, panel
from extractor.storage._rows import (
    CopyRow,
    FactRow,
    FindingRow,
    JobRow,
    ReportRow,
    Row,
    RunRow,
    SectionRow,
)
from extractor.storage._store import MIGRATIONS, Store, failure_id, report_id, source_key
from extractor.storage._views import VIEWS

__all__ = [
    "MIGRATIONS",
    "VIEWS",
    "CopyRow",
    "FactRow",
    "FindingRow",
    "JobRow",
    "Migration",
    "MigrationError",
    "PanelRow",
    "ReportRow",
    "Row",
    "RunRow",
    "SectionRow",
    "Store",
    "apply_migrations",
    "failure_id",
    "panel",
    "report_id",
    "source_key",
]
