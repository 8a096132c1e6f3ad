"""The API checks each body against its operation's schema (pipeline/rules/schemas.py),
the one place its fields and limits are declared: the operations use the same."""
import pytest

from pipeline.rules import schemas
from pipeline.rules.errors import Invalid
from pipeline.rules.schemas import SCHEMAS, required, schema
from pipeline.steps import intake
from web.api_staff import ACTIONS

# schema -> (who, method, path) of the endpoint that reads it; the item actions are POST .../<action>.
ENDPOINTS = {
    "collect_offline": ("office", "post", "/api/v1/staff/items"),
    "collect_app": ("zhang", "post", "/api/v1/items"),
    "rate": ("zhang", "post", "/api/v1/items/{number}/rating"),
    "record_discipline": ("office", "post", "/api/v1/staff/discipline"),
    "edit_bulletin": ("office", "patch", "/api/v1/staff/bulletins/1"),
    "record_visit": ("office", "post", "/api/v1/staff/visits"),
    "record_gathering": ("office", "post", "/api/v1/staff/gatherings"),
    "record_finding": ("party", "post", "/api/v1/staff/visit-checks/2026-10/findings"),
    "create_category": ("office", "post", "/api/v1/staff/categories"),
    "update_category": ("office", "patch", "/api/v1/staff/categories/housing"),
    "replace_calendar": ("office", "put", "/api/v1/staff/calendar/2026"),
    "issue_badge": ("office", "post", "/api/v1/staff/badges"),
    "bind_badge": ("zhang", "post", "/api/v1/badges/bind"),
    "staff_login": ("office", "post", "/api/v1/auth/staff"),
    "wxlogin": ("zhang", "post", "/api/v1/auth/wxlogin"),
    "update_profile": ("zhang", "patch", "/api/v1/me"),
    "create_community": ("office", "post", "/api/v1/staff/communities"),
    "update_community": ("office", "patch", "/api/v1/staff/communities/1"),
    "subscribe": ("zhang", "post", "/api/v1/me/subscriptions"),
    "badge_holder": ("office", "post", "/api/v1/staff/badges/1/holder"),
    "area_supervisors": ("office", "put", "/api/v1/staff/communities/1/supervisors"),
    "supervisor_evaluation": ("liu", "post", "/api/v1/items/{number}/evaluation"),
}
FILLERS = {"integer": 1, "number": 1, "boolean": False, "ids": [], "fraction": 0.5, "any": ["居民甲"]}


UNIT_ONLY = {"escalate", "return"}  # the office's role is refused before the body is read


def endpoint(name):
    who = "jianshe" if name in UNIT_ONLY else "office"
    return ENDPOINTS.get(name) or (who, "post", f"/api/v1/staff/items/{{number}}/{name}")


def valid_body(fields):
    """A value each field accepts (text one character long, or the first allowed choice)."""
    return {name: (sorted(field.choices)[0] if field.choices else "x") if field.kind == "text"
            else FILLERS[field.kind] for name, field in fields.items()}


def test_every_schema_is_read_by_an_endpoint():
    assert set(ACTIONS) <= set(SCHEMAS)
    assert set(SCHEMAS) - {"collect"} == set(ACTIONS) | set(ENDPOINTS)


TEXT_FIELDS = [(name, field) for name in sorted(set(SCHEMAS) - {"collect"})
               for field, spec in SCHEMAS[name].items() if spec.kind == "text"]


@pytest.mark.parametrize("name, field", TEXT_FIELDS, ids=[f"{n}.{f}" for n, f in TEXT_FIELDS])
def test_each_text_field_is_held_to_its_declared_limit(client, auth, flow, name, field):
    item = flow.claimed() if name in UNIT_ONLY else flow.collected()
    who, method, path = endpoint(name)
    body = valid_body(SCHEMAS[name])
    body[field] = "长" * (SCHEMAS[name][field].max_length + 1)
    response = getattr(client, method)(path.format(number=item.number), headers=auth(who), json=body)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert (error["code"], error["field"]) == ("too_long", field)
    assert str(SCHEMAS[name][field].max_length) in error["message"]


def test_a_limit_changed_in_the_schema_changes_the_api_and_the_operation(client, auth, flow, monkeypatch):
    monkeypatch.setitem(schemas.SCHEMAS, "reject", schema(reason=required(5)))
    item = flow.collected()
    url = f"/api/v1/staff/items/{item.number}/reject"
    refused = client.post(url, headers=auth("office"), json={"reason": "重复反映的事项"})
    assert refused.status_code == 400 and refused.get_json()["error"]["code"] == "too_long"
    with pytest.raises(Invalid) as error:
        intake.reject(item, flow.a("office"), reason="重复反映的事项", now=flow.now)
    assert error.value.code == "too_long" and "5" in error.value.message
    accepted = client.post(url, headers=auth("office"), json={"reason": "重复反映"})
    assert accepted.status_code == 200 and accepted.get_json()["status"] == "rejected"
