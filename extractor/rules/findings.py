"""Problems and recommendations from the structure of their sections: a heading is the
category, each 一是/二是 item a finding; a heading without items is one finding."""

from __future__ import annotations

import re

from extractor.schemas import Finding, Section
from extractor.sectioning import HEADING_NUMBER, heading_title

_ITEM = re.compile(r"(?<![\u4e00-\u9fff])([一二三四五六七八九十]{1,2})是")
_LEAD_END = re.compile(r"[，,。；;：:]")
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
        category = heading_title(heading)
        h_at = text.find(heading, sec.start, sec.end)
        body_start = h_at + len(heading) if h_at >= 0 else sec.start
        body = text[body_start : sec.end]
        items = list(_ITEM.finditer(body))
        target = problems if sec.kind == "problems" else recommendations
        if not items:
            q_start = h_at + (len(heading) - len(heading.lstrip()) if h_at >= 0 else 0)
            lead = HEADING_NUMBER.match(heading)
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
