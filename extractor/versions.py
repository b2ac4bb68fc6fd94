"""Versions that decide whether a stored result is stale: a hash over every source file and
data file that can change what a backend outputs.

The files are found, not listed by hand: the modules a backend imports, followed through the
package's own imports (read from the source by two patterns, never by importing: parsing every
module costs a third of a second a process), plus the data
files of ``schemas/``. A change to folding, grounding, the catalogue or the checker changes the
version, so ``batch`` re-extracts what those changes would read differently.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from importlib import resources
from pathlib import Path

__all__ = ["backend_version", "rules_version", "source_closure"]

_PACKAGE = "extractor"
# What every backend's output passes through: the check stage and what it imports.
_STAGES = ("extractor.pipeline",)

# ``import a.b, c as d`` and ``from ..a import (b, c)`` at any indentation (lazy imports too).
_IMPORT = re.compile(r"^[ \t]*import[ \t]+([\w., \t]+)", re.M)
_FROM = re.compile(r"^[ \t]*from[ \t]+(\.*)([\w.]*)[ \t]+import[ \t]+(\([^)]*\)|[^\n;]+)", re.M)
_COMMENT = re.compile(r"#[^\n]*")
# Docstrings show imports as examples; they import nothing.
_TRIPLE_QUOTED = re.compile(r"(\"\"\"|\'\'\')[\s\S]*?\1")


def _root() -> Path:
    return Path(str(resources.files(_PACKAGE)))


def _module_file(name: str) -> Path | None:
    parts = name.split(".")[1:]
    base = _root().joinpath(*parts)
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _names(listed: str) -> list[str]:
    """``b as x, c`` or ``(b,\n c,  # why\n)`` -> ``["b", "c"]``."""
    listed = _COMMENT.sub("", listed).replace("\\\n", " ").strip("() \t\n")
    return [part.split()[0] for part in listed.split(",") if part.strip()]


def _imports(path: Path, module: str) -> set[str]:
    """The package modules ``module`` imports at any level (lazy imports included)."""
    src = _TRIPLE_QUOTED.sub("", path.read_text("utf-8"))
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found: set[str] = set()
    for m in _IMPORT.finditer(src):
        found |= set(_names(m[1]))
    for m in _FROM.finditer(src):
        dots, base = m[1], m[2]
        if dots:
            level = len(dots)
            anchor = package.rsplit(".", level - 1)[0] if level > 1 else package
            base = f"{anchor}.{base}" if base else anchor
        found.add(base)
        found |= {f"{base}.{name}" for name in _names(m[3])}
    return {n for n in found if n == _PACKAGE or n.startswith(_PACKAGE + ".")}


def source_closure(*modules: str, skip: tuple[str, ...] = ()) -> list[Path]:
    """Source files of ``modules`` and of every package module they import, transitively;
    modules under a prefix in ``skip`` are not followed (the LLM client for the rules)."""
    seen: dict[str, Path] = {}
    todo = list(modules)
    while todo:
        name = todo.pop()
        if name in seen or any(name == s or name.startswith(s + ".") for s in skip):
            continue
        path = _module_file(name)
        if path is None:
            continue  # a name imported from a module, not a module
        seen[name] = path
        todo += sorted(_imports(path, name))
        # a package's __init__ runs before any of its modules
        parent = name.rsplit(".", 1)[0]
        if parent != name:
            todo.append(parent)
    return sorted(set(seen.values()))


def _digest(paths: list[Path]) -> str:
    h = hashlib.sha256()
    root = _root()
    for p in paths:
        h.update(str(p.relative_to(root)).encode() + b"\0" + p.read_bytes() + b"\0")
    for data in sorted((root / "schemas").glob("*.json")):
        h.update(data.name.encode() + b"\0" + data.read_bytes() + b"\0")
    return h.hexdigest()[:12]


# What the rules backend never runs: the model path.
_MODEL_PATH = (
    "extractor.llm",
    "extractor.prompts",
    "extractor.backends.llm",
    "extractor.backends.hybrid",
    "extractor.backends.repair",
)


@lru_cache(maxsize=8)
def backend_version(backend: str) -> str:
    """12 hex chars over what can change the output of ``backend`` (rules | llm | hybrid): its
    sources, the check stage's and the data files. The prompt templates are covered by
    ``prompts.prompt_version``."""
    skip = _MODEL_PATH if backend == "rules" else ()
    files = source_closure(f"extractor.backends.{backend}", *_STAGES, skip=skip)
    return _digest(files)


def rules_version() -> str:
    return backend_version("rules")
