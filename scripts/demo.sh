#!/usr/bin/env bash
# Installs what is missing, then runs the demo event end to end (mail goes to .eml files only).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh all
.venv/bin/certkit demo demo-event
