"""Dump the contract JSON of the rules backend for every text in the gold folders.

Run before and after a change that must not change output, then diff the two files:

    .venv/bin/python scripts/dump_rules.py -o /tmp/before.json
    ... change the code ...
    .venv/bin/python scripts/dump_rules.py -o /tmp/after.json
    diff /tmp/before.json /tmp/after.json

``run.seconds`` and version fields vary between runs of the same input and are left out.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from extractor import extract

FOLDERS = (
    "eval/gold",
    "tests/data/rules_corpus",
    "tests/data/blind_corpus",
    "tests/data/heldout_corpus",
    "tests/data/real_corpus",
)
VARYING = ("seconds", "prompt_version", "rules_version", "code_version")


def dump(root: Path, folders: list[str]) -> dict[str, object]:
    out: dict[str, object] = {}
    for folder in folders:
        for path in sorted((root / folder).glob("*.txt")):
            report = extract(str(path), backend="rules").model_dump(mode="json")
            for key in VARYING:
                report["run"].pop(key, None)
            where = path.relative_to(root) if path.is_relative_to(root) else path
            report["source"]["path"] = str(where)
            out[f"{folder}/{path.name}"] = report
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-o", "--output", help="file to write (default: stdout)")
    ap.add_argument("folders", nargs="*", default=list(FOLDERS))
    args = ap.parse_args()
    root = Path(__file__).resolve().parents[1]
    blob = json.dumps(dump(root, args.folders), ensure_ascii=False, indent=1, sort_keys=True)
    if args.output:
        Path(args.output).write_text(blob + "\n", encoding="utf-8")
    else:
        sys.stdout.write(blob + "\n")


if __name__ == "__main__":
    main()
