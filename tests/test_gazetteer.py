"""Finding division names in text: leftmost, longest, then on after the name."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from extractor import gazetteer
from extractor.gazetteer import canonical_region, find_regions

NAMES = sorted(gazetteer._names() | set(gazetteer._short_forms()))
# the reading by the obvious regex: every name, longest first, as one alternation
_ALTERNATION = re.compile("|".join(map(re.escape, sorted(NAMES, key=lambda w: (-len(w), w)))))


def by_regex(text: str) -> list[tuple[int, str]]:
    return [
        (m.start(), canonical_region(m.group()) or m.group()) for m in _ALTERNATION.finditer(text)
    ]


def test_names_inside_longer_names_and_names_running_together() -> None:
    text = "河南省安阳市林州市和安阳县，郑州"
    assert find_regions(text) == by_regex(text)
    assert [name for _, name in find_regions(text)][:3] == ["河南省", "安阳市", "林州市"]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(st.sampled_from(NAMES), st.sampled_from(list("的和在市县区省安阳南京 ，。1"))),
        max_size=30,
    )
)
def test_the_same_as_the_longest_first_alternation(parts: list[str]) -> None:
    text = "".join(parts)
    assert find_regions(text) == by_regex(text)
