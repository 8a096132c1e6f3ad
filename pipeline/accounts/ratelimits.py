"""A rate-limit store in the application's own database (`sixstep-db://`).

Flask-Limiter keeps its counters in memory unless told otherwise, and then
every web worker counts on its own: with four workers an attacker gets four
times the allowance. Where there is no Redis, the counters live in the
`rate_hit` table instead, so every worker (and every host sharing the
database) sees the same count. Only the limited routes (login, reporting,
uploads) pay for it: one short write transaction per request.
"""
import time
from datetime import datetime

from limits.storage import MovingWindowSupport, Storage
from peewee import fn

from models import RateHit, as_local, db
from models.base import TZ
from pipeline.rules.core import serialise_writers, transaction

SCHEME = "sixstep-db"


class DatabaseStorage(Storage, MovingWindowSupport):
    """limits' storage interface over the `rate_hit` table: one row per counted hit."""

    STORAGE_SCHEME = [SCHEME]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: str) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)

    @property
    def base_exceptions(self) -> type[Exception]:
        return Exception

    def _forget_expired(self, key: str, now: float) -> None:
        RateHit.delete().where((RateHit.key == key) & (RateHit.expires_at <= now)).execute()

    def _add(self, key: str, now: float, expiry: float, amount: int) -> None:
        RateHit.insert_many([{"key": key, "at": now, "expires_at": now + expiry}] * amount).execute()

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
        with transaction():
            serialise_writers(key)
            self._forget_expired(key, now)
            taken = RateHit.select().where((RateHit.key == key) & (RateHit.at > now - expiry)).count()
            if taken + amount > limit:
                return False
            self._add(key, now, expiry, amount)
        return True

    def get_moving_window(self, key: str, limit: int, expiry: int) -> tuple[float, int]:
        now = time.time()
        row = (RateHit.select(fn.MIN(RateHit.at).alias("oldest"), fn.COUNT(RateHit.id).alias("taken"))
               .where((RateHit.key == key) & (RateHit.at > now - expiry)).dicts().get())
        return (row["oldest"] or now), row["taken"] or 0


def forget_expired(now: datetime) -> int:
    """Delete every counted hit whose window has passed (the hourly housekeeping);
    returns how many. Keys nobody asks about again would otherwise stay forever."""
    cutoff = as_local(now).replace(tzinfo=TZ).timestamp()
    return RateHit.delete().where(RateHit.expires_at <= cutoff).execute()
