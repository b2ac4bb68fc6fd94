"""Hybrid: the model's reading, completed and corrected by the rules'.

The model's facts, plus the rules' facts for numbers the model left unaccounted; where both
read the same number, the one the checker verifies wins (the model's when both do); a model
fact whose quote is not in the text is left out. Findings: the rules' where the text's
structure gives them, the model's grounded ones elsewhere. Each fact keeps its ``origin``.
"""

from __future__ import annotations

from extractor.backends import CheckFn, Extraction
from extractor.backends.llm import LLMBackend
from extractor.backends.rules import RulesBackend
from extractor.errors import ExtractionError
from extractor.loading import LoadedDocument
from extractor.schemas import Fact, Finding, ReportMeta, Section


class HybridBackend:
    name = "hybrid"

    def __init__(self, rules: RulesBackend, llm: LLMBackend) -> None:
        self.rules = rules
        self.llm = llm

    async def aclose(self) -> None:
        await self.llm.aclose()

    async def extract(
        self, doc: LoadedDocument, sections: list[Section], check: CheckFn
    ) -> Extraction:
        rules = self.rules.read(doc, sections)
        try:
            llm = await self.llm.extract(doc, sections, check)
        except ExtractionError as e:
            # Every model call failed: the rules' reading still stands, and the sections say
            # why the model's is missing.
            failed = [
                s.model_copy(update={"status": "failed", "error": str(e)})
                if s.kind != "back"
                else s
                for s in rules.sections
            ]
            run = rules.run.model_copy(update={"backend": "hybrid"})
            return rules.model_copy(update={"sections": failed, "run": run})
        model_facts, _ = check(llm.facts, llm.sections, llm.meta.period)
        rules_facts, _ = check(rules.facts, rules.sections, rules.meta.period)
        return llm.model_copy(
            update={
                "meta": _meta(llm.meta, rules.meta, doc.text),
                "facts": merge_facts(model_facts, rules_facts),
                "problems": _findings(llm.problems, rules.problems),
                "recommendations": _findings(llm.recommendations, rules.recommendations),
                "run": llm.run.model_copy(update={"backend": "hybrid"}),
            }
        )


def merge_facts(model: list[Fact], rules: list[Fact]) -> list[Fact]:
    """Both lists checked; the merged list, for the pipeline to check once more."""
    # a model fact whose quote is nowhere in the text cannot be traced to a sentence: hybrid
    # leaves it out (the llm backend keeps it, flagged)
    facts = [f for f in model if not _has_issue(f, "quote_not_in_source")]
    for rf in rules:
        mine = [i for i, f in enumerate(facts) if f.origin == "llm"]
        same = [i for i in mine if _covers_number(facts[i], rf)]
        if same:
            # the model states this number too: its reading stands unless only the rules'
            # reading survives the checker
            if all(_status(facts[i]) == "flagged" for i in same) and _status(rf) == "verified":
                facts[same[0]] = rf
            continue
        # the same words read as another number: a flagged model reading gives way to a
        # verified one; a model fact about another number in the same words leaves this one be
        wrong = [i for i in mine if _overlaps(facts[i], rf) and _status(facts[i]) == "flagged"]
        if wrong and _status(rf) == "verified":
            facts[wrong[0]] = rf
        else:
            facts.append(rf)
    return facts


def _findings(mine: list[Finding], theirs: list[Finding]) -> list[Finding]:
    # The contract defines a finding by the text's structure (each 一是/二是 item, or a heading
    # without items), which the rules read exactly: where they found items, those stand; the
    # model's findings whose words are in the text fill the other sections.
    read = {f.section for f in theirs}
    return theirs + [f for f in mine if f.span is not None and f.section not in read]


def _meta(model: ReportMeta, rules: ReportMeta, text: str) -> ReportMeta:
    meta = model.model_copy()
    for name in ("title", "issuer", "region"):
        # a model's title block guess that the text does not contain is not kept
        value = getattr(meta, name)
        if value is None or value not in text:
            setattr(meta, name, getattr(rules, name))
    for name in ("period", "issued_on"):
        if getattr(meta, name) is None:
            setattr(meta, name, getattr(rules, name))
    if meta.doc_type == "other":
        meta.doc_type = rules.doc_type
    return meta


def _has_issue(f: Fact, code: str) -> bool:
    return f.check is not None and any(i.code == code for i in f.check.issues)


def _status(f: Fact) -> str | None:
    return f.check.status if f.check is not None else None


def _overlaps(f: Fact, rf: Fact) -> bool:
    return (
        f.span is not None
        and rf.span is not None
        and f.span[0] < rf.span[1]
        and rf.span[0] < f.span[1]
    )


def _covers_number(f: Fact, rf: Fact) -> bool:
    """``f`` already states ``rf``'s number (as its value, its change or its rank) in the same
    place."""
    if not _overlaps(f, rf):
        return False
    if f.value_text is not None and f.value_text == rf.value_text:
        return True
    stated = {f.value, abs(f.change.value) if f.change and f.change.value else None}
    stated.add(f.rank.position if f.rank else None)
    return rf.value is not None and rf.value in stated
