"""Every number in a text: a tokenizer driven by a dispatch table of handlers, each reading
one kind of token (a date, a title, a rank, a percent, an Arabic or a Chinese number)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation

from extractor.numbers._mention import Mention
from extractor.numbers._patterns import (
    ALNUM,
    CHENG_WORDS,
    FIRST_NUMBER,
    FOLD_TABLE,
    GRADE_AFTER_JI,
    GRADE_AFTER_LEI,
    HEDGE_AFTER,
    HEDGE_LAST,
    HEDGES_BEFORE,
    MASKED_ALTERNATIVES,
    NEAR_IS_WORD,
    NEAR_PERIOD_UNITS,
    PERCENT_UNITS,
    RANGE_TAIL,
    ROMAN,
    ROMAN_VALUE,
    START,
    SUFFIX_AR,
    SUFFIX_CN,
    TITLE_NUMBER,
    TOKEN,
    ZERO_WORDS,
    is_ideograph,
)
from extractor.numbers._read import integral, read_any, read_arabic, read_chinese
from extractor.units import canonical_unit

# --- finding every number -----------------------------------------------------------------


@dataclass
class Suffix:
    end: int  # after everything read: unit and trailing hedge
    unit_end: int  # right after the unit (or the number/scale when there is no unit)
    unit: str | None  # canonical, with its scale word: "万元", "万"
    raw_unit: str  # the base unit as written, e.g. "级", "类", "μg/m3"
    approx: bool


class Scanner:
    def __init__(self, text: str) -> None:
        self.text = text
        self.work = text.translate(FOLD_TABLE)
        self.out: list[Mention] = []
        self.last_end = 0

    # -- helpers -----------------------------------------------------------------------------

    def emit(
        self,
        start: int,
        end: int,
        num: tuple[int, int],
        value: Decimal,
        unit: str | None = None,
        kind: str = "quantity",
        *,
        value_to: Decimal | None = None,
        places: int = 0,
        approx: bool = False,
        chinese: bool = False,
        masked: str | None = None,
    ) -> int:
        self.out.append(
            Mention(
                start=start,
                end=end,
                num_start=num[0],
                num_end=num[1],
                text=self.text[start:end],
                value=value,
                unit=unit,
                kind=kind,
                value_to=value_to,
                places=places,
                approx=approx,
                chinese=chinese,
                masked=masked,
            )
        )
        self.last_end = end
        return end

    def mask(self, start: int, end: int, reason: str) -> int:
        m = FIRST_NUMBER.search(self.work, start, end)
        if m is None:  # nothing numeric to point at; keep the span so it still blocks reading
            return self.emit(start, end, (start, end), Decimal(0), masked=reason)
        num = m.group()
        if reason == "plan_period":
            num = num[:2]  # 十四五 → 十四
        try:
            value, places = read_any(num)
        except (ValueError, InvalidOperation):
            value, places = Decimal(0), 0
        return self.emit(
            start,
            end,
            (m.start(), m.start() + len(num)),
            value,
            places=places,
            chinese=not num[0].isascii(),
            masked=reason,
        )

    def hedge_before(self, pos: int, unit: str | None = None) -> int:
        """Start of a hedge word right before ``pos`` (``pos`` itself when there is none)."""
        w = self.work
        if pos == 0 or w[pos - 1] not in HEDGE_LAST:
            return pos
        for h in HEDGES_BEFORE:
            k = pos - len(h)
            if k >= self.last_end and w.startswith(h, k):
                if h == "近" and (
                    (k > 0 and w[k - 1] in NEAR_IS_WORD) or unit in NEAR_PERIOD_UNITS
                ):
                    return pos
                return k
        return pos

    def suffix(self, pos: int, *, chinese: bool, scale: str = "") -> Suffix:
        """Read what follows a number: 余/多, a scale word (Arabic only; a Chinese numeral
        brings its own), a unit and a trailing hedge."""
        m = (SUFFIX_CN if chinese else SUFFIX_AR).match(self.work, pos)
        assert m is not None  # every group is optional
        if not chinese:
            scale = m["scale"] or ""
        raw_unit = (m["unit"] or "").strip()
        base = canonical_unit(raw_unit) if raw_unit else None
        unit_end = m.end("unit") if m["unit"] else max(m.end("a2"), m.end("a1"), pos)
        if not chinese and m["scale"]:
            unit_end = max(unit_end, m.end("scale"))
        return Suffix(
            end=m.end(),
            unit_end=unit_end,
            unit=(scale + (base or "")) or None,
            raw_unit=raw_unit,
            approx=bool(m["a1"] or m["a2"] or m["a3"]),
        )

    def grade_or_name(self, suf: Suffix, start: int = 0) -> str | None:
        """For a number before 级/类: "grade" (二级（较好）, 五类水, 等级为二类), "name"
        (二级市场, 市县乡村四级) or None (a count: 27类问题)."""
        if suf.raw_unit == "级":
            return "grade" if self.after(suf.unit_end, GRADE_AFTER_JI) else "name"
        if suf.raw_unit == "类" and self.work.startswith(GRADE_AFTER_LEI, suf.unit_end):
            return "grade"
        if (
            suf.raw_unit == "类"
            and self.after(suf.unit_end, ())
            and re.search(r"(?:为|是|达到|保持|属于)$", self.work[max(0, start - 3) : start])
        ):
            return "grade"  # 生态质量等级为二类。: a class stated, not a count of kinds
        return None

    def after(self, pos: int, words: tuple[str, ...]) -> bool:
        """Whether the word ends at ``pos``: end of text, punctuation, or one of ``words``."""
        nxt = self.work[pos : pos + 1]
        return not nxt or not is_ideograph(nxt) or self.work.startswith(words, pos)

    def in_short_quote(self, s: int, e: int) -> bool:
        w = self.work
        left = max(w.rfind("“", max(0, s - 12), s), w.rfind("「", max(0, s - 12), s))
        if left < 0 or any(c in w[left + 1 : s] for c in "”」\n"):
            return False
        close = [k for k in (w.find("”", e, e + 12), w.find("」", e, e + 12)) if k >= 0]
        return bool(close) and not any(c in w[e : min(close)] for c in "“「\n")

    # -- handlers: each returns the position to scan on from ----------------------------------

    def title(self, m: re.Match[str]) -> int:
        # Numbers inside 《》 name the document (《…2025年…方案》); none of them is a fact.
        for n in TITLE_NUMBER.finditer(self.work, m.start(), m.end()):
            value, places = read_arabic(n.group())
            self.emit(n.start(), n.end(), n.span(), value, places=places, masked="name")
        self.last_end = m.end()
        return m.end()

    def paren_num(self, m: re.Match[str]) -> int:
        s = m.start()
        w = self.work
        if w.endswith(("文件", "号", "附件"), 0, s):
            return self.mask(s, m.end(), "document_number")
        at_line_start = s == 0 or w[s - 1] == "\n"
        return self.mask(s, m.end(), "section_number" if at_line_start else "enumerator")

    def meeting(self, m: re.Match[str]) -> int:
        s, e = m.span()
        if self.work[e - 1] == "届":
            return self.mask(s, e, "meeting")
        # 第X次 names a meeting when 会 closes the phrase (第十八次会议, 第三次全体会议).
        clause = re.match(r"[^，。；、,;\n]{0,10}?会议?", self.work[e : e + 12])
        if clause:
            return self.mask(s, e + clause.end(), "meeting")
        return self.mask(s, e, "name")

    def ordinal(self, m: re.Match[str]) -> int:
        s, e = m.span()
        w = self.work
        num = w[s + 1 : e]
        chinese = not num[0].isdigit()
        try:
            value, places = read_any(num)
        except ValueError:
            return e
        nxt = w[e : e + 1]
        if nxt in ("位", "名"):
            return self.emit(s, e + 1, (s + 1, e), value, nxt, "rank", chinese=chinese)
        if nxt and is_ideograph(nxt):
            return self.mask(s, e, "name")  # 第一时间, 第三方, 第二批
        clause_start = s == 0 or w[s - 1] in "\n。；;：:！？!?"
        if clause_start and nxt in ("，", ",", "：", ":"):
            return self.mask(s, e, "enumerator")  # 第一，…第二，…
        return self.emit(s, e, (s + 1, e), value, None, "rank", chinese=chinese, places=places)

    def top(self, m: re.Match[str]) -> int:
        s, e = m.span()
        num = self.work[s + 1 : e]
        try:
            value, _ = read_any(num)
        except ValueError:
            return e
        unit = self.work[e]
        return self.emit(s, e + 1, (s + 1, e), value, unit, "rank", chinese=not num[0].isdigit())

    def percent(self, m: re.Match[str]) -> int:
        s, e = m.span()
        body = m.group()
        unit = "‰" if body.startswith("千分之") else "%"
        if body in ("百分百", "百分之百"):
            value, places, num, chinese = Decimal(100), 0, (s, e), True
        else:
            digits = body[3:]
            try:
                value, places = read_any(digits)
            except ValueError:
                return e
            num, chinese = (s + 3, e), not digits[0].isdigit()
        end, approx = e, False
        hedge = HEDGE_AFTER.match(self.work, e)
        if hedge:
            end, approx = hedge.end(), True
        start = self.hedge_before(s)
        return self.emit(
            start,
            end,
            num,
            value,
            unit,
            "percent",
            places=places,
            approx=approx or start < s,
            chinese=chinese,
        )

    def grade(self, m: re.Match[str]) -> int:
        s, e = m.span()
        body = m.group().lstrip("劣")
        parts = re.findall(ROMAN, body)
        value = Decimal(ROMAN_VALUE[parts[0]])
        value_to = Decimal(ROMAN_VALUE[parts[-1]]) if len(parts) > 1 else None
        unit = self.work[e]
        end = e + 1
        hedge = HEDGE_AFTER.match(self.work, end)
        if hedge:
            end = hedge.end()
        num_start = s + (1 if m.group().startswith("劣") else 0)
        return self.emit(
            s, end, (num_start, e), value, unit, "grade", value_to=value_to, approx=bool(hedge)
        )

    def arabic(self, m: re.Match[str]) -> int:
        s, e = m.span()
        w = self.work
        if m.group().startswith("-") and s == self.last_end:
            s += 1  # a dash right after a number we read is a dash, not a minus sign
        value, places = read_arabic(w[s:e])
        if s > 0 and w[s - 1].isascii() and w[s - 1].isalpha():
            return self.mask(s, e, "name")
        suf = self.suffix(e, chinese=False)
        end, unit, approx = suf.end, suf.unit, suf.approx
        value_to = None
        num_end = e
        # A range: 26-33, 3–5天, 26～33微克/立方米; the unit is the one after the second number.
        rng = RANGE_TAIL.match(w, end)
        if rng is not None and not w.startswith(("年", "月", "日"), rng.end()):
            suf2 = self.suffix(rng.end(), chinese=False)
            # A range goes up; "由36到30" or "33-26" is two numbers, not a range.
            if read_arabic(rng["n"])[0] > value and (
                suf.unit is None
                or suf2.unit is None
                or suf.unit == suf2.unit
                or (not suf.raw_unit and suf2.unit.startswith(suf.unit))
            ):
                value_to, places_to = read_arabic(rng["n"])
                places = max(places, places_to)
                unit = suf2.unit or suf.unit
                approx = approx or suf2.approx
                end, num_end = suf2.end, rng.end()
                suf = suf2
        if suf.raw_unit in ("级", "类"):
            verdict = self.grade_or_name(suf, s)
            if verdict == "name":
                return self.mask(s, end, "name")  # 3级网格
            if verdict == "grade":
                return self.emit(
                    s, end, (s, num_end), value, suf.raw_unit, "grade",
                    value_to=value_to, places=places, approx=approx,
                )  # fmt: skip
        if unit is None and w[end : end + 1].isascii() and w[end : end + 1].isalpha():
            tail = ALNUM.match(w, end)
            return self.mask(s, tail.end() if tail else end, "name")  # 5G, 3D
        kind = "quantity"
        if unit is None and w.startswith("成", end) and not self.cheng_is_word(end):
            value, places, unit, kind = integral(value * 10), max(places - 1, 0), "%", "percent"
            end += 1
            hedge = HEDGE_AFTER.match(w, end)
            if hedge:
                end, approx = hedge.end(), True
        start = self.hedge_before(s, unit)
        if value_to is not None:
            kind = "range"
        elif unit in PERCENT_UNITS:
            kind = "percent"
        return self.emit(
            start,
            end,
            (s, num_end),
            value,
            unit,
            kind,
            value_to=value_to,
            places=places,
            approx=approx or start < s,
        )

    def cheng_is_word(self, pos: int) -> bool:
        nxt = self.work[pos + 1 : pos + 2]
        return nxt in CHENG_WORDS or self.work.startswith("不变", pos + 1)

    def chinese(self, m: re.Match[str]) -> int:
        s, e = m.span()
        w = self.work
        run = m.group()
        if self.in_short_quote(s, e):
            return self.mask(s, e, "name")  # “两打”“三打”, “一企一策”
        if run == "零":
            if w.startswith(ZERO_WORDS, e):
                return self.emit(s, e, (s, e), Decimal(0), chinese=True)
            return e
        # 三千万元 is stated as 3000 万元, like 3000万元: split a trailing 万/亿 off the number.
        num, scale = run, ""
        if run[-1] in "万亿" and len(run) > 1:
            head = run.rstrip("万亿")
            if head and not any(c in "万亿" for c in head):
                num, scale = head, run[len(head) :]
        try:
            value, places = read_chinese(num)
        except ValueError:
            return e
        num_span = (s, s + len(num))
        suf = self.suffix(e, chinese=True, scale=scale)
        unit = suf.unit
        if not scale and not suf.raw_unit and w.startswith("成", e) and not self.cheng_is_word(e):
            end, approx = e + 1, False
            hedge = HEDGE_AFTER.match(w, end)
            if hedge:
                end, approx = hedge.end(), True
            start = self.hedge_before(s, "%")
            return self.emit(
                start,
                end,
                num_span,
                value * 10,
                "%",
                "percent",
                places=max(places - 1, 0),
                approx=approx or start < s,
                chinese=True,
            )
        if suf.raw_unit in ("级", "类"):
            verdict = self.grade_or_name(suf, s)
            if verdict == "name":
                return self.mask(s, suf.end, "name")
            if verdict == "grade":
                start = s - 1 if s - 1 >= self.last_end and w[s - 1 : s] == "劣" else s
                return self.emit(
                    start, suf.end, num_span, value, suf.raw_unit, "grade",
                    approx=suf.approx, chinese=True,
                )  # fmt: skip
        licensed = bool(suf.raw_unit) or (
            bool(scale) and (suf.approx or not is_ideograph(w[e : e + 1] or "，"))
        )
        if run == "一":
            # 一 before a measure word is usually "a" (一个, 一批, 一次性); 一起案件 is one case.
            licensed = w.startswith("起案", e)
        elif run == "二" and suf.raw_unit:
            licensed = False  # counts say 两; 二次 is "secondary" (二次污染)
        if suf.raw_unit == "次" and w.startswith("产业", suf.end):
            licensed = False  # 三次产业
        if not licensed:
            return e
        start = self.hedge_before(s, unit)
        kind = "percent" if unit in PERCENT_UNITS else "quantity"
        return self.emit(
            start,
            suf.end,
            num_span,
            value,
            unit,
            kind,
            places=places,
            approx=suf.approx or start < s,
            chinese=True,
        )

    def run(self) -> list[Mention]:
        handlers: dict[str, Callable[[re.Match[str]], int]] = {
            "title": self.title,
            "paren_num": self.paren_num,
            "meeting": self.meeting,
            "ordinal": self.ordinal,
            "top": self.top,
            "percent": self.percent,
            "grade": self.grade,
            "arabic": self.arabic,
            "chinese": self.chinese,
        }
        pos = 0
        while (candidate := START.search(self.work, pos)) is not None:
            m = TOKEN.match(self.work, candidate.start())
            if m is None:
                pos = candidate.start() + 1
                continue
            name = m.lastgroup
            assert name is not None
            reason = MASKED_ALTERNATIVES.get(name)
            if reason is not None:
                pos = self.mask(m.start(), m.end(), reason)
            else:
                pos = max(handlers[name](m), m.start() + 1)
        return self.out


LIST_JOINERS = frozenset({"、", "和", "及", "与"})


def share_list_units(text: str, mentions: list[Mention]) -> list[Mention]:
    """In "分别下降到54、23、3微克/立方米" the unit written once belongs to every number of the
    list, so a bare number joined by 、/和/及/与 to the next takes that number's unit."""
    out = list(mentions)
    for k in range(len(out) - 2, -1, -1):
        m, nxt = out[k], out[k + 1]
        if (
            m.masked is None
            and nxt.masked is None
            and m.unit is None
            and nxt.unit is not None
            and m.kind == "quantity"
            and nxt.kind in ("quantity", "percent")
            and text[m.end : nxt.start] in LIST_JOINERS
        ):
            out[k] = replace(m, unit=nxt.unit, kind=nxt.kind)
    return out
