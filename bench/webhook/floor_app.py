"""The floor: the bare handler plus the least a push needs to be acknowledged
safely — one row (its MsgId, unique) durably committed to SQLite before the reply.

    DATABASE_URL=sqlite:////tmp/floor.db gunicorn -w 2 bench.webhook.floor_app:app

sixstep can't be faster than this on the same machine and database: every
stored report commits at least this much before WeChat gets its number.
"""
import fcntl
import os
import sqlite3
import threading

from flask import Flask

from bench.webhook.bare_app import answer_push

PATH = os.environ.get("DATABASE_URL", "sqlite:////tmp/sixstep-floor.db").split("sqlite:///", 1)[1]

app = Flask(__name__)
_local = threading.local()
_in_process = threading.Lock()  # flock doesn't exclude threads sharing one descriptor
_lock_file = {}


def _connection():
    """A connection per thread, kept, as sixstep keeps; writers queue on a file lock, as sixstep's do."""
    if not hasattr(_local, "conn"):
        conn = sqlite3.connect(PATH, isolation_level=None)
        for pragma in ("journal_mode=wal", "synchronous=normal", "busy_timeout=10000"):
            conn.execute(f"PRAGMA {pragma}")
        conn.execute("CREATE TABLE IF NOT EXISTS push (id INTEGER PRIMARY KEY, msg_id TEXT UNIQUE, body TEXT)")
        _local.conn = conn
    with _in_process:
        if "fd" not in _lock_file:
            _lock_file["fd"] = os.open(PATH + ".writelock", os.O_RDWR | os.O_CREAT, 0o600)
    return _local.conn, _lock_file["fd"]


def _store(message, body):
    conn, lock = _connection()
    with _in_process:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("INSERT OR IGNORE INTO push (msg_id, body) VALUES (?, ?)", (str(message.id), body))
            conn.execute("COMMIT")
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@app.post("/wechat")
def wechat():
    return answer_push(store=_store)
