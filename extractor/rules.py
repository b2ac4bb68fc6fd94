"""The offline rules backend: a Report from the text alone, deterministic and fast.

Facts come from every number ``numbers.find_numbers`` reads outside the footer. For each, the
sentence around it decides what it is:

* a change (同比增加14天) joins the fact it qualifies; a rank (全省排名第2, 居全省第一位) joins
  the fact before it, or is a fact of its own when that fact already has one;
* a previous-period value (同比去年47.7微克/立方米) is a fact with that period;
* lists (54、23、3微克/立方米 after 可吸入颗粒物、二氧化氮、二氧化硫年均浓度) give one fact
  per number, their subjects split from the list of names, and a second list in the same
  sentence reuses the names (…从2015年的106、15.5、59.4微克/立方米,分别下降到2020年的61、4、33);
* the subject is the clause before the number stripped of fillers, verbs and places; a count
  with nothing before it takes the noun after it (953个入河排污口…); a bare rate or amount
  word (占比, 累计规模, 利用量) borrows the topic of the fact before it;
* period and area come from the sentence (截至2025年9月16日, 1-7月, 2015年的; 城区, …段).

Findings come from the structure of problems and recommendations sections (heading →
category, each 一是/二是 item → a finding), meta from the title block and the footer.
Traditional characters are matched on a simplified copy of the same length, so quotes and
spans stay in the original text.
"""

from __future__ import annotations

import bisect
import calendar
import dataclasses
import hashlib
import itertools
import re
import time
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from importlib import resources

from extractor.checker import check_facts
from extractor.folding import simplified_same_length
from extractor.loading import LoadedDocument
from extractor.numbers import Mention, find_numbers
from extractor.schemas import (
    Change,
    Fact,
    Finding,
    Rank,
    Report,
    ReportMeta,
    RunInfo,
    Section,
)
from extractor.schemas.catalogue import match_indicator
from extractor.schemas.report import Category, DocType
from extractor.sectioning import (
    CLAUSE_MARKS,
    SEGMENT_MARKS,
    SENTENCE_MARKS,
    TABLE_CELL,
    enclosing,
    is_table_row,
    split_sections,
)
from extractor.units import canonical_unit, std_value, to_std

__all__ = ["extract_rules", "read_findings", "read_meta", "rules_version"]


@lru_cache(maxsize=1)
def rules_version() -> str:
    """12 hex chars over the rule sources and data: a stored result is re-extracted when the
    rules that made it change."""
    h = hashlib.sha256()
    package = resources.files("extractor")
    for name in ("rules.py", "numbers.py", "checker.py", "units.py", "sectioning.py"):
        h.update(package.joinpath(name).read_bytes())
    for name in ("indicators.json", "crosschecks.json"):
        h.update(package.joinpath("schemas").joinpath(name).read_bytes())
    return h.hexdigest()[:12]


_CJK = r"\u3400-\u9fff"

# --- words ----------------------------------------------------------------------------------

_ENUMERATOR = re.compile(r"^[一二三四五六七八九十]+是")
_LEAD_FILLERS = re.compile(
    # longest first: an alternation takes the first that matches (已有 before 已)
    r"^(?:"
    r"目前全流域|今年以来|截至目前|通过努力|全流域|近年来|今年|以及|先后|尚有|还有|仍有|仅有|"
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
_NAME = re.compile(rf"[{_CJK}]{{2,3}}同志")
_ACTOR = re.compile(r"^(?:市财政|省财政|县财政|区财政)")
# 考核目标断面 is a noun, not a goal
_TARGET_WORDS = re.compile(
    r"力争|确保|计划|预计|拟|目标(?!断面)|规划要求|要求达到|不高于|不低于|不超过|控制在"
)
_TARGET_INTRO = re.compile(r"(?:目标|约束性指标|指标|要求)(?:为|是|：|:)")
_CHANGE_VERB = re.compile(
    r"(下降|减少|降低|回落|下滑|增加|上升|提高|提升|增长|上涨|改善)(?:了|约|近|超过)*$"
)
_NEGATIVE = ("下降", "减少", "降低", "回落", "下滑")
_BASIS = re.compile(
    r"(同比去年同期|同比去年|同比|环比|较上年同期|较上年|较去年同期|较去年|比上年同期|比上年|"
    r"比去年同期|比去年|与去年同期相比|与去年相比|与上年相比|较\d{4}年|比\d{4}年|与\d{4}年相比)"
)
_PREVIOUS = re.compile(
    r"(?:同比|较|比|由|从)?(去年同期|去年|上年同期|上年|(?P<y>(?:19|20)\d{2})年)(?:同期)?(?:的|为)?$"
)
_SCOPE = re.compile(r"(全国[^，。；,;]{0,12}?城市|全国|全省|全市|全区|省内|全流域)")
_SCOPE_END = re.compile(r"(全国|全省|全市|全区)$")
_RANK_FILLERS = re.compile(
    r"全国[^，。；,;]{0,12}?城市|全国|全省|全市|全区|省内|排名|排在|排|居于|居|位列|位居|位于|"
    r"列|在|并列|提升|上升|下降|前移|后移|由|从|到|至|为|了|[（(（]"
)
_METRIC = re.compile(r"(改善率|改善幅度|改善程度|降幅|综合指数|浓度)")
# A word that only says "how much" borrows what it is from the fact before it.
_GENERIC = re.compile(
    r"^(?:累计)?(?:规模|总量|数量|总数|面积|占比|比例|比重|利用量|处置量|产生量|处理量|"
    r"均值达标率|整治完成率|完成率|达标率|覆盖率|利用率|处理率|合格率|立案率|缺口|资金缺口)$"
)
_GENERIC_TAIL = re.compile(
    rf"(?:累计)?(?:[{_CJK}]{{0,2}}(?:完成率|达标率|覆盖率|利用率|处理率|合格率|比例|占比|比重)|"
    r"规模|总量|数量|总数|面积|利用量|处置量|产生量|处理量|需求|缺口)$"
)
_RATE_START = re.compile(r"水质|溯源|整治|治理|达标|完成|覆盖|利用|比例|占比|合格|处理|浓度")
# Where the noun after a count stops.
_NOUN_STOP = re.compile(
    r"[，,。；;：:、（(）)“”]|基本|实现|已经|已|全部|完成|进行|获得|均|都|中(?=[，,]|排名|排|居|位列|名列|$)|开展|"
    r"正在|达到|建成|通过|纳入|得到|持续|为|是|的|被|将|和|及(?!以上|以下)|未|尚未"
)
_SHORT_BRACKET = re.compile(r"[^\d（()）]{1,6}[）)]")
_FOLLOW_VERB = re.compile(r"^(?:已|均|都|全部|仍|尚)?(获得|完成|建成|实现|通过|纳入|建有|未)")
_COUNT_UNITS = frozenset("个家辆条处项套座台所户批宗类名位部道")
_FREQUENCY_UNITS = frozenset({"次", "轮", "遍"})
_GRADE_STATED = re.compile(r"(?:为|是|保持|达到|达|属于|维持)(?:在)?$")
_AREA = re.compile(
    r"^(?:主城区|中心城区|老城区|城区|市区|"
    rf"[{_CJK}]{{1,8}}(?:河|江|湖|库)[{_CJK}]{{0,6}}断面|"
    rf"[{_CJK}]{{2,12}}?(?:干渠|沿线|流域)?[{_CJK}]{{0,6}}?段|"
    rf"[{_CJK}]{{1,4}}(?:河|江|湖)(?:干流|支流)?(?=水质|断面|[{_CJK}]{{0,2}}[为达]))"
)
_PLACE = re.compile(rf"^[{_CJK}]{{2,4}}(?:县|区)(?![域级内外划])")
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
_PLAN_HEADING = re.compile(r"工作(?:思路|打算|安排|计划|重点)|下一步|计划|目标任务")
_YEAR_CELL = re.compile(r"((?:19|20)\d{2})年?(?:度)?")
_PAREN = re.compile(r"[（(][^）)]*[）)]")
_WORD_GRADE = re.compile(
    rf"(?P<what>水质状况|水质|水环境质量状况|水环境质量)(?:总体|整体|均)?(?:为|保持|稳定保持|保持为)"
    rf"(?P<grade>优|良好|轻度污染|中度污染|重度污染)(?![{_CJK}])"
)
_PERIOD_UNTIL = re.compile(r"截至(?:(\d{4})年)?(\d{1,2})月(?:(\d{1,2})日)?(?:底|末)?")
_PERIOD_MONTHS = re.compile(r"(?:(\d{4})年)?(\d{1,2})\s*[-—–~～至到]\s*(\d{1,2})月")
_PERIOD_SINCE = re.compile(r"(\d{4})年(?:以来|至今)")
_PERIOD_PLAN = re.compile(r"“?(十[一二三四五六七八九]五)”?")
_YEAR = re.compile(r"(?<![\d.])((?:19|20)\d{2})年(?!\d{1,2}月\d)")

_CATEGORY_WORDS: tuple[tuple[Category, re.Pattern[str]], ...] = (
    ("funding", re.compile(r"资金|投资|投入|补助|经费|预算")),
    ("enforcement", re.compile(r"案件|罚款|罚没|执法|查处|立案|拘留|涉刑|信访|投诉|举报|督办")),
    ("noise", re.compile(r"声环境|噪声|声级|分贝")),
    ("soil", re.compile(r"土壤|耕地|地块|建设用地")),
    ("agriculture", re.compile(r"秸秆|农膜|地膜|施肥|农作物|化肥|农药|畜禽")),
    ("waste", re.compile(r"垃圾|固废|危废|废物|铝灰|尾矿|无废")),
    ("energy_climate", re.compile(r"光伏|风电|装机|产能|能源|碳|煤炭消费|节能")),
    ("transport", re.compile(r"车|公交|出租|重卡|船|铁路|公转铁")),
    (
        "air",
        re.compile(
            r"空气|大气|PM|颗粒物|臭氧|二氧化|优良天数|重污染|扬尘|VOCs|挥发性|超低排放|"
            r"洗煤|石灰窑|焦化|钢铁|水泥|废气|综合指数"
        ),
    ),
    ("water", re.compile(r"水|断面|排污口|排口|管网|污水|黑臭|河|湖|库")),
    ("ecology", re.compile(r"林|绿|矿山|湿地|生态|自然保护|生物多样性|整治行政村")),
    ("governance", re.compile(r"会议|调研|督察|督查|考核|责任|书记|市长")),
)

_FOOTER_DATE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日\s*(?:印发|印|发)?")
_MEETING_DATE = re.compile(r"——\s*(\d{4})年(\d{1,2})月(\d{1,2})日")
_TITLE_WORDS = re.compile(r"报告|视察|调研|公报|情况的|通报|工作总结|工作思路|工作要点")
# a year that is a deadline, a base, a span or a work plan's, not the year reported on
_NOT_DATA_YEAR = re.compile(r"(?:底|末|前|的|至今|以来|度?(?:监督)?工作(?:要点|计划))")
_DOC_NUMBER = re.compile(r"\S{1,6}[〔\[［]\d{4}[〕\]］]\d+号")
_ISSUER = re.compile(
    r"(?:人大常委会|人民政府|政府|政协|生态环境局|环境保护局|委员会|调研组|视察组|办公室)"
    r"[^，。；：:,]{0,20}?(?:调研组|视察组)?$"
)
_BODY_ISSUER = re.compile(
    r"((?:[\u4e00-\u9fff]{2,3}市)?市?政协|(?:[\u4e00-\u9fff]{2,3}市)?人大常委会)"
)
_REGION = re.compile(rf"([{_CJK}]{{2,3}}(?:市|省|县|区))")
_NOT_REGION = (
    "全市",
    "我市",
    "本市",
    "城市",
    "各市",
    "该市",
    "副市",
    "省市",
    "县市",
    "地市",
    "城区",
    "园区",
    "辖区",
    "社区",
    "景区",
    "片区",
    "矿区",
    "市区",
    "库区",
    "全省",
    "全区",
    "全县",
)


# --- a fact in the making --------------------------------------------------------------------


@dataclass
class _Draft:
    mention: Mention
    subject: str
    start: int  # quote start in the text
    end: int  # quote end
    unit: str | None
    value: Decimal | None = None
    value_text: str | None = None
    period: str | None = None
    area: str | None = None
    change: Change | None = None
    rank: Rank | None = None
    is_target: bool = False
    head: str = ""  # the subject's own words before any borrowed topic
    role: str = "value"  # value | previous | rank | grade | change
    topic: str = ""
    own: str = ""  # the words before a noun taken from after the number (扬尘管控 of …措施)


@dataclass
class _Sentence:
    start: int
    end: int
    period: str | None = None  # a period stated in the sentence so far
    names: list[str] = field(default_factory=list)  # the last list of names (enumerations)
    names_unit: str | None = None


# --- helpers ---------------------------------------------------------------------------------


def _strip_lead(s: str, offset: int) -> tuple[str, int]:
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


def _strip_trail(s: str) -> str:
    return _TRAIL.sub("", s)


def _clean(s: str) -> str:
    s = _NAME.sub("", s)
    s = s.replace("“", "").replace("”", "") if s.count("“") != s.count("”") else s
    if s.count("（") > s.count("）"):
        s = s.replace("（", "", 1) if s.startswith("（") else s  # （国控断面1个、… → 国控断面
    return s.strip(" ，,、：:；;")


def _topic(subject: str) -> str:
    """A subject without its rate/amount word: 入河排污口溯源完成率 → 入河排污口."""
    t = _GENERIC_TAIL.sub("", subject)
    for verb in ("新增", "累计", "完成"):
        t = t.removeprefix(verb)
    return t or subject


def _direction(verb: str) -> int:
    return -1 if verb in _NEGATIVE else 1


def _signed(word: str, owner: _Draft) -> int:
    """The sign a change verb gives: 改善 of an index or a concentration is a fall, of a count
    of good days a rise."""
    if word != "改善":
        return _direction(word)
    falling = owner.unit in (None, "微克/立方米", "毫克/立方米") or re.search(
        r"浓度|指数", owner.subject
    )
    return -1 if falling else 1


def _year_of(period: str | None) -> str | None:
    m = re.match(r"(\d{4})", period or "")
    return m.group(1) if m else None


def _category(
    subject: str, unit: str | None, context: tuple[str, ...] = ()
) -> tuple[Category, str | None]:
    """Category and indicator key: the catalogue when an alias names the subject and its unit
    fits the indicator, else words of the subject, then of the sentence and the heading."""
    ind = match_indicator(subject)
    if ind is not None and unit_fits(ind.units, unit):
        return ind.category, ind.key
    if unit == "辆":
        return "transport", None
    if unit in ("万元", "亿元", "元"):
        return "funding", None
    for words in (subject, *context):
        for cat, pattern in _CATEGORY_WORDS:
            if pattern.search(words):
                return cat, None
    return "other", None


def unit_fits(expected: list[str | None], unit: str | None) -> bool:
    """``unit`` is one of ``expected`` or another scale of one (万吨 for 吨)."""
    if not expected:
        return True
    base = std_value(Decimal(1), unit)[1]
    return any(std_value(Decimal(1), u)[1] == base for u in expected)


# --- facts -----------------------------------------------------------------------------------


class _Reader:
    """Reads the facts of one document, sentence by sentence."""

    def __init__(self, text: str, meta: ReportMeta) -> None:
        self.text = text
        self.simp = simplified_same_length(text)
        self.meta_year = _year_of(meta.period)
        self.meta_period = meta.period
        self.region = meta.region
        self.mentions = find_numbers(text, include_masked=True)  # in text order
        self.starts = [k.start for k in self.mentions]

    # -- periods ------------------------------------------------------------------------

    def _period_in(self, s: str) -> str | None:
        """The last period the sentence so far (``s``, simplified) states for what follows.

        A year that belongs to one number only (由2015年的78…, 2015年的106、15.5) is left to
        that number; a plan period (“十四五”) holds only within its clause."""
        found: list[tuple[int, str]] = []
        for m in _PERIOD_UNTIL.finditer(s):
            year = m[1] or self.meta_year
            if year:
                # 截至2025年10月: no day is stated; 截至11月底: the month's last day
                last = (
                    calendar.monthrange(int(year), int(m[2]))[1]
                    if m[0].endswith(("底", "末"))
                    else None
                )
                day = f"-{int(m[3]):02d}" if m[3] else f"-{last:02d}" if last else ""
                found.append((m.start(), f"截至{year}-{int(m[2]):02d}{day}"))
        for m in _PERIOD_MONTHS.finditer(s):
            year = m[1] or self.meta_year
            if year:
                found.append((m.start(), f"{year}-{int(m[2]):02d}/{year}-{int(m[3]):02d}"))
        for m in _PERIOD_SINCE.finditer(s):
            found.append((m.start(), f"{m[1]}至今"))
        last_clause = max((s.rfind(c) for c in "，,：:；;"), default=-1)
        for m in _PERIOD_PLAN.finditer(s):
            if m.start() > last_clause:
                found.append((m.start(), m[1]))
        taken = {p for p, _ in found}
        for m in _YEAR.finditer(s):
            if any(abs(m.start() - p) < 3 for p in taken):
                continue
            if re.match(r"(?:的|以来|至今|底|末|前|起)", s[m.end() :]) or re.search(
                r"(?:由|从|较|比|到|至|于)$", s[: m.start()]
            ):
                continue  # a year for one number, a comparison, or a deadline
            found.append((m.start(), m[1]))
        if not found:
            return None
        period = max(found)[1]
        return None if period == self.meta_year else period

    # -- the document -------------------------------------------------------------------

    def read(self, sections: list[Section]) -> list[Fact]:
        facts: list[Fact] = []
        for sec in sections:
            if sec.kind == "back":
                continue
            tables, rows = self._tables(sec)
            facts += [self._fact(d, sec) for d in tables]
            body = [
                m
                for m in self.mentions
                if sec.start <= m.num_start < sec.end
                and not m.masked
                and not any(a <= m.num_start < b for a, b in rows)
            ]
            for seg_start, seg_end in self._segments(sec.start, sec.end):
                seg = [m for m in body if seg_start <= m.num_start < seg_end]
                drafts = self._segment(seg_start, seg_end, seg) if seg else []
                drafts += self._word_grades(seg_start, seg_end, drafts)
                facts += [self._fact(d, sec) for d in sorted(drafts, key=lambda d: d.start)]
        return facts

    def _tables(self, sec: Section) -> tuple[list[_Draft], list[tuple[int, int]]]:
        """A table flattened into lines ("细颗粒物（PM2.5） | 31 | -6.1" under "监测项目 |
        年评价值 | 同比变化（%）"): one fact per row and value column, its unit from the caption's
        （单位：…）, a 同比/较上年 column as the row's change, a year column as its period.
        Returns the drafts and the spans of the rows read, which nothing else reads again."""
        drafts: list[_Draft] = []
        spans: list[tuple[int, int]] = []
        lines: list[tuple[int, str]] = []
        pos = sec.start
        for line in self.simp[sec.start : sec.end].split("\n"):
            lines.append((pos, line))
            pos += len(line) + 1
        k = 0
        while k < len(lines):
            if not is_table_row(lines[k][1]):
                k += 1
                continue
            block = []
            while k < len(lines) and is_table_row(lines[k][1]):
                block.append(lines[k])
                k += 1
            caption = next(
                (ln for at, ln in reversed(lines) if at < block[0][0] and ln.strip()), ""
            )
            drafts += self._table(block, caption, spans)
        return drafts, spans

    def _table(
        self, block: list[tuple[int, str]], caption: str, spans: list[tuple[int, int]]
    ) -> list[_Draft]:
        header = [c.strip() for c in TABLE_CELL.split(block[0][1])]
        if any(re.search(r"\d", c) and not _YEAR_CELL.fullmatch(c) for c in header[1:]):
            header = []  # no header row: every line is data
        rows = block[1:] if header else block
        unit_m = re.search(r"单位[：:]\s*([^，,；;）)]+)", caption)
        default_unit = canonical_unit(unit_m.group(1).strip()) if unit_m else None
        overrides = dict(
            (name.strip(), canonical_unit(u.strip()))
            for name, u in re.findall(r"[，,；;]([^，,；;为]{1,12})为([^，,；;）)]+)", caption)
        )
        out: list[_Draft] = []
        for at, line in rows:
            cells = TABLE_CELL.split(line)
            label = cells[0].strip()
            if not label or (
                re.search(r"\d", _PAREN.sub("", label)) and not label.startswith("PM")
            ):
                continue
            row_unit = next((u for n, u in overrides.items() if n and n in label), default_unit)
            spans.append((at, at + len(line)))
            main: _Draft | None = None
            offset = at + len(cells[0]) + 1
            for col, cell in enumerate(cells[1:], start=1):
                start = self.text.find(cell.strip(), offset) if cell.strip() else -1
                offset += len(cell) + 1
                k = bisect.bisect_left(self.starts, start)
                if start < 0 or k == len(self.mentions):
                    continue
                m = self.mentions[k]
                if m.masked or m.num_start >= start + len(cell):
                    continue
                head = header[col] if col < len(header) else ""
                unit = canonical_unit(m.unit) or row_unit
                said = _BASIS.search(head) or re.search(r"变化|增减|变幅|增幅|降幅", head)
                if said and main is not None:
                    cell_unit = re.search(r"[（(]([^）)]+)[）)]", head)
                    basis = _BASIS.search(head)
                    main.change = Change(
                        basis=basis.group(1) if basis else None,
                        value=_number(m.value),
                        unit=canonical_unit(cell_unit.group(1)) if cell_unit else m.unit,
                    )
                    main.end = at + len(line)
                    continue
                year = _YEAR_CELL.fullmatch(head)
                period = year.group(1) if year and year.group(1) != self.meta_year else None
                d = _Draft(m, label, at, at + len(line), unit, value=m.value, period=period)
                d.head, d.topic = label, _topic(label)
                out.append(d)
                main = main or d
        return out

    def _word_grades(self, seg_start: int, seg_end: int, drafts: list[_Draft]) -> list[_Draft]:
        """榆河干流水质状况为优, 沙溪河水质状况为良好: a grade in words, no number at all."""
        out = []
        for g in _WORD_GRADE.finditer(self.simp, seg_start, seg_end):
            if any(d.start < g.end() and g.start() < d.end for d in drafts):
                continue
            lo = self._clause_start(seg_start, g.start("what"))
            subject, start, area = self._subject(self.simp[lo : g.end("what")], lo)
            at, to = g.span("grade")
            mention = Mention(at, to, at, to, self.text[at:to], Decimal(0), None, "grade")
            grade = _Draft(mention, subject or "水质状况", start, g.end(), None, area=area)
            grade.value_text, grade.role, grade.head = mention.text, "grade", subject
            out.append(grade)
        return out

    def _segments(self, start: int, end: int) -> list[tuple[int, int]]:
        out: list[tuple[int, int]] = []
        pos = start
        for k in range(start, end):
            if self.text[k] in SEGMENT_MARKS:
                out.append((pos, k + 1))
                pos = k + 1
        if pos < end:
            out.append((pos, end))
        return out

    def _sentence_period(self, seg_start: int, at: int) -> str | None:
        """Period stated earlier in the same sentence (。-bounded, across ；)."""
        lo = seg_start
        while lo > 0 and self.text[lo - 1] not in SENTENCE_MARKS:
            lo -= 1
        return self._period_in(self.simp[lo:at])

    def _clause_start(self, seg_start: int, at: int) -> int:
        k = at
        while k > seg_start and self.text[k - 1] not in CLAUSE_MARKS:
            k -= 1
        return k

    def _segment(self, seg_start: int, seg_end: int, seg: list[Mention]) -> list[_Draft]:
        drafts: list[_Draft] = []
        names: list[str] = []
        names_unit: str | None = None
        area: str | None = None
        area_clause = -1
        prev_end = seg_start
        consumed = seg_start  # text a count took as its noun is not the next number's subject
        i = 0
        while i < len(seg):
            m = seg[i]
            clause = self._clause_start(seg_start, m.start)
            counted = m.kind == "quantity" and (m.unit is None or m.unit in _COUNT_UNITS)
            # a count after 6河 starts after the noun 河; a rate after 953个入河排污口 includes it
            # …a rank after 在全市9个县（市、区）中 does not start inside that count's noun
            tail = max(clause, prev_end, consumed if counted or m.kind == "rank" else clause)
            left = self.simp[tail : m.start]
            period = self._sentence_period(seg_start, m.start)

            # lists: 54、23、3 — numbers joined only by 、
            group = [m]
            while i + len(group) < len(seg):
                nxt = seg[i + len(group)]
                joint = self.simp[group[-1].end : nxt.start]
                if nxt.kind not in ("quantity", "percent") or joint not in ("、", "和", "及"):
                    break
                group.append(nxt)
                if joint != "、":
                    break  # 5.3%、3.2%、4.0%和12.5%: 和 joins the last one
            changes = self._list_changes(group, left, drafts) if len(group) > 1 else None
            if changes is not None:
                prev_end = group[-1].end
                i += len(group)
                continue
            if len(group) > 1 and m.kind in ("quantity", "percent"):
                drafts += self._list(group, left, tail, period, names, names_unit, drafts)
                listed = drafts[-len(group) :]
                names = [d.head for d in listed]
                names_unit = listed[-1].unit
                prev_end = group[-1].end
                i += len(group)
                continue

            made = self._single(m, left, tail, seg_end, period, drafts, names, names_unit)
            if made is not None:
                if made.area is None and area is not None and area_clause == clause:
                    made.area = area
                if made.area is not None:
                    area, area_clause = made.area, clause
                if made.role == "value" and made.end > m.end:
                    consumed = made.end  # a noun taken from after the number
                drafts += self._shared(made, left)
                if m.kind == "range" and m.value_to is not None and made.role == "value":
                    # 每月在26—33件之间: both ends are stated numbers
                    made.subject, made.head = made.subject + "下限", made.head + "下限"
                    upper = dataclasses.replace(made, value=m.value_to)
                    upper.subject, upper.head = made.subject[:-2] + "上限", made.head[:-2] + "上限"
                    drafts.append(upper)
            if made is not None or m.kind != "grade":
                prev_end = m.end  # a class named inside a subject (五类水比例) is not a boundary
            i += 1
        # 与上年持平 / 同比持平: a change of zero for the fact before it
        for flat in re.finditer(r"持平", self.simp[seg_start:seg_end]):
            at = seg_start + flat.start()
            owner = next(
                (d for d in reversed(drafts) if d.role == "value" and d.end <= at + 2), None
            )
            if owner is not None and owner.change is None and at - owner.end <= 12:
                said = re.search(
                    r"(与上年同期|与上年|与去年|同比|较上年|较去年)", self.simp[owner.end : at]
                ) or _BASIS.search(self.simp[owner.end : at + 2])
                owner.change = Change(basis=said.group(1) if said else None, value=0, unit=None)
                owner.end = at + 2
        # "城区820辆公交车、1359辆出租车": an area heading a run of 、-joined counts holds for all
        for a, b in itertools.pairwise(drafts):
            if a.area and not b.area and self.text[a.end : b.start] in ("、",):
                b.area = a.area
        return [d for d in drafts if d.role != "change"]

    def _shared(self, d: _Draft, left: str) -> list[_Draft]:
        """受污染耕地安全利用率、重点建设用地安全利用率均达到100%: one value said of several
        subjects is a fact for each; the first quotes the clause, the others from their own
        name on."""
        parts = [p for p in d.subject.split("、") if p]
        if d.role != "value" or len(parts) < 2 or not re.search(r"均|都", left):
            return [d]
        suffix = _shared_suffix(parts[-1])
        if suffix:
            parts = [p if p.endswith(suffix) else p + suffix for p in parts]
        out = []
        for k, part in enumerate(parts):
            head = part.removesuffix(suffix) if suffix and k < len(parts) - 1 else part
            at = self.simp.find(head, d.start, d.end) if k else d.start
            out.append(
                dataclasses.replace(
                    d, subject=part, head=part, topic=_topic(part), start=max(at, d.start)
                )
            )
        return out

    def _list_changes(
        self, group: list[Mention], left: str, drafts: list[_Draft]
    ) -> list[_Draft] | None:
        """分别同比下降5.0%、7.1% after a list of values: one change for each, in order."""
        said = re.sub(r"分别", "", left)
        verb = _CHANGE_VERB.search(said)
        owners = [d for d in drafts if d.role == "value"][-len(group) :]
        if verb is None:
            return None
        if len(owners) < len(group) or any(d.change for d in owners):
            # more changes than values to give them to: no guess; the checker lists them as
            # numbers no fact covers
            return []
        basis_m = self._basis_before(group[0].start)
        unit_all = next((canonical_unit(k.unit) for k in reversed(group) if k.unit), None)
        for owner, k in zip(owners, group, strict=True):
            unit = canonical_unit(k.unit) or unit_all
            owner.change = Change(
                basis=basis_m.group(1) if basis_m else None,
                value=_number(k.value * _signed(verb.group(1), owner)),
                unit=unit,
            )
            owner.end = max(owner.end, group[-1].end)
        return owners

    def _basis_before(self, at: int) -> re.Match[str] | None:
        """The last comparison basis (同比, 较上年…) in the clause before ``at``."""
        clause = self._clause_start(0, at)  # stops at the clause's mark
        said = list(_BASIS.finditer(self.simp[clause:at]))
        return said[-1] if said else None

    # -- one number ---------------------------------------------------------------------

    def _change_owner(self, drafts: list[_Draft], unit: str | None) -> _Draft | None:
        """The fact a change qualifies: the last one before it without a change, or, for a
        change in days or tonnes, the last one in that unit (优良天数276天，占全年的75.4%，同比
        增加9天 → the 276天)."""
        free = []
        for d in reversed(drafts):
            if d.role != "value":
                continue
            if d.change is not None:
                break
            free.append(d)
        if not free:
            return None
        if unit is not None and unit not in ("%", "个百分点", "名", "位"):
            base = std_value(Decimal(1), unit)[1]
            same = [d for d in free if std_value(Decimal(1), d.unit)[1] == base]
            if same:
                return same[0]
        return free[0]

    def _last_value(self, drafts: list[_Draft], *, without: str) -> _Draft | None:
        for d in reversed(drafts):
            if d.role in ("value", "grade") and getattr(d, without) is None:
                return d
            if d.role in ("value", "grade"):
                return None
        return None

    def _single(
        self,
        m: Mention,
        left: str,
        tail: int,
        seg_end: int,
        period: str | None,
        drafts: list[_Draft],
        names: list[str],
        names_unit: str | None,
    ) -> _Draft | None:
        unit = canonical_unit(m.unit)
        seg_text = self.simp[self._clause_start(0, tail) : m.start]
        target = bool(
            _TARGET_WORDS.search(left)
            or _TARGET_INTRO.search(seg_text)
            or re.match(r"的?目标", self.simp[m.end : m.end + 3])
            # a bound the number reader took as its hedge: 不高于45微克/立方米
            or re.match(r"不高于|不低于|不超过|不少于", self.simp[m.start : m.num_start])
            # a deadline after the report's year: 到2025年，农村生活污水治理率达到40%以上
            or any(
                self.meta_year is not None and int(y) > int(self.meta_year)
                for y in re.findall(r"(?:到|至|于|在)((?:19|20)\d{2})年", seg_text)
            )
        )

        if m.kind == "grade":
            since = re.search(r"(?:由|从)((?:19|20)\d{2})年的?$", left)
            moved = re.search(r"(?:提升|提高|改善|好转|上升|下降|降|变)(?:为|至|到)$", left)
            last = drafts[-1] if drafts else None
            if moved and last is not None and last.role == "grade":
                # 水质由2022年的Ⅳ类提升至Ⅲ类: where the class got to, of the same water
                to = dataclasses.replace(last, mention=m, end=m.end, period=period)
                to.value_text = m.text
                return to
            if since:
                left = left[: since.start()]
                period = since.group(1) if since.group(1) != self.meta_year else None
            elif not _GRADE_STATED.search(left):
                return None  # "I-III类水质比例": a class named inside a subject
            subject, start, area = self._subject(left, tail)
            if re.fullmatch(r"(?:质量)?(?:等级|级别)", subject) and last is not None:
                # …昼间平均等效声级53.9分贝，质量等级为二级: the grade of what came before
                stem = re.sub(r"(?:平均)?(?:等效声级|浓度|值)$", "", last.subject)
                subject = stem + subject if stem != last.subject else subject
            return _Draft(
                m,
                subject or "级别",
                start,
                m.end,
                None,
                value_text=m.text,
                period=period,
                area=area,
                role="grade",
                head=subject,
            )

        # a change: 同比增加14天 → the fact before it
        verb = _CHANGE_VERB.search(left)
        if verb and m.kind != "rank":
            basis_m = self._basis_before(m.start)
            basis = basis_m.group(1) if basis_m else None
            owner = self._change_owner(drafts, unit)
            word = verb.group(1)
            if owner is not None:
                sign = _signed(word, owner)
                owner.change = Change(basis=basis, value=_number(m.value * sign), unit=unit)
                owner.end = max(owner.end, m.end)
                return _Draft(m, "", m.start, m.end, unit, role="change")
            if word != "改善" and not re.search(r"(?:到|至)$", left):
                # a change with no level to qualify: 化肥使用量同比减少2.6% → its own fact
                head_text = left[: verb.start()]
                if basis_m is not None:
                    head_text = head_text.replace(basis_m.group(1), "")
                subject, start, area = self._subject(head_text, tail)
                if subject:
                    sign = _direction(word)
                    return _Draft(
                        m,
                        subject + ("降幅" if sign < 0 else "增幅"),
                        start,
                        m.end,
                        unit,
                        value=m.value,
                        period=period,
                        area=area,
                        change=Change(basis=basis, value=_number(m.value * sign), unit=unit),
                        head=subject,
                        topic=subject,
                    )

        if m.kind == "rank":
            return self._rank(m, left, tail, period, drafts)

        # a previous-period value: 同比去年47.7微克/立方米
        prev = _PREVIOUS.search(left)
        owner = self._last_value(drafts, without="rank") or (drafts[-1] if drafts else None)
        if prev and owner is not None and owner.role == "value" and unit == owner.unit:
            year = prev.group("y")
            if year is None and self.meta_year:
                year = str(
                    int(
                        owner.period[:4]
                        if owner.period and owner.period[:4].isdigit()
                        else self.meta_year
                    )
                    - 1
                )
            start = tail + prev.start()
            return _Draft(
                m,
                owner.subject,
                start,
                m.end,
                unit,
                value=m.value,
                period=year,
                area=owner.area,
                role="previous",
                head=owner.head,
                topic=owner.topic,
            )

        local = re.search(r"(?:由|从)?((?:19|20)\d{2})年的?$", left)
        if local:
            # 由2020年的231天: the year belongs to this number alone
            period = local.group(1) if local.group(1) != self.meta_year else None
            left = left[: local.start()]
        share = re.search(r"(?:占比|占全年|占总数|占)(?:的)?(?:比例|比重)?(?:为|达|达到)?$", left)
        of_whole = re.search(r"占([^，,。；;占]{2,14}?)的?(?:比例|比重)?(?:为|达|达到)?$", left)
        ratio = ""
        if share and unit == "%":
            # Ⅰ～Ⅲ类水质断面占85.7%, 占全年的75.4%: a share of what is named before 占
            left, ratio = left[: share.start()], "比例"
        elif of_whole and unit in ("%", "‰") and not re.search(r"[\d%]", of_whole.group(1)):
            # …超标天数占全年超标天数的40%: a share of the whole it names
            left, ratio = left[: of_whole.start()], f"占{of_whole.group(1)}比例"
        intro = next(reversed(list(_TARGET_INTRO.finditer(left))), None)
        if intro is not None and _TRAIL.sub("", left[intro.end() :]):
            # “十三五”约束性指标为PM2.5年均浓度降至55: what follows the introduction is the subject
            left, tail = left[intro.end() :], tail + intro.end()
        elif intro is not None:
            # 规划确定的PM2.5浓度目标为39: what precedes it, after the last 的
            prefix = left[: intro.start()]
            cut = prefix.rfind("的") + 1
            left, tail = prefix[cut:], tail + cut
        subject, start, area = self._subject(left, tail)
        if ratio:
            subject = subject + ratio if subject else ("占比" if ratio == "比例" else ratio)
        goal_after = re.match(r"的?目标", self.simp[m.end : m.end + 3])
        if goal_after and not re.search(r"率|比例|浓度|数|量|面积", subject):
            subject = ""  # 提前完成“十四五”48%的目标: the goal of the fact before
        end = m.end
        head = subject
        own = ""

        # nothing before the number: the noun after it (953个入河排污口…, 城区820辆公交车)
        right, right_end = self._noun_after(m, seg_end)
        if unit in _FREQUENCY_UNITS:
            # 先后8次深入县(市、区)开展专题调研 — the action is after the count
            phrase, phrase_end = self._phrase_after(m, seg_end)
            subject = subject + phrase
            end = max(end, phrase_end)
        elif (
            m.kind == "quantity"
            and (unit in _COUNT_UNITS or unit is None)
            and (
                not subject
                or subject.endswith("等")
                or _SCOPE_END.search(subject)
                or left.endswith("的")  # 省下达我市的9项约束性指标
                or (len(subject) <= 2 and bool(right))  # 新建11座生活垃圾中转站
            )
        ):
            if subject.endswith("等"):
                subject = ""
            owner_words = (
                subject
                if (left.endswith("的") or len(subject) <= 2)
                and not _SCOPE_END.search(subject)
                and subject not in ("有", "共", "约", "仅", "计", "达", "为")
                else ""
            )
            scope_end = _SCOPE_END.search(subject)
            joined = re.fullmatch(r"(?:和|及|以及|、)", left.strip())
            last = next((d for d in reversed(drafts) if d.role == "value"), None)
            if right:
                verb_phrase = self._follow_verb(right_end, seg_end)
                if joined and last is not None and last.own:
                    subject = last.own + right  # 扬尘管控6项措施和3条要求 → 扬尘管控要求
                    own = last.own
                elif scope_end:
                    subject = scope_end.group(1) + right  # 成功退出全国168个重点城市
                elif owner_words:
                    subject = owner_words + right  # 督察反馈我区的17项问题
                elif verb_phrase and verb_phrase[0].startswith("未"):
                    subject = right + verb_phrase[0]  # 44个行政村生活污水未得到有效治理
                    end = max(end, verb_phrase[1])
                elif verb_phrase and len(right) <= 3:
                    subject = verb_phrase[0] + right  # 9个项目获得…支持 → 获得…支持项目
                    end = max(end, verb_phrase[1])
                else:
                    subject = right
                end = max(end, right_end)
                after = self.text[right_end:seg_end]
                if _rate_follows(after):
                    subject = subject + "数"
                elif re.match(r"中(?:排名|排|居|位列)", self.simp[right_end:seg_end]):
                    # 在全市11个县（市、区）中排名第4位: the field a rank is taken in
                    scope_word = _SCOPE.search(left)
                    subject = (scope_word.group(1) if scope_word else "") + subject + "数"
                # 对3个土壤污染地块进行修复 → 修复土壤污染地块
                act = re.match(rf"进行([{_CJK}]{{2,6}})", self.simp[right_end:seg_end])
                if act:
                    subject = act.group(1) + subject
                    end = right_end + act.end()
            elif self.text[m.end : m.end + 2] and re.match(
                rf"[{_CJK}]", self.simp[m.end : m.end + 1]
            ):
                phrase, phrase_end = self._phrase_after(m, seg_end)
                subject, end = phrase, max(end, phrase_end)
                whole = next((d for d in reversed(drafts) if d.role == "value"), None)
                if whole is not None and re.fullmatch(r"中[，,]?", self.text[whole.end : tail]):
                    # 6家焦化企业中,5家完成超低排放改造任务 → 完成超低排放改造焦化企业
                    subject = re.sub(r"任务$", "", subject) + whole.subject
        elif m.kind == "quantity" and unit in _COUNT_UNITS and right and len(right) <= 3:
            own = subject
            subject = subject + right  # 实施扬尘管控6项措施 → 扬尘管控措施
            end = max(end, right_end)
        elif (
            m.kind == "percent"
            and subject
            and not re.search(r"(率|比例|占比|比重|覆盖|达标|指数)$", subject)
        ):
            # 医疗废物保持百分百安全收运处置 → 医疗废物安全收运处置率
            phrase, phrase_end = self._phrase_after(m, seg_end)
            if phrase:
                phrase = re.sub(r"^全?覆盖$", "覆盖", phrase)
                subject = re.sub(r"实现", "", subject) + phrase
                subject = subject if subject.endswith("率") else subject + "率"
                end = max(end, phrase_end)

        # a bare rate or amount word borrows the topic of the fact before it
        before = next((d for d in reversed(drafts) if d.role != "change"), None)
        before = before if before is not None and before.role in ("value", "previous") else None
        if before is not None and (
            not subject or _GENERIC.match(subject) or (ratio and subject == ratio)
        ):
            word = subject.replace("占比", "比例") if subject else ""
            if not word and re.search(r"目标", self.simp[m.end : m.end + 4]):
                word, end = "目标", m.end + self.simp[m.end : m.end + 4].index("目标") + 2
                target = True
            subject = (before.topic or _topic(before.subject)) + word

        if not subject:
            return None
        if target and "目标" not in subject and (intro is not None or goal_after):
            subject += "目标"
        if target and period is None:
            # 力争到2027年…提高到43%: a goal's deadline year is its period
            years = re.findall(r"((?:19|20)\d{2})年", seg_text)
            if years and years[-1] != self.meta_year:
                period = years[-1]
        if (
            period is None
            and re.search(r"累计", left)
            and not re.search(r"累计[^，,]{0,2}率", left)
        ):
            period = "累计"
        return _Draft(
            m,
            subject,
            start if head else m.start,
            end,
            unit,
            value=m.value,
            period=period,
            area=area,
            is_target=target,
            head=head or subject,
            topic=_topic(subject),
            own=own,
        )

    def _rank(
        self, m: Mention, left: str, tail: int, period: str | None, drafts: list[_Draft]
    ) -> _Draft | None:
        scope_m = _SCOPE.search(left)
        scope = scope_m.group(1) if scope_m else None
        metric_m = _METRIC.search(left)
        kept = ("改善率", "改善幅度", "改善程度", "降幅")
        metric = metric_m.group(1) if metric_m and metric_m.group(1) in kept else None
        tied = "并列" in left
        unit = canonical_unit(m.unit)
        threshold = self.text[m.start : m.start + 1] in ("前", "后")
        rank = Rank(scope=scope, position=int(m.value), metric=metric, tied=tied)
        rest = _RANK_FILLERS.sub("", _METRIC.sub("", left)) if not threshold else ""
        rest, _ = _strip_lead(_clean(rest), 0)
        owner = self._last_value(drafts, without="rank")
        if (
            re.match(r"中", left)
            and owner is not None
            and owner.end == tail
            and owner.unit in _COUNT_UNITS
            and len(drafts) >= 2
        ):
            # 在全市11个县（市、区）中排名第4位: the count is the field ranked in, the fact
            # ranked is the one before it
            lo = self._clause_start(0, owner.start)
            field_m = _SCOPE.search(self.simp[lo : owner.end])
            scope = self.text[lo + field_m.start() : owner.end] if field_m else scope
            rank = Rank(scope=scope, position=int(m.value), metric=metric, tied=tied)
            rest = re.sub(r"^中", "", rest)
            owner = self._last_value(drafts[:-1], without="rank")
        if not threshold and not rest and owner is not None:
            owner.rank = rank
            owner.end = max(owner.end, m.end)
            return None
        if threshold:
            # 成功退出全国168个重点城市后30名: the list the threshold is taken in comes before
            before = drafts[-1] if drafts and drafts[-1].end >= m.start - 1 else None
            noun = before.subject.removesuffix("数") if before is not None else ""
            subject = (noun or _clean(_strip_trail(left))) + self.text[m.start : m.end]
            return _Draft(
                m,
                subject,
                tail,
                m.end,
                unit,
                value=m.value,
                period=period,
                rank=None,
                role="rank",
                head=subject,
            )
        since = re.search(r"(?:由|从)(年初|年底|上半年|上年|去年|(?:19|20)\d{2}年)的?", left)
        when = ""
        if since and re.search(r"(?:到|至|为)", left[since.end() :]):
            since = None  # 由年初的全省末位提升到第9位: this number is where it got to
        if since:
            # 由年初的全省第15位提升到第9位: the first rank is the starting point; a year is its
            # period, a word like 年初 is part of what is ranked (there is no period for it)
            word = since.group(1)
            if word[:1].isdigit():
                period = word[:4] if word[:4] != self.meta_year else None
            else:
                when = word
        base = next((d for d in reversed(drafts) if d.role != "change"), None)
        if rest and "排名" in left:
            # PM10浓度排名由年初的全省末位提升到第11位: the subject is before 排名
            subject, start, _ = self._subject(left.split("排名")[0], tail)
            subject = (subject or rest) + when + "排名"
        elif rest:
            subject, start, _ = self._subject(rest, tail)
        elif base is not None and base.role == "rank" and metric is None:
            # …提升到第9位: the same ranking, now
            subject = re.sub(r"(?:年初|年底|上半年|上年|去年)排名$", "排名", base.subject)
            start = tail
        else:
            topic = base.topic if base is not None else self._topic_before(tail)
            subject = f"{topic}{metric or ''}排名"
            start = tail
        return _Draft(
            m,
            subject,
            start,
            m.end,
            unit,
            value=m.value,
            period=period,
            rank=rank,
            role="rank",
            head=subject,
        )

    def _topic_before(self, at: int) -> str:
        """The head noun of the clause before ``at``: PM10浓度虽有改善,但排名… → PM10浓度."""
        k = at - 1
        while k > 0 and self.text[k - 1] not in CLAUSE_MARKS:
            k -= 1
        prev = self.simp[k:at].rstrip("，,")
        head = re.split(r"虽|已|均|仍|有所|持续|明显|进一步|得到|有|保持|改善|下降|上升", prev)[0]
        subject, _ = _strip_lead(_clean(head), 0)
        return subject

    def _subject(self, left: str, tail: int) -> tuple[str, int, str | None]:
        """Subject, its start in the text, and the area heading the clause."""
        s, offset = _strip_lead(left, tail)
        # dates, years and periods are not part of what a number measures
        for pattern in (_PERIOD_UNTIL, _PERIOD_MONTHS, _PERIOD_SINCE):
            while (m := pattern.match(s)) is not None:
                s, offset = s[m.end() :].lstrip("，,的"), offset + m.end()
        while y := re.match(r"^(?:“?十[一二三四五六七八九]五”?|(?:19|20)\d{2}年(?:度)?)", s):
            s, offset = s[y.end() :], offset + y.end()
            s2, offset = _strip_lead(s, offset)
            s = s2
        if self.region and s.startswith(self.region):
            s, offset = s[len(self.region) :], offset + len(self.region)
        s, offset = _strip_lead(s, offset)
        area = None
        am = _AREA.match(s) or _PLACE.match(s)
        if am and not am.group(0).endswith(_NOT_PLACE):
            area = self.text[offset : offset + am.end()]
            s, offset = s[am.end() :], offset + am.end()
            s, offset = _strip_lead(s, offset)
        if re.search(r"、[^、]*等", s) and not s.endswith("等"):
            # 召开全市生态环境保护大会、…等专题会议 → 召开专题会议
            verb = re.match(r"^(召开|举办|组织|开展|制定|出台)", s)
            s = (verb.group(1) if verb else "") + s.rsplit("等", 1)[1]
        s = _clean(_strip_trail(_NAME.sub("", s)))
        s = _strip_trail(s)
        if re.fullmatch(r"(?:规划|省定|市定|年度|上级)?(?:要求|目标|任务)?", s):
            s = ""  # "达到“十四五”规划要求的52%目标": the target of what came before
        return s, offset, area

    def _noun_after(self, m: Mention, seg_end: int) -> tuple[str, int]:
        """The noun right after a count (skipping a number that shares it: 7项27类问题…)."""
        pos = m.end
        after = self.mentions[bisect.bisect_left(self.starts, pos) :]
        nxt = next((k for k in after if k.start == pos and not k.masked), None)
        if nxt is not None:
            pos = nxt.end
        s = self.simp[pos:seg_end]
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
        later = self.mentions[bisect.bisect_right(self.starts, pos) :]
        nxt_start = later[0].start if later else seg_end
        noun = noun[: max(0, nxt_start - pos)] if nxt_start - pos < len(noun) else noun
        # a rate that the count scopes starts its own words: 953个入河排污口溯源完成率100%
        nums = re.search(r"\d", noun)
        if nums:
            noun = noun[: nums.start()]
            rate = _RATE_START.search(noun, 2)
            if rate:
                noun = noun[: rate.start()]
        elif _rate_follows(s[len(noun) :]) or re.search(
            r"\d", s[: (stop.start() if stop else len(s)) + 12]
        ):
            rate = _RATE_START.search(noun, 2)
            if rate and re.search(r"\d", s[rate.start() :][:20]):
                noun = noun[: rate.start()]
        noun = re.sub(r"工作$", "", noun)
        return noun, pos + len(noun)

    def _phrase_after(self, m: Mention, seg_end: int) -> tuple[str, int]:
        """The rest of the clause after the number (an action or a noun phrase)."""
        s = self.simp[m.end : seg_end]
        stop = re.search(r"[，,。；;：:]", s)
        phrase = s[: stop.start()] if stop else s
        return _clean(phrase), m.end + len(phrase)

    def _follow_verb(self, at: int, seg_end: int) -> tuple[str, int] | None:
        s = self.simp[at:seg_end]
        v = _FOLLOW_VERB.match(s)
        if not v:
            return None
        stop = re.search(r"[，,。；;：:\d]", s)  # 已完成整改15项: the next number is not ours
        phrase = s[v.start(1) : stop.start() if stop else len(s)]
        return _clean(phrase), at + (stop.start() if stop else len(s))

    def _list(
        self,
        group: list[Mention],
        left: str,
        tail: int,
        period: str | None,
        names: list[str],
        names_unit: str | None,
        drafts: list[_Draft],
    ) -> list[_Draft]:
        """One fact per number of a 、-joined list, subjects from the list of names."""
        py = re.search(r"((?:19|20)\d{2})年的?$", left)
        if py:
            # the list's own year overrides the sentence's; the report's own year is no period
            period = py.group(1) if py.group(1) != self.meta_year else None
            left = left[: py.start()]
        target = bool(_TARGET_WORDS.search(left) or _TARGET_INTRO.search(left))
        left = re.sub(r"(?:分别)?(?:下降|上升|提高|降低|减少|增加|提升)?(?:到|至|为)?$", "", left)
        left = re.sub(r"(?:从|由)$", "", left)
        left = re.sub(r"的?(?:省定|市定|年度)?目标(?:分别)?(?:为|是)?$", "", left)
        subject, start, area = self._subject(left, tail)
        parts = [p for p in re.split(r"[、]", subject) if p]
        if len(parts) == len(group):
            suffix = _shared_suffix(parts[-1])
            if suffix:
                parts = [p if p.endswith(suffix) else p + suffix for p in parts]
            subjects = parts
        elif len(names) == len(group):
            subjects = names
        else:
            subjects = [subject] * len(group)
        unit_all = next((canonical_unit(k.unit) for k in reversed(group) if k.unit), names_unit)
        out = []
        for k, subj in zip(group, subjects, strict=True):
            out.append(
                _Draft(
                    k,
                    subj,
                    start if k is group[0] else k.start,
                    k.end,
                    canonical_unit(k.unit) or unit_all,
                    value=k.value,
                    period=period,
                    area=area,
                    is_target=target,
                    head=subj,
                    topic=_topic(subj),
                )
            )
        if target:
            for d in out:
                d.subject = d.subject if d.subject.endswith("目标") else d.subject + "目标"
        return out

    def _fact(self, d: _Draft, sec: Section) -> Fact:
        heading = " ".join(sec.path)
        if sec.kind == "recommendations" and _PLAN_HEADING.search(heading) and d.role == "value":
            # 五、2025年工作打算 / 2026年工作思路: the numbers of a plan are its goals, for the
            # year the heading names
            d.is_target = True
            year = _YEAR.search(heading)
            if d.period is None and year and year.group(1) != self.meta_year:
                d.period = year.group(1)
        subject = d.subject.strip() or "数值"
        if d.period is not None and d.period == self.meta_period:
            d.period = None  # the report's own period is no period of the fact
        lo, hi = enclosing(self.simp, d.start, d.end, SEGMENT_MARKS)
        category, indicator = _category(subject, d.unit, (self.simp[lo:hi], " ".join(sec.path)))
        value = _number(d.value) if d.value is not None else None
        std, unit_std = to_std(value, d.unit)
        start = max(d.start, sec.start)
        return Fact(
            category=category,
            subject=subject,
            indicator=indicator,
            value=value,
            value_text=d.value_text,
            unit=d.unit if d.value is not None else None,
            value_std=std,
            unit_std=unit_std,
            period=d.period,
            area=d.area,
            change=d.change,
            rank=d.rank,
            is_target=d.is_target,
            quote=self.text[start : d.end],
            span=(start, d.end),
            section=sec.id,
            origin="rules",
        )


def _rate_follows(s: str) -> bool:
    """A rate stated right after a count's noun (…水质达标率100%): the count is a scope."""
    return bool(re.match(r"^[^，,。；;]{0,14}?(?:率|比例)[为达到]*\d", s))


def _shared_suffix(last: str) -> str:
    m = re.search(
        r"(年均浓度|平均浓度|浓度|排放总量|排放量|达标率|比例|占比|面积|数量|产量|利用率|覆盖率)$",
        last,
    )
    return m.group(1) if m and len(last) > len(m.group(1)) else ""


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


# --- findings --------------------------------------------------------------------------------

_ITEM = re.compile(r"(?<![\u4e00-\u9fff])([一二三四五六七八九十]{1,2})是")
_LEAD_END = re.compile(r"[，,。；;：:]")
_HEADING_NUMBER = re.compile(
    r"^\s*(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[）)]|\d+[.．、])\s*"
)
DETAIL_CHARS = 200


def _detail(s: str) -> str:
    s = s.strip().strip(" ，,。；;：:").strip()
    if len(s) <= DETAIL_CHARS:
        return s
    cut = max(s.rfind(p, 0, DETAIL_CHARS) for p in "。；;")
    return s[: cut + 1] if cut > DETAIL_CHARS // 2 else s[:DETAIL_CHARS]


def read_findings(text: str, sections: list[Section]) -> tuple[list[Finding], list[Finding]]:
    """Problems and recommendations from the structure of their sections."""
    problems: list[Finding] = []
    recommendations: list[Finding] = []
    for i, sec in enumerate(sections):
        if sec.kind not in ("problems", "recommendations") or not sec.path:
            continue
        nxt = sections[i + 1] if i + 1 < len(sections) else None
        if (
            nxt is not None
            and nxt.path[: len(sec.path)] == sec.path
            and len(nxt.path) > len(sec.path)
        ):
            continue  # a parent whose items are in its children holds only an intro
        heading = sec.path[-1]
        category = _HEADING_NUMBER.sub("", heading).strip()
        h_at = text.find(heading, sec.start, sec.end)
        body_start = h_at + len(heading) if h_at >= 0 else sec.start
        body = text[body_start : sec.end]
        items = list(_ITEM.finditer(body))
        target = problems if sec.kind == "problems" else recommendations
        if not items:
            q_start = h_at + (len(heading) - len(heading.lstrip()) if h_at >= 0 else 0)
            lead = _HEADING_NUMBER.match(heading)
            q_start = (h_at if h_at >= 0 else sec.start) + (lead.end() if lead else 0)
            target.append(
                Finding(
                    category=category,
                    title=category,
                    detail=_detail(body),
                    quote=text[q_start : q_start + len(category)],
                    span=(q_start, q_start + len(category)),
                    section=sec.id,
                )
            )
            continue
        for k, item in enumerate(items):
            end = items[k + 1].start() if k + 1 < len(items) else len(body)
            chunk = body[item.end() : end]
            stop = _LEAD_END.search(chunk)
            title = chunk[: stop.start()] if stop else chunk
            title = title.strip()
            q_start = body_start + item.start()
            q_end = body_start + item.end() + len(title)
            target.append(
                Finding(
                    category=category,
                    title=title,
                    detail=_detail(chunk[len(title) :]),
                    quote=text[q_start:q_end],
                    span=(q_start, q_end),
                    section=sec.id,
                )
            )
    return problems, recommendations


# --- meta ------------------------------------------------------------------------------------


def _iso(y: str, m: str, d: str) -> str:
    return f"{int(y):04d}-{int(m):02d}-{int(d):02d}"


def read_meta(text: str, sections: list[Section]) -> ReportMeta:
    """Title, type, issuer, region, period and date from the title block and the footer."""
    simp = simplified_same_length(text)
    front_end = next((s.end for s in sections if s.kind == "front"), None)
    if front_end is None:
        first = next((s for s in sections if s.path), None)
        front_end = first.start if first is not None else min(len(text), 400)
    lines = [ln.strip() for ln in simp[: max(front_end, text.find("\n") + 1)].split("\n")]
    short = [
        ln
        for ln in lines[:10]
        if ln and len(ln) <= 60 and "。" not in ln and not _DOC_NUMBER.fullmatch(ln)
    ]
    title = next((ln for ln in short if _TITLE_WORDS.search(ln)), short[0] if short else None)
    title_raw = None
    if title:
        at = simp.find(title)
        title_raw = text[at : at + len(title)] if at >= 0 else title

    head = " ".join(short)
    doc_type: DocType = "other"
    if "公报" in head:
        doc_type = "bulletin"
    elif "视察" in head:
        doc_type = "inspection_report"
    elif "调研" in head:
        doc_type = "survey_report"
    elif re.search(r"(人民政府|市政府|县政府|区政府).{0,20}(报告)", head) or (
        re.search(r"关于.{0,40}情况的报告|工作总结", head) and not re.search(r"人大|政协", head)
    ):
        # a 人大 执法检查 report is neither a survey nor the government's own report
        doc_type = "government_report"

    issuer = None
    own = re.match(
        r"^(.{2,12}?(?:人民政府|人大常委会|政协|生态环境局)(?:[^关]{0,6}?(?:调研组|视察组|检查组))?)"
        r"(?:关于|(?:19|20)\d{2}年)",
        title or "",
    )
    candidates = [
        ln
        for ln in short
        if ln != title
        and not ln.endswith(("：", ":"))
        and _ISSUER.search(ln)
        and not re.search(r"第.{1,4}次会议|会议文件|会议上|届|局长|主任|书记|市长|区长|县长", ln)
    ]
    if own:
        issuer = own.group(1)  # 桐江市人民政府关于…的报告
    elif candidates:
        # the body under the title (…调研组) says more than the masthead above it
        after = [ln for ln in candidates if title and short.index(ln) > short.index(title)]
        issuer = (after or candidates)[0]
    if issuer is None:
        m = _BODY_ISSUER.search(simp[: max(front_end, 600)])
        issuer = m.group(1) if m else None
    if issuer is not None:
        at = simp.find(issuer)
        issuer = text[at : at + len(issuer)] if at >= 0 else issuer

    region = None
    masthead = short[: short.index(title)] if title in short else []
    for source in (issuer or "", *masthead, (title or "").removeprefix("关于")):
        m = _REGION.search(source)
        # 关于2024年度县域…: 年度县 is no place
        if m and not m.group(1).endswith(_NOT_REGION) and "年度" not in m.group(1):
            region = m.group(1)
            break
    if region is None:
        counts: dict[str, int] = {}
        for m in _REGION.finditer(simp):
            name = m.group(1)
            if name.endswith(_NOT_REGION) or any(w in name for w in ("以上", "城市", "所在")):
                continue
            counts[name] = counts.get(name, 0) + 1
        if counts:
            region = max(counts, key=lambda k: (counts[k], -simp.find(k)))

    period = None
    if title:
        y = re.search(r"((?:19|20)\d{2})\s*年(度)?(上半年|前三季度|1[-—～至]\d{1,2}月)?", title)
        if y:
            period = y.group(1)
            part = y.group(3) or ""
            last = {"上半年": 6, "前三季度": 9}.get(part)
            if last is None and part:
                last = int(re.findall(r"\d+", part)[-1])
            if last:
                period = f"{y.group(1)}-01/{y.group(1)}-{last:02d}"
    # The latest year the body reports on: not a deadline (到2025年, 2025年底前) nor a base year
    # (较2015年, 从2015年的).
    data_years = [
        m[1]
        for m in _YEAR.finditer(simp)
        if not re.search(r"(?:到|至|由|从|较|比|于)$", simp[: m.start()])
        and not _NOT_DATA_YEAR.match(simp[m.end() :])
        and not re.match(r"\d{1,2}月\d{1,2}日", simp[m.end() :])
    ]
    # the year the body reports on most (an annual report issued in spring names the next
    # year too, for its plans and its meeting)
    counts = {y: data_years.count(y) for y in data_years}
    latest = max(counts, key=lambda y: (counts[y], y)) if counts else None
    about = re.search(r"关于(?:[^，。；]{0,12}?)((?:19|20)\d{2})年度?", simp[: max(front_end, 800)])
    if period is None and about is not None:
        # a survey that names what it surveys (听取…关于2024年度…工作情况报告) reports that year,
        # whatever year its own work plan is dated
        latest = about.group(1)
    if period is not None and re.fullmatch(r"\d{4}", period):
        # a title year whose body runs only to a month of it (截至11月底): year to date
        until = [m for m in _PERIOD_UNTIL.finditer(simp) if (m[1] or period) == period and m[2]]
        month = max((int(m[2]) for m in until), default=12)
        if month < 12:
            period = f"{period}-01/{period}-{month:02d}"
    if latest is None:
        # no year in the body at all (截至8月20日, 1—8月…): the year the report was signed off,
        # up to the last month the body reports on
        signed = _FOOTER_DATE.findall(simp)
        latest = signed[-1][0] if signed else None
        months = [int(m[3]) for m in _PERIOD_MONTHS.finditer(simp) if m[1] is None]
        if period is None and latest and months and not _PERIOD_UNTIL.search(simp):
            period = f"{latest}-01/{latest}-{max(months):02d}"
    if period is None:
        until = [m for m in _PERIOD_UNTIL.finditer(simp) if m[1] or latest]
        if until:
            end = max(until, key=lambda m: (int(m[1] or latest or 0), int(m[2])))
            year = end[1] or latest
            period = f"{year}-01/{year}-{int(end[2]):02d}"
    if period is None:
        period = latest

    issued_on = None
    back = [s for s in sections if s.kind == "back"]
    if back:
        dates = list(_FOOTER_DATE.finditer(simp, back[0].start, back[-1].end))
        if dates:
            issued_on = _iso(*dates[-1].groups()[:3])
    if issued_on is None:
        # a date line in the title block: "2025年6月5日", "（2024年4月25日）", "…日发布"
        for ln in short:
            d = re.fullmatch(r"[（(]?(\d{4})年(\d{1,2})月(\d{1,2})日(?:发布|印发)?[）)]?", ln)
            if d:
                issued_on = _iso(*d.groups())
                break
    if issued_on is None:
        m = _MEETING_DATE.search(simp[: max(front_end, 0) or 600])
        if m:
            issued_on = _iso(*m.groups())
    return ReportMeta(
        title=title_raw,
        doc_type=doc_type,
        issuer=issuer,
        region=region,
        period=period,
        issued_on=issued_on,
    )


# --- the backend -----------------------------------------------------------------------------


def extract_rules(doc: LoadedDocument) -> Report:
    """The whole Report from the rules alone (checked, like every Report)."""
    started = time.perf_counter()
    text = doc.text
    sections = split_sections(text)
    meta = read_meta(text, sections)
    facts = _Reader(text, meta).read(sections)
    problems, recommendations = read_findings(text, sections)
    facts, checks = check_facts(facts, text, sections=sections, meta_period=meta.period)
    return Report(
        doc_id=doc.doc_id,
        source=doc.source(),
        text=text,
        meta=meta,
        sections=sections,
        facts=facts,
        problems=problems,
        recommendations=recommendations,
        checks=checks,
        run=RunInfo(backend="rules", seconds=round(time.perf_counter() - started, 3)),
    )
