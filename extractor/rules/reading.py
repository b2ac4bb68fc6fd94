"""What a handler sees of one number: the document, the segment read so far, the number, and
the words between the clause start (or the previous number) and it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from extractor.numbers import Mention
from extractor.rules.draft import Attach, Draft, Segment
from extractor.rules.text import DocText
from extractor.units import canonical_unit


class Pass:
    """A handler's answer for "not mine: ask the next one"."""

    def __repr__(self) -> str:
        return "PASS"


PASS: Final = Pass()
Outcome = Draft | Attach | None | Pass  # None: mine, and no fact


@dataclass
class Reading:
    doc: DocText
    seg: Segment
    m: Mention
    left: str  # simplified words from ``tail`` up to the number
    tail: int  # where ``left`` starts in the text
    period: str | None  # the period the sentence states so far

    @property
    def unit(self) -> str | None:
        return canonical_unit(self.m.unit)

    @property
    def simp(self) -> str:
        return self.doc.simp

    def after(self, n: int) -> str:
        """The ``n`` simplified characters after the number."""
        return self.doc.simp[self.m.end : self.m.end + n]
