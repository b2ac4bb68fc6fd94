"""A content-aware responder for the fake server: answers each task from the section text it
is sent, the way a competent model would, so full-document runs can be checked end to end."""

from __future__ import annotations

import json
import re
from typing import Any

from tests.fakeserver import Reply

_NUM = re.compile(
    r"(?<![\d.A-Za-z])(\d+(?:\.\d+)?)(%|微克/立方米|天|万吨|万元|亿元|家|个|辆|公里|分贝|起|件|套|万亩|万千瓦)?"
)
_ITEM = re.compile(r"[一二三四五六七八九十]是([^。；;]{2,40})[。；;]")


def _user_text(request: dict[str, Any]) -> str:
    user = [m for m in request["messages"] if m["role"] == "user"][-1]["content"]
    return user if isinstance(user, str) else json.dumps(user, ensure_ascii=False)


def _section_text(user: str) -> str:
    m = re.search(r"<<<\n(.*?)\n>>>", user, re.S)
    return m.group(1) if m else ""


def facts_for(text: str) -> list[dict[str, Any]]:
    facts = []
    for m in _NUM.finditer(text):
        if text[m.end() : m.end() + 1] == "年" or m.group(1) in {"2.5", "10"}:
            continue  # years and the digits of PM2.5/PM10 are not facts
        lo = max(0, m.start() - 8)
        quote = text[lo : m.end()]
        facts.append(
            {
                "category": "other",
                "subject": quote[: max(1, m.start() - lo)] or "数值",
                "value": float(m.group(1)),
                "unit": m.group(2),
                "quote": quote,
            }
        )
    return facts


_HEADING = re.compile(r"^(?:[（(][一二三四五六七八九十]+[）)]|[一二三四五六七八九十]+、)", re.M)


def findings_for(text: str) -> list[dict[str, Any]]:
    """Each heading's items (or the heading itself), as a model reads a text of several."""
    starts = [m.start() for m in _HEADING.finditer(text)]
    if len(starts) <= 1:
        return _items(text)
    blocks = [text[a:b] for a, b in zip([0, *starts], [*starts, len(text)], strict=True)]
    return [f for b in blocks if b.strip() and _HEADING.match(b) for f in _items(b)]


def _items(text: str) -> list[dict[str, Any]]:
    heading = text.split("\n", 1)[0]
    items = [
        {"category": heading, "title": m.group(1)[:20], "detail": "", "quote": m.group(0)[:-1]}
        for m in _ITEM.finditer(text)
    ]
    return items or [{"category": heading, "title": heading, "detail": "", "quote": heading}]


def reply_for(request: dict[str, Any]) -> dict[str, Any]:
    user = _user_text(request)
    if "Here is the opening" in user:
        return {
            "title": "测试报告",
            "doc_type": "survey_report",
            "region": "安阳市",
            "period": "2024",
        }
    text = _section_text(user)
    if "This section lists" in user and "List every number" in user:
        return {"facts": facts_for(text), "findings": findings_for(text)}
    if "This section lists" in user:
        return {"findings": findings_for(text)}
    return {"facts": facts_for(text)}


def responder(request: dict[str, Any]) -> Reply:
    obj = reply_for(request)
    if request.get("tools"):
        return Reply(tool_args=obj)
    if "```json" in _user_text(request) or request.get("response_format") is None:
        return Reply(content="```json\n" + json.dumps(obj, ensure_ascii=False) + "\n```")
    return Reply(content=json.dumps(obj, ensure_ascii=False))
