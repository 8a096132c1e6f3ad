"""Hostile input on every route is a 4xx, never a 500, and writes nothing.

Walks `app.url_map`: each route, with each method, gets deeply nested JSON,
NUL characters and lone surrogates (in the query string, the body and the
path), integers past 64 bits and absurd dates. Every one is refused at the edge
(`web/edge.py`) or by the field's parser with 400 and a stable code, before any
database query could choke on it (PostgreSQL refuses NUL in text; SQLite and
the encoders refuse lone surrogates; ints past 64 bits overflow).
"""
import json

import pytest
from console_support import csrf_of

import models
from web.api_staff import ACTIONS

IGNORED_METHODS = {"HEAD", "OPTIONS"}
BODY_METHODS = {"POST", "PATCH", "PUT", "DELETE"}
DEEP = "[" * 100_000 + "]" * 100_000
DEEP_OBJECT = '{"content": ' + "[" * 40 + "1" + "]" * 40 + "}"
QUERY_NAMES = ("page", "per_page", "q", "status", "unit", "category", "community", "from", "to", "month", "staff",
               "role", "k", "next", "state", "code", "overdue")
HUGE_INT = 2 ** 64 + 1
ABSURD_DATES = ("9999-12-31T23:59:59-12:00", "0001-01-01", "9999-12-31", "0001-01-01T00:00:00+14:00")


def counts():
    return {m.__name__: m.select().count() for m in models.ALL_MODELS if m is not models.ApiToken}


@pytest.fixture
def item(flow):
    return flow.claimed()


def _value_for(name, item):
    return {"number": item.number, "action": "progress", "scene": f"i={item.number}", "token": "badge-token-liu",
            "month": "2026-11", "day": "2026-11-23", "filename": "x.css"}.get(name, "1")


def routes(app, item, prefix=""):
    """(method, url) for every route and method the main app answers, actions expanded."""
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or not rule.rule.startswith(prefix):
            continue
        names = rule.arguments
        values = {name: _value_for(name, item) for name in names}
        urls = [rule.rule]
        for name, value in values.items():
            urls = [u.replace(f"<{conv}{name}>", value) for u in urls for conv in ("", "int:", "path:")
                    if f"<{conv}{name}>" in u] or urls
        if "action" in names:
            urls = [urls[0].replace("/progress", f"/{action}") for action in ACTIONS]
        for method in sorted(rule.methods - IGNORED_METHODS):
            found.extend((method, url) for url in urls)
    return found


def _call(client, method, url, headers, **kwargs):
    return client.open(url, method=method, headers=headers, **kwargs)


def _assert_refused(response, code, api=True):
    assert response.status_code == 400, (response.status_code, response.get_data(as_text=True)[:300])
    if api:
        error = response.get_json()["error"]
        assert error["code"] == code, error
        assert error["message"] and not error["message"].isascii()


def _api_body_routes(app, item):
    return [(m, u) for m, u in routes(app, item, "/api/") if m in BODY_METHODS]


@pytest.fixture
def hostile(app, client, auth, item):
    """Calls `send(method, url, **kwargs)` as office, as a resident and anonymously; at the end of
    the test, checks that nothing was written."""
    people = {"office": auth("office"), "zhang": auth("zhang"), None: {}}
    before = counts()

    def send(method, url, **kwargs):
        return [_call(client, method, url, headers, **kwargs) for headers in people.values()]
    yield send
    assert counts() == before


def test_the_walk_sees_every_kind_of_route(app, item):
    found = routes(app, item)
    assert ("POST", f"/api/v1/staff/items/{item.number}/classify") in found
    assert ("PATCH", "/api/v1/staff/bulletins/1") in found
    assert ("POST", "/login") in found
    assert len(_api_body_routes(app, item)) >= 25


def test_deeply_nested_json_is_400_too_deep_everywhere(app, item, hostile):
    for method, url in _api_body_routes(app, item):
        for body in (DEEP, DEEP_OBJECT):
            for response in hostile(method, url, data=body, content_type="application/json"):
                _assert_refused(response, "too_deep")


def test_nul_and_lone_surrogates_in_a_json_body_are_400_bad_character(app, item, hostile):
    bodies = ['{"content": "路灯\\u0000坏了"}', '{"content": "\\ud800"}', '{"note\\u0000": 1}',
              '{"accepted": ["\\udfff"]}', '{"username": "office\\u0000", "password": "x"}']
    for method, url in _api_body_routes(app, item):
        for body in bodies:
            for response in hostile(method, url, data=body, content_type="application/json"):
                _assert_refused(response, "bad_character")


def test_nul_in_any_query_parameter_is_400_bad_character(app, item, hostile):
    for method, url in routes(app, item):
        for response in hostile(method, url, query_string={name: "a\x00b" for name in QUERY_NAMES}):
            _assert_refused(response, "bad_character", api=url.startswith("/api/"))
    for name in QUERY_NAMES:  # each one alone, where it is read
        for url in ("/api/v1/staff/items", "/api/v1/board", "/api/v1/staff/visits", "/api/v1/staff/stats"):
            for response in hostile("GET", url, query_string={name: "\x00"}):
                _assert_refused(response, "bad_character")


def test_nul_in_a_path_is_refused_not_looked_up(app, item, hostile):
    for url in (f"/api/v1/items/{item.number}%00", f"/api/v1/staff/items/{item.number}%00",
                f"/api/v1/staff/items/{item.number}%00/progress", "/api/v1/scenes/i=%00",
                f"/i/{item.number}%00", "/b/badge-token-liu%00", f"/items/{item.number}%00",
                "/api/v1/staff/visit-checks/2026-11%00", "/api/v1/staff/digests/2026-11-23%00"):
        for method in ("GET", "POST"):
            for response in hostile(method, url, json={}):
                assert response.status_code in (400, 404, 405), (url, response.status_code)
                if response.status_code == 400 and url.startswith("/api/"):
                    assert response.get_json()["error"]["code"] == "bad_character"


def test_integers_past_64_bits_in_bodies_are_400_out_of_range(app, item, hostile):
    for method, url in _api_body_routes(app, item):
        for body in (f'{{"unit": {HUGE_INT}}}', f'{{"photos": [{HUGE_INT}]}}', '{"lat": 1e400, "lng": 1}',
                     '{"days": NaN}', f'{{"issue": -{HUGE_INT}}}'):
            for response in hostile(method, url, data=body, content_type="application/json"):
                _assert_refused(response, "out_of_range")


@pytest.mark.parametrize("body", [
    {"unit": 2 ** 40}, {"photos": [2 ** 40]}, {"leader": 2 ** 31, "unit": 1}, {"staff": 2 ** 62},
])
def test_ids_past_what_the_database_holds_are_400_out_of_range(app, auth, client, item, body):
    # Inside JSON's safe range, but past a PostgreSQL integer column.
    for url, extra in ((f"/api/v1/staff/items/{item.number}/claim", {}),
                       (f"/api/v1/staff/items/{item.number}/classify",
                        {"category": "housing", "tier": "limited", "roadmap": "x", "leader": 1, "unit": 1}),
                       ("/api/v1/staff/discipline", {"kind": "notice", "person": "张三", "reason": "迟到"}),
                       ("/api/v1/staff/visits", {"community": "全椒路社区", "date": "2026-11-20", "days": 1,
                                                 "content": "走访"})):
        fields = {**extra, **body}
        before = counts()
        response = client.post(url, headers=auth("office"), json=fields)
        assert counts() == before
        if response.status_code == 400 and response.get_json()["error"]["code"] == "unknown_field":
            continue
        _assert_refused(response, "out_of_range")


@pytest.mark.parametrize("url", [
    "/api/v1/staff/items?unit={n}", "/api/v1/staff/visits?staff={n}", "/api/v1/staff/items?page={n}",
    "/api/v1/board?per_page={n}", "/api/v1/staff/items?unit=-{n}",
])
def test_integers_past_64_bits_in_query_parameters_are_400(client, auth, url):
    response = client.get(url.format(n=HUGE_INT), headers=auth("office"))
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    assert response.get_json()["error"]["code"] in ("out_of_range", "invalid")


@pytest.mark.parametrize("url", ["/api/v1/staff/badges/{n}", "/api/v1/staff/badges/{n}/card.png",
                                 "/api/v1/staff/bulletins/{n}", "/uploads/{n}"])
def test_ids_past_64_bits_in_paths_are_not_found(client, auth, url):
    for method in ("GET", "DELETE", "PATCH", "POST"):
        response = client.open(url.format(n=HUGE_INT), method=method, headers=auth("office"), json={})
        assert response.status_code in (404, 405), (method, response.status_code)


@pytest.mark.parametrize("day", ABSURD_DATES)
def test_absurd_dates_are_400_and_nothing_is_written(client, auth, item, day):
    calls = [
        ("post", f"/api/v1/staff/items/{item.number}/meeting",
         {"kind": "explanation", "held_at": day, "attendees": ["王强"], "minutes": "说明"}),
        ("post", f"/api/v1/staff/items/{item.number}/consult", {"conclusion": "会诊", "due": day}),
        ("post", "/api/v1/staff/discipline", {"kind": "notice", "person": "张三", "reason": "迟到", "date": day}),
        ("post", "/api/v1/staff/visits", {"community": "全椒路社区", "date": day, "days": 1, "content": "走访"}),
        ("post", "/api/v1/staff/badges", {"name": "刘师傅", "kind": "resident", "valid_until": day}),
        ("get", f"/api/v1/staff/stats?from={day}", None),
        ("get", f"/api/v1/staff/stats?to={day}", None),
        ("get", f"/api/v1/staff/discipline?from={day}", None),
        ("get", f"/api/v1/staff/discipline?to={day}", None),
        ("get", f"/api/v1/staff/visits?month={day[:7]}", None),
        ("get", f"/api/v1/staff/digests/{day}", None),
        ("get", f"/api/v1/staff/visit-checks/{day[:7]}", None),
    ]
    for method, url, body in calls:
        before = counts()
        response = getattr(client, method)(url, headers=auth("office"), json=body) if body else \
            getattr(client, method)(url, headers=auth("office"))
        assert counts() == before, url
        assert response.status_code in (400, 404), (url, response.status_code, response.get_data(as_text=True)[:200])
        if response.status_code == 400:
            assert response.get_json()["error"]["code"] in ("out_of_range", "invalid", "too_long"), url


def test_a_date_before_2000_in_a_record_is_out_of_range(client, auth):
    response = client.post("/api/v1/staff/discipline", headers=auth("office"),
                           json={"kind": "notice", "person": "张三", "reason": "迟到", "date": "0001-01-01"})
    _assert_refused(response, "out_of_range")
    assert response.get_json()["error"]["field"] == "date"


def test_the_staff_login_refuses_nul_before_looking_anyone_up(client, world):
    for body in ({"username": "office\x00", "password": "x"}, {"username": "office", "password": "\x00"}):
        response = client.post("/api/v1/auth/staff", data=json.dumps(body), content_type="application/json")
        _assert_refused(response, "bad_character")


def test_the_console_login_form_refuses_nul_and_is_not_a_500(client, world):
    token = csrf_of(client.get("/login").get_data(as_text=True))
    for fields in ({"username": "office\x00", "password": "x"}, {"username": "office", "password": "x\x00y"}):
        response = client.post("/login", data={**fields, "csrf_token": token})
        assert response.status_code == 400
        assert "不能包含" in response.get_data(as_text=True)
    assert models.RateHit.select().count() == 0  # refused before the lock-out counted a failure


def test_a_token_with_a_nul_is_refused_as_unauthorized(client):
    response = client.get("/api/v1/me", headers={"Authorization": "Bearer abc\x00def"})
    assert response.status_code == 401


def test_with_rate_limits_on_the_edge_answers_before_the_limiter_reads_the_body(config, world):
    from app import create_app
    from web.limits import limiter

    enabled = limiter.enabled
    limited = create_app({**config, "RATELIMIT_ENABLED": True})
    client = limited.test_client()
    try:
        for body, code in ((DEEP, "too_deep"), ('{"username": "office\\u0000", "password": "x"}', "bad_character"),
                           ('{"username": "\\ud800", "password": "x"}', "bad_character")):
            response = client.post("/api/v1/auth/staff", data=body, content_type="application/json")
            _assert_refused(response, code)
    finally:
        limiter.enabled = enabled  # one limiter object serves every app: leave the others' setting as it was


# A multipart part whose name werkzeug cannot read (schemathesis found one answering 500).
def test_an_upload_with_undecodable_field_names_is_a_400(client, auth):
    boundary = "b65498e628550b95a180254dcde226aa"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"".encode()
            + "÷\x93Ké°\x92ê(".encode() + b"\xf1\x9f\x98\xbc\\\"\r\n\r\n"
            + b'{"pw8\\udbc8\\udfc5": -360}' + f"\r\n--{boundary}--\r\n".encode())
    answer = client.post("/api/v1/uploads", headers=auth("zhang"), data=body,
                         content_type=f"multipart/form-data; boundary={boundary}")
    assert answer.status_code == 400, answer.get_data(as_text=True)
    assert answer.get_json()["error"]["code"] == "bad_character"  # refused at the edge, nothing stored
