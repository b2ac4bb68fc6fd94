"""The rules backend: the whole reading from the text alone, no model, no network."""

from __future__ import annotations

from extractor.backends import CheckFn, Extraction
from extractor.loading import LoadedDocument
from extractor.rules import read_facts, read_findings, read_meta
from extractor.schemas import RunInfo, Section


class RulesBackend:
    name = "rules"

    async def extract(
        self, doc: LoadedDocument, sections: list[Section], check: CheckFn
    ) -> Extraction:
        return self.read(doc, sections)

    def read(self, doc: LoadedDocument, sections: list[Section]) -> Extraction:
        text = doc.text
        meta = read_meta(text, sections)
        problems, recommendations = read_findings(text, sections)
        return Extraction(
            meta=meta,
            sections=sections,
            facts=read_facts(text, meta, sections),
            problems=problems,
            recommendations=recommendations,
            run=RunInfo(backend="rules"),
        )

    async def aclose(self) -> None:
        return None
