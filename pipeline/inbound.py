"""WeChat pushes already handled, and WeChat's delivery receipts for outbox rows.

WeChat retries a push it got no answer to within 5 seconds, up to three times:
a push whose key was seen gets the stored reply and changes nothing. The row
is written in the same transaction as whatever the push did, so a crash
leaves neither, and a retry racing the first attempt loses on the unique key.

Every push passes through here, so the three statements on the hot path are
plain SQL written once (peewee's query building costs more than SQLite's
execution of them).
"""
import fcntl
import os
import threading
from collections import namedtuple
from contextlib import contextmanager, nullcontext

from models import InboundMessage, Outbox, Resident, as_local, db
from models.base import is_postgres

NONCE_PREFIX = "nonce:"
Handled = namedtuple("Handled", "reply")

_TABLE = InboundMessage._meta.table_name
_SQL = {
    "recall": 'SELECT reply FROM "{t}" WHERE dedup_key = {p}',
    "remember": 'INSERT INTO "{t}" (dedup_key, openid, msg_type, reply, created_at) VALUES ({p}, {p}, {p}, {p}, {p})',
    "nonce": 'INSERT INTO "{t}" (dedup_key, openid, msg_type, reply, created_at) VALUES ({p}, NULL, {p}, {p}, {p}) '
             "ON CONFLICT (dedup_key) DO NOTHING",
}


def _sql(name):
    return _SQL[name].format(t=_TABLE, p="%s" if is_postgres() else "?")


def _stamp(now):
    return as_local(now).strftime("%Y-%m-%d %H:%M:%S")


def known_sender(openid):
    """The resident who sent a push, if already known — a read, never a write."""
    if not openid:
        return None
    sql = 'SELECT * FROM "{t}" WHERE openid = {p} LIMIT 1'.format(
        t=Resident._meta.table_name, p="%s" if is_postgres() else "?")
    return next(iter(Resident.raw(sql, openid)), None)


def recall(key):
    """The stored handling of a push (`.reply`), or None."""
    row = db.execute_sql(_sql("recall"), (key,)).fetchone()
    return None if row is None else Handled(row[0])


def remember(key, openid, msg_type, reply, now=None):
    """Record a handled push and its reply (raises IntegrityError if already recorded)."""
    db.execute_sql(_sql("remember"), (key, (openid or "")[:64] or None, msg_type[:32], reply, _stamp(now)))


def claim_nonce(timestamp, nonce, key, now=None):
    """Tie a plain-mode signature (timestamp + nonce) to one push.

    Plain mode's signature doesn't cover the body, so a captured query could
    carry any other body; returns False when this nonce already came with a
    different push. Call inside the transaction that handles the push.
    """
    nonce_key = f"{NONCE_PREFIX}{timestamp}:{nonce}"[:191]
    cursor = db.execute_sql(_sql("nonce"), (nonce_key, "nonce", key, _stamp(now)))
    if cursor.rowcount == 1:
        return True
    seen = recall(nonce_key)
    return seen is not None and seen.reply == key


_locks = {}  # path -> (file descriptor, lock for this process's threads)
_locks_guard = threading.Lock()


@contextmanager
def _file_lock(path):
    with _locks_guard:
        if path not in _locks:
            _locks[path] = (os.open(path, os.O_RDWR | os.O_CREAT, 0o600), threading.Lock())
        handle, in_process = _locks[path]
    with in_process:  # flock doesn't exclude threads sharing one descriptor
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def serialized_writes():
    """On a SQLite file, queue writers of every process on a file lock.

    SQLite lets one writer in at a time and makes the others poll with
    growing sleeps (up to 100 ms each), which under load turns into seconds
    of latency; a blocking `flock` wakes the next writer as soon as the lock
    is free. PostgreSQL needs nothing: its row locks queue writers already.
    """
    if is_postgres():
        return nullcontext()
    path = getattr(db.obj, "database", None)
    if not path or path == ":memory:" or str(path).startswith("file:"):
        return nullcontext()
    return _file_lock(f"{path}.writelock")


def purge(before):
    """Forget pushes handled before `before` (WeChat stops retrying after seconds)."""
    return InboundMessage.delete().where(InboundMessage.created_at < before).execute()


def delivery_receipt(msgid, status, now=None):
    """TEMPLATESENDJOBFINISH: WeChat tells whether a template message reached the user.

    "success" confirms the row as sent; "failed:user block" (the user refused
    messages) makes it undeliverable; other failures mark it failed. Returns
    the outbox row, or None if no row carries this msgid.
    """
    now = as_local(now)
    row = Outbox.get_or_none(Outbox.wechat_msgid == str(msgid)) if msgid else None
    if row is None:
        return None
    status = (status or "").strip()
    if status == "success":
        changes = {"status": "sent", "sent_at": row.sent_at or now}
    elif "block" in status:
        changes = {"status": "undeliverable", "last_error": f"WeChat: {status}"}
    else:
        changes = {"status": "failed", "last_error": f"WeChat: {status or 'failed'}"}
    Outbox.update(**changes).where(Outbox.id == row.id).execute()
    for name, value in changes.items():
        setattr(row, name, value)
    return row
