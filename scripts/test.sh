#!/usr/bin/env bash
# Set up a virtualenv with the test extras (once), the system packages the browser tests
# need, and run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
py=${PYTHON:-python3}
if [[ ! -x .venv/bin/python ]]; then
  "$py" -m venv .venv
fi
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[dev]'
bash scripts/system-deps.sh  # Chromium and a CJK font, for the browser tests
.venv/bin/python -m ruff check extractor tests bench
.venv/bin/python -m ruff format --check extractor tests bench
.venv/bin/python -m mypy extractor
.venv/bin/python -m pytest "$@"
