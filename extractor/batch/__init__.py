"""Folders of reports into a results store: inputs, the resumable run, its progress, and
worker processes for the rules backend."""

from extractor.batch._inputs import collect_inputs
from extractor.batch._models import BatchItem, BatchSummary
from extractor.batch._run import BatchSettings, arun_batch, run_batch

__all__ = [
    "BatchItem",
    "BatchSettings",
    "BatchSummary",
    "arun_batch",
    "collect_inputs",
    "run_batch",
]
