"""Every route as every person, checked against the one permission table
(pipeline/rules/permissions.py): who is allowed, who is refused and how.

The expectation of each call is computed from the table: the route's action
(declared with `@allow`) gives the roles, and its item conditions (`visible`,
the transition guards) are met in the world built here by the "right" person
only: a 作风 complaint reported by 张 (resident), followed by 刘 (a badge
holder), given to 建设办 (unit) — so 李 (another resident) and 市容办 (another
unit) are the wrong ones.

A new route fails `test_every_route_is_declared_and_called`: declare its action
with `@allow("...")` (web/auth.py; actions in pipeline/rules/permissions.py) and
add one line to CALLS below saying how to call it.
"""
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pytest
from console_support import csrf_of, photo, sign_in

import models
from pipeline.accounts.people import create_staff
from pipeline.routines import bulletins
from pipeline.rules import permissions
from pipeline.rules.permissions import ANONYMOUS, HIDING, ITEM_ACTIONS, RESIDENTS
from pipeline.steps import chasing, handling, intake, oversight
from web.auth import endpoint_action

# person: (key in the world, role)
PEOPLE = {
    "anonymous": (None, ANONYMOUS),
    "resident": ("zhang", "resident"),  # reported the item
    "other_resident": ("li", "resident"),
    "resident_supervisor": ("liu", "resident_supervisor"),  # holds a badge, follows the item
    "cadre_supervisor": ("supervisor", "supervisor"),
    "unit": ("jianshe", "unit"),  # the office gave it to this unit, which claimed it
    "other_unit": ("shirong", "unit"),
    "leader": ("leader", "leader"),
    "office": ("office", "office"),
    "party_office": ("party", "party_office"),
    "admin": ("admin", "admin"),  # no office: the district's admin (the only office is theirs to manage)
    "district": ("district", "district"),  # 区级督查: every office's items, reads and supervises
}
# Who meets each condition that tells people apart, in this world (`visible`: see `holds`).
HOLDS = {
    "reporter": {"resident"},
    "own_report": {"resident"},
    "claiming_unit": {"unit", "office", "admin"},
    "assigned_unit": {"unit"},
    "lead_unit": {"unit", "office", "admin"},  # the office gave the item to 建设办
    "unit_member": {"unit", "other_unit", "office", "admin"},
    "own_unit": set(PEOPLE),  # the requests name no unit: each claims for their own
    "evaluator_kind": {"leader", "office", "party_office", "admin"},  # the request evaluates as the organisation
    "not_system": set(PEOPLE),
    "draft_for_office": {"office", "admin"},
    "unit_reach": set(PEOPLE) - {"other_unit"},  # 市容办 neither leads, assists, was given nor may claim it
}


@dataclass(frozen=True)
class Call:
    """How to call a route: its path (`{item}`, `{photo}`, `{badge}`, `{bulletin}`, `{other}`
    filled in), the item's status it needs, a JSON body (or a function of the world's
    values) or a console form, and statuses the route itself answers when allowed."""

    path: str
    state: str = "claimed"
    body: Any = None
    form: dict | None = None
    ok: frozenset = field(default_factory=frozenset)
    worlds: tuple = (False,)  # the item public? (False: a 作风 item)


def _org(values):
    return {"kind": "org", "score": "satisfied"}


ITEM_CALLS = {
    "classify": Call("", "collected", lambda v: {"category": "cadre_conduct", "leader": v["leader"],
                                                  "unit": v["jianshe"], "tier": "limited", "roadmap": "纪工委核查"}),
    "claim": Call("", "classified", {}),
    "return": Call("", "classified", {"reason": "不属于本单位职责"}),
    "progress": Call("", "claimed", {"note": "已约谈当事人"}),
    "escalate": Call("", "claimed", {"reason": "需多部门协调"}),
    "consult": Call("", "escalated", {"conclusion": "由建设办牵头", "due": "2026-12-31"}),
    "meeting": Call("", "claimed", {"kind": "explanation", "held_at": "2026-11-23T09:00", "attendees": ["居民甲"],
                                     "minutes": "说明进展"}),
    "resolve": Call("", "claimed", {"result": "已处理并反馈"}),
    "supervise": Call("", "claimed", {"note": "请加快办理"}),
    "assign_supervisor": Call("", "claimed", lambda v: {"staff": v["supervisor"]}),
    "evaluate": Call("", "resolved", _org),
    "callback": Call("", "resolved", {"score": "satisfied", "comment": "电话回访满意"}),
    "merge": Call("", "collected", lambda v: {"into": v["other"]}),
    "reject": Call("", "collected", {"reason": "不属于受理范围"}),
    "wide_concern": Call("", "claimed", {"wide_concern": True}),
}

# "endpoint" or "endpoint METHOD" (for a route with several methods) → how to call it.
CALLS = {
    # Public JSON, sign-in, H5 pages, static files, health.
    "api_public.wxlogin": Call("/api/v1/auth/wxlogin", body={}),
    "api_public.staff_login": Call("/api/v1/auth/staff", body={}),
    "api_public.logout": Call("/api/v1/auth/logout", body={}),
    "api_public.me": Call("/api/v1/me"),
    "api_public.categories": Call("/api/v1/categories"),
    "api_public.item_view": Call("/api/v1/items/{item}", worlds=(False, True)),
    "api_public.results_board": Call("/api/v1/board"),
    "api_public.scene": Call("/api/v1/scenes/i={item}"),
    "api_public.subscription_templates": Call("/api/v1/subscriptions/templates"),
    "api_public.openapi_description": Call("/api/v1/openapi.json"),
    "api_routines.public_notices": Call("/api/v1/notices"),
    "api_badges.badge_page": Call("/b/badge-token-liu"),
    "api_badges.item_qrcode": Call("/api/v1/items/{item}/qrcode.png"),
    "api_badges.item_page": Call("/i/{item}", worlds=(False, True)),
    "api_uploads.photo": Call("/uploads/{photo}", worlds=(False, True)),
    "health.healthz": Call("/healthz"),
    "health.readyz": Call("/readyz"),
    "static": Call("/static/none.css", ok=frozenset({404})),  # the app serves nothing there
    "console.static": Call("/console-static/console.css"),
    # Residents.
    "api_resident.report": Call("/api/v1/items", body={"content": "小区路灯坏了"}),
    "api_resident.mine": Call("/api/v1/items/mine"),
    "api_resident.rating": Call("/api/v1/items/{item}/rating", "resolved", {"score": "satisfied"}),
    "api_resident.follow_item": Call("/api/v1/items/{item}/follow", body={}),
    "api_resident.unfollow_item": Call("/api/v1/items/{item}/follow", body={}),
    "api_resident.profile": Call("/api/v1/me", body={"name": "张先生"}),
    "api_me.export": Call("/api/v1/me/export"),
    "api_me.delete_me": Call("/api/v1/me", body={"confirm": False}),  # not confirmed: 400 once allowed
    "api_public.communities": Call("/api/v1/communities"),
    "api_staff.community_list": Call("/api/v1/staff/communities"),
    "api_staff.add_community": Call("/api/v1/staff/communities", body={"name": "新社区"}),
    "api_staff.change_community": Call("/api/v1/staff/communities/1", body={"lat": 32.05}),
    "api_resident.subscriptions": Call("/api/v1/me/subscriptions", body={"accepted": []}),
    "api_resident.supervised": Call("/api/v1/me/supervised"),
    "api_resident.supervisor_evaluation": Call("/api/v1/items/{item}/evaluation", "resolved", {"score": "satisfied"}),
    "api_staff.community_supervisors": Call("/api/v1/staff/communities/1/supervisors", body={"supervisors": []}),
    "api_badges.bind": Call("/api/v1/badges/bind", body={"token": "badge-token-liu"}),
    "api_uploads.upload": Call("/api/v1/uploads", body={}),  # no file: 400 once allowed
    # Staff.
    "api_staff.create_item": Call("/api/v1/staff/items", body={"content": "电话反映噪音扰民", "channel": "phone"}),
    "api_staff.work_list": Call("/api/v1/staff/items"),
    "api_staff.item_detail": Call("/api/v1/staff/items/{item}", worlds=(False, True)),
    **{f"api_staff.item_action/{action}": call for action, call in ITEM_CALLS.items()},
    "api_staff.units": Call("/api/v1/staff/units"),
    "api_staff.users": Call("/api/v1/staff/users"),
    "api_staff.rates": Call("/api/v1/staff/stats"),
    "api_badges.issue": Call("/api/v1/staff/badges", body={"name": "王芳", "kind": "resident",
                                                           "valid_until": "2027-06-30"}),
    "api_badges.revoke": Call("/api/v1/staff/badges/{badge}", body={}),
    "api_badges.card": Call("/api/v1/staff/badges/{badge}/card.png", ok=frozenset({503})),  # font_missing
    # 刘's badge is a resident's: binding it to staff is refused once allowed.
    "api_badges.bind_to_staff": Call("/api/v1/staff/badges/{badge}/holder", body=lambda v: {"staff": v["supervisor"]},
                                     ok=frozenset({409})),
    "api_routines.bulletin_list": Call("/api/v1/staff/bulletins"),
    "api_routines.bulletin_detail": Call("/api/v1/staff/bulletins/{bulletin}"),
    "api_routines.bulletin_edit": Call("/api/v1/staff/bulletins/{bulletin}", body={"title": "第1期"}),
    "api_routines.bulletin_publish": Call("/api/v1/staff/bulletins/{bulletin}/publish", body={}),
    "api_routines.discipline_list": Call("/api/v1/staff/discipline"),
    "api_routines.discipline_record": Call("/api/v1/staff/discipline", body={"kind": "notice", "person": "某干部",
                                                                             "reason": "推诿"}),
    "api_routines.visit_list": Call("/api/v1/staff/visits"),
    "api_routines.visit_record": Call("/api/v1/staff/visits", body={"community": "全椒路社区", "date": "2026-11-20",
                                                                    "days": 1, "content": "走访居民"}),
    "api_routines.visit_check": Call("/api/v1/staff/visit-checks/2026-10"),
    "api_routines.gathering_list": Call("/api/v1/staff/gatherings"),
    "api_routines.gathering_record": Call("/api/v1/staff/gatherings", body={
        "kind": "survey", "date": "2026-11-20", "place": "安居苑社区", "attendees": ["居民50户"],
        "opinions": ["希望增加公交线路"]}),
    "api_routines.visit_finding": Call("/api/v1/staff/visit-checks/2026-10/findings",
                                       body={"staff": 1, "result": "confirmed"}, ok=frozenset({404})),  # not checked
    "api_office.category_list": Call("/api/v1/staff/categories"),
    "api_office.add_category": Call("/api/v1/staff/categories", body={"name": "招商引资", "parent": "economy"}),
    "api_office.change_category": Call("/api/v1/staff/categories/housing", body={"limit_days": 9}),
    "api_office.calendar_year": Call("/api/v1/staff/calendar/2026"),
    "api_office.replace_calendar_year": Call("/api/v1/staff/calendar/2026",
                                             body={"days": [{"date": "2026-12-31", "kind": "holiday"}]}),
    "api_routines.callback_list": Call("/api/v1/staff/callbacks"),
    "api_routines.overdue_digest": Call("/api/v1/staff/digests/2026-11-23"),
    "api_me.phone_view_log": Call("/api/v1/staff/phone-views"),
    # The console (signed in by session; a resident's token counts for nothing there).
    "console.login GET": Call("/login"),
    "console.login POST": Call("/login", form={}, ok=frozenset({400})),
    "console.wechat_login": Call("/login/wechat"),
    "console.wechat_callback": Call("/login/wechat/callback", ok=frozenset({401})),  # no OAuth state: sign in again
    "console.logout": Call("/logout", form={}),
    "console.password GET": Call("/password"),
    "console.password POST": Call("/password", form={"old_password": "wrong-one", "new_password": "x" * 10,
                                                     "confirm": "x" * 10}),
    "console.profile": Call("/profile"),
    "console.bind_code": Call("/profile/bind-code", form={}),
    "console.home": Call("/"),
    "console.items": Call("/items?overdue=1&q=推诿"),
    "console.item": Call("/items/{item}", worlds=(False, True)),
    "console.photo": Call("/photos/{photo}", worlds=(False, True)),
    "console.board": Call("/claim-board"),
    "console.unit": Call("/unit"),
    "console.due_preview": Call("/due?tier=limited&category=housing"),
    "console.record_opinions GET": Call("/items/new"),
    "console.record_opinions POST": Call("/items/new", form={"channel": "phone", "content": "电话反映：路面塌陷"}),
    "console.act/claim": Call("/items/{item}/do/claim", "classified", form={"role": "lead"}),
    "console.act/supervise": Call("/items/{item}/do/supervise", form={"note": "请加快"}),
    "console.act/resolve": Call("/items/{item}/do/resolve", form={"result": "已处理"}),
    "console.sheet": Call("/items/{item}/sheet", worlds=(False, True)),
    "console.sheet_pdf": Call("/items/{item}/sheet.pdf", worlds=(False, True), ok=frozenset({503})),  # font_missing
    "console.supervision": Call("/supervision"),
    "console.results_board": Call("/board?community=全椒路社区"),
    "console.notices": Call("/notices"),
    "console.site_notice": Call("/items/{item}/notice", worlds=(False, True)),
    "console.site_notice_pdf": Call("/items/{item}/notice.pdf", worlds=(False, True), ok=frozenset({503})),  # font_missing
    "console.bulletin_list": Call("/bulletins"),
    "console.bulletin": Call("/bulletins/{bulletin}"),
    "console.bulletin_edit": Call("/bulletins/{bulletin}/edit", form={"title": "第1期"}),
    "console.bulletin_publish": Call("/bulletins/{bulletin}/publish", form={}),
    "console.discipline": Call("/discipline?year=2026"),
    "console.discipline_record": Call("/discipline", form={}),  # no fields: 400 once allowed
    "console.visits_page": Call("/visits?month=2026-11"),
    "console.visit_record": Call("/visits", form={}),  # no fields: 400 once allowed
    "console.visit_check": Call("/visit-checks?month=2026-10"),
    "console.visit_finding": Call("/visit-checks/2026-10/findings", form={"staff": "1", "result": "confirmed"}),
    "console.callbacks": Call("/callbacks"),
    "console.badges": Call("/badges"),
    "console.badge_issue": Call("/badges", form={}),  # no fields: 400 once allowed
    "console.badge_renew": Call("/badges/{badge}/renew", form={}),  # no date: 400 once allowed
    "console.badge_revoke": Call("/badges/{badge}/revoke", form={}),
    "console.badge_holder": Call("/badges/{badge}/holder", form={}),  # a resident's badge: 400 once allowed
    "console.badge_card": Call("/badges/{badge}/card.png", ok=frozenset({503})),  # font_missing
    "console.badge_cards": Call("/badges/cards", ok=frozenset({503})),
    "console.dashboard": Call("/dashboard?from=2026-11-01&to=2026-11-30"),
    "console.assessment_page": Call("/assessment?from=2026-11-01&to=2026-11-30"),
    "console.assessment_weights": Call("/assessment/weights", form={}, ok=frozenset({400})),  # no weights: 400
    "console.export_items": Call("/export/items.xlsx?overdue=1"),
    "console.export_assessment": Call("/export/assessment.xlsx?from=2026-11-01&to=2026-11-30"),
    "console.export_callbacks": Call("/export/callbacks.xlsx"),
    # Administration (系统管理): a missing record answers 400 on its page once allowed.
    "console.admin_units": Call("/admin/units"),
    "console.admin_unit_add": Call("/admin/units", form={"name": "新单位", "kind": "department"}),
    "console.admin_unit_change": Call("/admin/units/999", form={"active": "1"}),
    "console.admin_users": Call("/admin/users"),
    "console.admin_user_add": Call("/admin/users", form={"username": "newcomer", "role": "leader",
                                                         "password": "first-pass-1"}),
    "console.admin_user_change": Call("/admin/users/999", form={"name": "某人"}),
    "console.admin_user_password": Call("/admin/users/999/password", form={"password": "new-pass-99"}),
    "console.admin_user_active": Call("/admin/users/999/active", form={"active": "1"}),
    "console.admin_offices": Call("/admin/offices"),
    "console.admin_office_add": Call("/admin/offices", form={"name": "新街道", "code": "09"}),
    "console.admin_office_change": Call("/admin/offices/999", form={"active": "1"}),
    "console.admin_communities": Call("/admin/communities"),
    "console.admin_community_add": Call("/admin/communities", form={"name": "新社区"}),
    "console.admin_community_change": Call("/admin/communities/999", form={"name": "某社区"}),
    "console.admin_community_supervisors": Call("/admin/communities/999/supervisors", form={}),
    "console.admin_categories": Call("/admin/categories"),
    "console.admin_category_add": Call("/admin/categories", form={"name": "招商引资", "parent": "economy"}),
    "console.admin_category_change": Call("/admin/categories/housing", form={"limit_days": "9"}),
    "console.admin_calendar": Call("/admin/calendar?year=2026"),
    "console.admin_calendar_set": Call("/admin/calendar", form={"date": "2026-12-31", "kind": "holiday"}),
    "console.admin_calendar_remove": Call("/admin/calendar/2026-12-30/remove", form={}),
}
METHODS = {"api_public.wxlogin": "POST", "api_public.staff_login": "POST", "api_public.logout": "POST",
           "api_resident.report": "POST", "api_resident.rating": "POST", "api_resident.follow_item": "POST",
           "api_resident.unfollow_item": "DELETE", "api_resident.subscriptions": "POST", "api_badges.bind": "POST",
           "api_uploads.upload": "POST", "api_staff.create_item": "POST", "api_staff.item_action": "POST",
           "api_badges.issue": "POST", "api_badges.revoke": "DELETE", "api_routines.bulletin_edit": "PATCH",
           "api_routines.bulletin_publish": "POST", "api_routines.discipline_record": "POST",
           "api_routines.visit_record": "POST", "api_routines.gathering_record": "POST",
           "console.logout": "POST", "console.bind_code": "POST", "console.act": "POST",
           "api_resident.profile": "PATCH", "api_staff.add_community": "POST", "api_staff.change_community": "PATCH",
           "api_me.delete_me": "DELETE", "console.badge_issue": "POST", "console.badge_renew": "POST",
           "console.badge_revoke": "POST", "api_resident.supervisor_evaluation": "POST",
           "api_staff.community_supervisors": "PUT", "api_badges.bind_to_staff": "POST", "console.badge_holder": "POST",
           "console.bulletin_edit": "POST", "console.bulletin_publish": "POST",
           "console.discipline_record": "POST", "console.visit_record": "POST", "console.visit_finding": "POST",
           "console.assessment_weights": "POST", "api_routines.visit_finding": "POST", "api_office.add_category": "POST",
           "api_office.change_category": "PATCH", "api_office.replace_calendar_year": "PUT",
           **{f"console.admin_{name}": "POST" for name in (
               "unit_add", "unit_change", "user_add", "user_change", "user_password", "user_active", "community_add",
               "community_change", "category_add", "category_change", "calendar_set", "calendar_remove",
               "community_supervisors", "office_add", "office_change")}}


def route_of(key):
    """(endpoint, method, URL values) of a CALLS key."""
    endpoint, _, method = key.partition(" ")
    endpoint, _, action = endpoint.partition("/")
    return endpoint, method or METHODS.get(endpoint, "GET"), {"action": action} if action else {}


def test_every_route_is_declared_and_called(app):
    """Each route names its action in the table and has a line in CALLS (this file)."""
    undeclared, uncalled = [], []
    routed = set()
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            routed.add((rule.endpoint, method))
            if endpoint_action(app, rule.endpoint, {"action": "?"}) is None:
                undeclared.append(f"{method} {rule.rule} ({rule.endpoint})")
            if not any(route_of(key)[:2] == (rule.endpoint, method) for key in CALLS):
                uncalled.append(f"{method} {rule.rule} ({rule.endpoint})")
    assert not undeclared, ("routes that name no action: put @allow(\"<action>\") (web/auth.py) on each, with an "
                            "action from pipeline/rules/permissions.py PERMISSIONS: " + ", ".join(undeclared))
    assert not uncalled, ("routes the permission test doesn't call: add a line for each to CALLS in "
                          "tests/web/test_permissions.py: " + ", ".join(uncalled))
    assert {route_of(key)[:2] for key in CALLS} == routed, "CALLS names a route (or method) the app doesn't have"
    assert set(ITEM_CALLS) == set(ITEM_ACTIONS), "each item action of POST /api/v1/staff/items/<number>/<action>"


def test_every_condition_that_tells_people_apart_is_met_by_someone_here():
    conditions = {name for rule in permissions.PERMISSIONS.values() for name in rule.person_conditions}
    unknown = conditions - set(HOLDS) - {"visible", "public"}
    assert not unknown, f"say in HOLDS (tests/web/test_permissions.py) who meets {sorted(unknown)} in this world"


def test_the_meeting_and_assist_variants_share_their_entries_roles():
    from pipeline.rules.states import TRANSITIONS

    assert TRANSITIONS["explanation_meeting"].roles == TRANSITIONS["evaluation_meeting"].roles
    assert TRANSITIONS["claim"].roles == TRANSITIONS["assist"].roles


def holds(condition, person, public, state):
    if condition == "public":
        return public
    if condition == "visible":
        if public:
            return True
        if person in ("anonymous", "other_resident", "other_unit"):
            return False
        return person != "unit" or state != "collected"  # a unit sees what it was given
    return person in HOLDS[condition]


def expected(rule, person, console, public, state):
    """"allowed", "login" (the console sends one to sign in), or the refusal's status."""
    role = PEOPLE[person][1]
    if console and role in RESIDENTS:
        role = ANONYMOUS  # residents have no console session
    if not rule.allows_role(role):
        if role == ANONYMOUS:
            return "login" if console else 401
        return 403
    for condition in rule.person_conditions:
        if not holds(condition, person, public, state):
            return 404 if condition in HIDING else 403
    return "allowed"


class Scene:
    """The world, plus fresh items in any status (all reported by 张, followed by 刘,
    given to 建设办), and a signed-in client per person."""

    def __init__(self, app, world, now):
        self.app, self.world, self.now = app, world, now
        world.staff["admin"] = create_staff("admin", "admin", "test-password", name="管理员", district=True)
        world.staff["district"] = create_staff("quji", "district", "test-password", name="区督查室")
        self.badge = models.Badge.get(models.Badge.token == "badge-token-liu")
        self.bulletin = bulletins.draft_weekly(now)
        assert self.bulletin is not None
        models.VisitCheck.create(month="2026-10", required_days=2.0, results=[], shortfall=[], seed="s", sample=[])

    def item(self, state, public):
        w, now = self.world, self.now
        zhang, office, jianshe = w.actor("zhang"), w.actor("office"), w.actor("jianshe")
        item = intake.collect(zhang, "某科室工作人员办事推诿，态度恶劣", "wechat", community="全椒路社区",
                              photo_ids=[photo(zhang, now).id], now=now)
        oversight.follow(item, w.actor("liu"), now=now)
        if state == "collected":
            return item
        item = intake.classify(item, office, category="housing" if public else "cadre_conduct",
                               leader=w.staff["leader"].id, unit=w.units["jianshe"].id, tier="limited",
                               roadmap="建设办牵头", now=now)
        if state == "classified":
            return item
        item = handling.claim(item, jianshe, now=now)
        if state == "claimed":
            return item
        if state == "escalated":
            return handling.escalate(item, jianshe, reason="需协调", now=now)
        assert state == "resolved", state
        return handling.resolve(item, jianshe, result="已处理", now=now)

    def values(self, item):
        other = intake.collect(self.world.actor("li"), "另一件事", "wechat", now=self.now)
        return {"item": item.number, "photo": models.Photo.get(models.Photo.item == item).id, "badge": self.badge.id,
                "bulletin": self.bulletin.id, "other": other.number, "leader": self.world.staff["leader"].id,
                "jianshe": self.world.units["jianshe"].id,
                "supervisor": self.world.staff["supervisor"].id}

    def client(self, person, console, auth):
        client = self.app.test_client()
        key = PEOPLE[person][0]
        if key is None:
            return client, {}
        if console and key in self.world.staff:
            assert sign_in(client, self.world.staff[key].username).status_code == 302
            return client, {}
        return client, auth(key)  # API, or a resident's token the console ignores


@pytest.fixture
def scene(app, world, now, wechat_api):
    with_digest(world, now)
    return Scene(app, world, now)


def with_digest(world, now):
    """An overdue item so the day's overdue digest exists."""
    late = intake.classify(intake.collect(world.actor("li"), "路面塌陷", "wechat", now=now - timedelta(days=40)),
                           world.actor("office"), category="housing", leader=world.staff["leader"].id,
                           unit=world.units["shirong"].id, tier="limited", roadmap="市容办", due=date(2026, 11, 2),
                           now=now - timedelta(days=40))
    assert late.due < now.date()
    assert chasing.overdue_digest(now.replace(hour=9, minute=5)) is not None


def _send(client, method, url, call, headers, console, values):
    if call.form is not None:
        page = client.get("/profile")
        if page.status_code != 200:
            page = client.get("/login")
        data = {**call.form, "csrf_token": csrf_of(page.get_data(as_text=True))}
        return client.open(url, method=method, data=data, headers=headers)
    body = call.body(values) if callable(call.body) else call.body
    if method == "GET":
        return client.get(url, headers=headers)
    return client.open(url, method=method, json=body, headers=headers)


def _is_login(answer):
    """Sent to sign in, with the page to come back to."""
    return answer.status_code == 302 and answer.headers["Location"].startswith("/login?next=")


@pytest.mark.parametrize("key", sorted(CALLS))
def test_each_route_as_each_person(app, scene, auth, key):
    endpoint, method, url_values = route_of(key)
    call = CALLS[key]
    action = endpoint_action(app, endpoint, url_values)
    rule = permissions.rule(action)
    console = endpoint.startswith("console.")
    shared = {}
    for public in call.worlds:
        for person in PEOPLE:
            if method == "GET" and public in shared:
                item, values = shared[public]
            else:  # a change: each person gets an item of their own
                item = scene.item(call.state, public)
                values = scene.values(item)
                shared[public] = item, values
            client, headers = scene.client(person, console, auth)
            url = call.path.format(**values) if call.path else f"/api/v1/staff/items/{item.number}/{url_values['action']}"
            answer = _send(client, method, url, call, headers, console, values)
            text = answer.get_data()[:300].decode(errors="replace") if answer.mimetype.startswith(("text/", "app")) \
                else answer.mimetype
            answer.close()  # a photo streams its file
            want = expected(rule, person, console, public, call.state)
            where = f"{method} {url} as {person} ({action}): {answer.status_code} {text}"
            if want == "allowed":
                assert answer.status_code < 500 or answer.status_code in call.ok, where
                assert answer.status_code not in {401, 403, 404} - call.ok and not _is_login(answer), where
            elif want == "login":
                assert _is_login(answer), where
            else:
                assert answer.status_code == want, where
                if url.startswith("/api/"):
                    codes = {401: {"unauthorized"}, 403: {"forbidden"}, 404: {"not_found"}}[want]
                    assert answer.get_json()["error"]["code"] in codes, where


def test_docs_show_the_table_as_it_is():
    from pathlib import Path

    page = Path(__file__).resolve().parents[2] / "docs" / "permissions.md"
    assert page.read_text(encoding="utf-8") == permissions.markdown(), \
        "docs/permissions.md is out of date: python -m pipeline.rules.permissions > docs/permissions.md"
