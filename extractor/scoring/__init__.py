"""Score a predicted Report against a gold Report.

Facts (and, separately, findings) are matched one-to-one with the Hungarian algorithm on a
similarity built from what a fact *is* (value after unit scaling, unit, subject, period, area),
with a cut-off below which a pair is no match. Then every leaf (one field of one item) is
classified:

* correct: gold has it and the prediction agrees;
* wrong: both have it and they disagree;
* missing: gold has it, the prediction does not (or the item was not predicted at all);
* hallucinated: the prediction has it, gold does not (or the item is not in gold at all).

Leaves where neither side says anything are not counted. P = C/(C+W+H), R = C/(C+W+M).

The same folds are applied to both sides (``folding.fold``: width, traditional → simplified,
whitespace, quotes, heading numbers), numbers are compared as exact Decimals after scaling to
the unit's base (3136 万元 = 31360000 元), and Chinese subjects are compared character by
character (rapidfuzz ``ratio``; the ``token_*`` ratios assume spaces between words).
"""

from __future__ import annotations

from extractor.scoring._document import score_report
from extractor.scoring._fields import (
    FACT_FIELDS,
    FINDING_FIELDS,
    META_FIELDS,
    norm_period,
    similarity,
    std_number,
)
from extractor.scoring._match import fact_similarity, finding_similarity, match
from extractor.scoring._models import (
    CheckerQuality,
    DocScore,
    FieldScore,
    ItemScore,
    Leaf,
    RunScores,
)
from extractor.scoring._runs import summarize

__all__ = [
    "FACT_FIELDS",
    "FINDING_FIELDS",
    "META_FIELDS",
    "CheckerQuality",
    "DocScore",
    "FieldScore",
    "ItemScore",
    "Leaf",
    "RunScores",
    "fact_similarity",
    "finding_similarity",
    "match",
    "norm_period",
    "score_report",
    "similarity",
    "std_number",
    "summarize",
]
