"""Whether a fact's subject says what its number measures: a name a reader could put in a
panel (not a fragment, a sentence, a bare counted noun or a ranked place), and one whose words
stand where the number is stated.

The clarity checks are named handlers tried in order; the first that objects says why.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from extractor.folding import fold
from extractor.gazetteer import find_regions
from extractor.lexicon import BASIS, CHANGE_SUBJECT_WORDS, COUNTED_UNITS, alternation
from extractor.numbers import Mention
from extractor.schemas import CheckIssue, Fact
from extractor.schemas.catalogue import match_indicator
from extractor.sectioning import CLAUSE_MARKS, SEGMENT_MARKS, enclosing, is_table_row

__all__ = ["subject_issues", "unclear_subject"]

# Of the subject's character pairs, this share must stand where the number is stated (or of
# its characters, the larger share: a labeller's 河流 for the text's 6河).
_SUBJECT_SHARE = 0.5
_SUBJECT_CHARS = 0.5
_LONGEST_SUBJECT = 32
# A segment may take its subject from the sentence when this share of what it says before
# its number, fillers aside, is the subject's too.
_OWN_SHARE = 0.5
_FILLER = re.compile(
    r"其中|分别|同比|较上年|比上年|为|达到?|是|占|约|共|下降|上升|增加|减少|提高|降低|与上年相比"
)
# a table row is named by its caption, its header and the notes under it as well
_TABLE_REACH = 600

_CJK_ONLY = re.compile(r"[^\u4e00-\u9fff]")
_BRACKETED = re.compile(r"[（(][^）)]*[）)]")
_JUNK_START = re.compile(
    r"^(?:[)）、，,：:；;|(（。/]|[的把将是余及与或从由并而]|其余|全面|加上|给予|继续|超额|落实)"
)
# the words that open a list (最好的3个…, 降幅较大的5个依次…): the count is the list's length
_LIST_INTRO = re.compile(r"最好的|最差的|较大的|较小的|较好的|较差的|依次")
# a phrase cut before its noun: 排名依次…, 市人大代表等共…, 问题以…, 其中Ⅰ类、
_JUNK_END = re.compile(r"(?:依次|等共|[以和及与、，,的共]|情况)$")
_QUESTION = re.compile(r"[?？!！]")
_NAMED_POLLUTANT = re.compile(r"PM2\.?5|PM10|SO2|NO2|O3|CO|AQI|CWQI|EQI|VOCs", re.IGNORECASE)
_PLACEHOLDERS = frozenset({"数值", "级别", "比例", "占比", "排名"})
_UNIT_IN_SUBJECT = re.compile(r"微克/立方米|毫克/立方米|^[%‰]|μg|mg/|[（(]次[）)]")
# Words that say where, when or how a place ranks, not on what: what is left of a rank's
# subject without them must name the quantity ranked.
_RANK_FILLER = re.compile(
    r"\d+月份?|[上下]半年|\d{4}年|[一二三四1-4]季度|年度|全年|当月|累计|同期|"
    r"全[国省市县区]|各[省市县区]|[省市县区]内|[省市县区]辖?市?|县区|设区|地级|中部|陕南|苏北|"
    r"排名|名次|位次|位居|位列|排在|排|第|名|位|居|并列|保持|继续|和|、|与|咱|我|依次|首次"
)
# Adverbs and change words that alone name no quantity: 超标 34.3%, 首次 90%.
_BARE_WORDS = re.compile(
    rf"首次|同比|累计|共计|全面|超标|达标|{alternation(CHANGE_SUBJECT_WORDS)}|幅度?|率"
)
# A counted noun alone (断面 23 个, 湖泊 48 个): it says what was counted, not which. Cases
# (立案 2492 件) and a labeller's count (县(市、区)数) name enough.
_BARE_COUNT_LIMIT = 2
_CASE_UNITS = frozenset("件起")


def _broken(f: Fact, s: str) -> str | None:
    if _JUNK_START.match(s) or "|" in s or _unpaired(s) or _JUNK_END.search(s):
        return "starts or breaks off mid-phrase"
    return None


def _list_intro(f: Fact, s: str) -> str | None:
    if _LIST_INTRO.search(s):
        return "opens a list; its number is the list's length"
    return None


def _sentence(f: Fact, s: str) -> str | None:
    if _QUESTION.search(s) or len(s) > _LONGEST_SUBJECT:
        return "is a sentence, not a name"
    return None


def _too_short(f: Fact, s: str) -> str | None:
    if len(_cjk(s)) < 2 and not _NAMED_POLLUTANT.search(s):
        return "is too short to say what is measured"
    return None


def _placeholder(f: Fact, s: str) -> str | None:
    if s in _PLACEHOLDERS or _UNIT_IN_SUBJECT.search(s):
        return "is a placeholder or a unit, not a name"
    return None


def _bare_words(f: Fact, s: str) -> str | None:
    if _NAMED_POLLUTANT.search(s) or match_indicator(s) is not None:
        return None
    if len(_cjk(_BARE_WORDS.sub("", s))) == 0:
        return "names a change or a manner, not what changed"
    return None


def _bare_count(f: Fact, s: str) -> str | None:
    unit = (f.unit or "").strip()
    if f.rank is not None or not unit or unit[-1] not in COUNTED_UNITS - _CASE_UNITS:
        return None
    if s.endswith("数"):
        return None
    if len(_cjk(_BRACKETED.sub("", s))) <= _BARE_COUNT_LIMIT:
        return "names what is counted, not which ones"
    return None


def _ranked_place(f: Fact, s: str) -> str | None:
    if f.rank is None or _NAMED_POLLUTANT.search(s):
        return None
    rest = fold(s)
    for at, _name in reversed(find_regions(rest)):
        end = at
        while end < len(rest) and rest[end] not in "、和与及排第位居并":
            end += 1
        rest = rest[:at] + rest[end:]
    rest = _RANK_FILLER.sub("", rest)
    if len(_cjk(rest)) < 2:
        return "names who is ranked, not on what"
    return None


_CLARITY: tuple[Callable[[Fact, str], str | None], ...] = (
    _broken,
    _list_intro,
    _sentence,
    _too_short,
    _placeholder,
    _bare_words,
    _bare_count,
    _ranked_place,
)


def unclear_subject(f: Fact) -> str | None:
    """Why a fact's subject names nothing a reader could put in a panel, or None."""
    s = f.subject.strip()
    for handler in _CLARITY:
        why = handler(f, s)
        if why:
            return why
    return None


def subject_issues(
    f: Fact, text: str, span: tuple[int, int], matched: Mention | None
) -> list[CheckIssue]:
    """The subject is what the number measures: its words stand in the sentence that leads to
    the number (or in the table row, its caption and header), not merely somewhere nearby."""
    unclear = unclear_subject(f)
    if unclear:
        return [CheckIssue(code="subject_unclear", message=f"{f.subject!r} {unclear}")]
    subject = _cjk(fold(f.subject))
    if not subject:
        return []
    at = matched.start if matched is not None else span[0]
    end = matched.end if matched is not None else span[1]
    hi = enclosing(text, end, end, CLAUSE_MARKS)[1]
    if is_table_row(text[span[0] : span[1]]):
        window = fold(text[max(0, span[0] - _TABLE_REACH) : span[1] + _TABLE_REACH])
        if _named_in(f.subject, subject, window):
            return []
    elif _at_number(f.subject, subject, text, (min(at, span[0]), at, max(hi, end))):
        return []
    message = (
        f"the words of {f.subject!r} are not in the sentence that states {f.value_text or f.value}"
    )
    return [CheckIssue(code="subject_not_at_number", message=message)]


def _at_number(raw: str, subject: str, text: str, where: tuple[int, int, int]) -> bool:
    """The subject's words lead to the number: in its own segment (up to the last ；), or in
    its sentence when what the segment says before the number belongs to the subject too
    (…572.37万吨；处置量4.04万吨 is the 一般工业固体废物处置量). ``where``: the quote's start,
    the number's, and the end of the number's clause."""
    start, at, hi = where
    seg_lo = enclosing(text, start, start, SEGMENT_MARKS)[0]
    if _named_in(raw, subject, fold(text[seg_lo:hi])):
        return True
    sent_lo = enclosing(text, start, start)[0]
    if sent_lo != seg_lo and _named_in(raw, subject, fold(text[sent_lo:hi])):
        own = _FILLER.sub("", _cjk(fold(text[seg_lo:at])))
        return sum(c in subject for c in own) >= _OWN_SHARE * len(own)
    if sent_lo > 0 and text[sent_lo - 1] != "\n" and _names_nothing(fold(text[sent_lo:at])):
        # 与上年相比，南平排名保持第一 ranks what the sentence before names (…排名依次为：)
        before = enclosing(text, sent_lo - 1, sent_lo - 1)[0]
        return _named_in(raw, subject, fold(text[before:hi]))
    return False


def _names_nothing(words: str) -> bool:
    """Words that only place, compare and rank (南平排名保持第一，莆田、泉州分别上升)."""
    for at, _name in reversed(find_regions(words)):
        end = at
        while end < len(words) and words[end] not in "、和与及排第位居并分上下，,":
            end += 1
        words = words[:at] + words[end:]
    words = _FILLER.sub("", _RANK_FILLER.sub("", BASIS.sub("", words)))
    return len(_cjk(words)) < 2


def _named_in(raw: str, subject: str, window: str) -> bool:
    wanted = _bigrams(subject)
    words = sum(b in window for b in wanted) / len(wanted)
    chars = sum(c in window for c in subject) / len(subject)
    if words >= _SUBJECT_SHARE or chars >= _SUBJECT_CHARS:
        return True
    # the subject's own meaning, not the declared key: a wrong key must not vouch for it
    ind = match_indicator(raw)
    return ind is not None and any(fold(a) in window for a in (ind.name, *ind.aliases) if a)


def _bigrams(s: str) -> set[str]:
    return {s[k : k + 2] for k in range(len(s) - 1)} or {s}


def _cjk(s: str) -> str:
    return _CJK_ONLY.sub("", s)


def _unpaired(s: str) -> bool:
    return any(s.count(a) != s.count(b) for a, b in ("()", "（）", "“”"))
