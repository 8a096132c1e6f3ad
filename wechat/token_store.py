"""The shared access-token store behind wechatpy's `SessionStorage`.

Every process (gunicorn workers, the jobs process, CLI commands) reads the
same token: fetching a new one invalidates the old one after five minutes and
WeChat allows 2000 fetches a day, so one per process would thrash. The store is
the `SharedToken` table, or Redis when `REDIS_URL` is set. Both honour TTLs
themselves (wechatpy keeps expiry only in process memory), and both can say
how many seconds a key has left (`remaining`), which the client and
`refresh_access_token` use to refresh early.
"""
import json
import logging
from datetime import timedelta
from typing import Any

from wechatpy.session import SessionStorage

from pipeline.messages.shared_tokens import drop_token, live_token, store_token
from pipeline.rules.boundary import local_now

log = logging.getLogger("sixstep.wechat.tokens")

REFRESH_MARGIN = 600  # the jobs process refreshes tokens expiring within 10 minutes


class DatabaseStorage(SessionStorage):
    """Key/value with expiry in the `SharedToken` table (values JSON-encoded)."""

    def __init__(self, clock=local_now):
        self.clock = clock

    def get(self, key, default=None):
        found = live_token(key, self.clock())
        return default if found is None else json.loads(found.value)

    def set(self, key, value, ttl=None):
        if value is None:
            return
        expires_at = self.clock() + timedelta(seconds=int(ttl)) if ttl else None
        store_token(key, json.dumps(value, ensure_ascii=False), expires_at)

    def delete(self, key):
        drop_token(key)

    def remaining(self, key, now=None):
        """Seconds until `key` expires; None if it never does; 0 if absent or expired."""
        now = now or self.clock()
        found = live_token(key, now)
        if found is None:
            return 0
        if found.expires_at is None:
            return None
        return int((found.expires_at - now).total_seconds())


class RedisStorage(SessionStorage):
    """The same store in Redis (`REDIS_URL`): expiry is Redis's own.

    While Redis can't be reached every call uses the database store instead
    (logged as a warning): a token fetched then is kept where every process
    finds it, and a web request needing a token never fails for Redis alone.
    """

    def __init__(self, redis, prefix="sixstep", fallback=None):
        self.redis = redis
        self.prefix = prefix
        self.fallback = fallback or DatabaseStorage()

    def _key(self, key):
        return f"{self.prefix}:{key}"

    def _redis(self, call, method, *args):
        from redis.exceptions import RedisError

        try:
            return call()
        except RedisError as error:
            log.warning("Redis unreachable for the token store (%s); using the database",
                        error.__class__.__name__)
            return getattr(self.fallback, method)(*args)

    def get(self, key, default=None):
        return self._redis(lambda: _decoded(self.redis.get(self._key(key)), default), "get", key, default)

    def set(self, key, value, ttl=None):
        if value is None:
            return
        self._redis(lambda: self.redis.set(self._key(key), json.dumps(value, ensure_ascii=False),
                                           ex=int(ttl) if ttl else None), "set", key, value, ttl)

    def delete(self, key):
        self._redis(lambda: self.redis.delete(self._key(key)), "delete", key)

    def remaining(self, key, now=None):
        """Seconds until `key` expires; None if it never does; 0 if absent."""
        return self._redis(lambda: _ttl_seconds(self.redis.ttl(self._key(key))), "remaining", key, now)


def _decoded(value, default):
    if value is None:
        return default
    return json.loads(value.decode("utf-8") if isinstance(value, bytes) else value)


def _ttl_seconds(ttl):
    """Redis's TTL answer as `remaining` gives it: -1 (no expiry) → None, absent → 0."""
    if ttl == -1:
        return None
    return max(int(ttl), 0)


_redis_clients: dict[str, Any] = {}


def storage_for(config):
    """The shared store for these settings: Redis when `REDIS_URL` is set, else the database."""
    url = config.get("REDIS_URL")
    if url:
        if url not in _redis_clients:
            import redis

            _redis_clients[url] = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        return RedisStorage(_redis_clients[url], prefix=config.get("REDIS_PREFIX", "sixstep"))
    return DatabaseStorage()


def refresh_access_token(config, now=None, margin=REFRESH_MARGIN, kinds=("oa", "mp")):
    """Fetch new access tokens for the clients whose token expires within `margin` seconds.

    Called periodically by the jobs process, the one refresher, so web workers
    always find a live token. Returns `{kind: "fresh" | "refreshed"}`. Network or
    WeChat errors propagate (`WeChatClientException`, `requests` errors): the
    job logs them and tries again on its next run, while the old token lives on.
    """
    from .client import make_client

    storage = storage_for(config)
    outcome = {}
    for kind in kinds:
        client = make_client(config, kind, session=storage)
        left = storage.remaining(client.access_token_key, now=now)
        if left is not None and left > margin:
            outcome[kind] = "fresh"
            continue
        client.fetch_access_token()
        outcome[kind] = "refreshed"
    return outcome
