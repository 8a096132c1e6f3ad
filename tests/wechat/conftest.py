"""Fixtures of the WeChat tests: the fake WeChat API server and a scratch database.

Names start with `wx_` so they never clash with the shared fixtures in
tests/conftest.py (`app`, `client`, `db`, ...).
"""
import pytest

from models import ALL_MODELS, db, open_database
from wechat.fake import FakeWeChat


@pytest.fixture(scope="session")
def wx_fake_server():
    fake = FakeWeChat().start()
    yield fake
    fake.stop()


@pytest.fixture
def wx_fake(wx_fake_server):
    """The fake WeChat API, forgotten between tests."""
    wx_fake_server.reset()
    wx_fake_server.slow_seconds = 6.0
    yield wx_fake_server
    wx_fake_server.reset()


@pytest.fixture
def wx_db(tmp_path):
    """A scratch SQLite database with every table."""
    database = open_database(f"sqlite:///{tmp_path / 'wechat.db'}")
    database.create_tables(ALL_MODELS)
    yield database
    database.close()
    db.initialize(None)


@pytest.fixture
def wx_config(wx_fake):
    """Settings pointing at the fake server (database token store)."""
    return {
        "SIXSTEP_ENV": "development",
        "WECHAT_TOKEN": "test-token",
        "WECHAT_APPID": "wx-test-oa",
        "WECHAT_SECRET": "oa-secret",
        "WECHAT_AES_KEY": None,
        "MINIPROGRAM_APPID": "wx-test-mp",
        "MINIPROGRAM_SECRET": "mp-secret",
        "WECHAT_API_BASE": wx_fake.base_url,
        "REDIS_URL": None,
    }
