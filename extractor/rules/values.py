"""A number that is a value: a previous period's value, or a figure whose subject is built by an
ordered list of steps (its own year, a share, a target's introduction, the clause's words, the
noun after a count, the action after a frequency, a percent phrase, a topic borrowed from the
fact before, then target and period marks)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from extractor.lexicon import FREQUENCY_UNITS, MEASURE_WORDS
from extractor.rules.draft import Draft
from extractor.rules.periods import year_of
from extractor.rules.ranks import SCOPE
from extractor.rules.reading import PASS, Outcome, Reading
from extractor.rules.subject import (
    GENERIC,
    noun_after,
    rate_follows,
    strip_trail,
    subject_of,
    topic,
)
from extractor.rules.text import CJK

_PREVIOUS = re.compile(
    r"(?:同比|较|比|由|从)?(去年同期|去年|上年同期|上年|(?P<y>(?:19|20)\d{2})年)(?:同期)?(?:的|为)?$"
)
# 考核目标断面 is a noun, not a goal
TARGET_WORDS = re.compile(
    r"力争|确保|计划|预计|拟|目标(?!断面)|规划要求|要求达到|不高于|不低于|不超过|控制在"
)
TARGET_INTRO = re.compile(r"(?:目标|约束性指标|指标|要求)(?:为|是|：|:)")
_GOAL_AFTER = re.compile(r"的?目标")
_BOUND = re.compile(r"不高于|不低于|不超过|不少于")
_DEADLINE = re.compile(r"(?:到|至|于|在)((?:19|20)\d{2})年")
_ANY_YEAR = re.compile(r"((?:19|20)\d{2})年")
_OWN_YEAR = re.compile(r"(?:由|从)?((?:19|20)\d{2})年的?$")
_SHARE = re.compile(r"(?:占比|占全年|占总数|占)(?:的)?(?:比例|比重)?(?:为|达|达到)?$")
_OF_WHOLE = re.compile(r"占([^，,。；;占]{2,14}?)的?(?:比例|比重)?(?:为|达|达到)?$")
_MEASURED = re.compile(r"率|比例|浓度|数|量|面积")
_SCOPE_END = re.compile(r"(全国|全省|全市|全区)$")
_JOINED = re.compile(r"(?:和|及|以及|、)")
_RANKED_IN = re.compile(r"中(?:排名|排|居|位列)")
_ACT = re.compile(rf"进行([{CJK}]{{2,6}})")
_IN_WHOLE = re.compile(r"中[，,]?")
_RATE_WORD = re.compile(r"(率|比例|占比|比重|覆盖|达标|指数)$")
_CUMULATIVE = re.compile(r"累计")
_CUMULATIVE_RATE = re.compile(r"累计[^，,]{0,2}率")
# Words that only narrow what the fact before measured: alone they name nothing.
QUALIFIERS = (
    "昼间",
    "夜间",
    "白天",
    "城区",
    "农村",
    "城市",
    "全年",
    "当月",
    "同期",
    "上半年",
    "下半年",
)
_NOT_OWNER_WORDS = ("有", "共", "约", "仅", "计", "达", "为")


def read_previous(r: Reading) -> Outcome:
    """同比去年47.7微克/立方米: the value of the fact before it, a period earlier."""
    prev = _PREVIOUS.search(r.left)
    owner = r.seg.last_value() or (r.seg.drafts[-1] if r.seg.drafts else None)
    if not prev or owner is None or owner.role != "value" or r.unit != owner.unit:
        return PASS
    year = prev.group("y")
    if year is None and r.doc.meta_year:
        year = str(int(year_of(owner.period) or r.doc.meta_year) - 1)
    return Draft(
        r.m,
        owner.subject,
        r.tail + prev.start(),
        r.m.end,
        r.unit,
        value=r.m.value,
        period=year,
        area=owner.area,
        role="previous",
        head=owner.head,
        topic=owner.topic,
    )


@dataclass
class _Value:
    """The value being read: each step refines it."""

    left: str
    tail: int
    period: str | None
    target: bool
    seg_text: str  # the segment up to the number, for targets and deadlines
    ratio: str = ""
    intro: re.Match[str] | None = None
    goal_after: bool = False
    subject: str = ""
    start: int = 0
    area: str | None = None
    end: int = 0
    head: str = ""
    own: str = ""
    right: str = ""  # the noun after the number
    right_end: int = 0


def _is_target(r: Reading, seg_text: str) -> bool:
    meta_year = r.doc.meta_year
    return bool(
        TARGET_WORDS.search(r.left)
        or TARGET_INTRO.search(seg_text)
        or _GOAL_AFTER.match(r.after(3))
        # a bound the number reader took as its hedge: 不高于45微克/立方米
        or _BOUND.match(r.simp[r.m.start : r.m.num_start])
        # a deadline after the report's year: 到2025年，农村生活污水治理率达到40%以上
        or any(
            meta_year is not None and int(y) > int(meta_year) for y in _DEADLINE.findall(seg_text)
        )
    )


def _own_year(r: Reading, v: _Value) -> None:
    """由2020年的231天: the year belongs to this number alone."""
    local = _OWN_YEAR.search(v.left)
    if local:
        v.period = local.group(1) if local.group(1) != r.doc.meta_year else None
        v.left = v.left[: local.start()]


def _share(r: Reading, v: _Value) -> None:
    """Ⅰ～Ⅲ类水质断面占85.7%: a share of what is named before 占; …超标天数占全年超标天数的40%:
    a share of the whole it names."""
    share = _SHARE.search(v.left)
    of_whole = _OF_WHOLE.search(v.left)
    if share and r.unit == "%":
        v.left, v.ratio = v.left[: share.start()], "比例"
    elif of_whole and r.unit in ("%", "‰") and not re.search(r"[\d%]", of_whole.group(1)):
        v.left, v.ratio = v.left[: of_whole.start()], f"占{of_whole.group(1)}比例"


def _target_intro(r: Reading, v: _Value) -> None:
    """“十三五”约束性指标为PM2.5年均浓度降至55: what follows the introduction is the subject;
    规划确定的PM2.5浓度目标为39: what precedes it, after the last 的."""
    v.intro = next(reversed(list(TARGET_INTRO.finditer(v.left))), None)
    if v.intro is None:
        return
    if strip_trail(v.left[v.intro.end() :]):
        v.left, v.tail = v.left[v.intro.end() :], v.tail + v.intro.end()
    else:
        prefix = v.left[: v.intro.start()]
        cut = prefix.rfind("的") + 1
        v.left, v.tail = prefix[cut:], v.tail + cut


def _words(r: Reading, v: _Value) -> None:
    """The clause's own words; 提前完成“十四五”48%的目标: the goal of the fact before."""
    v.subject, v.start, v.area = subject_of(r.doc, v.left, v.tail)
    if v.ratio:
        v.subject = v.subject + v.ratio if v.subject else ("占比" if v.ratio == "比例" else v.ratio)
    v.goal_after = bool(_GOAL_AFTER.match(r.after(3)))
    if v.goal_after and not _MEASURED.search(v.subject):
        v.subject = ""
    v.end, v.head = r.m.end, v.subject
    v.right, v.right_end = noun_after(r.doc, r.m, r.seg.end)


def _frequency(r: Reading, v: _Value) -> bool:
    """先后8次深入县(市、区)开展专题调研: the action is after the count."""
    if r.unit not in FREQUENCY_UNITS:
        return False
    phrase, phrase_end = r.doc.phrase_after(r.m, r.seg.end)
    v.subject += phrase
    v.end = max(v.end, phrase_end)
    return True


def _count_noun(r: Reading, v: _Value) -> bool:
    """953个入河排污口, 城区820辆公交车: a count with nothing before it names the noun after it."""
    unit, subject = r.unit, v.subject
    if not (
        r.m.kind == "quantity"
        and (unit in MEASURE_WORDS or unit is None)
        and (
            not subject
            or subject.endswith("等")
            or ("、" in subject and bool(v.right))  # 赴海曙、江北、镇海6个区县: the places counted
            or _SCOPE_END.search(subject)
            or v.left.endswith("的")  # 省下达我市的9项约束性指标
            or (len(subject) <= 2 and bool(v.right))  # 新建11座生活垃圾中转站
        )
    ):
        return False
    if subject.endswith("等") or "、" in subject:
        v.subject = ""
    if v.right:
        _count_subject(r, v)
    elif r.doc.text[r.m.end : r.m.end + 2] and re.match(rf"[{CJK}]", r.after(1)):
        _count_phrase(r, v)
    return True


def _count_subject(r: Reading, v: _Value) -> None:
    subject, right, seg_end = v.subject, v.right, r.seg.end
    scope_end = _SCOPE_END.search(subject)
    owner_words = (
        subject
        if (v.left.endswith("的") or len(subject) <= 2)
        and not scope_end
        and subject not in _NOT_OWNER_WORDS
        else ""
    )
    last = next((d for d in reversed(r.seg.drafts) if d.role == "value"), None)
    verb_phrase = r.doc.follow_verb(v.right_end, seg_end)
    if _JOINED.fullmatch(v.left.strip()) and last is not None and last.own:
        v.subject, v.own = last.own + right, last.own  # 扬尘管控6项措施和3条要求 → 扬尘管控要求
    elif scope_end:
        v.subject = scope_end.group(1) + right  # 成功退出全国168个重点城市
    elif owner_words:
        v.subject = owner_words + right  # 督察反馈我区的17项问题
    elif verb_phrase and verb_phrase[0].startswith("未"):
        v.subject = right + verb_phrase[0]  # 44个行政村生活污水未得到有效治理
        v.end = max(v.end, verb_phrase[1])
    elif verb_phrase and len(right) <= 3:
        v.subject = verb_phrase[0] + right  # 9个项目获得…支持 → 获得…支持项目
        v.end = max(v.end, verb_phrase[1])
    else:
        v.subject = right
    v.end = max(v.end, v.right_end)
    after = r.simp[v.right_end : seg_end]
    if rate_follows(r.doc.text[v.right_end : seg_end]):
        v.subject += "数"
    elif _RANKED_IN.match(after):
        # 在全市11个县（市、区）中排名第4位: the field a rank is taken in
        scope_word = SCOPE.search(v.left)
        v.subject = (scope_word.group(1) if scope_word else "") + v.subject + "数"
    act = _ACT.match(after)
    if act:  # 对3个土壤污染地块进行修复 → 修复土壤污染地块
        v.subject = act.group(1) + v.subject
        v.end = v.right_end + act.end()


def _count_phrase(r: Reading, v: _Value) -> None:
    """6家焦化企业中,5家完成超低排放改造任务 → 完成超低排放改造焦化企业."""
    phrase, phrase_end = r.doc.phrase_after(r.m, r.seg.end)
    v.subject, v.end = phrase, max(v.end, phrase_end)
    whole = next((d for d in reversed(r.seg.drafts) if d.role == "value"), None)
    if whole is not None and _IN_WHOLE.fullmatch(r.doc.text[r.seg.end_of(whole) : v.tail]):
        v.subject = re.sub(r"任务$", "", v.subject) + whole.subject


def _short_count_noun(r: Reading, v: _Value) -> bool:
    """实施扬尘管控6项措施 → 扬尘管控措施."""
    if not (r.m.kind == "quantity" and r.unit in MEASURE_WORDS and v.right and len(v.right) <= 3):
        return False
    v.own = v.subject
    v.subject += v.right
    v.end = max(v.end, v.right_end)
    return True


def _percent_phrase(r: Reading, v: _Value) -> bool:
    """医疗废物保持百分百安全收运处置 → 医疗废物安全收运处置率."""
    if not (r.m.kind == "percent" and v.subject and not _RATE_WORD.search(v.subject)):
        return False
    phrase, phrase_end = r.doc.phrase_after(r.m, r.seg.end)
    if phrase:
        phrase = re.sub(r"^全?覆盖$", "覆盖", phrase)
        subject = v.subject.replace("实现", "") + phrase
        v.subject = subject if subject.endswith("率") else subject + "率"
        v.end = max(v.end, phrase_end)
    return True


def _borrowed_topic(r: Reading, v: _Value) -> None:
    """占比, 累计规模, 利用量: a bare rate or amount word borrows the topic of the fact before;
    so does a bare qualifier (…昼间为54.6分贝，夜间为46.0分贝 → the 夜间 of the same level)."""
    before = r.seg.before()
    if before is None or before.role not in ("value", "previous"):
        return
    if v.subject in QUALIFIERS:
        other = next((q for q in QUALIFIERS if q in before.subject), None)
        stem = before.subject.replace(other, "") if other else before.topic or before.subject
        v.subject = stem + v.subject if stem != v.subject else v.subject
        return
    if v.subject and not GENERIC.match(v.subject) and not (v.ratio and v.subject == v.ratio):
        return
    word = v.subject.replace("占比", "比例") if v.subject else ""
    if not word and "目标" in r.after(4):
        word, v.end = "目标", r.m.end + r.after(4).index("目标") + 2
        v.target = True
    v.subject = (before.topic or topic(before.subject)) + word


def _marks(r: Reading, v: _Value) -> None:
    """A target's name and deadline year; 累计 as a period."""
    if v.target and "目标" not in v.subject and (v.intro is not None or v.goal_after):
        v.subject += "目标"
    if v.target and v.period is None:
        # 力争到2027年…提高到43%: a goal's deadline year is its period
        years = _ANY_YEAR.findall(v.seg_text)
        if years and years[-1] != r.doc.meta_year:
            v.period = years[-1]
    if v.period is None and _CUMULATIVE.search(v.left) and not _CUMULATIVE_RATE.search(v.left):
        v.period = "累计"


_Step = Callable[[Reading, _Value], object]
# In order; of the noun shapes only the first that applies is taken.
_BEFORE_WORDS: tuple[_Step, ...] = (_own_year, _share, _target_intro, _words)
_NOUN_SHAPES: tuple[Callable[[Reading, _Value], bool], ...] = (
    _frequency,
    _count_noun,
    _short_count_noun,
    _percent_phrase,
)


def read_value(r: Reading) -> Outcome:
    seg_text = r.simp[r.doc.clause_start(0, r.tail) : r.m.start]
    v = _Value(r.left, r.tail, r.period, _is_target(r, seg_text), seg_text)
    for step in _BEFORE_WORDS:
        step(r, v)
    for shape in _NOUN_SHAPES:
        if shape(r, v):
            break
    _borrowed_topic(r, v)
    if not v.subject:
        return None
    _marks(r, v)
    return Draft(
        r.m,
        v.subject,
        v.start if v.head else r.m.start,
        v.end,
        r.unit,
        value=r.m.value,
        period=v.period,
        area=v.area,
        is_target=v.target,
        head=v.head or v.subject,
        topic=topic(v.subject),
        own=v.own,
    )
