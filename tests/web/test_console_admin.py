"""Administration pages (系统管理) through the console: units of every kind, accounts
(create, reset password, deactivate — a deactivated account can't sign in), communities,
the category tree and the calendar; office and admin only, every form CSRF-guarded."""
from datetime import date

import pytest
from console_support import csrf_of, sign_in

import models
from pipeline.accounts.people import create_staff, issue_token
from pipeline.rules.workdays import WorkCalendar

PAGES = ("/admin/units", "/admin/users", "/admin/communities", "/admin/categories", "/admin/calendar")


def post(client, page, path, data):
    token = csrf_of(client.get(page).get_data(as_text=True))
    return client.post(path, data={**data, "csrf_token": token})


@pytest.mark.parametrize("who", ["jianshe", "leader", "duban", "dangzheng"])
def test_units_leaders_supervisors_and_the_party_office_are_refused(app, world, who):
    client = app.test_client()
    sign_in(client, who)
    for page in PAGES:
        assert client.get(page).status_code == 403, page
    home = client.get("/").get_data(as_text=True)
    assert "/admin/units" not in home


def test_the_office_opens_every_page_and_a_form_without_its_token_changes_nothing(app, world):
    client = app.test_client()
    sign_in(client, "office")
    for page in PAGES:
        answer = client.get(page)
        assert answer.status_code == 200 and "系统管理" in answer.get_data(as_text=True), page
    assert client.post("/admin/units", data={"name": "无令牌单位", "kind": "department"}).status_code == 400
    assert not models.Unit.select().where(models.Unit.name == "无令牌单位").exists()


def test_units_of_every_kind_are_added_renamed_and_deactivated(app, world):
    client = app.test_client()
    sign_in(client, "office")
    for name, kind in (("民政办", "department"), ("市供电公司党委", "paired_org"), ("辖区中学党支部", "jurisdiction_org"),
                       ("某科技公司党支部", "enterprise_branch"), ("巾帼志愿服务队", "volunteer_org")):
        answer = post(client, "/admin/units", "/admin/units", {"name": name, "kind": kind})
        assert answer.status_code == 302, answer.get_data(as_text=True)[:300]
    lonely = post(client, "/admin/units", "/admin/units", {"name": "安居苑社区居委会", "kind": "community"})
    assert lonely.status_code == 400 and "所服务的社区" in lonely.get_data(as_text=True)
    assert post(client, "/admin/units", "/admin/units", {"name": "安居苑社区居委会", "kind": "community",
                                                         "community": "安居苑社区"}).status_code == 302
    twice = post(client, "/admin/units", "/admin/units", {"name": "民政办", "kind": "department"})
    assert twice.status_code == 400 and "单位已存在" in twice.get_data(as_text=True)
    unit = models.Unit.get(models.Unit.name == "民政办")
    assert post(client, "/admin/units", f"/admin/units/{unit.id}", {"name": "民政和社会事务办", "active": "0"}).status_code == 302
    unit = models.Unit.get_by_id(unit.id)
    assert unit.name == "民政和社会事务办" and not unit.active
    headers = {"Authorization": "Bearer " + issue_token(staff=world.staff["office"])[0]}
    assert "民政和社会事务办" not in [u["name"] for u in client.get("/api/v1/staff/units", headers=headers).get_json()]


def test_accounts_are_created_reset_and_deactivated_and_a_deactivated_one_cannot_sign_in(app, world):
    office = app.test_client()
    sign_in(office, "office")
    made = post(office, "/admin/users", "/admin/users", {"username": "minzheng", "name": "孙丽", "role": "unit",
                                                         "unit": str(world.units["jianshe"].id), "password": "first-pass-1"})
    assert made.status_code == 302
    user = models.StaffUser.get(models.StaffUser.username == "minzheng")
    assert (user.role, user.unit_id, user.name) == ("unit", world.units["jianshe"].id, "孙丽")
    no_unit = post(office, "/admin/users", "/admin/users", {"username": "nobody", "role": "unit", "password": "x" * 10})
    assert no_unit.status_code == 400 and "须指定单位" in no_unit.get_data(as_text=True)

    staff = app.test_client()
    assert sign_in(staff, "minzheng", "first-pass-1").status_code == 302
    assert staff.get("/").status_code == 200
    short = post(office, "/admin/users", f"/admin/users/{user.id}/password", {"password": "short"})
    assert short.status_code == 400 and "至少8位" in short.get_data(as_text=True)
    assert post(office, "/admin/users", f"/admin/users/{user.id}/password", {"password": "second-pass-2"}).status_code == 302
    assert staff.get("/").status_code == 302  # the old session ended with the old password
    assert sign_in(app.test_client(), "minzheng", "first-pass-1").status_code == 401  # refused
    assert sign_in(staff, "minzheng", "second-pass-2").status_code == 302

    api = app.test_client().post("/api/v1/auth/staff", json={"username": "minzheng", "password": "second-pass-2"})
    token = {"Authorization": f"Bearer {api.get_json()['token']}"}
    assert post(office, "/admin/users", f"/admin/users/{user.id}/active", {"active": "0"}).status_code == 302
    assert staff.get("/").status_code == 302
    assert sign_in(app.test_client(), "minzheng", "second-pass-2").status_code == 401
    assert app.test_client().post("/api/v1/auth/staff", json={"username": "minzheng", "password": "second-pass-2"}
                                  ).status_code == 401
    assert app.test_client().get("/api/v1/staff/items", headers=token).status_code == 401
    own = post(office, "/admin/users", f"/admin/users/{world.staff['office'].id}/active", {"active": "0"})
    assert own.status_code == 400 or own.status_code == 409
    assert "不能停用自己的账号" in own.get_data(as_text=True)
    assert post(office, "/admin/users", f"/admin/users/{user.id}/active", {"active": "1"}).status_code == 302
    assert sign_in(app.test_client(), "minzheng", "second-pass-2").status_code == 302

    promoted = post(office, "/admin/users", f"/admin/users/{user.id}", {"name": "孙丽", "role": "supervisor", "unit": "",
                                                                        "area": "安居苑社区"})
    assert promoted.status_code == 302
    user = models.StaffUser.get_by_id(user.id)
    assert (user.role, user.unit_id, user.area) == ("supervisor", None, "安居苑社区")


def test_an_admin_manages_accounts_too(app, world):
    create_staff("sysadmin", "admin", "test-password", name="系统管理员")
    client = app.test_client()
    sign_in(client, "sysadmin")
    assert post(client, "/admin/users", "/admin/users", {"username": "office2", "role": "office",
                                                         "password": "office-pass-2"}).status_code == 302


def test_communities_categories_and_the_calendar_round_trip(app, world):
    client = app.test_client()
    sign_in(client, "office")
    assert post(client, "/admin/communities", "/admin/communities",
                {"name": "幸福里社区", "lat": "32.30", "lng": "118.31"}).status_code == 302
    half = post(client, "/admin/communities", "/admin/communities", {"name": "半坐标社区", "lat": "32.3"})
    assert half.status_code == 400 and "中心点坐标无效" in half.get_data(as_text=True)
    community = models.Community.get(models.Community.name == "幸福里社区")
    assert (community.lat, community.lng) == (32.30, 118.31)

    assert post(client, "/admin/categories", "/admin/categories",
                {"name": "招商引资", "parent": "economy", "default_tier": "limited", "limit_days": "8"}).status_code == 302
    made = models.Category.get(models.Category.name == "招商引资")
    assert (made.parent.code, made.limit_days) == ("economy", 8)
    deep = post(client, "/admin/categories", "/admin/categories", {"name": "子子项", "parent": "housing"})
    assert deep.status_code == 400 and "子项下不能再设子项" in deep.get_data(as_text=True)
    moved = post(client, "/admin/categories", f"/admin/categories/{made.code}",
                 {"name": "招商服务", "parent": "economy", "default_tier": "on_spot", "limit_days": "1", "active": "0"})
    assert moved.status_code == 302
    made = models.Category.get_by_id(made.id)
    assert (made.name, made.default_tier, made.limit_days, made.active) == ("招商服务", "on_spot", 1, False)
    assert "招商服务" in client.get("/admin/categories").get_data(as_text=True)

    page = client.get("/admin/calendar?year=2026&day=2026-11-25").get_data(as_text=True)
    assert 'value="2026-11-25"' in page and 'data-date="2026-10-01"' in page
    assert post(client, "/admin/calendar?year=2026", "/admin/calendar",
                {"date": "2026-11-25", "kind": "holiday", "note": "停电检修"}).status_code == 302
    assert not WorkCalendar().is_workday(date(2026, 11, 25))
    shown = client.get("/admin/calendar?year=2026").get_data(as_text=True)
    assert 'class="day holiday" data-date="2026-11-25"' in shown and "停电检修" in shown
    pointless = post(client, "/admin/calendar", "/admin/calendar", {"date": "2026-11-26", "kind": "workday"})
    assert pointless.status_code == 400 and "本来就是工作日" in pointless.get_data(as_text=True)
    assert post(client, "/admin/calendar", "/admin/calendar/2026-11-25/remove", {}).status_code == 302
    assert WorkCalendar().is_workday(date(2026, 11, 25))
    assert post(client, "/admin/calendar", "/admin/calendar/2026-11-25/remove", {}).status_code == 400
