"""The shared token store: database table and Redis, TTLs honoured, early refresh."""
import uuid
from datetime import datetime, timedelta

import pytest

from models import SharedToken, local_now
from wechat.token_store import DatabaseStorage, RedisStorage, refresh_access_token, storage_for

from wechat_support import Clock


def test_database_storage_round_trip_and_ttl(wx_db):
    clock = Clock(datetime(2026, 3, 2, 9, 0, 0))
    store = DatabaseStorage(clock=clock)
    assert store.get("k") is None
    assert store.get("k", "dflt") == "dflt"
    store.set("k", "v" * 600, ttl=7200)  # tokens may be 512+ characters
    assert store.get("k") == "v" * 600
    assert store.remaining("k") == 7200
    clock.now += timedelta(seconds=7199)
    assert store.get("k") == "v" * 600
    assert store.remaining("k") == 1
    clock.now += timedelta(seconds=1)
    assert store.get("k") is None
    assert store.remaining("k") == 0


def test_database_storage_overwrites_and_deletes(wx_db):
    store = DatabaseStorage()
    store.set("k", "one", ttl=60)
    store.set("k", {"ticket": "two"})
    assert store.get("k") == {"ticket": "two"}
    assert store.remaining("k") is None  # no TTL: never expires
    assert SharedToken.select().count() == 1
    store.delete("k")
    assert store.get("k") is None
    store.set("k", None)  # wechatpy never stores None
    assert store.get("k") is None


def test_storage_for_picks_database_or_redis(wx_config):
    assert isinstance(storage_for(wx_config), DatabaseStorage)
    assert isinstance(storage_for({**wx_config, "REDIS_URL": "redis://127.0.0.1:6379/0"}), RedisStorage)


@pytest.fixture
def redis_store():
    redis = pytest.importorskip("redis")
    conn = redis.Redis.from_url("redis://127.0.0.1:6379/0", socket_connect_timeout=1)
    try:
        conn.ping()
    except redis.RedisError:
        pytest.skip("no Redis server on 127.0.0.1:6379")
    store = RedisStorage(conn, prefix=f"sixstep-test-{uuid.uuid4().hex}")
    yield store
    for key in conn.scan_iter(f"{store.prefix}:*"):
        conn.delete(key)
    conn.close()


def test_redis_storage_round_trip_and_ttl(redis_store):
    assert redis_store.get("k", "dflt") == "dflt"
    redis_store.set("k", "token-value", ttl=7200)
    assert redis_store.get("k") == "token-value"
    assert 7190 <= redis_store.remaining("k") <= 7200
    redis_store.set("forever", "x")
    assert redis_store.remaining("forever") is None
    redis_store.delete("k")
    assert redis_store.get("k") is None
    assert redis_store.remaining("k") == 0


def test_refresh_only_when_expiring_soon(wx_db, wx_config, wx_fake):
    assert refresh_access_token(wx_config) == {"oa": "refreshed", "mp": "refreshed"}
    assert len(wx_fake.calls_to("cgi-bin/token")) == 2
    assert refresh_access_token(wx_config) == {"oa": "fresh", "mp": "fresh"}
    assert len(wx_fake.calls_to("cgi-bin/token")) == 2
    # Ten minutes before expiry, the jobs process refreshes.
    soon = local_now() + timedelta(seconds=7200 - 500)
    old = DatabaseStorage().get("wx-test-oa_access_token")
    result = refresh_access_token(wx_config, now=soon, kinds=("oa",))
    assert result == {"oa": "refreshed"}
    assert DatabaseStorage().get("wx-test-oa_access_token") != old


def test_refresh_through_redis(redis_store, wx_config, wx_fake, monkeypatch):
    import wechat.token_store as token_store

    monkeypatch.setattr(token_store, "storage_for", lambda config: redis_store)
    assert refresh_access_token(wx_config, kinds=("oa",)) == {"oa": "refreshed"}
    assert redis_store.get("wx-test-oa_access_token").startswith("fake-")
    assert refresh_access_token(wx_config, kinds=("oa",)) == {"oa": "fresh"}
