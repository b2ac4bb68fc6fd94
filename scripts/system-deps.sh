#!/usr/bin/env bash
# What the tests need from the system: Debian's Chromium (the review page's browser tests)
# and a CJK font for it. Installs what is missing with apt-get (as root, or through sudo).
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
fc-list 2>/dev/null | grep -qi "wenquanyi\|noto sans cjk" || need+=(fonts-wqy-microhei)
((${#need[@]})) || exit 0
if ! command -v apt-get >/dev/null 2>&1; then
  echo "scripts/system-deps.sh: install ${need[*]} (no apt-get here), or set EXTRACTOR_CHROMIUM" >&2
  exit 1
fi
sudo=""
[[ $(id -u) -ne 0 ]] && sudo="sudo"
echo "installing ${need[*]} (apt-get)…" >&2
$sudo apt-get update -q >/dev/null
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null
