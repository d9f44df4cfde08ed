#!/usr/bin/env bash
# Installs what is missing (including Chromium for the browser test), then runs lint and the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
CERTKIT_BROWSER=1 bash scripts/setup.sh dev
.venv/bin/ruff check .
.venv/bin/python -m pytest -q "$@"
