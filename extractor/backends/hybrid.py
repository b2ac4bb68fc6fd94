"""Hybrid: the model's reading, completed and corrected by the rules'.

The model's facts stand; where both read the same number, the one the checker verifies wins
(the model's when both do); a model fact whose quote is not in the text is left out. A rules
fact for a number the model left out is added where the model's reading cannot be trusted
to have left it out on purpose (the model's call for that section failed, or its reading of
the section missed most of what the rules verified there), or where it is verified and names
a catalogue indicator. A good model leaves out addresses, stamps and counts that are no
facts; the rules do not always. Findings: the rules' where the text's structure gives them,
the model's grounded ones elsewhere. Each fact keeps its ``origin``.
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
                "facts": merge_facts(model_facts, rules_facts, _untrusted(llm.sections)),
                "problems": _findings(llm.problems, rules.problems),
                "recommendations": _findings(llm.recommendations, rules.recommendations),
                "run": llm.run.model_copy(update={"backend": "hybrid"}),
            }
        )


# A model whose facts state at least this share of the numbers the rules verified in a
# section has read that section: what it left out there, it left out on purpose.
TRUSTED_COVER = 0.5


def _untrusted(sections: list[Section]) -> set[str]:
    """Sections whose model call failed: nothing the model left out there was a choice."""
    return {s.id for s in sections if s.status == "failed"}


def _read_by_model(model: list[Fact], rules: list[Fact], failed: set[str]) -> set[str]:
    """Sections where the model's facts that hold state most of the numbers the rules
    verified (a model whose every reading is flagged did not show it read the section)."""
    out: set[str] = set()
    for sid in {rf.section for rf in rules} - failed:
        mine = [f for f in model if f.section == sid and _status(f) != "flagged"]
        sure = [rf for rf in rules if rf.section == sid and _status(rf) == "verified"]
        if mine and (
            not sure or sum(_stated(mine, rf) for rf in sure) / len(sure) >= TRUSTED_COVER
        ):
            out.add(sid or "")
    return out


def _stated(mine: list[Fact], rf: Fact) -> bool:
    """The model states ``rf``'s number: in the same place, or in the same words elsewhere (a
    page that repeats its title or its opening states each figure twice)."""
    return any(_covers_number(f, rf) or _repeats(f, rf) for f in mine)


def _repeats(f: Fact, rf: Fact) -> bool:
    return rf.value is not None and rf.value == f.value and rf.quote in f.quote


def merge_facts(model: list[Fact], rules: list[Fact], failed: set[str] | None = None) -> list[Fact]:
    """Both lists checked (``failed``: the sections whose model call failed); the merged list,
    for the pipeline to check once more."""
    # a model fact whose quote is nowhere in the text cannot be traced to a sentence: hybrid
    # leaves it out (the llm backend keeps it, flagged)
    facts = [f for f in model if not _has_issue(f, "quote_not_in_source")]
    read = _read_by_model(facts, rules, failed or set())
    for rf in rules:
        mine = [i for i, f in enumerate(facts) if f.origin == "llm"]
        verified = _status(rf) == "verified"
        same = [i for i in mine if _covers_number(facts[i], rf)]
        if same:
            # the model states this number too: its reading stands unless it is flagged and
            # the rules' verified reading says otherwise (another unit, sign or rank, or no
            # change where the model's is not stated); where the two differ only in wording,
            # the model's subject is the better one
            flagged = all(_status(facts[i]) == "flagged" for i in same)
            if verified and flagged and _contradicts(facts[same[0]], rf):
                facts[same[0]] = rf
            continue
        # the same words read as another number, or the same number quoted from a sentence
        # that does not state it: a flagged model reading gives way to a verified one
        wrong = [i for i in mine if _overlaps(facts[i], rf) and _status(facts[i]) == "flagged"]
        wrong = wrong or [i for i in mine if _misquotes(facts[i], rf)]
        if wrong and verified:
            facts[wrong[0]] = rf
        elif _adds(rf, read) and not any(_repeats(facts[i], rf) for i in mine):
            facts.append(rf)
    return facts


def _adds(rf: Fact, read: set[str]) -> bool:
    """A rules fact for a number the model left out is added where the model did not read the
    section, or where the rules name the indicator from the catalogue (a figure the contract
    counts whoever left it out); a model that read the section left the rest out on purpose."""
    return (rf.section or "") not in read or (
        rf.indicator is not None and _status(rf) == "verified"
    )


def _contradicts(f: Fact, rf: Fact) -> bool:
    """The rules' reading of ``f``'s number says something ``f`` gets wrong: the value, the
    unit (not merely a shorter one: 个 for 个百分点), the change, or the rank."""
    if f.value != rf.value or f.value_text != rf.value_text:
        return True
    # a change the checker did not find in the sentence, which the rules' reading leaves out
    if f.change is not None and rf.change is None and _has_issue(f, "value_not_in_quote"):
        return True
    if rf.unit and f.unit != rf.unit and not (f.unit or "").startswith(rf.unit):
        return True
    # the same change in other words is no contradiction; the rank is still compared
    stated = rf.change.value if rf.change else None
    if stated is not None and (f.change is None or f.change.value != stated):
        return True
    position = rf.rank.position if rf.rank else None
    return position is not None and (f.rank is None or f.rank.position != position)


_QUOTE_ISSUES = ("value_not_in_quote", "quote_not_in_source")


def _misquotes(f: Fact, rf: Fact) -> bool:
    """``f`` states ``rf``'s number in ``rf``'s section but quotes a sentence that does not."""
    return (
        f.section == rf.section
        and f.value is not None
        and f.value == rf.value
        and f.unit == rf.unit
        and any(_has_issue(f, code) for code in _QUOTE_ISSUES)
    )


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
