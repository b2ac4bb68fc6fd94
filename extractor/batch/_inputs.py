"""What a batch reads: folders (recursively), globs and files, expanded to report files."""

from __future__ import annotations

import glob
from pathlib import Path

from extractor.errors import UsageError
from extractor.loading import SUPPORTED_SUFFIXES

__all__ = ["collect_inputs"]

_GLOB_CHARS = frozenset("*?[")


def _wanted(p: Path) -> bool:
    # Editors and Word leave hidden files and "~$name.docx" lock files beside the reports.
    return (
        p.is_file()
        and p.suffix.lower() in SUPPORTED_SUFFIXES
        and not p.name.startswith((".", "~$"))
    )


def collect_inputs(spec: str | list[str]) -> list[Path]:
    """Expand folders (recursively), globs and file names into the files to extract.

    Folders and globs keep only supported report files, sorted; a file named outright is kept
    whatever its type, so the batch records why it cannot be read. Duplicates are dropped.
    """
    specs = [spec] if isinstance(spec, str) else list(spec)
    if not specs:
        raise UsageError("no inputs given: pass a folder, a glob or report files")
    kinds = ", ".join(SUPPORTED_SUFFIXES)
    found: list[Path] = []
    for item in specs:
        p = Path(item).expanduser()
        if p.is_dir():
            hits = sorted(f for f in p.rglob("*") if _wanted(f))
            if not hits:
                raise UsageError(f"{item}: no report files ({kinds}) in this folder")
        elif p.is_file():
            hits = [p]
        elif _GLOB_CHARS & set(item):
            hits = sorted(f for f in map(Path, glob.glob(str(p), recursive=True)) if _wanted(f))
            if not hits:
                raise UsageError(f"{item}: the pattern matches no report files ({kinds})")
        else:
            raise UsageError(f"{item}: no such file or folder")
        found.extend(hits)
    seen: set[Path] = set()
    out: list[Path] = []
    for f in found:
        key = f.resolve()
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out
