"""A report's meta from its title block, its body and its footer: title, type, issuer, region,
period and date of issue, each read by a function of its own."""

from __future__ import annotations

import re
from dataclasses import dataclass

from extractor.folding import simplified_same_length
from extractor.furniture import furniture_spans
from extractor.gazetteer import covering_region, find_regions
from extractor.period import Period
from extractor.rules.periods import MONTHS, UNTIL, YEAR
from extractor.schemas import ReportMeta, Section
from extractor.schemas.report import DocType

_FOOTER_DATE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日\s*(?:印发|印|发)?")
_MEETING_DATE = re.compile(r"——\s*(\d{4})年(\d{1,2})月(\d{1,2})日")
_DATE_LINE = re.compile(r"[（(]?(\d{4})年(\d{1,2})月(\d{1,2})日(?:发布|印发)?[）)]?")
_TITLE_WORDS = re.compile(r"报告|视察|调研|公报|情况的|通报|工作总结|工作思路|工作要点")
# a year that is a deadline, a base, a span or a work plan's, not the year reported on
_NOT_DATA_YEAR = re.compile(r"(?:底|末|前|的|至今|以来|度?(?:监督)?工作(?:要点|计划))")
_YEAR_COMPARED = re.compile(r"(?:到|至|由|从|较|比|于)$")
_DAY_AFTER = re.compile(r"\d{1,2}月\d{1,2}日")
_DOC_NUMBER = re.compile(r"\S{1,6}[〔\[［]\d{4}[〕\]］]\d+号")
_GOVERNMENT = re.compile(r"(人民政府|市政府|县政府|区政府).{0,20}(报告)")
_STATUS_REPORT = re.compile(r"关于.{0,40}情况的报告|工作总结")
_LEGISLATURE = re.compile(r"人大|政协")
_OWN_ISSUER = re.compile(
    r"^(.{2,12}?(?:人民政府|人大常委会|政协|生态环境局)(?:[^关]{0,6}?(?:调研组|视察组|检查组))?)"
    r"(?:关于|(?:19|20)\d{2}年)"
)
_ISSUER = re.compile(
    r"(?:人大常委会|人民政府|政府|政协|生态环境局|环境保护局|委员会|调研组|视察组|办公室)"
    r"[^，。；：:,]{0,20}?(?:调研组|视察组)?$"
)
_NOT_ISSUER = re.compile(r"第.{1,4}次会议|会议文件|会议上|届|局长|主任|书记|市长|区长|县长")
_BODY_ISSUER = re.compile(
    r"((?:[\u4e00-\u9fff]{2,3}市)?市?政协|(?:[\u4e00-\u9fff]{2,3}市)?人大常委会)"
)
_TITLE_MIN = 8
_NATIONAL = re.compile(r"全国|生态环境部|国务院|全国人大|我国")
_TITLE_YEAR = re.compile(r"((?:19|20)\d{2})\s*年(度)?(上半年|前三季度|1[-—～至]\d{1,2}月)?")
_PART_LAST_MONTH = {"上半年": 6, "前三季度": 9}
_ABOUT_YEAR = re.compile(r"关于(?:[^，。；]{0,12}?)((?:19|20)\d{2})年度?")


@dataclass
class _Head:
    """The title block as read: its short lines, the title among them, where the front ends."""

    text: str
    simp: str
    front_end: int
    short: list[str]
    title: str | None  # simplified, as it stands in ``short``
    body: str  # the simplified text with its page furniture blanked out


def _head(text: str, sections: list[Section]) -> _Head:
    simp = simplified_same_length(text)
    front_end = next((s.end for s in sections if s.kind == "front"), None)
    if front_end is None:
        first = next((s for s in sections if s.path), None)
        front_end = first.start if first is not None else min(len(text), 400)
    body = _without_furniture(text, simp)
    # furniture is blanked, not removed: the title block is the first lines that are left
    lines = [ln.strip() for ln in body[: max(front_end, text.find("\n") + 1)].split("\n")]
    short = [
        ln
        for ln in [ln for ln in lines if ln][:10]
        if len(ln) <= 60 and "。" not in ln and not _DOC_NUMBER.fullmatch(ln)
    ]
    # a salutation (全国人民代表大会常务委员会:) or a stray heading is no title; a web page
    # without a title line has none
    named = [ln for ln in short if not ln.endswith(("：", ":"))]
    lead = named[0] if named and len(named[0]) >= _TITLE_MIN else None
    title = next((ln for ln in named if _TITLE_WORDS.search(ln)), lead)
    return _Head(text, simp, front_end, short, title, body)


def _without_furniture(text: str, simp: str) -> str:
    """The simplified text with furniture replaced by spaces (offsets kept)."""
    chars = list(simp)
    for start, end, _ in furniture_spans(text):
        chars[start:end] = " " * (end - start)
    return "".join(chars)


def _original(h: _Head, simplified: str) -> str:
    """A string found in the simplified copy, as the text writes it."""
    at = h.simp.find(simplified)
    return h.text[at : at + len(simplified)] if at >= 0 else simplified


def _doc_type(h: _Head) -> DocType:
    head = " ".join(h.short)
    if "公报" in head:
        return "bulletin"
    if "视察" in head:
        return "inspection_report"
    if "调研" in head:
        return "survey_report"
    if _GOVERNMENT.search(head) or (_STATUS_REPORT.search(head) and not _LEGISLATURE.search(head)):
        # a 人大 执法检查 report is neither a survey nor the government's own report
        return "government_report"
    return "other"


def _issuer(h: _Head) -> str | None:
    own = _OWN_ISSUER.match(h.title or "")
    if own:
        return _original(h, own.group(1))  # 桐江市人民政府关于…的报告
    candidates = [
        ln
        for ln in h.short
        if ln != h.title
        and not ln.endswith(("：", ":"))
        and _ISSUER.search(ln)
        and not _NOT_ISSUER.search(ln)
    ]
    if candidates:
        # the body under the title (…调研组) says more than the masthead above it
        after = [ln for ln in candidates if h.title and h.short.index(ln) > h.short.index(h.title)]
        return _original(h, (after or candidates)[0])
    m = _BODY_ISSUER.search(h.simp[: max(h.front_end, 600)])
    return _original(h, m.group(1)) if m else None


def _region(h: _Head, issuer: str | None) -> str | None:
    """The division the report covers: the first one its issuer, masthead or title names, else
    the one its body names most (a real division's name, simplified, or None)."""
    masthead = h.short[: h.short.index(h.title)] if h.title in h.short else []
    issuer_simp = simplified_same_length(issuer) if issuer else ""
    for source in (issuer_simp, *masthead, (h.title or "").removeprefix("关于")):
        found = find_regions(source)
        if found:
            return found[0][1]
    if _NATIONAL.search(h.title or ""):
        return None  # a national text covers no one division
    return covering_region([name for _, name in find_regions(h.body)])


def _title_period(title: str | None) -> str | None:
    """2024年度 → 2024; 2025年上半年 → 2025-01/2025-06; 2025年1—8月 → 2025-01/2025-08."""
    y = _TITLE_YEAR.search(title or "")
    if not y:
        return None
    part = y.group(3) or ""
    last = _PART_LAST_MONTH.get(part)
    if last is None and part:
        last = int(re.findall(r"\d+", part)[-1])
    return str(Period.of_months(y.group(1), 1, last)) if last else y.group(1)


def _data_year(h: _Head) -> str | None:
    """The year the body reports on most: not a deadline (到2025年, 2025年底前) nor a base year
    (较2015年, 从2015年的); an annual report issued in spring names the next year too, for its
    plans and its meeting."""
    years = [
        m[1]
        for m in YEAR.finditer(h.simp)
        if not _YEAR_COMPARED.search(h.simp, max(0, m.start() - 1), m.start())
        and not _NOT_DATA_YEAR.match(h.simp, m.end())
        and not _DAY_AFTER.match(h.simp, m.end())
    ]
    counts = {y: years.count(y) for y in years}
    return max(counts, key=lambda y: (counts[y], y)) if counts else None


def _period(h: _Head) -> str | None:
    simp = h.simp
    period = _title_period(h.title)
    latest = _data_year(h)
    about = _ABOUT_YEAR.search(simp[: max(h.front_end, 800)])
    if period is None and about is not None:
        # a survey that names what it surveys (听取…关于2024年度…工作情况报告) reports that year,
        # whatever year its own work plan is dated
        latest = about.group(1)
    if period is not None and re.fullmatch(r"\d{4}", period):
        # a title year whose body runs only to a month of it (截至11月底): year to date
        until = [m for m in UNTIL.finditer(simp) if (m[1] or period) == period and m[2]]
        month = max((int(m[2]) for m in until), default=12)
        if month < 12:
            period = str(Period.of_months(period, 1, month))
    if latest is None:
        # no year in the body at all (截至8月20日, 1—8月…): the year the report was signed off,
        # up to the last month the body reports on
        signed = _FOOTER_DATE.findall(simp)
        latest = signed[-1][0] if signed else None
        months = [int(m[3]) for m in MONTHS.finditer(simp) if m[1] is None]
        if period is None and latest and months and not UNTIL.search(simp):
            period = str(Period.of_months(latest, 1, max(months)))
    if period is None:
        until = [m for m in UNTIL.finditer(simp) if m[1] or latest]
        if until:
            end = max(until, key=lambda m: (int(m[1] or latest or 0), int(m[2])))
            period = str(Period.of_months(end[1] or latest or 0, 1, end[2]))
    return period if period is not None else latest


def _iso(y: str, m: str, d: str) -> str:
    return f"{int(y):04d}-{int(m):02d}-{int(d):02d}"


def _issued_on(h: _Head, sections: list[Section]) -> str | None:
    back = [s for s in sections if s.kind == "back"]
    if back:
        dates = list(_FOOTER_DATE.finditer(h.simp, back[0].start, back[-1].end))
        if dates:
            return _iso(*dates[-1].groups()[:3])
    for ln in h.short:
        # a date line in the title block: "2025年6月5日", "（2024年4月25日）", "…日发布"
        d = _DATE_LINE.fullmatch(ln)
        if d:
            return _iso(*d.groups())
    m = _MEETING_DATE.search(h.simp[: max(h.front_end, 0) or 600])
    return _iso(*m.groups()) if m else None


def read_meta(text: str, sections: list[Section]) -> ReportMeta:
    """Title, type, issuer, region, period and date from the title block and the footer."""
    h = _head(text, sections)
    issuer = _issuer(h)
    return ReportMeta(
        title=_original(h, h.title) if h.title else None,
        doc_type=_doc_type(h),
        issuer=issuer,
        region=_region(h, issuer),
        period=_period(h),
        issued_on=_issued_on(h, sections),
    )
