"""Fixtures of the WeChat tests.

`wx` drives the real `/wechat` endpoint through the app's test client with
pushes signed (plain mode) or sealed (safe mode) by wechatpy's own crypto; it
is parametrised, so every test using it runs in both modes. Time inside the
webhook is `wx.clock` (starting at the shared frozen `now`).

The `wx_*` fixtures (scratch database, settings) serve the tests of the
client, token store and outbound delivery, which need no app.
"""
import time
from dataclasses import dataclass

import pytest

import wechat.webhook
from models import ALL_MODELS, open_database
from wechat import simulate

from shared_support import WECHAT_SETTINGS
from wechat_support import AES_KEY, Clock


@pytest.fixture
def wx_fake(wechat_api):
    """The shared fake WeChat API, forgotten between tests."""
    wechat_api.slow_seconds = 6.0
    return wechat_api


@pytest.fixture
def wx_db(tmp_path):
    """A scratch SQLite database with every table (no app)."""
    database = open_database(f"sqlite:///{tmp_path / 'wechat.db'}")
    database.create_tables(ALL_MODELS)
    yield database
    database.close()


@pytest.fixture
def wx_config(wx_fake):
    """Settings pointing at the fake server (database token store)."""
    return {**WECHAT_SETTINGS, "WECHAT_API_BASE": wx_fake.base_url}


@dataclass
class Answer:
    status: int
    body: bytes
    reply: str  # the plaintext reply XML ('' or 'success' when nothing to say)
    content: str  # a text reply's content
    seconds: float


class Pusher:
    """Sends pushes to /wechat as WeChat's servers would, in plain or safe mode."""

    AES_KEY = AES_KEY

    def __init__(self, app, client, mode, clock):
        self.app = app
        self.client = client
        self.mode = mode
        self.clock = clock
        self.token = app.config["WECHAT_TOKEN"]
        self.appid = app.config["WECHAT_APPID"]
        self.aes_key = AES_KEY if mode == "aes" else None

    def post_raw(self, params, body):
        started = time.perf_counter()
        response = self.client.post("/wechat", query_string=params, data=body, content_type="text/xml")
        seconds = time.perf_counter() - started
        reply = ""
        if response.status_code == 200:
            reply = simulate.open_reply(response.data, self.token, self.aes_key, self.appid)
        return Answer(response.status_code, response.data, reply, simulate.reply_content(reply), seconds)

    def signed(self, xml, **kw):
        return simulate.signed(xml, self.token, self.aes_key, self.appid, **kw)

    def send(self, xml, **kw):
        return self.post_raw(*self.signed(xml, **kw))

    def text(self, openid, content, **kw):
        return self.send(simulate.text(openid, content, **kw))

    def image(self, openid, media_id="media-1", **kw):
        return self.send(simulate.image(openid, media_id, **kw))

    def voice(self, openid, recognition=None, media_id="voice-1", **kw):
        return self.send(simulate.voice(openid, media_id, recognition, **kw))

    def location(self, openid, lat="31.2304", lng="121.4737", label="全椒路社区3号楼", **kw):
        return self.send(simulate.location(openid, lat, lng, label, **kw))

    def event(self, openid, name, key=None, **kw):
        return self.send(simulate.event(openid, name, key, **kw))


@pytest.fixture(params=["plain", "aes"])
def wx(request, app, client, now, monkeypatch):
    """A pusher for /wechat in plain mode and in safe mode (AES)."""
    app.config["WECHAT_AES_KEY"] = AES_KEY if request.param == "aes" else None
    clock = Clock(now)
    monkeypatch.setattr(wechat.webhook, "local_clock", clock)
    return Pusher(app, client, request.param, clock)
