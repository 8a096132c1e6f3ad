#!/usr/bin/env bash
# Fuzz the JSON API with schemathesis against /api/v1/openapi.json: no 500 and
# every answer in its described shape, as staff and as a resident, on a seeded
# scratch SQLite database. Bounded: at most ~2 × 90 s of fuzzing (and a hard
# stop at 5 minutes). Arguments go to scripts/fuzz_api.py (--max-examples, --max-time).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-.venv/bin/python}
timeout 300 "$PYTHON" scripts/fuzz_api.py "$@"
