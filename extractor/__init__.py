"""extractor: verified, structured data from Chinese local-government environmental reports."""

__version__ = "0.1.0"
