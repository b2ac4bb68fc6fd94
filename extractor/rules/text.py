"""The document as the rules read it: the text, a same-length simplified copy to match words
on, every number in it, and the stretches (segments, clauses, sentences) numbers sit in."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from extractor.folding import simplified_same_length
from extractor.lexicon import BASIS
from extractor.numbers import Mention, find_numbers
from extractor.rules.periods import period_in, year_of
from extractor.schemas import ReportMeta
from extractor.sectioning import CLAUSE_MARKS, SEGMENT_MARKS, SENTENCE_MARKS

CJK = r"\u3400-\u9fff"

_FOLLOW_VERB = re.compile(
    r"^(?:已|均|都|全部|仍|尚)?(获得|完成|建成|实现|通过|纳入|建有|未|入选|荣获|获评|"
    r"被(?:命名|评为|列为|授予|认定|确定|纳入))"
)
_PHRASE_END = re.compile(r"[，,。；;：:]")
# 已完成整改15项: the next number is not part of the phrase
_VERB_PHRASE_END = re.compile(r"[，,。；;：:\d]")
_NAME = re.compile(rf"[{CJK}]{{2,3}}同志")
_STRAY = " ，,、：:；;"
_SEGMENT_MARK = re.compile(f"[{re.escape(SEGMENT_MARKS)}]")
_LEAD_REACH = 16  # the most a mention's text runs before its number (百分之, 同比约)
# a heading's ordinal run into the phrase: (一)全区国考地表水断面, 二、
_ORDINAL = re.compile(r"^(?:[（(][一二三四五六七八九十]{1,3}[）)]|[一二三四五六七八九十]{1,3}、)")


def clean(s: str) -> str:
    """A phrase without people's names, unpaired quotes or an unclosed bracket's opening."""
    s = _ORDINAL.sub("", _NAME.sub("", s))
    s = s.replace("“", "").replace("”", "") if s.count("“") != s.count("”") else s
    for opening, closing in (("（", "）"), ("(", ")")):
        if s.count(opening) > s.count(closing) and s.startswith(opening):
            s = s[1:].removeprefix("含")  # （国控断面1个、… → 国控断面; (含往年利用量 → 往年利用量
        elif s.count(closing) > s.count(opening) and s.startswith(closing):
            s = s[1:]  # )、孝感( : what is left of the bracket before
    return s.strip(_STRAY)


@dataclass
class DocText:
    text: str
    meta: ReportMeta
    simp: str = ""
    mentions: list[Mention] = field(default_factory=list)  # every number, masked too, in order
    starts: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.simp = simplified_same_length(self.text)
        self.mentions = find_numbers(self.text, include_masked=True)
        self.starts = [k.start for k in self.mentions]

    @property
    def meta_year(self) -> str | None:
        return year_of(self.meta.period)

    @property
    def meta_period(self) -> str | None:
        return self.meta.period

    @property
    def region(self) -> str | None:
        return self.meta.region

    # -- stretches ----------------------------------------------------------------------

    def mentions_in(self, start: int, end: int) -> list[Mention]:
        """The mentions whose number starts in [start, end), in text order."""
        # a mention's own start may sit a few characters before its number (约, 第, 近)
        lo = bisect.bisect_left(self.starts, start - _LEAD_REACH)
        hi = bisect.bisect_left(self.starts, end)
        return [m for m in self.mentions[lo:hi] if start <= m.num_start < end]

    def segments(self, start: int, end: int) -> list[tuple[int, int]]:
        """[start, end) cut after each segment mark (。；…), the mark kept on the left."""
        out: list[tuple[int, int]] = []
        pos = start
        for m in _SEGMENT_MARK.finditer(self.text, start, end):
            out.append((pos, m.end()))
            pos = m.end()
        if pos < end:
            out.append((pos, end))
        return out

    def clause_start(self, seg_start: int, at: int) -> int:
        k = at
        while k > seg_start and self.text[k - 1] not in CLAUSE_MARKS:
            k -= 1
        return k

    def sentence_period(self, seg_start: int, at: int) -> str | None:
        """Period stated earlier in the same sentence (。-bounded, across ；)."""
        lo = seg_start
        while lo > 0 and self.text[lo - 1] not in SENTENCE_MARKS:
            lo -= 1
        return period_in(self.simp[lo:at], self.meta_year)

    def basis_before(self, at: int) -> re.Match[str] | None:
        """The last comparison basis (同比, 较上年…) in the clause before ``at``."""
        clause = self.clause_start(0, at)
        said = list(BASIS.finditer(self.simp[clause:at]))
        return said[-1] if said else None

    # -- what follows a number ----------------------------------------------------------

    def mentions_at(self, pos: int) -> list[Mention]:
        """Mentions that start at ``pos``."""
        lo = bisect.bisect_left(self.starts, pos)
        return self.mentions[lo : bisect.bisect_right(self.starts, pos, lo)]

    def first_after(self, pos: int) -> Mention | None:
        """The first mention that starts after ``pos``."""
        k = bisect.bisect_right(self.starts, pos)
        return self.mentions[k] if k < len(self.mentions) else None

    def mention_from(self, pos: int) -> Mention | None:
        """The first mention that starts at or after ``pos``."""
        k = bisect.bisect_left(self.starts, pos)
        return self.mentions[k] if k < len(self.mentions) else None

    def phrase_after(self, m: Mention, seg_end: int) -> tuple[str, int]:
        """The rest of the clause after the number (an action or a noun phrase)."""
        s = self.simp[m.end : seg_end]
        stop = _PHRASE_END.search(s)
        phrase = s[: stop.start()] if stop else s
        return clean(phrase), m.end + len(phrase)

    def follow_verb(self, at: int, seg_end: int) -> tuple[str, int] | None:
        """A verb phrase right after a count's noun (…获得…支持, …未得到有效治理)."""
        s = self.simp[at:seg_end]
        v = _FOLLOW_VERB.match(s)
        if not v:
            return None
        stop = _VERB_PHRASE_END.search(s)
        phrase = s[v.start(1) : stop.start() if stop else len(s)]
        return clean(phrase), at + (stop.start() if stop else len(s))
