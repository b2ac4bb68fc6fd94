"""The offline reading of a report: facts, findings and meta from the text alone,
deterministic and fast.

* ``read_meta``: title, type, issuer, region, period and date from the title block and footer;
* ``read_facts``: every number outside the footer, each read by the first handler of
  ``reader.NUMBER_READINGS`` that claims it (grade, change, rank, previous value, value);
* ``read_findings``: problems and recommendations from the 一是/二是 structure.

Traditional characters are matched on a simplified copy of the same length, so quotes and
spans stay in the original text. Nothing here checks a fact: the checker does that, once, for
every backend.
"""

from extractor.rules.findings import read_findings
from extractor.rules.meta import read_meta
from extractor.rules.reader import NUMBER_READINGS, read_facts

__all__ = ["NUMBER_READINGS", "read_facts", "read_findings", "read_meta"]
