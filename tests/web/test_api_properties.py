"""Property tests (hypothesis): arbitrary JSON to every endpoint that takes a body,
and arbitrary uploads, are answered 2xx or a clear 4xx — never a 500 — and a
refusal writes nothing."""
import io
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

import models
from pipeline.rules.schemas import SCHEMAS
from web.api_staff import ACTIONS

PROPERTY_SETTINGS = settings(max_examples=60, deadline=None, derandomize=True,
                             suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

# Every character, NUL and lone surrogates included.
TEXT = st.text(st.characters(codec=None, exclude_categories=()), max_size=30) | st.sampled_from(
    ["", " ", "\x00", "\ud800", "2026-11-23", "9999-12-31T23:59:59-12:00", "0001-01-01", "satisfied", "housing"])
NUMBERS = st.integers() | st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from([2 ** 31, 2 ** 63, -1, 0])
SCALARS = st.none() | st.booleans() | NUMBERS | TEXT
JSON = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
                    max_leaves=12)


def counts():
    """Rows of every table but tokens and rate-limit counters (refused attempts count, by design)."""
    return {m.__name__: m.select().count() for m in models.ALL_MODELS if m not in (models.ApiToken, models.RateHit)}


def _body(fields):
    """A JSON object using the endpoint's own field names (so it gets past unknown_field) and others."""
    names = st.sampled_from(sorted(fields) + ["x", "\x00"]) if fields else TEXT
    return st.dictionaries(names, JSON, max_size=6) | JSON


def _encode(value):
    return json.dumps(value, ensure_ascii=True, allow_nan=True)  # "\ud800" travels as an escape


def _endpoints(number):
    """(who, method, url, fields) for every endpoint taking a JSON body."""
    found = [(None, "post", "/api/v1/auth/staff", SCHEMAS["staff_login"]),
             (None, "post", "/api/v1/auth/wxlogin", SCHEMAS["wxlogin"]),
             ("zhang", "post", "/api/v1/items", SCHEMAS["collect_app"]),
             ("zhang", "post", f"/api/v1/items/{number}/rating", SCHEMAS["rate"]),
             ("zhang", "post", "/api/v1/me/subscriptions", SCHEMAS["subscribe"]),
             ("li", "post", "/api/v1/badges/bind", SCHEMAS["bind_badge"]),
             ("office", "post", "/api/v1/staff/items", SCHEMAS["collect_offline"]),
             ("office", "post", "/api/v1/staff/badges", SCHEMAS["issue_badge"]),
             ("office", "patch", "/api/v1/staff/bulletins/1", SCHEMAS["edit_bulletin"]),
             ("office", "post", "/api/v1/staff/discipline", SCHEMAS["record_discipline"]),
             ("leader", "post", "/api/v1/staff/visits", SCHEMAS["record_visit"])]
    for action in ACTIONS:
        who = "jianshe" if action in ("claim", "progress", "resolve", "return", "escalate") else "office"
        found.append((who, "post", f"/api/v1/staff/items/{number}/{action}", SCHEMAS[action]))
    return found


def test_arbitrary_json_to_every_endpoint_is_never_a_500(app, client, auth, flow):
    item = flow.claimed()
    people = {name: auth(name) for name in ("zhang", "li", "office", "jianshe", "leader")}
    endpoints = _endpoints(item.number)

    @PROPERTY_SETTINGS
    @given(data=st.data())
    def one(data):
        who, method, url, fields = data.draw(st.sampled_from(endpoints), label="endpoint")
        body = data.draw(_body(fields), label="body")
        before = counts()
        response = client.open(url, method=method.upper(), headers=people.get(who, {}), data=_encode(body),
                               content_type="application/json")
        assert response.status_code < 500, (url, response.get_data(as_text=True)[:300])
        if response.status_code >= 400:
            error = response.get_json()["error"]
            assert error["code"] and not error["message"].isascii()
            assert counts() == before, (url, body, error)

    one()


def _image(kind):
    data = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(data, kind)
    return data.getvalue()


def test_arbitrary_uploads_are_an_image_or_a_clear_400(app, client, auth, world):
    headers = auth("zhang")
    real = [_image("JPEG"), _image("PNG"), _image("WEBP")]
    contents = (st.binary(max_size=2048) | st.sampled_from(real)
                | st.tuples(st.sampled_from(real), st.integers(0, 200)).map(lambda pair: pair[0][:pair[1]])
                | st.tuples(st.sampled_from(real), st.binary(max_size=64)).map(lambda pair: pair[0] + pair[1]))
    names = st.text(st.characters(codec="utf-8", exclude_characters="\r\n\"\\"), max_size=40)
    types = st.sampled_from(["image/jpeg", "image/png", "application/octet-stream", "text/html", "", "image/svg+xml"])

    @PROPERTY_SETTINGS
    @given(content=contents, name=names, mimetype=types, field=st.sampled_from(["file", "file", "photo"]))
    def one(content, name, mimetype, field):
        before = models.Photo.select().count()
        response = client.post("/api/v1/uploads", headers=headers,
                               data={field: (io.BytesIO(content), name, mimetype or None)},
                               content_type="multipart/form-data")
        assert response.status_code in (201, 400, 413), response.get_data(as_text=True)[:300]
        if response.status_code == 201:
            assert models.Photo.select().count() == before + 1
            assert response.get_json()["width"] > 0
        else:
            assert response.get_json()["error"]["code"] in ("invalid", "not_an_image", "image_too_big",
                                                            "too_large", "bad_character")
            assert models.Photo.select().count() == before

    app.config["UPLOAD_DAILY_LIMIT"] = 10_000
    one()
