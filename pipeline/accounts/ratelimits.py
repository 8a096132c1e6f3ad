"""A rate-limit store in the application's own database (`sixstep-db://`).

Flask-Limiter keeps its counters in memory unless told otherwise, and then
every web worker counts on its own: with four workers an attacker gets four
times the allowance. Where there is no Redis, the counters live in the
`rate_hit` table instead, so every worker (and every host sharing the
database) sees the same count. Only the limited routes (login, reporting,
uploads) pay for it: one write per request — on SQLite a single statement that
counts and adds the hit (SQLite runs a statement alone, so it is atomic), on
PostgreSQL a short transaction under an advisory lock on the key. Hits past their
window are deleted with the key's next hit on PostgreSQL, by the hourly
housekeeping (`forget_expired`) on SQLite, where deleting them on every request
was a third of the limiter's cost; they never count (only hits inside the window do).
"""
import time
from datetime import datetime
from typing import Any

from limits.storage import MovingWindowSupport, Storage

from models import RateHit, as_local, db
from models.base import TZ, is_postgres, sqlite_writer_turn
from pipeline.rules.core import serialise_writers, transaction

SCHEME = "sixstep-db"


# The statements every limited request runs, written by hand: peewee building
# them cost more than SQLite took to run them.
FORGET = 'DELETE FROM "rate_hit" WHERE "key" = ? AND "expires_at" <= ?'
TAKEN = 'SELECT MIN("at"), COUNT(*) FROM "rate_hit" WHERE "key" = ? AND "at" > ?'
ADD = 'INSERT INTO "rate_hit" ("key", "at", "expires_at") VALUES (?, ?, ?)'
ADD_WITHIN = ('INSERT INTO "rate_hit" ("key", "at", "expires_at") SELECT ?, ?, ? '
              'WHERE (SELECT COUNT(*) FROM "rate_hit" WHERE "key" = ? AND "at" > ?) < ?')


def _run(sql: str, params: list[object]) -> Any:
    return db.execute_sql(sql.replace("?", "%s") if is_postgres() else sql, params)


class DatabaseStorage(Storage, MovingWindowSupport):
    """limits' storage interface over the `rate_hit` table: one row per counted hit."""

    STORAGE_SCHEME = [SCHEME]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: str) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)

    @property
    def base_exceptions(self) -> type[Exception]:
        return Exception

    def _forget_expired(self, key: str, now: float) -> None:
        _run(FORGET, [key, now])

    def _add(self, key: str, now: float, expiry: float, amount: int) -> None:
        for _ in range(amount):
            _run(ADD, [key, now, now + expiry])

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        with transaction():
            serialise_writers(key)
            self._forget_expired(key, now)
            self._add(key, now, expiry, amount)
            return RateHit.select().where(RateHit.key == key).count()

    def get(self, key: str) -> int:
        return RateHit.select().where((RateHit.key == key) & (RateHit.expires_at > time.time())).count()

    def get_expiry(self, key: str) -> float:
        latest = (RateHit.select(RateHit.expires_at).where(RateHit.key == key)
                  .order_by(RateHit.expires_at.desc()).first())
        return latest.expires_at if latest else time.time()

    def check(self) -> bool:
        try:
            db.execute_sql("SELECT 1")
        except Exception:  # any failure means the store can't be used now
            return False
        return True

    def reset(self) -> int:
        return RateHit.delete().execute()

    def clear(self, key: str) -> None:
        RateHit.delete().where(RateHit.key == key).execute()

    def acquire_entry(self, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
        """Count `amount` hits unless that would pass `limit` within the last `expiry` seconds."""
        if amount > limit:
            return False
        now = time.time()
        if amount == 1 and not is_postgres() and not db.in_transaction():
            with sqlite_writer_turn():  # in the writers' queue, not SQLite's busy polling
                return _run(ADD_WITHIN, [key, now, now + expiry, key, now - expiry, limit]).rowcount == 1
        with transaction():
            serialise_writers(key)
            self._forget_expired(key, now)
            taken = _run(TAKEN, [key, now - expiry]).fetchone()[1]
            if taken + amount > limit:
                return False
            self._add(key, now, expiry, amount)
        return True

    def get_moving_window(self, key: str, limit: int, expiry: int) -> tuple[float, int]:
        now = time.time()
        oldest, taken = _run(TAKEN, [key, now - expiry]).fetchone()
        return (oldest or now), taken or 0


def forget_expired(now: datetime) -> int:
    """Delete every counted hit whose window has passed (the hourly housekeeping);
    returns how many. Keys nobody asks about again would otherwise stay forever."""
    cutoff = as_local(now).replace(tzinfo=TZ).timestamp()
    return RateHit.delete().where(RateHit.expires_at <= cutoff).execute()
