#!/usr/bin/env bash
# Installs what certkit needs, safely re-runnable: system packages (LibreOffice, fonts) when missing,
# a virtualenv in .venv, and certkit with the extras named in $1 (default: all).
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-all}"

apt_packages=(libreoffice-writer-nogui libreoffice-calc-nogui fonts-liberation fonts-dejavu-core fonts-noto-cjk fontconfig)
if [ "${CERTKIT_BROWSER:-0}" = "1" ]; then
  apt_packages+=(chromium libatomic1)  # libatomic1: the node runtime inside the playwright wheel
fi
missing=()
if command -v dpkg-query >/dev/null 2>&1; then
  for p in "${apt_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
fi
python="${PYTHON:-python3}"
if command -v dpkg-query >/dev/null 2>&1; then
  command -v "$python" >/dev/null 2>&1 || missing+=(python3)
  "$python" -c "import ensurepip, venv" 2>/dev/null || missing+=(python3-venv)
fi
if [ "${#missing[@]}" -gt 0 ]; then
  echo "Installing system packages: ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
elif ! command -v soffice >/dev/null 2>&1; then
  echo "LibreOffice was not found. Install it (https://www.libreoffice.org) or use Word (certkit[word])."
fi

if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
stamp=".venv/.certkit-installed-$extras"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e ".[$extras]"
  touch "$stamp"
fi
