"""A perfect model, for the fake server: every call is answered with the gold's own facts,
findings and meta for the text it was sent, and the reply is cut off at the request's
``max_tokens`` as a tokenizer would count it. Whatever such a model's run scores under 1.0 is
the pipeline's own loss (caps, chunking, grounding, merging), never the model's.

    fake_llm.responder = Oracle(load_gold("eval/gold"))
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from extractor.evaluation import GoldDoc
from extractor.schemas import Fact, Finding
from extractor.schemas.responses import FactDraft, FindingDraft, MetaReply
from tests.fakeserver import Reply

_BLOCK = re.compile(r"<<<\n(.*?)\n>>>", re.S)
_CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
_WORD = re.compile(r"[A-Za-z]+")
_SPACE = re.compile(r"\s+")


def count_tokens(text: str) -> int:
    """Tokens as a BPE tokenizer counts them, erring high: a CJK character or full-width mark
    0.9 (Qwen2.5 merges common pairs), a digit 1 (Qwen and Llama split digits), an ASCII word
    one per four letters, a run of spaces 1, any other mark 0.6. On the requests and gold
    replies of the seeds and the real pages this never counts fewer than Qwen2.5's own
    tokenizer (at least 1.08x, median 1.5x), so a reply that fits here fits that model."""
    cjk = len(_CJK.findall(text))
    digits = sum(c.isdigit() for c in text)
    words = sum(-(-len(w) // 4) for w in _WORD.findall(text))
    spaces = len(_SPACE.findall(text))
    rest = _SPACE.sub("", _WORD.sub("", _CJK.sub("", text)))
    marks = sum(not c.isdigit() for c in rest)
    return -(-(9 * cjk + 6 * marks) // 10) + digits + words + spaces


def cut(text: str, budget: int) -> str:
    """The longest prefix of ``text`` within ``budget`` tokens."""
    lo, hi = 0, len(text)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if count_tokens(text[:mid]) <= budget:
            lo = mid
        else:
            hi = mid - 1
    return text[:lo]


def _draft(f: Fact) -> dict[str, Any]:
    return f.model_dump(include=set(FactDraft.model_fields), exclude_none=True)


def _finding(f: Finding) -> dict[str, Any]:
    return f.model_dump(include=set(FindingDraft.model_fields))


@dataclass
class _Doc:
    gold: GoldDoc
    facts: list[tuple[int, Fact]] = field(default_factory=list)  # (start in text, fact)
    findings: list[tuple[int, Finding]] = field(default_factory=list)


def _hits(text: str, quote: str) -> list[int]:
    hits, at = [], text.find(quote)
    while at >= 0:
        hits.append(at)
        at = text.find(quote, at + 1)
    return hits


def _placed(text: str, items: list[Any]) -> list[tuple[int, Any]]:
    """Each item at an occurrence of its quote. Where the words occur more often than gold
    quotes them, an occurrence inside a longer quote of the same statement (same subject and
    value, placed for certain) is that statement's; of the others, the k-th of n items
    quoting the same words takes the k-th of the last n (a page that repeats its opening as a
    teaser states the figures twice; the body, where gold reads them, comes last)."""
    where = {item.quote: _hits(text, item.quote) for item in items}
    count = {q: sum(item.quote == q for item in items) for q in where}
    sure = [
        (where[i.quote][0], i)
        for i in items
        if len(where[i.quote]) == 1 and getattr(i, "value", None) is not None
    ]

    def inside_longer(at: int, item: Any) -> bool:
        return any(
            s <= at
            and at + len(item.quote) <= s + len(o.quote)
            and o.quote != item.quote
            and (o.subject, o.value) == (item.subject, item.value)
            for s, o in sure
        )

    seen: dict[str, int] = {}
    out: list[tuple[int, Any]] = []
    for item in items:
        hits = where[item.quote]
        if len(hits) > count[item.quote] and hasattr(item, "value"):
            hits = [h for h in hits if not inside_longer(h, item)] or hits
        k = seen.get(item.quote, 0)
        seen[item.quote] = k + 1
        last = hits[-count[item.quote] :] if len(hits) >= count[item.quote] else hits
        out.append((last[min(k, len(last) - 1)] if last else -1, item))
    return out


CORRUPTIONS = ("value", "unit", "sign", "quote")


def corrupted(f: Fact, how: str, other_quote: str | None) -> Fact:
    """``f`` with one thing wrong, the way models get facts wrong."""
    if how == "value" and f.value is not None:
        return f.model_copy(update={"value": f.value * 10 + 1})
    if how == "unit" and f.unit:
        return f.model_copy(update={"unit": "个" if f.unit != "个" else "天"})
    if how == "sign" and f.change is not None and f.change.value:
        change = f.change.model_copy(update={"value": -f.change.value})
        return f.model_copy(update={"change": change})
    if how == "quote" and other_quote and f.value is not None:
        return f.model_copy(update={"quote": other_quote})
    return f.model_copy(update={"value": f.value * 10 + 1}) if f.value is not None else f


class Oracle:
    """A responder for ``FakeLLM``: the gold of whichever document holds the text sent.

    ``corrupt=n``: every n-th fact of a document is answered with one thing wrong (its value,
    unit, change sign, or a quote from another fact's sentence, in turn), so the checker and
    hybrid have real errors to find."""

    def __init__(self, golds: list[GoldDoc], corrupt: int = 0) -> None:
        self.docs = []
        self.corrupted: list[tuple[Fact, Fact]] = []  # (gold, as answered)
        for g in golds:
            placed = _placed(g.doc.text, g.gold.facts)
            if corrupt:
                placed = self._corrupt(placed, corrupt)
            d = _Doc(g, placed)
            d.findings = _placed(g.doc.text, g.gold.problems + g.gold.recommendations)
            self.docs.append(d)
        self.truncated = 0  # replies cut off at max_tokens
        self.unplaced: list[str] = []  # section texts found in no gold document

    def _corrupt(self, placed: list[tuple[int, Fact]], every: int) -> list[tuple[int, Fact]]:
        out = []
        for k, (at, f) in enumerate(placed):
            if k % every == every - 1:
                how = CORRUPTIONS[(k // every) % len(CORRUPTIONS)]
                # the sentence of the nearest fact about another number
                others = [(abs(a - at), o.quote) for a, o in placed if o.value != f.value]
                others = [x for x in others if x[1] != f.quote]
                bad = corrupted(f, how, min(others)[1] if others else None)
                self.corrupted.append((f, bad))
                f = bad
            out.append((at, f))
        return out

    def _where(self, body: str) -> tuple[_Doc, int] | None:
        for d in self.docs:
            at = d.gold.doc.text.find(body)
            if at >= 0:
                return d, at
        self.unplaced.append(body[:60])
        return None

    def reply_for(self, request: dict[str, Any]) -> dict[str, Any]:
        user = [m for m in request["messages"] if m["role"] == "user"][-1]["content"]
        blocks = _BLOCK.findall(user)
        if "Here is the opening" in user:
            found = self._where(blocks[0]) if blocks else None
            meta = found[0].gold.gold.meta if found else None
            fields = set(MetaReply.model_fields)
            return meta.model_dump(include=fields) if meta else {}
        found = self._where(blocks[-1]) if blocks else None
        both = "This section lists" in user and "List every number" in user
        if found is None:
            return {"findings": []} if "This section lists" in user else {"facts": []}
        d, start = found
        end = start + len(blocks[-1])

        def inside(at: int, quote: str) -> bool:
            return at >= start and at + len(quote) <= end

        findings = [_finding(f) for at, f in d.findings if inside(at, f.quote)]
        facts = [f for at, f in d.facts if inside(at, f.quote)]
        if both:
            return {"facts": [_draft(f) for f in facts], "findings": findings}
        if "This section lists" in user:
            return {"findings": findings}
        if "A checker compared the facts below" in user:
            # the facts sent back are the oracle's own: it stands by them, as given
            listed = [json.loads(m) for m in re.findall(r"^Fact \d+: (.*)$", user, re.M)]
            claims = {(c.get("subject"), c.get("value"), c.get("quote")) for c in listed}
            facts = [f for f in facts if (f.subject, f.value, f.quote) in claims]
        elif "not covered by any extracted fact" in user:
            listed = re.findall(r"^- (\S+) in:", user, re.M)
            facts = [f for f in facts if any(n in f.quote for n in listed)]
        return {"facts": [_draft(f) for f in facts]}

    def __call__(self, request: dict[str, Any]) -> Reply:
        text = json.dumps(self.reply_for(request), ensure_ascii=False)
        budget = request.get("max_tokens") or request.get("max_completion_tokens")
        finish = None
        if budget is not None and count_tokens(text) > budget:
            text, finish = cut(text, int(budget)), "length"
            self.truncated += 1
        usage = {"prompt_tokens": prompt_tokens(request), "completion_tokens": count_tokens(text)}
        if request.get("tools"):
            return Reply(tool_args=text, finish_reason=finish, **usage)
        if request.get("response_format") is None:  # md_json: the reply in a fenced block
            text = f"```json\n{text}\n```"
        return Reply(content=text, finish_reason=finish, **usage)


def prompt_tokens(request: dict[str, Any]) -> int:
    """What the request costs in prompt tokens: every message, and the tool schemas."""
    parts = [str(m.get("content") or "") for m in request["messages"]]
    if request.get("tools"):
        parts.append(json.dumps(request["tools"], ensure_ascii=False))
    if isinstance(request.get("response_format"), dict):
        parts.append(json.dumps(request["response_format"], ensure_ascii=False))
    return sum(count_tokens(p) for p in parts) + 4 * len(request["messages"])
