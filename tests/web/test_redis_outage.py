"""Redis away (REDIS_URL set, nothing answering): logging in, reporting and
uploading still work, limited in process, and the logs say so (issue 13,
finding 6). The access-token cache falls back to the database."""
import io
import logging
import shutil
import socket
import subprocess
import time

import pytest
from PIL import Image

LIMITED = {"RATELIMIT_ENABLED": True}


def closed_port():
    """A loopback port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def redis_down(config, world):
    from app import create_app

    url = f"redis://127.0.0.1:{closed_port()}/0"
    application = create_app({**config, **LIMITED, "REDIS_URL": url, "RATELIMIT_LOGIN": "3/minute"})
    assert application.config["RATELIMIT_STORAGE_URI"] == url
    return application


def _png():
    out = io.BytesIO()
    Image.new("RGB", (20, 20), (10, 120, 30)).save(out, "PNG")
    return out.getvalue()


def _login(client, username="office", password="wrong"):
    return client.post("/api/v1/auth/staff", json={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": "198.51.100.9"})


def test_login_report_and_upload_work_without_redis(redis_down, auth, caplog):
    client = redis_down.test_client()
    with caplog.at_level(logging.WARNING):
        assert _login(client, password="test-password").status_code == 200
    assert any("in-memory" in r.getMessage() for r in caplog.records)
    reported = client.post("/api/v1/items", headers=auth("mp"), json={"content": "小区门口路灯不亮了"})
    assert reported.status_code == 201
    uploaded = client.post("/api/v1/uploads", headers=auth("mp"),
                           data={"file": (io.BytesIO(_png()), "a.png", "image/png")})
    assert uploaded.status_code == 201


def test_limits_still_hold_in_process_while_redis_is_away(redis_down):
    client = redis_down.test_client()
    statuses = [_login(client, f"user-{i}").status_code for i in range(5)]
    assert statuses == [401, 401, 401, 429, 429]


def test_the_token_store_falls_back_to_the_database(app, caplog):
    from pipeline.messages.shared_tokens import live_token
    from wechat.token_store import storage_for

    store = storage_for({"REDIS_URL": f"redis://127.0.0.1:{closed_port()}/0"})
    with caplog.at_level(logging.WARNING):
        store.set("oa_access_token", "tok-1", ttl=7200)
        assert store.get("oa_access_token") == "tok-1"
        assert 7000 < store.remaining("oa_access_token") <= 7200
    assert live_token("oa_access_token", _now()) is not None  # kept where every process finds it
    assert any("Redis" in r.getMessage() for r in caplog.records)
    store.delete("oa_access_token")
    assert store.get("oa_access_token", "gone") == "gone"


def _now():
    import models

    return models.local_now()


@pytest.fixture
def private_redis(tmp_path):
    """A redis-server of this test's own on a free port (never the shared one)."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed")
    port = closed_port()
    process = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no", "--dir", str(tmp_path)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    yield process, f"redis://127.0.0.1:{port}/0"
    if process.poll() is None:
        process.kill()
        process.wait()


def test_redis_dying_mid_service_degrades_instead_of_failing(config, world, auth, private_redis):
    from app import create_app

    process, url = private_redis
    application = create_app({**config, **LIMITED, "REDIS_URL": url, "RATELIMIT_LOGIN": "50/minute"})
    client = application.test_client()
    assert _login(client).status_code == 401  # counted in Redis
    assert client.post("/api/v1/items", headers=auth("mp"), json={"content": "楼道灯坏了"}).status_code == 201
    process.kill()
    process.wait()
    assert _login(client).status_code == 401
    assert _login(client, password="test-password").status_code == 200
    assert client.post("/api/v1/items", headers=auth("mp"), json={"content": "楼道灯又坏了"}).status_code == 201


def test_a_hung_redis_is_given_up_on_within_a_second(config, world):
    """A hung Redis (the connection opens, nothing comes back) holds each limited request
    only for the client's socket timeout, then counts in process (about 19 s without one)."""
    from app import create_app
    from web.limits import limiter

    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)  # the kernel completes connections; nobody ever reads or answers
        url = f"redis://127.0.0.1:{silent.getsockname()[1]}/0"
        application = create_app({**config, **LIMITED, "REDIS_URL": url})
        settings = limiter.storage.storage.connection_pool.connection_kwargs
        assert settings["socket_timeout"] <= 1 and settings["socket_connect_timeout"] <= 1
        assert _login(application.test_client()).status_code == 401
