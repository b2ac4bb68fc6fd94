"""Page furniture of text copied from the web: breadcrumbs, publication stamps, source, editor
and view-count lines, 上一篇/下一篇, [打印][关闭], share and login bars, site footers, document
metadata boxes, leftover HTML, figure references. None of it states a fact of the report.

``furniture_spans`` finds it as spans of the text (matched on a same-length simplified copy,
so traditional mirrors read alike). The number reader masks every number inside as
``furniture``; meta never takes a title, issuer or region from it; the checker calls a fact
quoting it no fact.
"""

from __future__ import annotations

import re
from functools import lru_cache

from extractor.folding import simplified_same_length

__all__ = ["FurnitureSpan", "furniture_spans", "in_furniture", "is_furniture_line"]

FurnitureSpan = tuple[int, int, str]  # start, end, what it is

# A whole line that is furniture: only short lines are judged, a paragraph of the report is
# never taken for a stamp.
_LINE_CHARS = 90
_STAMP_LINE_CHARS = 40  # a short line holding a date and a time of day is a publication stamp
_LINE_WORDS = re.compile(
    r"当前位置|当前的位置|所在位置|您现在的位置|现在位置|首页\s*[>»/]|[>»]\s*正文|网站首页|返回首页|返回主页|"
    r"上一篇|下一篇|上一期|下一期|下一版|上一版|"
    r"[\[【(（]?(?:打印|关闭|收藏|纠错|分享)[\]】)）]|打印\s*放大|放大\s*缩小|字号|分享到|扫一扫|微信扫|"
    r"责任编辑|编辑[:：]|作者[:：]|记者[:：]|来源[:：]|稿源[:：]|供稿|通讯员|"
    r"浏览次数|浏览[:：]|阅读[:：]|点击[:：]|点击数|访问量|字数[:：]|下载[:：]|"
    r"发布时间|发布日期|发文日期|成文日期|生效日期|更新时间|时间[:：]|日期[:：]|"
    r"索引号|文件名称|公开形式|公开方式|有效期|时效[:：]|主题词|发布机构|内容概览|信息来源|"
    r"版权所有|版权声明|Copyright|©|ICP|备案号|主办单位|承办单位|技术支持|网站地图|联系我们|关于我们|"
    r"广告服务|手机版|登录|注册|相关新闻|相关阅读|相关链接|推荐图片|热点文章|新闻推荐|热门推荐|"
    r"门户网站|新闻网|[日晚]报\s*[-—·|]|记者[\u4e00-\u9fff]{2,3}(?:摄影?|报道)?$|摄影|"
    r"订阅|导读|插播|点击查看|点击进入|查看全文|阅读全文|查看更多|原标题[:：]|附件[:：]?\s*\d|汇总表$|一览表$",
    re.IGNORECASE,
)
_HTML = re.compile(r"<[a-z/][^<>]{0,80}>", re.IGNORECASE)
_ONLY_MARKS = re.compile(r"[\s|｜•·>»\-—_=*#]*")
_DATETIME_LINE = re.compile(
    r"[\s(（]*(?:\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?"
    r"|(?:0?[1-9]|1[0-2])[-/](?:[0-2]?\d|3[01])\s+\d{1,2}:\d{2}(?::\d{2})?)[)）]?.{0,30}"
)
_STAMP = re.compile(r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}\s+\d{1,2}:\d{2}")
# An instruction to a model planted in the text is no statement of the report.
# (Its words are found first and the sentence around them taken after: a pattern that ran
# from every start of a long line to its words would be quadratic.)
_INSTRUCTION = re.compile(
    r"(?:忽略|无视|忘记)(?:以上|上述|之前|前面|先前)?(?:所有|全部|一切)?的?"
    r"(?:指令|指示|提示词?|要求|规则)|"
    r"(?:ignore|disregard)\s+(?:all\s+)?(?:previous|prior|above)\s+instructions",
    re.IGNORECASE,
)
_SENTENCE_ENDS = "。！？!?"
_URL = re.compile(r"https?://\S+|www\.[\w.-]+\.\w+\S*|[\w.-]+@[\w-]+\.[\w.]+")
# Within a line: a stamp, a source or a count of views; a reference to a figure or table.
_INLINE = re.compile(
    r"[(（]?(?:发布时间|发布日期|更新时间|时间|日期|来源|编辑|作者|浏览|阅读|点击)[:：]\s*"
    r"[^，。；,;]{0,40}?(?:\d{1,2}:\d{2}(?::\d{2})?|\d+次|[)）]|$)|"
    r"[(（]?(?:见|详见|如)(?:图|表|附表|附图)\s*\d+(?:[-—.]\d+)?[)）]?|"
    r"\d+\s*字\s*浏览|\d+\s*次\s*(?:浏览|下载|阅读|点击)",
    re.MULTILINE,
)


def is_furniture_line(line: str) -> bool:
    """Whether a (simplified) line is page furniture as a whole."""
    return _is_furniture_line(line) is not None


def _is_furniture_line(line: str) -> str | None:
    stripped = line.strip()
    if not stripped:
        return None
    if _ONLY_MARKS.fullmatch(stripped):
        return "rule"
    if _HTML.search(stripped) and not _HTML.sub("", stripped).strip(" |•·"):
        return "html"
    if len(stripped) > _LINE_CHARS:
        return None
    if _LINE_WORDS.search(stripped):
        return "page"
    if _DATETIME_LINE.fullmatch(stripped) and not re.search(r"[。，,；;]", stripped):
        return "stamp"
    if _STAMP.search(stripped) and len(stripped) <= _STAMP_LINE_CHARS:
        return "stamp"
    if _URL.search(stripped) and len(_URL.sub("", stripped).strip()) < 20:
        return "address"
    return None


@lru_cache(maxsize=32)
@lru_cache(maxsize=2)  # the number reader, meta and the checker each ask of one text
def furniture_spans(text: str) -> tuple[FurnitureSpan, ...]:
    """Every stretch of ``text`` that is page furniture, in order, not overlapping."""
    simp = simplified_same_length(text)
    spans: list[FurnitureSpan] = []
    pos = 0
    for line in simp.split("\n"):
        end = pos + len(line)
        kind = _is_furniture_line(line)
        if kind is not None:
            spans.append((pos, end, kind))
        else:
            spans += [(pos + m.start(), pos + m.end(), "stamp") for m in _INLINE.finditer(line)]
            spans += [(pos + m.start(), pos + m.end(), "address") for m in _URL.finditer(line)]
            spans += [(pos + a, pos + b, "instruction") for a, b in _instructions(line)]
        pos = end + 1
    spans += _teasers(simp)
    spans.sort()
    merged: list[FurnitureSpan] = []
    for span in spans:
        if merged and span[0] < merged[-1][1]:
            last = merged[-1]
            merged[-1] = (last[0], max(last[1], span[1]), last[2])
        else:
            merged.append(span)
    return tuple(merged)


def _instructions(line: str) -> list[tuple[int, int]]:
    """The sentences of ``line`` that hold an instruction to a model."""
    out: list[tuple[int, int]] = []
    for m in _INSTRUCTION.finditer(line):
        if out and m.start() < out[-1][1]:
            continue
        start = max(line.rfind(c, 0, m.start()) for c in _SENTENCE_ENDS) + 1
        ends = [k for k in (line.find(c, m.end()) for c in _SENTENCE_ENDS) if k >= 0]
        out.append((start, min(ends) + 1 if ends else len(line)))
    return out


_TEASER_CHARS = 40
_PROBE = 20
# A teaser stands in a page's head and the body repeating it follows soon after.
_TEASER_HEAD = 3000
_TEASER_REACH = 20000


def _teasers(simp: str) -> list[FurnitureSpan]:
    """A page's teaser: a paragraph the body repeats word for word further down (a listing
    site printing the first lines of an article above it). The later statement is the report's."""
    out: list[FurnitureSpan] = []
    pos = 0
    for line in simp.split("\n"):
        if pos > _TEASER_HEAD:
            break
        body = line.strip()
        # probes from its start, middle and end: the body may break the same words into other
        # lines than the teaser does
        probes = [body[k : k + _PROBE] for k in (0, len(body) // 2, max(0, len(body) - _PROBE))]
        later = pos + len(line)
        reach = later + _TEASER_REACH
        found = sum(simp.find(p, later, reach) >= 0 for p in probes)
        if len(body) >= _TEASER_CHARS and found >= 2:
            lead = len(line) - len(line.lstrip())
            out.append((pos + lead, pos + lead + len(body), "teaser"))
        pos += len(line) + 1
    return out


def in_furniture(spans: tuple[FurnitureSpan, ...], start: int, end: int) -> bool:
    """Whether ``[start, end)`` lies inside a furniture span."""
    return any(a <= start and end <= b for a, b, _ in spans)
