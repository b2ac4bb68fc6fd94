"""Review pages: see every number in its sentence (``extractor review``)."""

from extractor.review._page import pieces, render_report, write_review
from extractor.review._site import write_site

__all__ = ["pieces", "render_report", "write_review", "write_site"]
