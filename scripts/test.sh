#!/usr/bin/env bash
# Set up a virtualenv with the test extras (once) and run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
py=${PYTHON:-python3}
if [[ ! -x .venv/bin/python ]]; then
  "$py" -m venv .venv
fi
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[dev]'
.venv/bin/python -m ruff check extractor tests bench
.venv/bin/python -m ruff format --check extractor tests bench
.venv/bin/python -m mypy extractor
.venv/bin/python -m pytest "$@"
