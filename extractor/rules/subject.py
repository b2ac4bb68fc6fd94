"""What a number measures, in the report's words: the clause before it stripped of fillers,
verbs, periods and places, or the noun after a count."""

from __future__ import annotations

import re

from extractor.lexicon import COUNTED_NOUNS
from extractor.numbers import Mention
from extractor.rules.periods import MONTHS, SINCE, UNTIL
from extractor.rules.text import CJK, DocText, clean
from extractor.sectioning import CLAUSE_MARKS

_ENUMERATOR = re.compile(r"^[一二三四五六七八九十]+是")
_LEAD_FILLERS = re.compile(
    # longest first: an alternation takes the first that matches (已有 before 已)
    r"^(?:"
    r"目前全流域|今年以来|截至目前|通过努力|全流域|近年来|今年|以及|先后|尚有|还有|仍有|仅有|全国|"
    r"包括|实际|另有|以内|以下|以上|左右|力争到|力争在|力争|确保|计划到|计划|预计到|预计|到(?=(?:19|20)\d\d年)|"
    r"全区|全县|全市|全年|全省|共有|共计|其中|另外|各类|同时|已有|已经|"
    r"年内|并且|当前|当年|总体|我县|我市|整体|本市|此外|现有|目前|累计|"
    r"群众|虽然|与|且|为|但|共|其|及|和|因|在|对|已|并|经|而|虽|都"
    r")"
)
# Verbs that only say something happened; what was done stays (新增, 创建, 关停, 铺设, 处置).
_LEAD_VERBS = re.compile(
    r"^(?:完成|实现|安装|实施|办理|受理并办结|受理|开展|组织|推动|推进|争取|安排|投入|下达|"
    r"筹措|到位|达到|保持|稳定保持|持续|新建成|建成|排查整治|新完成)"
)
_TRAIL = re.compile(
    r"(?:分别为|分别|均为|均达到|均|为|达到|达|是|约|近|仅|共计|合计|总计|共|仍达|已达|仍|已|至|到|低于|先后|"
    r"高于|超过|不到|不足|保持|稳定保持|稳定|维持|在|的|下降到|下降至|降至|降到|提升到|"
    r"提升至|上升到|上升至|提高到|提高至|增至|增加到|增加至|减少到|减少至|减至|降低到|降低至|"
    r"改善到|改善至|平均为|平均|仍有|仅有|尚有|控制在|控制|不高于|不低于|"
    r"由|从|，|,|：|:|\s)+$"
)
_NAME = re.compile(rf"[{CJK}]{{2,3}}同志")
_ACTOR = re.compile(r"^(?:市财政|省财政|县财政|区财政)")
_PLAN_OR_YEAR = re.compile(r"^(?:“?十[一二三四五六七八九]五”?|(?:19|20)\d{2}年(?:度)?)")
_LISTED_ETC = re.compile(r"、[^、]*等")
_MEETING_VERB = re.compile(r"^(召开|举办|组织|开展|制定|出台)")
_GOAL_ONLY = re.compile(r"(?:规划|省定|市定|年度|上级)?(?:要求|目标|任务)?")
# A word that only says "how much" borrows what it is from the fact before it.
GENERIC = re.compile(
    r"^(?:累计)?(?:规模|总量|数量|总数|面积|占比|比例|比重|利用量|处置量|产生量|处理量|"
    r"均值达标率|整治完成率|完成率|达标率|覆盖率|利用率|处理率|合格率|立案率|缺口|资金缺口)$"
)
_GENERIC_TAIL = re.compile(
    rf"(?:累计)?(?:[{CJK}]{{0,2}}(?:完成率|达标率|覆盖率|利用率|处理率|合格率|比例|占比|比重)|"
    r"规模|总量|数量|总数|面积|利用量|处置量|产生量|处理量|需求|缺口)$"
)
_RATE_START = re.compile(r"水质|溯源|整治|治理|达标|完成|覆盖|利用|比例|占比|合格|处理|浓度")
_RATE_AFTER = re.compile(r"^[^，,。；;]{0,14}?(?:率|比例)[为达到]*\d")
# Where the noun after a count stops.
_NOUN_STOP = re.compile(
    r"[，,。；;：:、（(）)“”]|基本|实现|已经|已|全部|完成|进行|获得|均|都|中(?=[，,]|排名|排|居|位列|名列|$)|开展|"
    r"正在|达到|建成|通过|纳入|得到|持续|为|是|的|被|将|和|及(?!以上|以下)|未|尚未"
)
_SHORT_BRACKET = re.compile(r"[^\d（()）]{1,6}[）)]")
_SHARED_SUFFIX = re.compile(
    r"(年均浓度|平均浓度|浓度|排放总量|排放量|达标率|比例|占比|面积|数量|产量|利用率|覆盖率)$"
)
_AREA = re.compile(
    r"^(?:主城区|中心城区|老城区|城区|市区|"
    rf"[{CJK}]{{1,8}}(?:河|江|湖|库)[{CJK}]{{0,6}}断面|"
    rf"[{CJK}]{{2,12}}?(?:干渠|沿线|流域)?[{CJK}]{{0,6}}?段|"
    rf"[{CJK}]{{1,4}}(?:河|江|湖)(?:干流|支流)?(?=水质|断面|[{CJK}]{{0,2}}[为达]))"
)
_PLACE = re.compile(rf"^[{CJK}]{{2,4}}(?:县|区)(?![域级内外划])")
_NOT_PLACE = (
    "园区",
    "景区",
    "社区",
    "辖区",
    "库区",
    "片区",
    "矿区",
    "试验区",
    "示范区",
    "功能区",
    "建成区",
    "保护区",
    "开发区",
    "集聚区",
    "聚集区",
    "服务区",
    "风景区",
)
_TOPIC_STOP = re.compile(r"虽|已|均|仍|有所|持续|明显|进一步|得到|有|保持|改善|下降|上升")


def strip_lead(s: str, offset: int) -> tuple[str, int]:
    """Drop enumerators, fillers and empty verbs from the front; keep the offset in step."""
    while True:
        before = s
        for pattern in (_ENUMERATOR, _LEAD_FILLERS, _ACTOR):
            m = pattern.match(s)
            if m:
                s, offset = s[m.end() :], offset + m.end()
        m = _LEAD_VERBS.match(s)
        # 完成整改 keeps its verb: without it the subject says nothing
        if m and (len(s) == m.end() or len(s) - m.end() > 2):
            s, offset = s[m.end() :], offset + m.end()
        if s == before:
            return s, offset


def strip_trail(s: str) -> str:
    return _TRAIL.sub("", s)


def topic(subject: str) -> str:
    """A subject without its rate/amount word: 入河排污口溯源完成率 → 入河排污口."""
    t = _GENERIC_TAIL.sub("", subject)
    for verb in ("新增", "累计", "完成"):
        t = t.removeprefix(verb)
    return t or subject


def shared_suffix(last: str) -> str:
    """The measure word a list of names shares (二氧化硫、二氧化氮年均浓度 → 年均浓度)."""
    m = _SHARED_SUFFIX.search(last)
    return m.group(1) if m and len(last) > len(m.group(1)) else ""


def rate_follows(s: str) -> bool:
    """A rate stated right after a count's noun (…水质达标率100%): the count is a scope."""
    return bool(_RATE_AFTER.match(s))


def subject_of(doc: DocText, left: str, tail: int) -> tuple[str, int, str | None]:
    """Subject, its start in the text, and the area heading the clause."""
    s, offset = strip_lead(left, tail)
    # dates, years and periods are not part of what a number measures
    for pattern in (UNTIL, MONTHS, SINCE):
        while (m := pattern.match(s)) is not None:
            s, offset = s[m.end() :].lstrip("，,的"), offset + m.end()
    while y := _PLAN_OR_YEAR.match(s):
        s, offset = s[y.end() :], offset + y.end()
        s, offset = strip_lead(s, offset)
    if doc.region and s.startswith(doc.region):
        s, offset = s[len(doc.region) :], offset + len(doc.region)
    s, offset = strip_lead(s, offset)
    area = None
    am = _AREA.match(s) or _PLACE.match(s)
    if am and not am.group(0).endswith(_NOT_PLACE):
        area = doc.text[offset : offset + am.end()]
        s, offset = s[am.end() :], offset + am.end()
        s, offset = strip_lead(s, offset)
    if _LISTED_ETC.search(s) and not s.endswith("等"):
        # 召开全市生态环境保护大会、…等专题会议 → 召开专题会议
        verb = _MEETING_VERB.match(s)
        s = (verb.group(1) if verb else "") + s.rsplit("等", 1)[1]
    s = clean(strip_trail(_NAME.sub("", s)))
    s = strip_trail(s)
    if _GOAL_ONLY.fullmatch(s):
        s = ""  # "达到“十四五”规划要求的52%目标": the target of what came before
    return s, offset, area


def noun_after(doc: DocText, m: Mention, seg_end: int) -> tuple[str, int]:
    """The noun right after a count (skipping a number that shares it: 7项27类问题…)."""
    pos = m.end
    nxt = next((k for k in doc.mentions_at(pos) if not k.masked), None)
    if nxt is not None:
        pos = nxt.end
    s = doc.simp[pos:seg_end]
    stop = _NOUN_STOP.search(s)
    # 、 inside a name (8个国、省控断面) continues it; before a number it ends a list; a short
    # bracket (9个县（市、区）) is part of the name
    while stop is not None:
        if stop.group(0) == "、" and not re.match(r"\d", s[stop.end() :]):
            stop = _NOUN_STOP.search(s, stop.end())
        elif stop.group(0) in "（(" and (close := _SHORT_BRACKET.match(s, stop.end())):
            stop = _NOUN_STOP.search(s, close.end())
        else:
            break
    noun = s[: stop.start()] if stop else s
    later = doc.first_after(pos)
    nxt_start = later.start if later is not None else seg_end
    noun = noun[: max(0, nxt_start - pos)] if nxt_start - pos < len(noun) else noun
    noun = _without_rate(noun, s, stop)
    # 我市6河3库: a one-character noun says what is counted in a word of its own
    return COUNTED_NOUNS.get(noun, noun), pos + len(noun)


def _without_rate(noun: str, s: str, stop: re.Match[str] | None) -> str:
    """A rate that the count scopes starts its own words: 953个入河排污口溯源完成率100%."""
    nums = re.search(r"\d", noun)
    if nums:
        noun = noun[: nums.start()]
        rate = _RATE_START.search(noun, 2)
        if rate:
            noun = noun[: rate.start()]
    elif rate_follows(s[len(noun) :]) or re.search(
        r"\d", s[: (stop.start() if stop else len(s)) + 12]
    ):
        rate = _RATE_START.search(noun, 2)
        if rate and re.search(r"\d", s[rate.start() :][:20]):
            noun = noun[: rate.start()]
    return re.sub(r"工作$", "", noun)


def topic_before(doc: DocText, at: int) -> str:
    """The head noun of the clause before ``at``: PM10浓度虽有改善,但排名… → PM10浓度."""
    k = at - 1
    while k > 0 and doc.text[k - 1] not in CLAUSE_MARKS:
        k -= 1
    prev = doc.simp[k:at].rstrip("，,")
    head = _TOPIC_STOP.split(prev)[0]
    subject, _ = strip_lead(clean(head), 0)
    return subject
