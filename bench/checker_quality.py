"""How well the checker separates wrong facts from right ones on real text: the hand-labelled
gold of the real corpus, a quarter of it deliberately corrupted the ways models go wrong (a
wrong value, a wrong unit, a flipped change, another fact's subject, another fact's quote),
all presented as model facts. Prints the share of corrupted facts flagged and of intact
facts flagged.

    .venv/bin/python bench/checker_quality.py [GOLD_DIR ...]
"""

from __future__ import annotations

import random
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from extractor.evaluation import load_gold
from extractor.pipeline import check_stage
from extractor.schemas import Change, Fact
from extractor.sectioning import split_sections

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = [ROOT / "tests/data/real_corpus/tuning", ROOT / "tests/data/real_corpus/first_contact"]
SHARE = 0.25
_OTHER_UNIT = {"%": "个", "个": "家", "天": "%", "微克/立方米": "%", "万元": "%", "亿元": "个"}


def corrupt(f: Fact, others: list[Fact], rng: random.Random) -> tuple[Fact, str] | None:
    """``f`` made wrong in one way a model gets it wrong, and the way; None when none applies."""
    ways = ["value", "unit", "subject", "quote"] + (["sign"] if f.change and f.change.value else [])
    rng.shuffle(ways)
    for way in ways:
        if way == "value" and f.value is not None:
            wrong = round(f.value * 1.37 + 1, 2)
            return f.model_copy(update={"value": int(wrong) if wrong == int(wrong) else wrong}), way
        if way == "unit" and f.value is not None and f.unit in _OTHER_UNIT:
            return f.model_copy(update={"unit": _OTHER_UNIT[f.unit]}), way
        if way == "sign" and f.change is not None and f.change.value:
            flipped = Change(basis=f.change.basis, value=-f.change.value, unit=f.change.unit)
            return f.model_copy(update={"change": flipped}), way
        far = [
            o for o in others if o.quote != f.quote and o.value != f.value and o.value is not None
        ]
        if way == "subject" and far:
            other = rng.choice(far)
            if other.subject != f.subject and other.indicator != f.indicator:
                update = {"subject": other.subject, "indicator": other.indicator}
                return f.model_copy(update=update), way
        if way == "quote" and far:
            return f.model_copy(update={"quote": rng.choice(far).quote}), way
    return None


@dataclass
class Tally:
    """Per way of corruption: how many, how many flagged, how many re-quoted to the right place
    (a wrong quote the checker repaired is no longer wrong)."""

    made: Counter[str] = field(default_factory=Counter)
    flagged: Counter[str] = field(default_factory=Counter)
    repaired: Counter[str] = field(default_factory=Counter)
    good: int = 0
    good_flagged: int = 0


def measure(folders: list[Path], seed: int = 0) -> Tally:
    rng = random.Random(seed)
    t = Tally()
    for folder in folders:
        for g in load_gold(folder):
            facts, ways = [], []
            for f in g.gold.facts:
                made = corrupt(f, g.gold.facts, rng) if rng.random() < SHARE else None
                facts.append(
                    (made[0] if made else f).model_copy(update={"origin": "llm", "span": None})
                )
                ways.append(made[1] if made else None)
            text = g.doc.text
            checked, _ = check_stage(text, facts, split_sections(text), g.gold.meta.period)
            for f, gold, way in zip(checked, g.gold.facts, ways, strict=True):
                flagged = f.check is not None and f.check.status == "flagged"
                if way is None:
                    t.good, t.good_flagged = t.good + 1, t.good_flagged + flagged
                    continue
                t.made[way] += 1
                if (
                    way == "quote"
                    and not flagged
                    and gold.value == f.value
                    and _requoted(f, gold, text)
                ):
                    t.repaired[way] += 1
                else:
                    t.flagged[way] += flagged
    return t


def _requoted(f: Fact, gold: Fact, text: str) -> bool:
    """Re-quoted to a place that overlaps where the gold quotes it: the wrong quote repaired."""
    codes = {i.code for i in f.check.issues} if f.check is not None else set()
    at = text.find(gold.quote)
    if "requoted" not in codes or f.span is None or at < 0:
        return False
    return f.span[0] < at + len(gold.quote) and at < f.span[1]


def main() -> None:
    folders = [Path(a) for a in sys.argv[1:]] or DEFAULT
    t = measure(folders)
    bad = sum(t.made.values()) - sum(t.repaired.values())
    print(
        f"corrupted facts flagged: {sum(t.flagged.values())}/{bad} = "
        f"{sum(t.flagged.values()) / max(bad, 1):.1%} "
        f"(and {sum(t.repaired.values())} wrong quotes re-quoted to the right place)"
    )
    for way in sorted(t.made):
        print(
            f"  {way:8s} {t.flagged[way]}/{t.made[way] - t.repaired[way]} flagged"
            + (f", {t.repaired[way]} re-quoted" if t.repaired[way] else "")
        )
    share = t.good_flagged / max(t.good, 1)
    print(f"intact facts flagged:    {t.good_flagged}/{t.good} = {share:.1%}")


if __name__ == "__main__":
    main()
