"""Which calls a document gets: the tasks of each section, the sections that share a call,
and how many tokens each reply may take. Every call re-sends the instructions and the
schema, so the fewer calls, the fewer tokens; the output ceiling bounds how few."""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

from extractor.numbers import Mention, find_numbers
from extractor.schemas import Section

FACT_KINDS = frozenset({"status", "measures", "other"})
FINDING_KINDS = frozenset({"problems", "recommendations"})
TASKS = ("facts", "findings")

# A facts reply is sized by the numbers it has to write, not by the text's length: a
# 400-character paragraph of a ranking bulletin states 20 numbers and needs ~2,000 tokens,
# a 1,800-character narrative with three numbers needs ~400. Counting every number and list
# item of the text as one (more than the facts it gives), the gold replies of the seeds
# take at most 74 tokens a number as the test oracle counts them (53 as Qwen2.5 does); a
# reply that runs over is asked again with the whole ceiling, so nothing is lost.
FACT_TOKENS = 80
REPLY_BASE = 400
MIN_CAP = 512
FINDING_TOKENS_PER_CHAR = 2  # details copy the text
HEADING_CHARS = 40  # a heading with no task of its own, between two findings sections


class Group(NamedTuple):
    """Sections asked in one call: the tasks asked, and the tokens the reply may need."""

    tasks: tuple[str, ...]
    sections: list[Section]
    need: int


def facts_cap(numbers: int, ceiling: int) -> int:
    """max_tokens for a facts reply over a text stating ``numbers`` numbers: room for every
    one (an uncapped weak model can talk for minutes, so there is a cap at all)."""
    return max(MIN_CAP, min(ceiling, REPLY_BASE + FACT_TOKENS * numbers))


def findings_cap(chars: int, ceiling: int) -> int:
    """max_tokens for a findings reply over ``chars`` characters of text."""
    return max(MIN_CAP, min(ceiling, 300 + FINDING_TOKENS_PER_CHAR * chars))


def reply_need(text: str, tasks: tuple[str, ...]) -> int:
    """The tokens a reply doing ``tasks`` over ``text`` may need, uncapped."""
    need = REPLY_BASE if "facts" in tasks else 300
    if "facts" in tasks:
        need += FACT_TOKENS * numbers_in(text)
    if "findings" in tasks:
        need += FINDING_TOKENS_PER_CHAR * len(text)
    return need


def run_need(run: list[Section], tasks: dict[str, tuple[str, ...]], text: str) -> int:
    """What the reply of one call over ``run`` may need: the facts of the sections asked for
    facts, the findings of those asked for findings (a recommendation's list "污水处理、垃圾
    收集处置" is no row of numbers)."""
    asked = _union(run, tasks)
    need = REPLY_BASE if "facts" in asked else 300
    for sec in run:
        body = text[sec.start : sec.end]
        if "facts" in tasks[sec.id]:
            need += FACT_TOKENS * numbers_in(body)
        if "findings" in tasks[sec.id]:
            need += FINDING_TOKENS_PER_CHAR * len(body)
    return need


def numbers_in(text: str) -> int:
    """How many facts a text may give: its numbers, and the items of its lists (a ranking
    list gives a fact per place named)."""
    return len(_numbers(text)) + text.count("、")


@lru_cache(maxsize=1024)
def _numbers(text: str) -> tuple[Mention, ...]:
    # planning asks of one section's text several times (its tasks, each run it may join)
    return tuple(find_numbers(text))


def plan(sections: list[Section], text: str) -> dict[str, tuple[str, ...]]:
    """The tasks each section is asked: ``("facts",)``, ``("findings",)``, both, or none.

    A problems/recommendations parent whose items live in its sub-sections only holds an
    intro sentence: asking for findings there invents them. A problems or recommendations
    section that states numbers ("损失优良天数仍达40天") is asked for facts as well, and so is
    a title block that runs on into an overview paragraph with figures (a bulletin's lead).
    """
    out: dict[str, tuple[str, ...]] = {}
    for i, sec in enumerate(sections):
        nxt = sections[i + 1] if i + 1 < len(sections) else None
        has_children = (
            nxt is not None
            and len(nxt.path) > len(sec.path)
            and nxt.path[: len(sec.path)] == sec.path
        )
        tasks: tuple[str, ...] = ()
        states = any(m.kind != "grade" for m in _numbers(text[sec.start : sec.end]))
        if sec.kind in FACT_KINDS or (sec.kind == "front" and states):
            tasks = ("facts",)
        elif sec.kind in FINDING_KINDS and not has_children:
            tasks = ("facts", "findings") if states else ("findings",)
        out[sec.id] = tasks
    return out


def groups(
    sections: list[Section],
    tasks: dict[str, tuple[str, ...]],
    budget: int,
    text: str,
    ceiling: int,
) -> list[Group]:
    """Runs of neighbouring sections asked in one call: within ``budget`` characters, with
    room for their reply under the output ``ceiling``. A problems or recommendations section
    is asked its facts and its findings in one call, so its text is sent once; sections of
    the body are never asked for findings."""
    runs: list[list[Section]] = []
    for sec in (s for s in sections if tasks[s.id]):
        last = runs[-1] if runs else None
        if last is not None and _joins(last, sec, tasks, budget, text, ceiling):
            last.append(sec)
        else:
            runs.append([sec])
    return [Group(_union(run, tasks), run, run_need(run, tasks, text)) for run in runs]


def _union(run: list[Section], tasks: dict[str, tuple[str, ...]]) -> tuple[str, ...]:
    return tuple(t for t in TASKS if any(t in tasks[s.id] for s in run))


def _joins(
    run: list[Section],
    sec: Section,
    tasks: dict[str, tuple[str, ...]],
    budget: int,
    text: str,
    ceiling: int,
) -> bool:
    finding = "findings" in tasks[sec.id]
    if finding != ("findings" in tasks[run[-1].id]) or sec.end - run[0].start > budget:
        return False
    # problems and recommendations share a call across the heading between them (三、存在问题
    # … 四、对策建议): each finding goes to the section its quote lies in, whose kind it takes
    between = text[run[-1].end : sec.start]
    if run[-1].end != sec.start and not (finding and len(between) <= HEADING_CHARS):
        return False
    return run_need([*run, sec], tasks, text) <= ceiling


def merged(group: list[Section]) -> Section:
    """One section spanning a group, for its calls (its facts are given back to their own)."""
    first, last = group[0], group[-1]
    if len(group) == 1:
        return first
    return first.model_copy(update={"end": last.end, "path": last.path[:1] or first.path})
