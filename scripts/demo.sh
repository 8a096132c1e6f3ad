#!/usr/bin/env bash
# Install sixstep and run the demo: SQLite, demo data, the fake WeChat API (so
# the pushes can be seen), the jobs process and the web server.
#
# Everything it starts stops with it, whether it gets Ctrl-C or a TERM sent to
# its own process id. SIXSTEP_PYTHON=/path/to/python skips installing (that
# Python must already have sixstep installed; the tests use it).
set -euo pipefail
cd "$(dirname "$0")/.."

PORT="${PORT:-5000}"
FAKE_PORT="${FAKE_PORT:-8081}"

if [ -n "${SIXSTEP_PYTHON:-}" ]; then
  PY="$SIXSTEP_PYTHON"
else
  bash scripts/system-packages.sh
  python3 -m venv .venv
  .venv/bin/pip install --quiet --disable-pip-version-check -e .
  PY=.venv/bin/python
fi

export WECHAT_API_BASE="http://127.0.0.1:${FAKE_PORT}/"
export PUBLIC_BASE_URL="${PUBLIC_BASE_URL:-http://127.0.0.1:${PORT}}"
export DATABASE_URL="${DATABASE_URL:-sqlite:///$(pwd)/instance/demo.db}"
mkdir -p instance

"$PY" -m flask --app app seed-demo  # creates or migrates the schema first (init-db)

pids=()
alive() { local pid; for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && return 0; done; return 1; }
stop_all() {
  trap - EXIT INT TERM
  [ ${#pids[@]} -gt 0 ] || return 0
  kill -TERM "${pids[@]}" 2>/dev/null || true
  for _ in $(seq 50); do alive || break; sleep 0.2; done
  kill -KILL "${pids[@]}" 2>/dev/null || true  # whatever would not stop in 10 s
  wait 2>/dev/null || true
}
# A trapped signal interrupts `wait` below at once (a foreground child would hold it
# until that child ended): so every process runs in the background and is waited on.
trap stop_all EXIT
trap 'echo "stopping the demo..." >&2; exit 130' INT
trap 'echo "stopping the demo..." >&2; exit 143' TERM

"$PY" -m wechat.fake --port "$FAKE_PORT" > instance/fake-wechat.log 2>&1 &
pids+=($!)
"$PY" -m jobs > instance/jobs.log 2>&1 &
pids+=($!)
"$PY" -m flask --app app run --host 127.0.0.1 --port "$PORT" &
pids+=($!)

cat <<MSG

sixstep is running (演示环境):
  office console:       http://127.0.0.1:${PORT}/login   (the demo accounts above, password sixstep-demo)
  API and pages:        http://127.0.0.1:${PORT}/api/v1/board
  fake WeChat pushes:   http://127.0.0.1:${FAKE_PORT}/   (every push the jobs process sends; the staff
                        accounts are bound to openids demo-staff-<username>; JSON at /_calls)
  report by chat:       ${PY} -m wechat.simulate "小区路灯坏了"
  bind a WeChat:        ${PY} -m flask --app app staff-bind-qr office   (prints the line that scans it)
Stop with Ctrl-C.
MSG

wait -n  # until one of them ends (or a signal comes): then the EXIT trap stops the rest
