"""The `SharedToken` table: values with an expiry, shared by every process
(WeChat access tokens and tickets; see wechat/token_store.py, which stores them
here unless Redis is configured). Values are stored as given (text)."""
from datetime import datetime
from typing import NamedTuple

from models import SharedToken


class Token(NamedTuple):
    value: str
    expires_at: datetime | None  # None: never expires


def live_token(key: str, now: datetime) -> Token | None:
    """`key`'s value if it has not expired by `now`, else None."""
    row = SharedToken.get_or_none(SharedToken.key == key)
    if row is None or (row.expires_at is not None and row.expires_at <= now):
        return None
    return Token(row.value, row.expires_at)


def store_token(key: str, value: str, expires_at: datetime | None) -> None:
    """Insert or replace `key`; `expires_at` None keeps it until replaced."""
    (
        SharedToken.insert(key=key, value=value, expires_at=expires_at)
        .on_conflict(
            conflict_target=[SharedToken.key],
            update={SharedToken.value: value, SharedToken.expires_at: expires_at},
        )
        .execute()
    )


def drop_token(key: str) -> None:
    SharedToken.delete().where(SharedToken.key == key).execute()
