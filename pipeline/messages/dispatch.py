"""The outbox's database side, for the jobs dispatcher: claim due rows, record
what WeChat answered, back off, and release rows that were not tried.

A claimed row is `sending`, and its `locked_until` is the claim's fence. A
dispatcher that dies leaves its rows `sending`; once the lock has expired any
dispatcher reclaims them. That is the one way a message can go out twice — it
was in flight when the process died — so the dispatcher sends one row at a time
and records each result before the next send: a kill leaves at most one row
sent but not recorded. Rows already `sent` are never claimed again, and
`dedup_key` is unique, so nothing else can send a notification twice.

A row whose reason no longer holds when its turn comes (`still_holds`: "请您评价"
after the resident has rated) is `dropped`, not sent.
"""
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from peewee import fn

from models import Item, Outbox, db
from models.base import is_postgres
from models.outbox import PENDING_CONDITION
from pipeline.rules.core import transaction
from pipeline.rules.states import CLAIMABLE, RESOLVED
from pipeline.views.queries import rated_this_round

QUEUED = "queued"
SENDING = "sending"
SENT = "sent"
FAILED = "failed"
UNDELIVERABLE = "undeliverable"
DROPPED = "dropped"  # its reason no longer held when it was its turn: never sent

def _awaiting_rating(item: Item, row: Outbox) -> bool:
    """请您评价 still asks something: the item waits for a verdict, and — on a wide-concern
    item, which a rating leaves resolved for its evaluation meeting — this resident has
    not rated the round yet. (A staff row, 已办结待评议, holds while the item is resolved.)"""
    return item.status == RESOLVED and not (item.wide_concern and rated_this_round(item, row.resident_id))


# kind of notice -> whether its item still is as the notice (row) says, asked just
# before it is sent. Kinds not listed tell of something that happened: always sent.
STILL_HOLDS: dict[str, Callable[[Item, Outbox], bool]] = {
    "resolved": _awaiting_rating,  # 已办理完毕，请您评价 / 已办结待评议
    "rate_remind": _awaiting_rating,  # 请您评价 (3 days on)
    "callback_due": lambda item, row: item.status == RESOLVED,  # 请电话回访
    "unclaimed": lambda item, row: item.status in CLAIMABLE,  # 请尽快领办
}

BACKOFF_BASE = 10  # seconds before the first retry
BACKOFF_CAP = 3600  # the longest wait between two tries
MAX_ATTEMPTS = 15  # then the row is `failed` (the item's timeline still tells the person)

_CLAIM_SQL = """
WITH due AS MATERIALIZED (
    SELECT id FROM {table}
    WHERE {pending} AND ((status = 'queued' AND next_attempt_at <= %s) OR (status = 'sending' AND locked_until < %s))
    ORDER BY next_attempt_at, id
    LIMIT %s
    FOR UPDATE SKIP LOCKED)
UPDATE {table} SET status = 'sending', locked_until = %s, attempts = {table}.attempts + 1
FROM due WHERE {table}.id = due.id
RETURNING {table}.*
"""


def backoff(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failed try: doubling from 10 s, capped at an hour."""
    return timedelta(seconds=min(BACKOFF_BASE * 2 ** max(attempts - 1, 0), BACKOFF_CAP))


def _due(now: datetime) -> Any:
    """Queued and due, or claimed by a dispatcher that died; read from the pending rows'
    index (models.outbox), whose condition is said first, word for word."""
    return PENDING_CONDITION & (((Outbox.status == QUEUED) & (Outbox.next_attempt_at <= now))
                                | ((Outbox.status == SENDING) & (Outbox.locked_until < now)))


def claim(now: datetime, limit: int, hold_seconds: float) -> list[Outbox]:
    """Take up to `limit` due rows (queued and due, or abandoned by a dead dispatcher)
    for `hold_seconds`; each claim counts as an attempt. Rows come back oldest first.

    PostgreSQL: `FOR UPDATE SKIP LOCKED`, so concurrent dispatchers take disjoint
    rows. SQLite: one IMMEDIATE transaction, which writers take one at a time.
    """
    until = now + timedelta(seconds=hold_seconds)
    if is_postgres():
        sql = _CLAIM_SQL.format(table=Outbox._meta.table_name, pending=PENDING_CONDITION.sql)
        with db.atomic():
            rows = list(Outbox.raw(sql, now, now, limit, until))
    else:
        with transaction():
            ids = [row.id for row in Outbox.select(Outbox.id).where(_due(now))
                   .order_by(Outbox.next_attempt_at, Outbox.id).limit(limit)]
            if not ids:
                return []
            (Outbox.update(status=SENDING, locked_until=until, attempts=Outbox.attempts + 1)
             .where(Outbox.id.in_(ids)).execute())
            rows = list(Outbox.select().where(Outbox.id.in_(ids)))
    return sorted(rows, key=lambda row: (row.next_attempt_at, row.id))


def still_holds(row: Outbox) -> bool:
    """Whether the notice `row` carries still says something true, read now (its
    item's current state): False for a kind in STILL_HOLDS whose item has moved on."""
    check = STILL_HOLDS.get(row.kind)
    if check is None or row.item_id is None:
        return True
    item = Item.select(Item.id, Item.status, Item.round, Item.wide_concern).where(Item.id == row.item_id).first()
    return item is not None and check(item, row)


def _write(changes: dict[str, Any], fence: Any) -> int:
    return Outbox.update(**changes).where(fence).execute()


def _mark_sent(row: Outbox, now: datetime, msgid: str | None) -> int:
    """The hot path, once per message: one plain statement, one round trip."""
    p = db.param
    sql = (f'UPDATE "{Outbox._meta.table_name}" SET status = {p}, sent_at = {p}, wechat_msgid = {p}, '
           f"locked_until = NULL, last_error = NULL WHERE id = {p} AND status = {p}")
    if is_postgres():
        # Visible to every other session at once, flushed to disk a moment later:
        # a killed dispatcher loses nothing (the server has it); only a crash of
        # the database server itself could forget the last marks and resend those
        # rows — the same bargain as SQLite's WAL with synchronous=NORMAL.
        sql = "SET LOCAL synchronous_commit TO OFF; " + sql
    return db.execute_sql(sql, (SENT, now, msgid, row.id, SENDING)).rowcount


def record(row: Outbox, outcome: str, now: datetime, msgid: str | None = None,
           error: str | None = None) -> str | None:
    """Write the outcome of one try of a claimed row — "sent", "retry",
    "undeliverable" or "dropped" (not sent: `still_holds` said no) — and return the
    status written (None if the claim was lost)."""
    if outcome == SENT:
        # It went out: say so even if a stalled claim was taken over meanwhile.
        return SENT if _mark_sent(row, now, msgid) else None
    mine = (Outbox.id == row.id) & (Outbox.status == SENDING) & (Outbox.locked_until == row.locked_until)
    changes: dict[str, Any]
    if outcome in (UNDELIVERABLE, DROPPED):
        changes = {"status": outcome, "locked_until": None, "last_error": (error or "")[:2000]}
    elif row.attempts >= MAX_ATTEMPTS:
        changes = {"status": FAILED, "locked_until": None, "last_error": (error or "")[:2000]}
    else:
        changes = {"status": QUEUED, "locked_until": None, "last_error": (error or "")[:2000],
                   "next_attempt_at": now + backoff(row.attempts)}
    return changes["status"] if _write(changes, mine) else None


def release(rows: Iterable[Outbox]) -> None:
    """Give back claimed rows that were never tried (the attempt is not counted)."""
    for row in rows:
        fence = (Outbox.id == row.id) & (Outbox.status == SENDING) & (Outbox.locked_until == row.locked_until)
        _write({"status": QUEUED, "locked_until": None, "attempts": Outbox.attempts - 1}, fence)


def counts() -> Counter[str]:
    """Rows by status, for operators."""
    query = Outbox.select(Outbox.status, fn.COUNT(Outbox.id).alias("n")).group_by(Outbox.status)
    return Counter({row.status: row.n for row in query})


PUSH_STATES = {QUEUED: "等待发送", SENDING: "正在发送", SENT: "已送达微信", FAILED: "多次发送失败",
               UNDELIVERABLE: "无法送达"}


def last_staff_push(staff_id: int) -> dict[str, Any] | None:
    """The latest push queued for a staff member and what became of it (their profile shows it)."""
    row = (Outbox.select().where(Outbox.staff == staff_id)
           .order_by(Outbox.created_at.desc(), Outbox.id.desc()).first())
    if row is None:
        return None
    return {"kind": row.kind, "status": row.status, "status_label": PUSH_STATES.get(row.status, row.status),
            "created_at": row.created_at, "sent_at": row.sent_at, "error": row.last_error,
            "delivered": row.status == SENT}

