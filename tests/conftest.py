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
from pipeline.accounts.people import create_staff, create_unit, issue_token, resident_for_openid
from pipeline.office.catalog import ensure_default_categories
from pipeline.rules.actors import actor_for_resident, actor_for_staff
from pipeline.rules.settings import configure as configure_settings
from wechat.fake import FakeWeChat

from shared_support import PG_ADMIN_URL, WECHAT_SETTINGS

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
    monkeypatch.setattr("pipeline.accounts.people.PASSWORD_METHOD", "pbkdf2:sha256:1000")


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


def _dirty_tables():
    """Tables holding rows, in dependency order, found in one query: emptying only
    those keeps a test's clean-up proportional to what it wrote."""
    tables = [m._meta.table_name for m in models.ALL_MODELS]
    probe = " UNION ALL ".join(f"SELECT '{t}' FROM (SELECT 1 FROM \"{t}\" LIMIT 1) AS \"{t}\"" for t in tables)
    dirty = {row[0] for row in models.db.execute_sql(probe).fetchall()}
    return [t for t in tables if t in dirty]


def _empty_tables():
    """Every table empty and every id restarting at 1, as in a new database."""
    tables = _dirty_tables()
    if models.base.is_postgres():
        # DELETE, not TRUNCATE: truncating swaps each table's files, which on a busy disk
        # cost seconds per test; deleting a test's few rows costs milliseconds.
        used = [row[0] for row in models.db.execute_sql(
            "SELECT sequencename FROM pg_sequences WHERE schemaname = current_schema() AND last_value IS NOT NULL")]
        with models.db.atomic():
            for table in reversed(tables):  # referencing tables first
                models.db.execute_sql(f'DELETE FROM "{table}"')
            if used:
                models.db.execute_sql("SELECT " + ", ".join(f"setval('\"{s}\"', 1, false)" for s in used))
        return
    if not tables:
        return
    models.db.execute_sql("PRAGMA foreign_keys = OFF")  # a no-op inside a transaction: set it first
    try:
        with models.db.atomic():
            for table in tables:
                models.db.execute_sql(f'DELETE FROM "{table}"')
            if _has_sqlite_sequence():
                models.db.execute_sql("DELETE FROM sqlite_sequence")
    finally:
        models.db.execute_sql("PRAGMA foreign_keys = ON")


def _has_sqlite_sequence():
    return bool(models.db.execute_sql("SELECT 1 FROM sqlite_master WHERE name='sqlite_sequence'").fetchone())


@pytest.fixture(scope="session")
def _session_app(database_url, fake_wechat, tmp_path_factory):
    """One app and one schema for the whole run: building either costs more than most tests.

    Each test gets it back with the configuration it started with (see `app`).
    """
    from app import create_app

    settings = {**WECHAT_SETTINGS, "TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": "test-secret",
                "WECHAT_API_BASE": fake_wechat.base_url, "RATELIMIT_ENABLED": False,
                "UPLOAD_DIR": str(tmp_path_factory.mktemp("uploads"))}
    application = create_app(settings)
    with application.app_context():
        init_db()
    return application, dict(application.config), models.db.obj


@pytest.fixture
def app(_session_app, config, request):
    """The app on an empty database (but for the default categories), with `config`.

    Configuration a test changed is put back for the next; so is the database
    connection if a test opened another app. A test that changes the schema is
    marked `alters_schema` and the schema is rebuilt after it.
    """
    application, settings, database = _session_app
    application.config.clear()  # in place: the webhook app shares this mapping
    application.config.update(settings)
    application.config.update(config)
    # A test that built another app pointed pipeline's settings at that app's configuration.
    configure_settings(application.config)
    # ... and left the one rate limiter (a module global) switched on, counting in memory
    # across later tests: logins then ran out in whichever test came late enough.
    from web.limits import limiter

    limiter.enabled = bool(application.config.get("RATELIMIT_ENABLED"))
    if models.db.obj is not database:
        models.db.initialize(database)
    with application.app_context():
        _empty_tables()
        ensure_default_categories()
        yield application
        if request.node.get_closest_marker("alters_schema"):
            init_db()
    if models.db.obj is not database:
        models.db.initialize(database)
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
    # The office's communities (GET /api/v1/communities), with their centre points.
    from pipeline.rules.offices import default_office_id

    office = default_office_id()
    models.Community.create(name="全椒路社区", lat=32.2950, lng=118.3120, office=office)
    models.Community.create(name="安居苑社区", lat=32.3100, lng=118.3300, office=office)
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
        from pipeline.steps.intake import collect

        channel = "miniprogram" if reporter == "mp" else "wechat"
        return collect(self.a(reporter), content, channel, community="全椒路社区", now=self.now, **kwargs)

    def classified(self, tier="limited", unit="jianshe", **kwargs):
        from pipeline.steps.intake import classify

        item = self.collected(**kwargs)
        return classify(item, self.a("office"), category="housing", leader=self.world.staff["leader"].id,
                        unit=self.world.units[unit].id, tier=tier, roadmap="建设办牵头，三日内修复", now=self.now)

    def claimed(self, tier="limited", **kwargs):
        from pipeline.steps.handling import claim

        return claim(self.classified(tier=tier, **kwargs), self.a("jianshe"), now=self.now)

    def resolved(self, **kwargs):
        from pipeline.steps.handling import resolve

        return resolve(self.claimed(**kwargs), self.a("jianshe"), result="已更换楼道灯", now=self.now)

    def closed(self, **kwargs):
        from pipeline.steps.judging import rate

        item = self.resolved(**kwargs)
        return rate(item, self.a("zhang"), "satisfied", now=self.now)


@pytest.fixture
def flow(world, now):
    return Flow(world, now)


@dataclass
class District:
    """Two street offices: the world's (its default office) and 城南街道 with a community,
    a unit and staff of its own, each with an item on its claim board; and the
    district's own 区级督查, who belongs to neither."""

    home: object
    south: object
    staff: dict
    items: dict

    def actor(self, name):
        return actor_for_staff(self.staff[name])


@pytest.fixture
def district(world, flow, now):
    from pipeline.accounts.people import create_office
    from pipeline.rules.offices import default_office_id
    from pipeline.steps.intake import classify, collect

    home = models.Office.get_by_id(default_office_id())
    south = create_office("城南街道", "02")
    models.Community.create(name="城南社区", office=south, lat=32.2000, lng=118.3000)
    create_unit("城南建设办", "department", office=south.id)
    password = "test-password"
    staff = {
        "office": create_staff("south-office", "office", password, name="孙丽", office=south.id),
        "leader": create_staff("south-leader", "leader", password, name="钱进", office=south.id),
        "unit": create_staff("south-unit", "unit", password, name="冯军", unit="城南建设办"),
        "admin": create_staff("south-admin", "admin", password, name="城南管理员", office=south.id),
        "district": create_staff("quji", "district", password, name="区督查室"),
        "district_admin": create_staff("qu-admin", "admin", password, name="区管理员", district=True),
    }
    for key, user in staff.items():
        user.openid = f"staff-openid-south-{key}"
        user.save()
    home_item = flow.classified(unit="shirong")
    south_item = collect(world.actor("li"), "城南社区菜场门口积水严重", "wechat", community="城南社区", now=now)
    south_item = classify(south_item, actor_for_staff(staff["office"]), category="housing",
                          leader=staff["leader"].id, tier="limited", roadmap="城南建设办负责", now=now)
    return District(home, south, staff, {"home": home_item, "south": south_item})
