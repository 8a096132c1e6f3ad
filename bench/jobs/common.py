"""What both jobs benchmarks need: a scratch database and the app on it."""
import contextlib
import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psycopg2

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

PG_ADMIN = os.environ.get("SIXSTEP_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


@contextlib.contextmanager
def scratch_postgres(keep=False, reuse=None):
    """A new PostgreSQL database for the run (dropped afterwards unless `keep`), or the
    kept one named `reuse` (kept again); yields its URL."""
    name = reuse or f"sixstep_bench_{uuid.uuid4().hex[:8]}"
    keep = keep or bool(reuse)
    admin = psycopg2.connect(PG_ADMIN)
    admin.autocommit = True
    if not reuse:
        admin.cursor().execute(f'CREATE DATABASE "{name}"')
    try:
        yield PG_ADMIN.rsplit("/", 1)[0] + "/" + name
    finally:
        import models

        if models.db.obj is not None and not models.db.is_closed():
            models.db.close()
        if keep:
            print(f"kept database {name}")
        else:
            admin.cursor().execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def make_app(database_url, api_base="http://127.0.0.1:9/", upload_dir="/tmp/sixstep-bench-uploads"):
    """The app on `database_url`, schema created, default categories in place."""
    from app import create_app
    from models.migrations import init_db
    from pipeline.office.catalog import ensure_default_categories

    app = create_app({"DATABASE_URL": database_url, "WECHAT_API_BASE": api_base, "UPLOAD_DIR": upload_dir,
                      "REDIS_URL": None, "RATELIMIT_ENABLED": False})
    with app.app_context():
        init_db()
        ensure_default_categories()
    return app


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def fake_wechat_process():
    """`python -m wechat.fake` in its own process (its own interpreter and GIL); yields its base URL."""
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "wechat.fake", "--port", str(port)], cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 20
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if time.time() > deadline:
                    raise RuntimeError("the fake WeChat server did not start") from None
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}/"
    finally:
        process.terminate()
        process.wait(timeout=10)
