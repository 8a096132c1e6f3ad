#!/usr/bin/env bash
# Static checks, run by scripts/test.sh and so by CI: ruff (style, imports,
# likely bugs), mypy (types; strict where pyproject.toml says), and the layering
# rule (web/, wechat/, jobs/ -> pipeline/ -> models/). Needs the test extras
# installed in .venv (scripts/test.sh does that).
set -euo pipefail
cd "$(dirname "$0")/.."

.venv/bin/ruff check .
.venv/bin/mypy
.venv/bin/python -m pytest -q -p no:randomly tests/test_layering.py
