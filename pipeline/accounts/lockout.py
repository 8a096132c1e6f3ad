"""Console sign-in lock-out: after repeated wrong passwords, an account and an
address are locked for a while.

Failures are rows in the shared `rate_hit` table (keys `lockout:account:<name>`
and `lockout:addr:<address>`), so every web worker and host sees the same
count. MAX_FAILURES wrong passwords within WINDOW seconds lock the key for
LOCK_SECONDS after the last of them; attempts while locked are refused unchecked
and not counted, so a lock does not extend itself.
"""
import math
import time

from models import RateHit
from pipeline.rules.core import serialise_writers, transaction

MAX_FAILURES = 5
WINDOW = 15 * 60
LOCK_SECONDS = 15 * 60


class LockedOut(Exception):
    """Sign-in refused unchecked: too many wrong passwords (a console page says so; no API raises it)."""

    status = 429

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def keys(username: str | None, address: str | None) -> list[str]:
    name = (username or "").strip().lower()[:64]
    return [f"lockout:account:{name}", f"lockout:addr:{address or 'unknown'}"]


def locked_until(key: str, now: float) -> float | None:
    """The time (epoch seconds) `key` stays locked until, or None if it is not locked."""
    rows = [r.at for r in RateHit.select(RateHit.at).where((RateHit.key == key) & (RateHit.expires_at > now))
            .order_by(RateHit.at.desc()).limit(MAX_FAILURES)]
    if len(rows) < MAX_FAILURES or rows[0] - rows[-1] > WINDOW:
        return None
    until = rows[0] + LOCK_SECONDS
    return until if until > now else None


def check(username: str | None, address: str | None, now: float | None = None) -> None:
    """Raise LockedOut (with the minutes left, in Chinese) if the account or the address is locked."""
    now = time.time() if now is None else now
    for key in keys(username, address):
        until = locked_until(key, now)
        if until is not None:
            minutes = max(1, math.ceil((until - now) / 60))
            who = "该账号" if key.startswith("lockout:account:") else "您所在的网络地址"
            raise LockedOut(f"密码错误次数过多，{who}已被锁定，请{minutes}分钟后再试")


def record_failure(username: str | None, address: str | None, now: float | None = None) -> None:
    """Count one wrong password against the account and the address."""
    now = time.time() if now is None else now
    for key in keys(username, address):
        with transaction():
            serialise_writers(key)
            RateHit.delete().where((RateHit.key == key) & (RateHit.expires_at <= now)).execute()
            RateHit.create(key=key, at=now, expires_at=now + WINDOW + LOCK_SECONDS)


def clear(username: str | None, now: float | None = None) -> None:
    """A successful sign-in forgets the account's failures (the address keeps its count)."""
    RateHit.delete().where(RateHit.key == keys(username, None)[0]).execute()
