"""Fuzz /api/v1 with schemathesis against its own OpenAPI description.

Starts the fake WeChat API and the app on a scratch SQLite database seeded
with the demo data, mints a staff (office) token and a resident token, serves
the app on a loopback port, and runs `schemathesis run` once per token, each
bounded in examples and time. Checks: no 500 (`not_a_server_error`) and every
answer fits the described shape (`response_schema_conformance`). Exit status:
non-zero when either run found a failure.

Usage: python scripts/fuzz_api.py [--max-examples N] [--max-time SECONDS]
"""
import argparse
import logging
import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CHECKS = "not_a_server_error,response_schema_conformance"
# Signing out would end the run's own token; the rest may change whatever it likes.
EXCLUDED = "^/api/v1/auth/logout$"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-examples", type=int, default=15)
    parser.add_argument("--max-time", type=int, default=90, help="seconds for each of the two runs")
    parser.add_argument("--seed", type=int, default=13)
    options = parser.parse_args()

    from werkzeug.serving import make_server

    from app import create_app
    from demo.seed import seed_demo
    from models import Bulletin, Item, Resident, StaffUser
    from models.migrations import init_db
    from pipeline.accounts.people import issue_token
    from pipeline.office.catalog import ensure_default_categories
    from wechat.fake import FakeWeChat

    scratch = tempfile.mkdtemp(prefix="sixstep-fuzz-")
    fake = FakeWeChat().start()
    app = create_app({
        "TESTING": True, "SIXSTEP_ENV": "development", "SECRET_KEY": "fuzz", "REDIS_URL": None,
        "DATABASE_URL": f"sqlite:///{scratch}/fuzz.db", "UPLOAD_DIR": f"{scratch}/uploads",
        "WECHAT_API_BASE": fake.base_url, "WECHAT_TOKEN": "fuzz-token", "WECHAT_APPID": "wx-fuzz-oa",
        "WECHAT_SECRET": "oa-secret", "MINIPROGRAM_APPID": "wx-fuzz-mp", "MINIPROGRAM_SECRET": "mp-secret",
        "RATELIMIT_ENABLED": False,
    })
    with app.app_context():
        init_db()
        ensure_default_categories()
        seed_demo()
        staff_token, _ = issue_token(staff=StaffUser.get(StaffUser.username == "office"))
        resident_token, _ = issue_token(resident=Resident.select().order_by(Resident.id).first())
        number = Item.select().order_by(Item.id).first().number
        bulletin = Bulletin.select().order_by(Bulletin.id).first()
    # Path values that exist, so the generated bodies reach the operations behind them.
    Path(scratch, "schemathesis.toml").write_text("\n".join([
        "[parameters]", f'"path.number" = "{number}"', f'"path.scene" = "i={number}"',
        f'"path.bulletin_id" = {bulletin.id if bulletin else 1}', '"path.badge_id" = 1',
        f'"path.month" = "{number[:4]}-{number[4:6]}"', ""]), encoding="utf-8")
    for name in ("werkzeug", "sixstep.request", "sixstep"):
        logging.getLogger(name).setLevel(logging.ERROR)  # failures are schemathesis's to report
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/api/v1/openapi.json"
    failed = False
    try:
        for who, token in (("staff (office)", staff_token), ("resident", resident_token)):
            print(f"== schemathesis as {who}: {url}", flush=True)
            command = [str(Path(sys.executable).with_name("schemathesis")), "run", url, "--checks", CHECKS,
                       "--max-examples", str(options.max_examples), "--max-time", str(options.max_time),
                       "--seed", str(options.seed), "--workers", "2", "--exclude-path-regex", EXCLUDED,
                       "--header", f"Authorization: Bearer {token}", "--request-timeout", "20",
                       "--no-color", "--suppress-health-check", "all", "--output-truncate", "true"]
            result = subprocess.run(command, cwd=scratch, env={**os.environ, "PYTHONUNBUFFERED": "1"})
            failed = failed or result.returncode != 0
    finally:
        server.shutdown()
        fake.stop()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
