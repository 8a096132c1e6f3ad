"""JSON Schemas of what /api/v1 answers (docs/api-shapes.md, as JSON Schema 2020-12),
and which shape each endpoint answers with. `web.openapi` builds the description
from these, the routes in `url_map` and the input schemas of
`pipeline.rules.schemas`; tests/web/test_openapi.py validates real answers
against them, and scripts/fuzz-api.sh has schemathesis check every answer.
"""
from typing import Any

NULLABLE_TEXT = {"type": ["string", "null"]}
NULLABLE_INT = {"type": ["integer", "null"]}
TIME = {"type": ["string", "null"], "description": "ISO 8601 with +08:00"}
DATE = {"type": ["string", "null"], "pattern": r"^\d{4}-\d{2}-\d{2}$"}


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def obj(required: dict[str, Any], **optional: Any) -> dict[str, Any]:
    """An object with these keys always present (more may follow: clients ignore what they don't know)."""
    return {"type": "object", "required": sorted(required), "properties": {**required, **optional}}


def page_of(item: dict[str, Any]) -> dict[str, Any]:
    return obj({"items": {"type": "array", "items": item}, "page": {"type": "integer", "minimum": 1},
                "per_page": {"type": "integer", "minimum": 1, "maximum": 100}, "total": {"type": "integer"}})


UNIT_REF = {"anyOf": [obj({"id": {"type": "integer"}, "name": {"type": "string"}}), {"type": "null"}]}
CATEGORY_REF = {"anyOf": [obj({"code": {"type": "string"}, "name": {"type": "string"}, "parent": NULLABLE_TEXT}),
                          {"type": "null"}]}
SUMMARY_FIELDS = {
    "number": {"type": "string", "pattern": r"^\d{8}-\d{4,6}$"}, "status": {"type": "string"},
    "status_label": {"type": "string"}, "round": {"type": "integer"}, "content": {"type": "string"},
    "community": NULLABLE_TEXT, "category": CATEGORY_REF, "unit": UNIT_REF, "tier": NULLABLE_TEXT, "due": DATE,
    "overdue": {"type": "boolean"}, "created_at": TIME, "office": NULLABLE_INT,
}
EVENT = obj({"kind": {"type": "string"}, "label": {"type": "string"}, "at": TIME, "actor": NULLABLE_TEXT,
             "note": NULLABLE_TEXT, "round": {"type": "integer"}, "status": NULLABLE_TEXT})
ITEM_FIELDS = {
    **SUMMARY_FIELDS, "address": NULLABLE_TEXT, "lat": {"type": ["number", "null"]},
    "lng": {"type": ["number", "null"]}, "tier_label": NULLABLE_TEXT,
    "photos": {"type": "array", "items": obj({"id": {"type": "integer"}, "url": NULLABLE_TEXT,
                                              "kind": {"type": "string"}})},
    "result": NULLABLE_TEXT, "outcome": NULLABLE_TEXT, "outcome_label": NULLABLE_TEXT,
    "rating": {"anyOf": [obj({"score": {"type": "string"}, "label": {"type": "string"}, "comment": NULLABLE_TEXT,
                              "round": {"type": "integer"}}), {"type": "null"}]},
    "can_rate": {"type": "boolean"}, "following": {"type": "boolean"}, "merged_into": NULLABLE_TEXT,
    "reject_reason": NULLABLE_TEXT, "closed_at": TIME, "timeline": {"type": "array", "items": EVENT},
}
USER = {"oneOf": [
    obj({"kind": {"const": "resident"}, "id": {"type": "integer"}, "nickname": NULLABLE_TEXT,
         "is_supervisor": {"type": "boolean"}}),
    obj({"kind": {"const": "staff"}, "id": {"type": "integer"}, "username": {"type": "string"},
         "name": NULLABLE_TEXT, "role": {"type": "string"}, "unit": UNIT_REF}),
]}
BADGE = obj({"number": {"type": "string"}, "kind": {"type": "string"},
             "state": {"enum": ["valid", "revoked", "expired"]}, "valid_until": DATE},
            id={"type": "integer", "description": "staff only"})
COMMUNITY = obj({"id": {"type": "integer"}, "name": {"type": "string"}, "lat": {"type": ["number", "null"]},
                 "lng": {"type": ["number", "null"]}, "active": {"type": "boolean"}}, office=NULLABLE_INT)
BULLETIN = obj({"id": {"type": "integer"}, "issue": {"type": "integer"}, "title": {"type": "string"}})
OBJECT = {"type": "object"}
GATHERING = obj({"id": {"type": "integer"}, "kind": {"enum": ["symposium", "survey"]}, "date": DATE,
                 "place": {"type": "string"}, "attendees": {"type": "array", "items": {"type": "string"}},
                 "items": {"type": "array", "items": {"type": "string"}}})
CATEGORY = obj({"id": {"type": "integer"}, "code": {"type": "string"}, "name": {"type": "string"},
                "parent": NULLABLE_TEXT, "default_tier": NULLABLE_TEXT, "limit_days": NULLABLE_INT,
                "public": {"type": "boolean"}, "active": {"type": "boolean"}, "sort": {"type": "integer"}})
OBJECTS = {"type": "array", "items": OBJECT}

SCHEMAS: dict[str, dict[str, Any]] = {
    "Error": obj({"error": obj({"code": {"type": "string", "pattern": "^[a-z0-9_]+$"},
                                "message": {"type": "string", "minLength": 1}},
                               field=NULLABLE_TEXT, request_id={"type": "string"})}),
    "Ok": obj({"ok": {"const": True}}),
    "OpenAPI": obj({"openapi": {"type": "string"}, "paths": OBJECT, "components": OBJECT}),
    "Token": obj({"token": {"type": "string"}, "expires_at": TIME, "user": USER}),
    "Me": obj({"user": USER}),
    "User": USER,
    "Summary": obj(SUMMARY_FIELDS),
    "Item": obj(ITEM_FIELDS),
    "StaffItem": obj({**ITEM_FIELDS, "sheet": OBJECT}),
    "ActionResult": {"anyOf": [ref("StaffItem"), ref("Item")]},
    "ItemPage": page_of(ref("Summary")),
    # The staff work list: a page by number (with `next`, the cursor to the following
    # page) or, with `?after=`, the page after a cursor (no page number, no total).
    "WorkListPage": {"anyOf": [
        {"allOf": [ref("ItemPage"), obj({"next": NULLABLE_TEXT})]},
        obj({"items": {"type": "array", "items": ref("Summary")}, "per_page": {"type": "integer", "minimum": 1},
             "has_more": {"type": "boolean"}, "next": NULLABLE_TEXT, "after": {"type": "string"}})]},
    "BoardPage": page_of(obj({"number": {"type": "string"}, "content": {"type": "string"}, "closed_at": TIME})),
    "Page": page_of(OBJECT),
    "Categories": {"type": "array", "items": obj({
        "code": {"type": "string"}, "name": {"type": "string"},
        "children": {"type": "array", "items": obj({"code": {"type": "string"}, "name": {"type": "string"},
                                                    "default_tier": {"type": "string"},
                                                    "limit_days": NULLABLE_INT})}})},
    "Templates": {"type": "array", "items": obj({"id": NULLABLE_TEXT, "title": {"type": "string"}})},
    "Scene": obj({"type": {"const": "item"}, "number": {"type": "string"}}),
    "Following": obj({"following": {"type": "boolean"}}),
    "Granted": obj({"granted": {"type": "object", "additionalProperties": {"type": "integer"}}}),
    "Upload": obj({"id": {"type": "integer"}, "url": {"type": "string"}, "width": {"type": "integer"},
                   "height": {"type": "integer"}}),
    "Badge": BADGE,
    "IssuedBadge": {"allOf": [BADGE, obj({"id": {"type": "integer"}, "token": {"type": "string"},
                                          "url": {"type": "string"}})]},
    "Binding": obj({"badge": BADGE, "user": USER}),
    "Units": {"type": "array", "items": obj({"id": {"type": "integer"}, "name": {"type": "string"}})},
    "Users": {"type": "array", "items": obj({"id": {"type": "integer"}, "role": {"type": "string"},
                                             "bound": {"type": "boolean"}})},
    "Stats": obj({"from": DATE, "to": DATE, "total": {"type": "integer"}, "summary": {"type": "object"},
                  "by_category": OBJECTS, "by_unit": OBJECTS, "by_community": OBJECTS, "by_office": OBJECTS, "by_week": OBJECTS}),
    "Bulletin": BULLETIN,
    "Bulletins": page_of(BULLETIN),
    "Discipline": obj({"id": {"type": "integer"}, "kind": {"type": "string"}, "person": {"type": "string"},
                       "date": DATE}),
    "DisciplineList": {"type": "array", "items": ref("Discipline")},
    "Visit": obj({"id": {"type": "integer"}, "community": {"type": "string"}, "date": DATE,
                  "days": {"type": "number"}}),
    "Visits": {"type": "array", "items": ref("Visit")},
    "VisitRecorded": obj({"id": {"type": "integer"}, "community": {"type": "string"}, "date": DATE,
                          "days": {"type": "number"}, "items": {"type": "array", "items": {"type": "string"}}}),
    "Gathering": GATHERING,
    "Gatherings": {"type": "array", "items": GATHERING},
    "VisitCheck": obj({"month": {"type": "string"}, "results": {}, "sample": OBJECTS}),
    "Finding": obj({"id": {"type": "integer"}, "month": {"type": "string"}, "staff": OBJECT,
                    "result": {"enum": ["confirmed", "not_confirmed"]}, "label": {"type": "string"},
                    "note": NULLABLE_TEXT, "recorded_at": TIME}),
    "Category": CATEGORY,
    "CategoryTree": {"type": "array", "items": {"allOf": [CATEGORY, obj({"children": {
        "type": "array", "items": CATEGORY}})]}},
    "Calendar": obj({"year": {"type": "integer"}, "days": {"type": "array", "items": obj({
        "date": DATE, "kind": {"enum": ["holiday", "workday"]}, "label": {"type": "string"}, "note": NULLABLE_TEXT})}}),
    "Summaries": {"type": "array", "items": ref("Summary")},
    "Digest": obj({"date": DATE, "total": {"type": "integer"}, "units": OBJECTS, "unreachable": OBJECTS}),
    "Community": COMMUNITY,
    "Communities": {"type": "array", "items": COMMUNITY},
    "Export": obj({"profile": OBJECT, "reports": OBJECTS, "ratings": OBJECTS}),
    "Deleted": obj({"deleted": {"const": True}, "reports_kept": {"type": "integer"}}),
    "Supervised": obj({"supervisor": {"type": "boolean"}, "areas": {"type": "array", "items": {"type": "string"}},
                       "items": {"type": "array", "items": obj({**SUMMARY_FIELDS,
                                                                "why": {"enum": ["followed", "area"]}})}}),
    "AreaSupervisors": {"type": "array", "items": obj({"id": {"type": "integer"}, "name": {"type": "string"},
                                                       "role": {"const": "supervisor"}, "area": NULLABLE_TEXT})},
    "Notices": page_of(obj({"number": {"type": "string"}, "published_at": TIME})),
}

# endpoint -> (success status, shape); "png" for an image.
RESPONSES: dict[str, tuple[int, str]] = {
    "api_public.wxlogin": (200, "Token"), "api_public.staff_login": (200, "Token"),
    "api_public.logout": (200, "Ok"), "api_public.me": (200, "Me"), "api_public.categories": (200, "Categories"),
    "api_public.item_view": (200, "Item"), "api_public.results_board": (200, "BoardPage"),
    "api_public.scene": (200, "Scene"), "api_public.openapi_description": (200, "OpenAPI"), "api_public.subscription_templates": (200, "Templates"),
    "api_resident.report": (201, "Item"), "api_resident.mine": (200, "ItemPage"),
    "api_resident.rating": (200, "Item"), "api_resident.follow_item": (200, "Following"),
    "api_resident.unfollow_item": (200, "Following"),
    "api_resident.subscriptions": (200, "Granted"),
    "api_staff.create_item": (201, "StaffItem"), "api_staff.work_list": (200, "WorkListPage"),
    "api_staff.item_detail": (200, "StaffItem"), "api_staff.item_action": (200, "ActionResult"),
    "api_staff.units": (200, "Units"), "api_staff.users": (200, "Users"), "api_staff.rates": (200, "Stats"),
    "api_routines.public_notices": (200, "Notices"), "api_routines.bulletin_list": (200, "Bulletins"),
    "api_routines.bulletin_detail": (200, "Bulletin"), "api_routines.bulletin_edit": (200, "Bulletin"),
    "api_routines.bulletin_publish": (200, "Bulletin"), "api_routines.discipline_list": (200, "DisciplineList"),
    "api_routines.discipline_record": (201, "Discipline"), "api_routines.visit_list": (200, "Visits"),
    "api_routines.visit_record": (201, "VisitRecorded"),
    "api_routines.gathering_list": (200, "Gatherings"), "api_routines.gathering_record": (201, "Gathering"),
    "api_routines.visit_check": (200, "VisitCheck"),
    "api_routines.callback_list": (200, "Summaries"), "api_routines.overdue_digest": (200, "Digest"),
    "api_uploads.upload": (201, "Upload"), "api_routines.visit_finding": (201, "Finding"),
    "api_office.category_list": (200, "CategoryTree"), "api_office.add_category": (201, "Category"),
    "api_office.change_category": (200, "Category"), "api_office.calendar_year": (200, "Calendar"),
    "api_office.replace_calendar_year": (200, "Calendar"),
    "api_public.communities": (200, "Communities"), "api_resident.profile": (200, "Me"),
    "api_staff.community_list": (200, "Communities"), "api_staff.add_community": (201, "Community"),
    "api_staff.change_community": (200, "Community"),
    "api_me.export": (200, "Export"), "api_me.delete_me": (200, "Deleted"), "api_me.phone_view_log": (200, "Page"),
    "api_badges.issue": (201, "IssuedBadge"), "api_badges.revoke": (200, "Badge"),
    "api_badges.card": (200, "png"), "api_badges.bind_to_staff": (200, "Badge"),
    "api_resident.supervisor_evaluation": (200, "Item"), "api_resident.supervised": (200, "Supervised"),
    "api_staff.community_supervisors": (200, "AreaSupervisors"), "api_badges.bind": (200, "Binding"), "api_badges.item_qrcode": (200, "png"),
}

PAGE = {"page": {"type": "integer", "minimum": 1, "maximum": 100000},
        "per_page": {"type": "integer", "minimum": 1, "maximum": 100}}
DAY = {"type": "string", "format": "date"}
# endpoint -> its query parameters (all optional).
QUERIES: dict[str, dict[str, dict[str, Any]]] = {
    "api_public.results_board": {"community": {"type": "string"}, "category": {"type": "string"}, **PAGE},
    "api_resident.mine": PAGE,
    "api_staff.work_list": {"status": {"type": "string"}, "overdue": {"enum": ["1", "true", "0"]},
                            "unit": {"type": "integer", "minimum": 1}, "category": {"type": "string"},
                            "q": {"type": "string"}, "supervised": {"enum": ["1", "true", "0"]},
                            "after": {"type": "string"}, **PAGE},
    "api_staff.users": {"role": {"type": "string"}},
    "api_staff.rates": {"from": DAY, "to": DAY},
    "api_routines.public_notices": {"community": {"type": "string"}, **PAGE},
    "api_routines.bulletin_list": PAGE,
    "api_routines.discipline_list": {"from": DAY, "to": DAY},
    "api_routines.gathering_list": {"month": {"type": "string", "pattern": r"^\d{4}-\d{2}$"}},
    "api_routines.visit_list": {"month": {"type": "string", "pattern": r"^\d{4}-\d{2}$"},
                                "staff": {"type": "integer", "minimum": 1}},
}
