"""The shape of the house, held by tests that fail when it slips: one check stage, the rules
path free of the model SDKs, versions that see every source that can change output, and no
function or module that grew past what a reader can hold."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from extractor.versions import backend_version, source_closure

PACKAGE = Path(__file__).resolve().parents[1] / "extractor"
SOURCES = sorted(PACKAGE.rglob("*.py"))
MAX_FUNCTION_LINES = 80
MAX_MODULE_LINES = 650


def _calls(name: str) -> list[str]:
    """``module:function`` of every call of ``name`` in the package."""
    found = []
    for path in SOURCES:
        tree = ast.parse(path.read_text("utf-8"))
        for fn in ast.walk(tree):
            if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(fn):
                if isinstance(node, ast.Call):
                    callee = node.func
                    called = (
                        callee.id if isinstance(callee, ast.Name) else getattr(callee, "attr", "")
                    )
                    if called == name:
                        found.append(f"{path.relative_to(PACKAGE)}:{fn.name}")
    return found


def test_facts_are_checked_in_one_place():
    assert _calls("check_facts") == ["pipeline.py:check_stage"]
    assert _calls("ground_facts") == ["pipeline.py:check_stage"]


def test_the_rules_path_imports_neither_openai_nor_instructor(tmp_path: Path):
    report = tmp_path / "r.txt"
    report.write_text("一、总体情况\n全年优良天数226天，同比增加14天。\n", encoding="utf-8")
    code = (
        "import sys\n"
        "from extractor import extract\n"
        f"r = extract({str(report)!r}, backend='rules')\n"
        "assert r.facts, 'nothing read'\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'openai', 'instructor', 'httpx2'}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_version_command_loads_no_model_or_schema_code():
    code = (
        "import sys\n"
        "from extractor.cli import main\n"
        "try:\n    main(['--version'])\n"
        "except SystemExit:\n    pass\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'openai', 'instructor', 'pydantic', 'rich'}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_the_rules_version_covers_every_source_that_can_change_rules_output():
    files = {str(p.relative_to(PACKAGE)) for p in source_closure(
        "extractor.backends.rules", "extractor.pipeline",
        skip=("extractor.llm", "extractor.prompts", "extractor.backends.llm",
              "extractor.backends.hybrid", "extractor.backends.repair"),
    )}  # fmt: skip
    for needed in (
        "folding.py", "grounding.py", "sectioning.py", "numbers/_scanner.py", "units.py",
        "lexicon.py", "period.py", "schemas/catalogue.py", "checker/cross.py",
        "rules/reader.py", "rules/values.py", "loading.py",
    ):  # fmt: skip
        assert needed in files, needed
    assert not any(f.startswith(("llm/", "prompts/")) or f == "backends/llm.py" for f in files)
    assert backend_version("rules") != backend_version("llm")


def test_no_function_or_module_outgrows_a_reading():
    long_functions, long_modules = [], []
    for path in SOURCES:
        src = path.read_text("utf-8")
        if src.count("\n") > MAX_MODULE_LINES:
            long_modules.append(str(path.relative_to(PACKAGE)))
        for node in ast.walk(ast.parse(src)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = (node.end_lineno or node.lineno) - node.lineno + 1
                if lines > MAX_FUNCTION_LINES:
                    long_functions.append(f"{path.relative_to(PACKAGE)}:{node.name} ({lines})")
    assert long_functions == [] and long_modules == []


def _ast_imports(path: Path, module: str) -> set[str]:
    """The imports as Python's own parser reads them: the yardstick for the cheap reader."""
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_bytes())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            found |= {base} | {f"{base}.{a.name}" for a in node.names}
    return {n for n in found if n == "extractor" or n.startswith("extractor.")}


def test_the_versions_import_reader_agrees_with_the_parser_on_every_module() -> None:
    from extractor.versions import _imports

    for path in SOURCES:
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
        module = ".".join(parts)
        assert _imports(path, module) == _ast_imports(path, module), module


def test_the_versions_import_reader_reads_awkward_forms(tmp_path: Path) -> None:
    from extractor.versions import _imports

    src = tmp_path / "mod.py"
    src.write_text(
        "import extractor.a as x, extractor.b\n"
        "def f():\n"
        "    from ..c import (\n"
        "        d,  # why\n"
        "        e as g,\n"
        "    )\n"
        "    from . import h; import os\n"
        "from extractor.i import j  # k\n",
        "utf-8",
    )
    assert _imports(src, "extractor.p.q") == {
        "extractor.a", "extractor.b", "extractor.c", "extractor.c.d", "extractor.c.e",
        "extractor.p", "extractor.p.h", "extractor.i", "extractor.i.j",
    }  # fmt: skip
