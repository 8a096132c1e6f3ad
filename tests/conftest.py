"""Shared fixtures: the app on SQLite or PostgreSQL, a client, a frozen `now`,
the fake WeChat API, a small world of units and people, and no network.

The database comes from SIXSTEP_TEST_DATABASE: unset or "sqlite" gives a
scratch SQLite file; "postgresql" (or a postgresql:// URL) gives a fresh
database on the local server, dropped at the end. `.ci/run` runs the suite
once each way.
"""
import os
import socket
import uuid
from dataclasses import dataclass
from datetime import date, datetime

import psycopg2
import pytest

import models
from models.migrations import init_db
from pipeline.actors import actor_for_resident, actor_for_staff
from pipeline.catalog import ensure_default_categories
from pipeline.people import create_staff, create_unit, issue_token, resident_for_openid
from shared_support import PG_ADMIN_URL, WECHAT_SETTINGS
from wechat.fake import FakeWeChat

# A Monday morning in an ordinary working week.
FROZEN_NOW = datetime(2026, 11, 23, 10, 0, 0)
LOOPBACK = {"127.0.0.1", "::1", "localhost"}


def _backend():
    return os.environ.get("SIXSTEP_TEST_DATABASE", "sqlite")


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Tests never reach the network: only loopback and unix sockets connect."""
    real_connect = socket.socket.connect

    def guarded(sock, address):
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            host = address[0]
            if host not in LOOPBACK and not str(host).startswith("127."):
                raise OSError(f"tests must not reach the network ({host})")
        return real_connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch):
    """scrypt costs ~50 ms a hash; tests create many accounts."""
    monkeypatch.setattr("pipeline.people.PASSWORD_METHOD", "pbkdf2:sha256:1000")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    backend = _backend()
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'sixstep-test.db'}"
        return
    name = f"sixstep_test_{uuid.uuid4().hex[:8]}"
    admin = psycopg2.connect(PG_ADMIN_URL)
    admin.autocommit = True
    admin.cursor().execute(f'CREATE DATABASE "{name}"')
    # Scratch data: commits needn't wait for the disk (each would be an fsync).
    admin.cursor().execute(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
    base = backend if "://" in backend else PG_ADMIN_URL
    yield base.rsplit("/", 1)[0] + "/" + name
    if models.db.obj is not None:
        models.db.close()
    admin.cursor().execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


@pytest.fixture(scope="session")
def fake_wechat():
    server = FakeWeChat().start()
    yield server
    server.stop()


@pytest.fixture
def wechat_api(fake_wechat):
    """The fake WeChat API server, its record cleared for this test."""
    fake_wechat.reset()
    yield fake_wechat
    fake_wechat.reset()


@pytest.fixture
def config(database_url, fake_wechat, tmp_path):
    return {
        **WECHAT_SETTINGS,
        "TESTING": True,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret",
        "WECHAT_API_BASE": fake_wechat.base_url,
        "UPLOAD_DIR": str(tmp_path / "uploads"),
        "RATELIMIT_ENABLED": False,
    }


def _empty_tables():
    tables = [m._meta.table_name for m in models.ALL_MODELS]
    if models.base.is_postgres():
        models.db.execute_sql("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE")
    else:
        models.db.execute_sql("PRAGMA foreign_keys = OFF")
        for table in tables:
            models.db.execute_sql(f'DELETE FROM "{table}"')
        if _has_sqlite_sequence():
            models.db.execute_sql("DELETE FROM sqlite_sequence")
        models.db.execute_sql("PRAGMA foreign_keys = ON")


def _has_sqlite_sequence():
    return bool(models.db.execute_sql("SELECT 1 FROM sqlite_master WHERE name='sqlite_sequence'").fetchone())


@pytest.fixture
def app(config):
    from app import create_app

    application = create_app(config)
    with application.app_context():
        init_db()
        _empty_tables()
        ensure_default_categories()
        yield application
    if not models.db.is_closed():
        models.db.close()


@pytest.fixture
def db(app):
    """The connected database (the peewee proxy), empty but for categories."""
    return models.db


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def now():
    """A frozen `now` (naive Asia/Shanghai) that tests pass into operations."""
    return FROZEN_NOW


@dataclass
class World:
    """Units, staff and residents most tests need, with their actors."""

    units: dict
    staff: dict
    residents: dict

    def actor(self, name):
        if name in self.staff:
            return actor_for_staff(self.staff[name])
        return actor_for_resident(self.residents[name], FROZEN_NOW.date())


@pytest.fixture
def world(app):
    units = {
        "jianshe": create_unit("建设办", "department"),
        "shirong": create_unit("市容办", "department"),
        "community": create_unit("全椒路社区", "community", "全椒路社区"),
        "volunteers": create_unit("党员志愿者服务队", "volunteer_org"),
    }
    password = "test-password"
    staff = {
        "office": create_staff("office", "office", password, name="李敏"),
        "leader": create_staff("leader", "leader", password, name="陈建国"),
        "jianshe": create_staff("jianshe", "unit", password, name="王强", unit="建设办"),
        "shirong": create_staff("shirong", "unit", password, name="赵磊", unit="市容办"),
        "supervisor": create_staff("duban", "supervisor", password, name="吴刚", area="全椒路社区"),
        "party": create_staff("dangzheng", "party_office", password, name="周洁"),
    }
    for key, user in staff.items():
        user.openid = f"staff-openid-{key}"
        user.save()
    residents = {
        "zhang": resident_for_openid("oa-openid-zhang", source="oa"),
        "li": resident_for_openid("oa-openid-li", source="oa"),
        "mp": resident_for_openid("mp-openid-wang", source="mp"),
        "liu": resident_for_openid("oa-openid-liu", source="oa"),
    }
    models.Badge.create(number="DB-TEST-1", token="badge-token-liu", kind="resident", name="刘师傅",
                        valid_until=date(2027, 12, 31), resident=residents["liu"])
    return World(units, staff, residents)


@pytest.fixture
def auth(world):
    """auth("office") → headers with a fresh bearer token for that person."""
    def headers(name):
        if name in world.staff:
            token, _ = issue_token(now=models.local_now(), staff=world.staff[name])
        else:
            token, _ = issue_token(now=models.local_now(), resident=world.residents[name])
        return {"Authorization": f"Bearer {token}"}
    return headers


class Flow:
    """Drives items to a given status through the real operations."""

    def __init__(self, world, now):
        self.world = world
        self.now = now

    def a(self, name):
        return self.world.actor(name)

    def collected(self, reporter="zhang", content="小区3号楼楼道灯坏了一个多月，晚上看不见", **kwargs):
        from pipeline.intake import collect

        channel = "miniprogram" if reporter == "mp" else "wechat"
        return collect(self.a(reporter), content, channel, community="全椒路社区", now=self.now, **kwargs)

    def classified(self, tier="limited", unit="jianshe", **kwargs):
        from pipeline.intake import classify

        item = self.collected(**kwargs)
        return classify(item, self.a("office"), category="housing", leader=self.world.staff["leader"].id,
                        unit=self.world.units[unit].id, tier=tier, roadmap="建设办牵头，三日内修复", now=self.now)

    def claimed(self, tier="limited", **kwargs):
        from pipeline.handling import claim

        return claim(self.classified(tier=tier, **kwargs), self.a("jianshe"), now=self.now)

    def resolved(self, **kwargs):
        from pipeline.handling import resolve

        return resolve(self.claimed(**kwargs), self.a("jianshe"), result="已更换楼道灯", now=self.now)

    def closed(self, **kwargs):
        from pipeline.judging import rate

        item = self.resolved(**kwargs)
        return rate(item, self.a("zhang"), "satisfied", now=self.now)


@pytest.fixture
def flow(world, now):
    return Flow(world, now)
