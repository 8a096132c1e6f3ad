"""Supervisors and the timetable in the console: the classify form's milestones (several
rows, blank ones left out) and cadre supervisors, the item page's supervisors and the
office's 指定督办 form, a supervisor's "assigned to me" list."""
import re

import pytest
from console_support import csrf_of, make_items, sign_in

import models
from pipeline.accounts.people import create_staff
from pipeline.rules.workdays import WorkCalendar
from web.limits import limiter


@pytest.fixture(autouse=True)
def fresh_login_limits(app):
    """These tests sign the office in many times: the login limits (10 a 5 minutes per
    account) would then refuse the next file's sign-ins, so they are cleared after each."""
    yield
    limiter.reset()


@pytest.fixture
def items(world, now):
    return make_items(world, now)


@pytest.fixture
def sun(world):
    user = create_staff("sunli", "supervisor", "test-password", name="孙丽")
    user.openid = "staff-openid-sunli"
    user.save()
    return user


def workday(n):
    return WorkCalendar().add_workdays(models.local_now().date(), n).isoformat()


def _as(app, username):
    client = app.test_client()
    assert sign_in(client, username).status_code == 302
    return client


def _post(client, number, action, data):
    token = csrf_of(client.get(f"/items/{number}").get_data(as_text=True))
    return client.post(f"/items/{number}/do/{action}", data={**data, "csrf_token": token})


def classify_form(world, **extra):
    return {"category": "market_environment", "leader": str(world.staff["leader"].id),
            "unit": str(world.units["shirong"].id), "tier": "limited", "roadmap": "市容办牵头", **extra}


def test_classify_with_a_timetable_and_supervisors_from_the_form(app, world, items, sun):
    office = _as(app, "office")
    number = items["waiting"].number
    page = office.get(f"/items/{number}").get_data(as_text=True)
    assert page.count('name="milestone_date"') == 3  # two blank rows and the template's
    assert re.search(rf'name="supervisors" value="{sun.id}"', page) and "孙丽" in page
    answer = _post(office, number, "classify", classify_form(
        world, milestones_shown="1", milestone_date=[workday(2), "", workday(4)],
        milestone_text=["清理占道摊点", "", "设置疏导标识"], supervisors=[str(sun.id)]))
    assert answer.status_code == 303, answer.get_data(as_text=True)
    item = models.Item.get(models.Item.number == number)
    assert [(m.due.date().isoformat(), m.title) for m in item.milestones.order_by(models.Milestone.due)] == [
        (workday(2), "清理占道摊点"), (workday(4), "设置疏导标识")]
    shown = office.get(f"/items/{number}").get_data(as_text=True)
    assert "孙丽" in shown and "活动办指派" in shown and "清理占道摊点" in shown
    sheet = office.get(f"/items/{number}/sheet").get_data(as_text=True)
    assert "时间表" in sheet and "设置疏导标识" in sheet and "孙丽（活动办指派）" in sheet


def test_a_bad_milestone_shows_its_chinese_message_and_changes_nothing(app, world, items, sun):
    office = _as(app, "office")
    number = items["waiting"].number
    answer = _post(office, number, "classify", classify_form(
        world, milestones_shown="1", milestone_date=[models.local_now().date().isoformat()],
        milestone_text=["今天就要"]))
    assert answer.status_code == 400 and "时间表第1项的日期应晚于今天" in answer.get_data(as_text=True)
    assert models.Item.get(models.Item.number == number).status == "collected"


def test_the_office_assigns_a_supervisor_on_the_item_page_and_it_is_on_their_list(app, world, items, sun):
    office = _as(app, "office")
    number = items["late"].number
    page = office.get(f"/items/{number}").get_data(as_text=True)
    assert 'data-form="assign_supervisor"' in page
    assert _post(office, number, "assign_supervisor", {"staff": str(sun.id)}).status_code == 303
    again = office.get(f"/items/{number}").get_data(as_text=True)
    assert "已指定督办人员" in again  # the flash
    assert re.search(r"孙丽 <span class=\"muted\">活动办指派", again)
    mine = _as(app, "sunli").get("/supervision").get_data(as_text=True)
    assigned = mine.split('id="assigned"')[1].split("</section>")[0]
    assert number in assigned and "指派我督办的" in assigned
    [push] = models.Outbox.select().where(models.Outbox.staff == sun.id)
    assert push.kind == "supervisor_assigned" and push.page.endswith(f"/items/{number}")


def test_the_office_binds_a_cadre_badge_to_a_staff_account_on_the_badge_desk(app, world, sun):
    office = _as(app, "office")
    token = csrf_of(office.get("/badges").get_data(as_text=True))
    office.post("/badges", data={"name": "孙丽", "kind": "cadre", "area": "全椒路社区", "valid_until": "2027-06-30",
                                 "csrf_token": token})
    badge = models.Badge.get(models.Badge.kind == "cadre")
    page = office.get("/badges").get_data(as_text=True)
    assert f'action="/badges/{badge.id}/holder"' in page
    answer = office.post(f"/badges/{badge.id}/holder", data={"staff": str(sun.id), "csrf_token": token})
    assert answer.status_code == 302
    assert models.Badge.get_by_id(badge.id).staff_id == sun.id
    listed = office.get("/badges").get_data(as_text=True)
    assert "持证人账号：孙丽" in listed and "已绑定工作人员 孙丽" in listed
    resident_badge = models.Badge.get(models.Badge.token == "badge-token-liu")
    refused = office.post(f"/badges/{resident_badge.id}/holder", data={"staff": str(sun.id), "csrf_token": token})
    assert refused.status_code == 400 and "只有督办小组的督办证" in refused.get_data(as_text=True)


def test_the_office_names_a_communitys_supervisors_on_the_communities_page(app, world, sun):
    office = _as(app, "office")
    anju = models.Community.get(models.Community.name == "安居苑社区")
    page = office.get("/admin/communities").get_data(as_text=True)
    assert "督办人员：吴刚" in page and "督办人员：未指定" in page  # 吴刚's area is 全椒路社区
    token = csrf_of(page)
    answer = office.post(f"/admin/communities/{anju.id}/supervisors",
                         data={"supervisors": [str(sun.id)], "csrf_token": token})
    assert answer.status_code == 302
    assert models.StaffUser.get_by_id(sun.id).area == "安居苑社区"
    assert "督办人员：孙丽" in office.get("/admin/communities").get_data(as_text=True)
    wrong = office.post(f"/admin/communities/{anju.id}/supervisors",
                        data={"supervisors": [str(world.staff["office"].id)], "csrf_token": token})
    assert wrong.status_code == 400 and "督办人员应为在职的督办小组成员" in wrong.get_data(as_text=True)
    assert models.StaffUser.get_by_id(sun.id).area == "安居苑社区"  # refused: nothing changed
