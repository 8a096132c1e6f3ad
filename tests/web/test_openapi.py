"""/api/v1/openapi.json describes the API the code serves: every route both ways,
the bodies `web.params` enforces, and answers of real calls fit their shapes."""
import io
import re
from datetime import datetime

import pytest
from jsonschema import Draft202012Validator
from PIL import Image

from pipeline.routines import visits
from pipeline.rules.schemas import SCHEMAS
from web.api_staff import ACTIONS
from web.openapi import body_schema, openapi_path

IGNORED_METHODS = {"HEAD", "OPTIONS"}


@pytest.fixture
def spec(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def _registered(app):
    found = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        for method in rule.methods - IGNORED_METHODS:
            paths = [rule.rule.replace("<action>", a) for a in ACTIONS] if "<action>" in rule.rule else [rule.rule]
            found.update((method.lower(), openapi_path(p)) for p in paths)
    return found


def _described(spec):
    return {(method, path) for path, operations in spec["paths"].items() for method in operations}


def test_every_route_is_described_and_nothing_else(app, spec):
    registered = _registered(app)
    assert ("post", "/api/v1/staff/items/{number}/classify") in registered
    assert ("delete", "/api/v1/staff/badges/{badge_id}") in registered
    assert sorted(registered - _described(spec)) == []
    assert sorted(_described(spec) - registered) == []


def test_request_bodies_are_the_schemas_the_code_enforces(spec):
    classify = spec["paths"]["/api/v1/staff/items/{number}/classify"]["post"]["requestBody"]
    assert classify["content"]["application/json"]["schema"] == body_schema(SCHEMAS["classify"])
    for action in ACTIONS:
        body = spec["paths"][f"/api/v1/staff/items/{{number}}/{action}"]["post"]["requestBody"]
        schema = body["content"]["application/json"]["schema"]
        assert set(schema["properties"]) == set(SCHEMAS[action]), action
        assert schema["additionalProperties"] is False
    report = spec["paths"]["/api/v1/items"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert report["properties"]["content"] == {"type": "string", "maxLength": 2000}
    assert report["required"] == ["content"]
    login = spec["paths"]["/api/v1/auth/staff"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert login["required"] == ["username", "password"]
    assert "requestBody" not in spec["paths"]["/api/v1/auth/logout"]["post"]


def test_every_schema_is_valid_json_schema_and_every_reference_resolves(spec):
    for schema in spec["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)
    text = str(spec)
    for name in set(re.findall(r"#/components/schemas/(\w+)", text)):
        assert name in spec["components"]["schemas"], name


def test_descriptions_and_error_codes_come_from_the_docs(spec):
    codes = {row["code"] for row in spec["x-error-codes"]}
    assert {"invalid", "too_deep", "bad_character", "out_of_range", "wrong_state", "rate_limited"} <= codes
    assert "role" not in codes  # only the error table, not the roles table
    assert "梳理分类" in spec["paths"]["/api/v1/staff/items/{number}/classify"]["post"]["description"]
    assert "code2session" in spec["paths"]["/api/v1/auth/wxlogin"]["post"]["description"]


class Checker:
    """Validates answers against the description: the shape of their status, else `default` (Error)."""

    def __init__(self, spec):
        self.spec = spec
        self.seen = set()

    def __call__(self, response, method, path, status=None):
        if status is not None:
            assert response.status_code == status, response.get_data(as_text=True)[:300]
        operation = self.spec["paths"][path][method]
        described = operation["responses"].get(str(response.status_code)) or operation["responses"]["default"]
        content = described["content"]
        if "image/png" in content:
            assert response.mimetype == "image/png"
            return None
        body = response.get_json()
        schema = {**content["application/json"]["schema"], "components": self.spec["components"]}
        errors = sorted(Draft202012Validator(schema).iter_errors(body), key=str)
        assert not errors, f"{method} {path} {response.status_code}: {errors[0].message} at {list(errors[0].path)}"
        if response.status_code >= 400:
            assert body["error"]["code"] in {row["code"] for row in self.spec["x-error-codes"]}
        self.seen.add((method, path))
        return body


def _jpeg():
    data = io.BytesIO()
    Image.new("RGB", (64, 48), (10, 120, 200)).save(data, "JPEG")
    return data.getvalue()


def test_answers_of_real_calls_fit_their_shapes(app, client, auth, world, spec):
    check = Checker(spec)
    office, zhang, jianshe = auth("office"), auth("zhang"), auth("jianshe")
    check(client.get("/api/v1/categories"), "get", "/api/v1/categories", 200)
    check(client.get("/api/v1/subscriptions/templates"), "get", "/api/v1/subscriptions/templates", 200)
    check(client.get("/api/v1/openapi.json"), "get", "/api/v1/openapi.json", 200)
    check(client.post("/api/v1/auth/staff", json={"username": "office", "password": "test-password"}),
          "post", "/api/v1/auth/staff", 200)
    check(client.post("/api/v1/auth/staff", json={"username": "office", "password": "wrong"}),
          "post", "/api/v1/auth/staff", 401)
    check(client.get("/api/v1/me", headers=zhang), "get", "/api/v1/me", 200)
    check(client.get("/api/v1/me", headers=office), "get", "/api/v1/me", 200)
    upload = check(client.post("/api/v1/uploads", headers=zhang,
                               data={"file": (io.BytesIO(_jpeg()), "a.jpg", "image/jpeg")},
                               content_type="multipart/form-data"), "post", "/api/v1/uploads", 201)
    item = check(client.post("/api/v1/items", headers=zhang, json={
        "content": "路灯坏了，电话13900001111", "community": "全椒路社区", "lat": 32.1, "lng": 118.3,
        "photos": [upload["id"]]}), "post", "/api/v1/items", 201)
    number = item["number"]
    check(client.post("/api/v1/items", headers=zhang, json={}), "post", "/api/v1/items", 400)
    check(client.get(f"/api/v1/items/{number}", headers=zhang), "get", "/api/v1/items/{number}", 200)
    check(client.get(f"/api/v1/items/{number}"), "get", "/api/v1/items/{number}", 404)
    check(client.get("/api/v1/items/mine", headers=zhang), "get", "/api/v1/items/mine", 200)
    check(client.post("/api/v1/staff/items", headers=office, json={"content": "电话反映", "channel": "phone"}),
          "post", "/api/v1/staff/items", 201)
    check(client.get("/api/v1/staff/items", headers=office), "get", "/api/v1/staff/items", 200)
    first = check(client.get("/api/v1/staff/items?per_page=1", headers=office), "get", "/api/v1/staff/items", 200)
    check(client.get(f"/api/v1/staff/items?per_page=1&after={first['next']}", headers=office), "get",
          "/api/v1/staff/items", 200)
    check(client.get("/api/v1/staff/items?after=nonsense", headers=office), "get", "/api/v1/staff/items", 400)
    check(client.get(f"/api/v1/staff/items/{number}", headers=office), "get", "/api/v1/staff/items/{number}", 200)
    base = "/api/v1/staff/items/{number}/"
    steps = [
        (office, "classify", {"category": "housing", "leader": world.staff["leader"].id,
                              "unit": world.units["jianshe"].id, "tier": "limited", "roadmap": "建设办修复"}),
        (jianshe, "claim", {}), (jianshe, "progress", {"note": "已派人查看"}),
        (jianshe, "resolve", {"result": "已更换路灯"}),
    ]
    for headers, action, body in steps:
        check(client.post(f"/api/v1/staff/items/{number}/{action}", headers=headers, json=body), "post",
              base + action, 200)
    check(client.post(f"/api/v1/staff/items/{number}/reject", headers=jianshe, json={"reason": "x"}), "post",
          base + "reject", 403)
    check(client.post(f"/api/v1/items/{number}/follow", headers=auth("li")), "post", "/api/v1/items/{number}/follow",
          200)
    check(client.post(f"/api/v1/items/{number}/rating", headers=zhang, json={"score": "satisfied"}), "post",
          "/api/v1/items/{number}/rating", 200)
    check(client.get("/api/v1/board"), "get", "/api/v1/board", 200)
    check(client.get(f"/api/v1/scenes/i={number}"), "get", "/api/v1/scenes/{scene}", 200)
    check(client.get("/api/v1/notices"), "get", "/api/v1/notices", 200)
    for path in ("/api/v1/staff/units", "/api/v1/staff/users", "/api/v1/staff/stats", "/api/v1/staff/bulletins",
                 "/api/v1/staff/discipline", "/api/v1/staff/visits", "/api/v1/staff/callbacks"):
        check(client.get(path, headers=office), "get", path, 200)
    check(client.post("/api/v1/staff/discipline", headers=office,
                      json={"kind": "notice", "person": "张三", "reason": "迟到"}),
          "post", "/api/v1/staff/discipline", 201)
    check(client.post("/api/v1/staff/visits", headers=auth("leader"),
                      json={"community": "全椒路社区", "date": "2026-11-20", "days": 1, "content": "走访"}),
          "post", "/api/v1/staff/visits", 201)
    badge = check(client.post("/api/v1/staff/badges", headers=office, json={
        "name": "王师傅", "kind": "resident", "valid_until": "2027-06-30"}), "post", "/api/v1/staff/badges", 201)
    check(client.post("/api/v1/badges/bind", headers=auth("li"), json={"token": badge["token"]}), "post",
          "/api/v1/badges/bind", 200)
    check(client.delete(f"/api/v1/staff/badges/{badge['id']}", headers=office), "delete",
          "/api/v1/staff/badges/{badge_id}", 200)
    check(client.get("/api/v1/staff/categories", headers=office), "get", "/api/v1/staff/categories", 200)
    check(client.post("/api/v1/staff/categories", headers=office, json={"name": "招商引资", "parent": "economy"}),
          "post", "/api/v1/staff/categories", 201)
    check(client.patch("/api/v1/staff/categories/housing", headers=office, json={"limit_days": 8}),
          "patch", "/api/v1/staff/categories/{code}", 200)
    check(client.put("/api/v1/staff/calendar/2026", headers=office,
                     json={"days": [{"date": "2026-12-31", "kind": "holiday", "note": "跨年"}]}),
          "put", "/api/v1/staff/calendar/{year}", 200)
    check(client.get("/api/v1/staff/calendar/2026", headers=office), "get", "/api/v1/staff/calendar/{year}", 200)
    visits.monthly_check(datetime(2026, 12, 1, 9, 0), seed="5eed")  # November's sample: the visit above
    check(client.post("/api/v1/staff/visit-checks/2026-11/findings", headers=auth("party"),
                      json={"staff": world.staff["leader"].id, "result": "confirmed"}),
          "post", "/api/v1/staff/visit-checks/{month}/findings", 201)
    check(client.get("/api/v1/staff/digests/2026-11-23", headers=office), "get", "/api/v1/staff/digests/{day}", 404)
    check(client.get(f"/api/v1/items/{number}/qrcode.png"), "get", "/api/v1/items/{number}/qrcode.png", 200)
    check(client.post("/api/v1/auth/logout", headers=zhang), "post", "/api/v1/auth/logout", 200)
    check(client.post("/api/v1/items", data="[" * 50 + "]" * 50, content_type="application/json"),
          "post", "/api/v1/items", 400)
    assert len(check.seen) >= 30
