"""WeChat pushes already handled, and WeChat's delivery receipts for outbox rows.

WeChat retries a push it got no answer to within 5 seconds, up to three times:
a push whose key was seen gets the stored reply and changes nothing. The row
is written in the same transaction as whatever the push did, so a crash
leaves neither, and a retry racing the first attempt loses on the unique key.

Every push passes through here, so the statements on the hot path are plain
SQL written once (peewee's query building costs more than SQLite's execution
of them).
"""
from collections import namedtuple
from datetime import datetime

from models import InboundMessage, Outbox, as_local, db
from pipeline.messages.dispatch import FAILED, SENT, UNDELIVERABLE

Handled = namedtuple("Handled", "reply")

_TABLE = InboundMessage._meta.table_name
_SQL = {
    "recall": 'SELECT reply FROM "{t}" WHERE dedup_key = {p}',
    "remember": 'INSERT INTO "{t}" (dedup_key, openid, msg_type, reply, signature, created_at) '
                "VALUES ({p}, {p}, {p}, {p}, {p}, {p})",
    "signature": 'SELECT 1 FROM "{t}" WHERE signature = {p}',
}


def _sql(name: str) -> str:
    return _SQL[name].format(t=_TABLE, p=db.param)


def _stamp(now: datetime | None) -> str:
    return as_local(now).strftime("%Y-%m-%d %H:%M:%S")


def plain_signature(timestamp: str, nonce: str) -> str:
    """The key a plain-mode push's signed query is remembered by."""
    return f"{timestamp}:{nonce}"[:64]


def recall(key: str) -> Handled | None:
    """The stored handling of a push (`.reply`), or None."""
    row = db.execute_sql(_sql("recall"), (key,)).fetchone()
    return None if row is None else Handled(row[0])


def remember(key: str, openid: str | None, msg_type: str, reply: str, signature: str | None = None,
             now: datetime | None = None) -> None:
    """Record a handled push, its reply and (plain mode) its signed query.

    Raises IntegrityError when the push was already recorded (a retry that
    raced the first attempt) or when its signed query already came with
    another push (`signature_used` tells which). Plain mode's signature
    doesn't cover the body, so a captured query could carry any other body:
    one signed query, one push.
    """
    db.execute_sql(_sql("remember"), (key, (openid or "")[:64] or None, msg_type[:32], reply, signature,
                                      _stamp(now)))


def signature_used(signature: str) -> bool:
    """Whether a push already came with this plain-mode signed query."""
    return db.execute_sql(_sql("signature"), (signature,)).fetchone() is not None


def purge(before: datetime) -> int:
    """Forget pushes handled before `before` (WeChat stops retrying after seconds)."""
    return InboundMessage.delete().where(InboundMessage.created_at < before).execute()


def delivery_receipt(msgid: object, status: str | None, now: datetime | None = None) -> Outbox | None:
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
        changes = {"status": SENT, "sent_at": row.sent_at or now}
    elif "block" in status:
        changes = {"status": UNDELIVERABLE, "last_error": f"WeChat: {status}"}
    else:
        changes = {"status": FAILED, "last_error": f"WeChat: {status or 'failed'}"}
    Outbox.update(**changes).where(Outbox.id == row.id).execute()
    for name, value in changes.items():
        setattr(row, name, value)
    return row
