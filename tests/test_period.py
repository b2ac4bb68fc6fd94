"""Periods: one type parses the strings the contract stores, formats them back the same,
reads labellers' loose spellings, and counts the days a share of days is taken over."""

from __future__ import annotations

import pytest

from extractor.period import Period
from extractor.scoring import norm_period


@pytest.mark.parametrize(
    ("text", "kind", "year"),
    [
        ("2024", "year", 2024),
        ("2025-01/2025-07", "months", 2025),
        ("截至2025-09-16", "until", 2025),
        ("截至2025-10", "until", 2025),
        ("2020至今", "since", 2020),
        ("十四五", "label", None),
        ("累计", "label", None),
    ],
)
def test_every_stored_form_reads_and_writes_back_the_same(text: str, kind: str, year: int | None):
    p = Period.parse(text)
    assert (p.kind, p.year) == (kind, year)
    assert str(p) == text


@pytest.mark.parametrize(
    ("loose", "canonical"),
    [
        ("2025年1-7月", "2025-01/2025-07"),
        ("2025年1—7月", "2025-01/2025-07"),
        ("截至2025年9月16日", "截至2025-09-16"),
        ("2024年度", "2024"),
        ("2024年", "2024"),
        ("2020年以来", "2020至今"),
        ("2025-1/2025-7", "2025-01/2025-07"),
    ],
)
def test_loose_spellings_read_as_the_stored_form(loose: str, canonical: str):
    assert str(Period.parse(loose)) == canonical
    assert norm_period(loose) == canonical


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("2024", 366),
        ("2023", 365),
        ("2025-01/2025-07", 212),
        ("2024-01/2024-02", 60),
        ("截至2025-09-16", 259),
        ("截至2025-10", None),  # no day stated: not countable
        ("2025-03/2025-05", None),  # not from January: a share of days is not taken over it
        ("十四五", None),
    ],
)
def test_days_a_period_covers(text: str, days: int | None):
    assert Period.parse(text).days() == days


def test_constructors_write_the_stored_form():
    assert str(Period.of_months("2025", 1, 9)) == "2025-01/2025-09"
    assert str(Period.of_until(2025, 11, 30)) == "截至2025-11-30"
    assert str(Period.of_until(2025, 10)) == "截至2025-10"
    assert str(Period.of_since("2021")) == "2021至今"
