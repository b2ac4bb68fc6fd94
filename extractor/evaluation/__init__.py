"""The evaluation suite: a dataset (a gold folder), a solver (``extract`` under some options)
and a scorer (``scoring``), with every run recorded leaf by leaf in a history database.

    from extractor.evaluation import evaluate
    run = evaluate("eval/gold", backend="rules")
    print(run.scores.headline())

A gold folder holds ``<name>.txt`` (the source text, exactly) beside ``<name>.gold.json`` (a
Report with only the labelled fields). A document that fails to extract is scored as an empty
prediction and recorded as failed; it never aborts the run.
"""

from extractor.evaluation._gold import (
    DEFAULT_GOLD,
    DEFAULT_HISTORY,
    GoldDoc,
    GoldProblem,
    load_gold,
    validate_gold,
)
from extractor.evaluation._history import Comparison, History
from extractor.evaluation._report import render_markdown, scores_json, write_outputs
from extractor.evaluation._run import EvalRun, aevaluate, evaluate, git_commit

__all__ = [
    "DEFAULT_GOLD",
    "DEFAULT_HISTORY",
    "Comparison",
    "EvalRun",
    "GoldDoc",
    "GoldProblem",
    "History",
    "aevaluate",
    "evaluate",
    "git_commit",
    "load_gold",
    "render_markdown",
    "scores_json",
    "validate_gold",
    "write_outputs",
]
