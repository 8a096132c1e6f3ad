"""Production logs: one JSON line per request and per job run, with a request id
the caller also sees — and never a phone number or what a resident wrote."""
import io
import json
import logging

import pytest

from jobs import run_once
from ops.logs import configure_logging
from wechat import simulate

PHONE = "13912345678"
SECRET_TEXT = "隔壁装修噪音扰民"


@pytest.fixture
def log_lines(app):
    app.config["LOG_FORMAT"] = "json"
    stream = io.StringIO()
    handler = configure_logging(app.config, stream=stream)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logging.getLogger().removeHandler(handler)


def test_each_request_is_one_json_line_without_personal_data(app, client, auth, log_lines):
    office, resident = auth("office"), auth("mp")
    created = client.post("/api/v1/staff/items", headers=office, json={
        "content": f"{SECRET_TEXT}，联系电话{PHONE}", "channel": "phone", "reporter_name": "王建华",
        "reporter_phone": PHONE})
    assert created.status_code == 201
    number = created.get_json()["number"]
    assert client.get(f"/api/v1/staff/items/{number}", headers=office).status_code == 200
    assert client.post("/api/v1/items", headers=resident, json={"content": f"{SECRET_TEXT} {PHONE}"}).status_code == 201
    refused = client.post("/api/v1/items", headers=resident, json={"content": PHONE, "anonymous": "yes"})
    assert refused.status_code == 400
    params, body = simulate.signed(simulate.text("o-logs", f"{SECRET_TEXT}，电话{PHONE}"), app.config["WECHAT_TOKEN"],
                                   None, app.config["WECHAT_APPID"])
    assert client.post("/wechat", query_string=params, data=body, content_type="text/xml").status_code == 200
    missing = client.get("/api/v1/items/20990101-0001", headers={"X-Request-Id": "proxy-7f3a"})

    lines = log_lines()
    text = json.dumps(lines, ensure_ascii=False)
    assert PHONE not in text and SECRET_TEXT not in text and number not in text
    requests = [line for line in lines if line["logger"] == "sixstep.request"]
    assert [(r["method"], r["route"], r["status"], r["actor"]) for r in requests] == [
        ("POST", "/api/v1/staff/items", 201, "staff"),
        ("GET", "/api/v1/staff/items/<number>", 200, "staff"),
        ("POST", "/api/v1/items", 201, "resident"),
        ("POST", "/api/v1/items", 400, "resident"),
        ("POST", "/wechat", 200, "wechat"),
        ("GET", "/api/v1/items/<number>", 404, "anonymous"),
    ]
    assert all(r["duration_ms"] >= 0 and r["time"] and r["level"] == "INFO" for r in requests)
    assert len({r["request_id"] for r in requests}) == len(requests)
    assert requests[-1]["request_id"] == "proxy-7f3a" == missing.headers["X-Request-Id"]
    assert missing.get_json()["error"]["request_id"] == "proxy-7f3a"
    assert refused.get_json()["error"]["request_id"] == requests[3]["request_id"] == refused.headers["X-Request-Id"]


def test_a_request_id_that_is_not_sane_is_replaced(client, log_lines):
    answer = client.get("/api/v1/items/20990101-0001", headers={"X-Request-Id": "x" * 65})
    rid = answer.get_json()["error"]["request_id"]
    assert rid != "x" * 65 and len(rid) == 32
    assert log_lines()[-1]["request_id"] == rid


def test_every_job_run_is_one_line_with_what_it_did(app, flow, now, log_lines, wechat_api):
    flow.classified()
    results = run_once(now)
    jobs = {line["job"]: line for line in log_lines() if line["logger"] == "sixstep.jobs"}
    assert set(jobs) == set(results)
    assert jobs["dispatch_outbox"]["result"] == results["dispatch_outbox"]
    assert all(line["duration_ms"] >= 0 for line in jobs.values())
