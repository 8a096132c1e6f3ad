"""Every console route, as every staff role and anonymous: allowed or refused."""
import pytest
from console_support import csrf_of, make_items, sign_in

import models
from pipeline.accounts.people import create_staff
from pipeline.routines import bulletins

PEOPLE = ("anonymous", "office", "admin", "leader", "party_office", "supervisor", "unit_assigned", "unit_other")
USERNAMES = {"office": "office", "admin": "admin", "leader": "leader", "party_office": "dangzheng",
             "supervisor": "duban", "unit_assigned": "jianshe", "unit_other": "shirong"}
STAFF = set(PEOPLE) - {"anonymous"}
UNITS = {"unit_assigned", "unit_other"}
OFFICE = {"office", "admin"}

# (method, route, who may, page or form data). `{waiting}` is unclassified, `{conduct}` a 作风 item
# the office gave to 建设办 (unit_assigned), `{late}` a public item claimed by 市容办 (unit_other).
ROUTES = [
    ("GET", "/", STAFF, None),
    ("GET", "/items", STAFF, None),
    ("GET", "/items?overdue=1&q=楼道", STAFF, None),
    # A unit opens the staff page of items it leads, assists or was offered only (issue 13, finding 7).
    ("GET", "/items/{late}", STAFF - {"unit_assigned"}, None),
    ("GET", "/items/{waiting}", STAFF - UNITS, None),
    ("GET", "/items/{conduct}", STAFF - {"unit_other"}, None),
    ("GET", "/photos/{late_photo}", STAFF, None),
    ("GET", "/photos/{conduct_photo}", STAFF - {"unit_other"}, None),
    ("GET", "/claim-board", STAFF, None),
    ("GET", "/unit", STAFF, None),
    ("GET", "/due?tier=limited&category=housing", STAFF, None),
    ("GET", "/items/new", STAFF, None),  # every cadre records what they heard (issue 10)
    ("POST", "/items/new", STAFF, {"channel": "phone", "content": "电话反映：路面塌陷"}),
    ("POST", "/items/{late}/do/supervise", {"office", "admin", "leader", "supervisor"}, {"note": "请加快"}),
    ("POST", "/items/{conduct}/do/claim", {"office", "admin", "unit_assigned"}, {"role": "lead"}),
    ("GET", "/items/{late}/sheet", STAFF - {"unit_assigned"}, None),  # the sheet has the detail page's reach
    ("GET", "/items/{waiting}/sheet", STAFF - UNITS, None),
    ("GET", "/items/{conduct}/sheet.pdf", STAFF - {"unit_other"}, None),
    ("GET", "/supervision", {"office", "admin", "leader", "supervisor"}, None),
    ("GET", "/callbacks", {"office", "admin", "leader", "party_office"}, None),
    ("GET", "/badges", OFFICE, None),
    ("GET", "/badges/{badge}/card.png", OFFICE, None),
    ("GET", "/badges/cards", OFFICE, None),
    ("POST", "/badges", OFFICE, {"name": "孙桂兰", "kind": "resident", "valid_until": "2027-06-30"}),
    ("POST", "/badges/{badge}/renew", OFFICE, {"valid_until": "2027-06-30"}),
    ("POST", "/badges/{badge}/holder", OFFICE, {}),
    ("POST", "/badges/{badge}/revoke", OFFICE, {}),
    # The weekly bulletin: any staff reads the archive; the office edits (a draft is the office's alone).
    ("GET", "/bulletins", STAFF, None),
    ("GET", "/bulletins/{bulletin}", OFFICE, None),
    ("POST", "/bulletins/{bulletin}/edit", OFFICE, {"title": "作风效能建设周通报（第1期）"}),
    ("GET", "/discipline", {"office", "admin", "leader", "party_office"}, None),
    ("POST", "/discipline", {"office", "admin", "party_office"}, {"kind": "notice", "person": "钱某", "reason": "脱岗"}),
    ("GET", "/visits", STAFF, None),
    ("POST", "/visits", STAFF, {"date": "2026-11-20", "days": "1", "community": "全椒路社区", "content": "走访"}),
    ("GET", "/visit-checks?month=2026-10", {"office", "admin", "leader", "party_office"}, None),
    ("POST", "/visit-checks/2026-10/findings", {"party_office"}, {"staff": "x", "result": "confirmed"}),  # 400
    # A site notice is posted in the street: public items only, within the detail page's reach.
    ("GET", "/items/{late}/notice", STAFF - {"unit_assigned"}, None),
    ("GET", "/items/{conduct}/notice", set(), None),
    ("POST", "/bulletins/{bulletin}/publish", OFFICE, {}),
    # Administration (系统管理): the office and admin only; a missing record answers 400 on its page.
    ("GET", "/admin/units", OFFICE, None),
    ("POST", "/admin/units", OFFICE, {"name": "民政办", "kind": "department"}),
    ("POST", "/admin/units/999", OFFICE, {"active": "1"}),
    ("GET", "/admin/users", OFFICE, None),
    ("POST", "/admin/users", OFFICE, {"username": "newcomer", "role": "leader", "password": "first-pass-1"}),
    ("POST", "/admin/users/999", OFFICE, {"name": "某人"}),
    ("POST", "/admin/users/999/password", OFFICE, {"password": "new-pass-99"}),
    ("POST", "/admin/users/999/active", OFFICE, {"active": "1"}),
    ("GET", "/admin/offices", {"admin"}, None),  # the admin here has no office: the district's
    ("POST", "/admin/offices", {"admin"}, {"name": "城南街道", "code": "02"}),
    ("GET", "/admin/communities", OFFICE, None),
    ("POST", "/admin/communities", OFFICE, {"name": "幸福里社区"}),
    ("POST", "/admin/communities/999", OFFICE, {"name": "某社区"}),
    ("POST", "/admin/communities/999/supervisors", OFFICE, {}),
    ("GET", "/admin/categories", OFFICE, None),
    ("POST", "/admin/categories", OFFICE, {"name": "招商引资", "parent": "economy"}),
    ("POST", "/admin/categories/housing", OFFICE, {"limit_days": "9"}),
    ("GET", "/admin/calendar", OFFICE, None),
    ("POST", "/admin/calendar", OFFICE, {"date": "2026-12-31", "kind": "holiday"}),
    ("POST", "/admin/calendar/2026-12-30/remove", OFFICE, {}),
    # Oversight figures (数据看板, 考核) and exports.
    ("GET", "/dashboard", OFFICE | {"leader", "party_office"}, None),
    ("GET", "/assessment", OFFICE | {"leader", "party_office"}, None),
    ("POST", "/assessment/weights", OFFICE, {"response": "100"}),
    ("GET", "/export/items.xlsx", STAFF, None),
    ("GET", "/export/assessment.xlsx", OFFICE | {"leader", "party_office"}, None),
    ("GET", "/export/callbacks.xlsx", {"office", "admin", "leader", "party_office"}, None),
    ("GET", "/profile", STAFF, None),
    ("GET", "/password", STAFF, None),
    ("POST", "/password", STAFF, {"old_password": "wrong-one", "new_password": "x" * 10, "confirm": "x" * 10}),
    ("POST", "/profile/bind-code", STAFF, {}),
    ("POST", "/logout", STAFF, {}),
]
ENDPOINTS = {"/": "console.home", "/items": "console.items", "/items/{late}": "console.item",
             "/photos/{late_photo}": "console.photo", "/profile": "console.profile",
             "/claim-board": "console.board", "/unit": "console.unit", "/due": "console.due_preview",
             "/items/new": "console.record_opinions", "/items/{late}/do/supervise": "console.act", "/password": "console.password",
             "/profile/bind-code": "console.bind_code", "/logout": "console.logout",
             "/items/{late}/sheet": "console.sheet", "/items/{late}/sheet.pdf": "console.sheet_pdf",
             "/supervision": "console.supervision", "/callbacks": "console.callbacks", "/badges": "console.badges",
             "POST /badges": "console.badge_issue", "/badges/{badge}/renew": "console.badge_renew",
             "/badges/{badge}/revoke": "console.badge_revoke", "/badges/{badge}/holder": "console.badge_holder",
             "/badges/{badge}/card.png": "console.badge_card",
             "/badges/cards": "console.badge_cards", "/bulletins": "console.bulletin_list",
             "/bulletins/{bulletin}": "console.bulletin", "/bulletins/{bulletin}/edit": "console.bulletin_edit",
             "/bulletins/{bulletin}/publish": "console.bulletin_publish", "/discipline": "console.discipline",
             "POST /discipline": "console.discipline_record", "/visits": "console.visits_page",
             "POST /visits": "console.visit_record", "/visit-checks": "console.visit_check",
             "/visit-checks/2026-10/findings": "console.visit_finding",
             "/dashboard": "console.dashboard", "/assessment": "console.assessment_page",
             "/assessment/weights": "console.assessment_weights", "/export/items.xlsx": "console.export_items",
             "/export/assessment.xlsx": "console.export_assessment",
             "/export/callbacks.xlsx": "console.export_callbacks",
             "/items/{late}/notice": "console.site_notice", "/items/{late}/notice.pdf": "console.site_notice_pdf",
             **{f"admin {name}": f"console.admin_{name}" for name in (
                 "units", "unit_add", "unit_change", "users", "user_add", "user_change", "user_password",
                 "user_active", "communities", "community_add", "community_change", "categories", "category_add",
                 "category_change", "calendar", "calendar_set", "calendar_remove", "community_supervisors", "offices",
                 "office_add", "office_change")}}
# Pages anyone opens without signing in: sign-in itself, static files, the results board and 公示.
PUBLIC = {"console.login", "console.wechat_login", "console.wechat_callback", "console.static",
          "console.results_board", "console.notices"}


def test_every_console_route_is_in_the_table(app):
    routed = {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint.startswith("console.")}
    assert routed == set(ENDPOINTS.values()) | PUBLIC


@pytest.fixture
def numbers(world, now):
    create_staff("admin", "admin", "test-password", name="管理员", district=True)  # the district's: every office
    items = make_items(world, now)
    numbers = {key: item.number for key, item in items.items()}
    for key in ("late", "conduct"):
        numbers[f"{key}_photo"] = models.Photo.get(models.Photo.item == items[key]).id
    numbers["badge"] = models.Badge.get().id
    numbers["bulletin"] = bulletins.draft_weekly(now).id
    return numbers


def _refused(answer):
    """Sent to sign in (with the page to come back to), or told there is no such item."""
    return answer.status_code == 302 and answer.headers["Location"].startswith("/login?next=") \
        or answer.status_code in (403, 404)


def test_the_public_pages_open_without_signing_in(client, world, numbers):
    for url in ("/board", "/notices?community=全椒路社区"):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("person", PEOPLE)
def test_each_route_allows_exactly_its_people(app, world, numbers, wechat_api, person):
    for method, route, allowed, data in ROUTES:
        client = app.test_client()
        if person != "anonymous":
            assert sign_in(client, USERNAMES[person]).status_code == 302
        url = route.format(**numbers)
        if method == "GET":
            answer = client.get(url)
        else:
            token = csrf_of(client.get("/login" if person == "anonymous" else "/profile").get_data(as_text=True))
            answer = client.post(url, data={**data, "csrf_token": token})
        answer.close()  # a photo streams its file
        if person in allowed:
            assert not _refused(answer), (method, url, answer.status_code)
            assert answer.status_code in (200, 302, 303, 400)
        else:
            assert _refused(answer), (method, url, answer.status_code)


def test_a_residents_token_opens_no_console_page(client, world, numbers):
    from pipeline.accounts.people import issue_token
    token, _ = issue_token(resident=world.residents["liu"])
    answer = client.get("/", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 302 and answer.headers["Location"].startswith("/login")


def test_residents_cannot_sign_in_to_the_console(client, world):
    answer = sign_in(client, "oa-openid-zhang", "anything")
    assert answer.status_code == 401
