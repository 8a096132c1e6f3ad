#!/usr/bin/env bash
# Install sixstep with its test tools and run every check: ruff, mypy and the
# layering test (scripts/lint.sh), the Python suite (SQLite by default;
# SIXSTEP_TEST_DATABASE=postgresql for PostgreSQL) and the mini-program's JS tests.
# The console's browser tests drive Debian's chromium.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/system-packages.sh --browser

python3 -m venv .venv
.venv/bin/pip install --quiet --disable-pip-version-check -e '.[test]'
bash scripts/lint.sh
.venv/bin/python -m pytest "$@"
(cd miniprogram && npm ci --no-audit --no-fund --loglevel=error && npm test --silent)
