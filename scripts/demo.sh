#!/usr/bin/env bash
# Set up a virtualenv (once) and run the main job on a seed report, printing the summary.
set -euo pipefail
cd "$(dirname "$0")/.."
py=${PYTHON:-python3}
if [[ ! -x .venv/bin/python ]]; then
  "$py" -m venv .venv
fi
.venv/bin/python -m pip install -q --disable-pip-version-check -e .
seed=${1:-eval/gold/anyang-2024.txt}
[[ -f $seed ]] || seed=../shared/seeds/anyang-2024-renda-survey.txt
.venv/bin/extractor extract "$seed" --backend rules "${@:2}"
