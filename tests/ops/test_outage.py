"""A database outage, on a PostgreSQL server of the test's own (stopped and
started here, never the shared one): the webhook answers residents a reply
WeChat shows, the API a JSON 503, /healthz stays up and /readyz says why —
and service comes back by itself with nothing that was acknowledged lost."""
import os
import re
import threading

import private_postgres
import pytest

import models
from models.migrations import init_db
from pipeline.office.catalog import ensure_default_categories
from wechat import replies, simulate

pytestmark = pytest.mark.skipif(not private_postgres.available(), reason="PostgreSQL server binaries not installed")

NUMBER = re.compile(r"\d{8}-\d{4}")
AES_KEY = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFG"  # safe mode
REPORT = "全椒路社区5号楼门口的路灯坏了一个星期，晚上很黑"


@pytest.fixture(scope="module")
def server():
    pg = private_postgres.PrivatePostgres().create()
    yield pg
    pg.destroy()


@pytest.fixture(params=["plain", "aes"])
def outage_app(request, config, server):
    from app import create_app

    application = create_app({**config, "DATABASE_URL": server.url,
                              "WECHAT_AES_KEY": AES_KEY if request.param == "aes" else None})
    with application.app_context():
        init_db()
        for model in reversed(models.ALL_MODELS):
            model.delete().execute()
        ensure_default_categories()
        models.db.close()  # requests open their own, as in a web worker
    yield application
    if not models.db.is_closed():
        models.db.close()
    models.db.obj.close_all()


def push(app, client, openid, content):
    """A text push as WeChat sends it → (status, reply content)."""
    token, aes = app.config["WECHAT_TOKEN"], app.config["WECHAT_AES_KEY"]
    params, body = simulate.signed(simulate.text(openid, content), token, aes, app.config["WECHAT_APPID"])
    response = client.post("/wechat", query_string=params, data=body, content_type="text/xml")
    if response.status_code != 200:
        return response.status_code, response.get_data(as_text=True)
    reply = simulate.open_reply(response.data, token, aes, app.config["WECHAT_APPID"])
    return 200, simulate.reply_content(reply)


def stored_numbers(app):
    with app.app_context():
        try:
            return {item.number for item in models.Item.select(models.Item.number)}
        finally:
            models.db.close()


def test_an_outage_answers_busy_and_503_then_recovers_by_itself(outage_app, server):
    client = outage_app.test_client()
    status, before = push(outage_app, client, "o-before", REPORT)
    assert status == 200 and NUMBER.search(before)
    assert client.get("/api/v1/categories").status_code == 200

    server.stop()
    try:
        assert push(outage_app, client, "o-during", REPORT) == (200, replies.BUSY)
        api = client.get("/api/v1/categories", headers={"X-Request-Id": "lb-42"})
        assert api.status_code == 503
        assert api.get_json()["error"]["code"] == "unavailable"
        assert api.get_json()["error"]["request_id"] == "lb-42" == api.headers["X-Request-Id"]
        assert api.headers["Retry-After"]
        assert client.get("/healthz").status_code == 200
        ready = client.get("/readyz")
        assert ready.status_code == 503 and ready.get_json()["checks"]["database"]["ok"] is False
    finally:
        server.start()

    status, after = push(outage_app, client, "o-during", REPORT)  # the resident sends it again
    assert status == 200 and NUMBER.search(after)
    assert client.get("/api/v1/categories").status_code == 200
    assert stored_numbers(outage_app) == {NUMBER.search(before).group(), NUMBER.search(after).group()}


def test_a_burst_across_an_outage_loses_nothing_acknowledged(outage_app, server):
    """Four senders keep pushing while the server stops and starts: every answer is a
    reply (a number or "busy"), and every number a resident was given is stored."""
    answers, lock, done = [], threading.Lock(), threading.Event()

    def sender(index):
        client = outage_app.test_client()
        count = 0
        while not done.is_set():
            count += 1
            status, content = push(outage_app, client, f"o-burst-{index}-{count}", f"{REPORT}（{index}-{count}）")
            with lock:
                answers.append((status, content))

    def wait_for(predicate):
        for _ in range(6000):
            with lock:
                if predicate(list(answers)):
                    return
            done.wait(0.01)
        raise AssertionError("the burst did not get there")

    def busy(seen):
        return sum(content == replies.BUSY for _, content in seen)

    threads = [threading.Thread(target=sender, args=(index,)) for index in range(4)]
    for thread in threads:
        thread.start()
    try:
        wait_for(lambda seen: len(seen) >= 10)
        server.stop()
        wait_for(lambda seen: busy(seen) >= 10)
        server.start()
        restarted = len(answers)
        wait_for(lambda seen: sum(bool(NUMBER.search(c)) for _, c in seen[restarted:]) >= 10)
    finally:
        done.set()
        for thread in threads:
            thread.join()
        if not server_running(server):
            server.start()

    assert {status for status, _ in answers} == {200}
    numbers = {NUMBER.search(content).group() for _, content in answers if NUMBER.search(content)}
    assert all(content == replies.BUSY or NUMBER.search(content) for _, content in answers)
    assert busy(answers) >= 10
    assert numbers and numbers <= stored_numbers(outage_app)


def server_running(server):
    return os.path.exists(os.path.join(server.data, "postmaster.pid"))


def test_the_jobs_ride_out_an_outage_and_carry_on(outage_app, server, now, wechat_api, caplog):
    from jobs import run_once

    server.stop()
    try:
        with outage_app.app_context():
            during = run_once(now)
            models.db.close()
    finally:
        server.start()
    assert set(during.values()) == {"error"}
    assert not [r for r in caplog.records if r.name == "sixstep.jobs" and r.exc_info]  # one line each, no tracebacks
    with outage_app.app_context():
        after = run_once(now)
        models.db.close()
    assert "error" not in after.values()
