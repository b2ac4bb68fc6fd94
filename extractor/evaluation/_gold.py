"""The dataset: a gold folder of ``NAME.txt`` beside ``NAME.gold.json``, read and validated."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from extractor.errors import ExtractorError, GoldError, UsageError
from extractor.folding import fold
from extractor.loading import LoadedDocument, load, normalize
from extractor.numbers import find_numbers
from extractor.schemas import Fact, Report
from extractor.schemas.catalogue import by_key

DEFAULT_GOLD = Path("eval/gold")
DEFAULT_HISTORY = Path("eval/runs/history.db")
GOLD_SUFFIX = ".gold.json"


# --- the dataset -----------------------------------------------------------------------------


@dataclass(frozen=True)
class GoldDoc:
    name: str
    doc: LoadedDocument
    gold: Report
    # facts a careful reader could count or not (contract: ``optional: true``): the scorer
    # neither rewards nor punishes a prediction of them
    optional: frozenset[int] = frozenset()


class GoldProblem(BaseModel):
    doc: str
    where: str  # "facts[3]", "meta", "file"
    message: str

    def __str__(self) -> str:
        return f"{self.doc} {self.where}: {self.message}"


_OUTPUT_ONLY_REPORT = ("doc_id", "source", "text", "sections", "checks", "run")
_OUTPUT_ONLY_FACT = ("value_std", "unit_std", "span", "section", "check", "origin")
_OUTPUT_ONLY_FINDING = ("span", "section")


def _pairs(folder: Path) -> list[tuple[str, Path, Path]]:
    if not folder.is_dir():
        raise UsageError(f"{folder}: no such gold folder; pass --gold DIR (default eval/gold)")
    out = []
    for gold in sorted(folder.glob(f"*{GOLD_SUFFIX}")):
        name = gold.name[: -len(GOLD_SUFFIX)]
        out.append((name, folder / f"{name}.txt", gold))
    if not out:
        raise UsageError(
            f"{folder}: no *{GOLD_SUFFIX} files; a gold document is NAME.txt beside "
            f"NAME{GOLD_SUFFIX} (see eval/gold/README.md)"
        )
    return out


def _read(name: str, text_path: Path, gold_path: Path) -> tuple[GoldDoc | None, list[GoldProblem]]:
    """Parse one gold pair, collecting every problem instead of stopping at the first."""
    problems: list[GoldProblem] = []

    def problem(where: str, message: str) -> None:
        problems.append(GoldProblem(doc=name, where=where, message=message))

    if not text_path.is_file():
        problem("file", f"{text_path.name} is missing: the source text must sit beside the gold")
        return None, problems
    try:
        doc = load(text_path)
    except ExtractorError as e:
        problem("file", str(e))
        return None, problems
    try:
        raw = json.loads(gold_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        problem("file", f"{gold_path.name} is not readable JSON ({e})")
        return None, problems
    optional = frozenset(
        i
        for i, item in enumerate(raw.get("facts", []) if isinstance(raw, dict) else [])
        if isinstance(item, dict) and item.pop("optional", False) is True
    )
    try:
        gold = Report.model_validate(raw)
    except ValidationError as e:
        for err in e.errors():
            loc = ".".join(str(p) for p in err["loc"])
            problem(loc or "file", err["msg"])
        return None, problems

    for key in _OUTPUT_ONLY_REPORT:
        if raw.get(key):
            problem(key, "is output only; a gold file holds meta, facts, problems, recommendations")
    text = doc.text
    for i, (fact, item) in enumerate(zip(gold.facts, raw.get("facts", []), strict=False)):
        where = f"facts[{i}]"
        for key in _OUTPUT_ONLY_FACT:
            if item.get(key) is not None:
                problem(where, f"{key} is output only; leave it out of gold")
        gold.facts[i] = fact = _ground_quote(fact, text, where, problem)
        if fact.quote not in text:
            pass  # already reported; a value cannot be checked against a quote that is wrong
        elif fact.value is None and not fact.value_text:
            problem(where, "has neither value nor value_text")
        elif fact.value is not None and not _value_in_quote(fact):
            problem(where, f"value {fact.value:g} does not appear in its quote {fact.quote!r}")
        elif fact.value is None and fold(fact.value_text) not in fold(fact.quote):
            problem(where, f"value_text {fact.value_text!r} does not appear in its quote")
        if fact.indicator is not None and fact.indicator not in by_key():
            problem(where, f"indicator {fact.indicator!r} is not in the catalogue")
    for kind in ("problems", "recommendations"):
        findings = getattr(gold, kind)
        for i, (finding, item) in enumerate(zip(findings, raw.get(kind, []), strict=False)):
            where = f"{kind}[{i}]"
            for key in _OUTPUT_ONLY_FINDING:
                if item.get(key) is not None:
                    problem(where, f"{key} is output only; leave it out of gold")
            findings[i] = _ground_quote(finding, text, where, problem)
    seen: dict[tuple[Any, ...], int] = {}
    for i, fact in enumerate(gold.facts):
        same: tuple[Any, ...] = (fact.subject, fact.value, fact.value_text, fact.unit)
        same += (fact.period, fact.area, fact.quote)
        if same in seen:
            problem(f"facts[{i}]", f"duplicates facts[{seen[same]}] (same fields and quote)")
        seen.setdefault(same, i)
    return GoldDoc(name=name, doc=doc, gold=gold, optional=optional), problems


def _ground_quote(item: Any, text: str, where: str, problem: Callable[[str, str], None]) -> Any:
    """The quote as it stands in the normalized text; a quote copied from the raw file (with
    its spaces or PM_{2.5}) is accepted in its normalized form."""
    if not item.quote:
        problem(where, "has no quote")
        return item
    if item.quote in text:
        return item
    normalized, _ = normalize(item.quote)
    if normalized and normalized in text:
        return item.model_copy(update={"quote": normalized})
    problem(where, f"quote {item.quote!r} is not an exact substring of the text")
    return item


def _value_in_quote(fact: Fact) -> bool:
    try:
        want = Decimal(str(fact.value))
    except InvalidOperation:
        return False
    # Either end of a range states a number ("26—33件": 26 and 33 may each be a fact).
    return any(want in (m.value, m.value_to) for m in find_numbers(fact.quote))


def validate_gold(folder: str | os.PathLike[str] = DEFAULT_GOLD) -> list[GoldProblem]:
    """Every problem in a gold folder (empty when it is valid)."""
    problems: list[GoldProblem] = []
    for name, text_path, gold_path in _pairs(Path(folder)):
        problems += _read(name, text_path, gold_path)[1]
    return problems


def load_gold(folder: str | os.PathLike[str] = DEFAULT_GOLD) -> list[GoldDoc]:
    """The gold documents of a folder; ``GoldError`` naming the first problem if any."""
    docs: list[GoldDoc] = []
    problems: list[GoldProblem] = []
    for name, text_path, gold_path in _pairs(Path(folder)):
        doc, found = _read(name, text_path, gold_path)
        problems += found
        if doc is not None:
            docs.append(doc)
    if problems:
        more = f" (and {len(problems) - 1} more; run extractor eval --validate)"
        raise GoldError(f"gold does not validate: {problems[0]}{more if len(problems) > 1 else ''}")
    return docs
