#!/usr/bin/env bash
# Install sixstep and run the demo: SQLite, demo data, the fake WeChat API (so
# the pushes can be seen), the jobs process and the web server.
set -euo pipefail
cd "$(dirname "$0")/.."

PORT="${PORT:-5000}"
FAKE_PORT="${FAKE_PORT:-8081}"

bash scripts/system-packages.sh
python3 -m venv .venv
.venv/bin/pip install --quiet --disable-pip-version-check -e .

export WECHAT_API_BASE="http://127.0.0.1:${FAKE_PORT}/"
export PUBLIC_BASE_URL="${PUBLIC_BASE_URL:-http://127.0.0.1:${PORT}}"
export DATABASE_URL="${DATABASE_URL:-sqlite:///$(pwd)/instance/demo.db}"
mkdir -p instance

.venv/bin/flask --app app init-db
.venv/bin/flask --app app seed-demo

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT INT TERM

.venv/bin/python -m wechat.fake --port "$FAKE_PORT" > instance/fake-wechat.log 2>&1 &
pids+=($!)
.venv/bin/python -m jobs > instance/jobs.log 2>&1 &
pids+=($!)

cat <<MSG

sixstep is running (演示环境):
  office console:       http://127.0.0.1:${PORT}/login   (the demo accounts below, password sixstep-demo)
  API and pages:        http://127.0.0.1:${PORT}/api/v1/board
  fake WeChat pushes:   http://127.0.0.1:${FAKE_PORT}/_calls   (every push the jobs process sends)
  report by chat:       .venv/bin/python -m wechat.simulate "小区路灯坏了"
  demo accounts:        listed above, password sixstep-demo
Stop with Ctrl-C.
MSG

.venv/bin/flask --app app run --host 127.0.0.1 --port "$PORT"
