"""Acceptance, in real headless Chromium: supervisors by matter (由活动办根据事项指定督办人员).
The office classifies with a timetable (rows added and removed in the form) and a
cadre supervisor; the supervisor finds it under "assigned to me" on their phone,
gets a push at the fake WeChat server at every step, urges, and evaluates.

SIXSTEP_SCREENSHOTS=1 writes the screenshots to docs/screenshots/ (else to a scratch folder).
"""
import os

import pytest
from browser_support import DESK, PHONE, SHOTS, needs_chromium, served
from test_console_browser import _fits, _page, _sign_in

import jobs
import models
from pipeline.accounts.people import create_staff
from pipeline.rules.workdays import WorkCalendar

pytestmark = needs_chromium


@pytest.fixture
def server(app, world):
    with served(app, "console-supervisor-server") as http:
        yield http


def _signed_in(chromium, server, username, viewport=DESK):
    page = _page(chromium, viewport)
    _sign_in(page, server.base, username)
    page.wait_for_url(server.base + "/")
    return page


def _open(page, form):
    box = page.locator(f"details[data-form={form}]")
    if box.get_attribute("open") is None:
        box.locator("summary").click()
    return box


def _submit(box):
    box.locator("form").last.locator("button[type=submit]").click()
    box.page.wait_for_load_state()
    return box.page.locator(".flash").first.inner_text()


def _pushed(fake, openid):
    """The first field (the item's number) of each template message the fake WeChat delivered to `openid`."""
    jobs.run_once(only=("refresh_tokens", "dispatch_outbox"), raise_errors=True)
    return [call["json"]["data"] for call in fake.sends(openid)]


def test_the_office_assigns_a_supervisor_who_follows_every_step_and_evaluates(chromium, server, client, auth, world,
                                                                             wechat_api, tmp_path):
    shots = SHOTS if os.environ.get("SIXSTEP_SCREENSHOTS") else tmp_path
    shots.mkdir(parents=True, exist_ok=True)
    base = server.base
    sun = create_staff("sunli", "supervisor", "test-password", name="孙丽")
    sun.openid = "staff-openid-sunli"
    sun.save()
    answer = client.post("/api/v1/items", headers=auth("zhang"),
                         json={"content": "菜市场门口流动摊贩占道，早上车辆过不去", "community": "安居苑社区"})
    number = answer.get_json()["number"]
    calendar = WorkCalendar()
    first, second = (calendar.add_workdays(models.local_now().date(), n).isoformat() for n in (2, 5))

    # 活动办: classify with a timetable of two rows (a third added, then removed) and a cadre supervisor.
    office = _signed_in(chromium, server, "office")
    office.goto(f"{base}/items/{number}")
    box = _open(office, "classify")
    box.locator("select[name=category]").select_option("market_environment")
    box.locator("select[name=leader]").select_option(label="陈建国")
    box.locator("select[name=unit]").select_option(label="建设办")
    box.locator("textarea[name=roadmap]").fill("建设办会同市容办清理占道，设置临时疏导点")
    rows = box.locator("[data-row]")
    assert rows.count() == 2
    box.locator("[data-add-row]").click()
    assert rows.count() == 3
    for index, (day, text) in enumerate(((first, "清理占道摊点"), (second, "设置临时疏导点"), (second, "多余的一行"))):
        rows.nth(index).locator("input[name=milestone_date]").fill(day)
        rows.nth(index).locator("input[name=milestone_text]").fill(text)
    rows.nth(2).locator("[data-remove-row]").click()
    assert rows.count() == 2
    box.locator(f"input[name=supervisors][value='{sun.id}']").check()
    office.screenshot(path=str(shots / "console-classify-timetable-desk.png"), full_page=True)
    assert "已分类交办" in _submit(box)
    facts = office.locator("section.card:has(h2:text('关注与督办'))").inner_text()
    assert "孙丽" in facts and "活动办指派" in facts
    sheet_card = office.locator("section.card:has(h2:has-text('交办单'))").inner_text()
    assert "清理占道摊点" in sheet_card and "设置临时疏导点" in sheet_card and "多余的一行" not in sheet_card
    assert [data["character_string1"]["value"] for data in _pushed(wechat_api, sun.openid)] == [number, number]

    # The supervisor, on a phone: "assigned to me", then the steps reach them by push.
    phone = _signed_in(chromium, server, "sunli", PHONE)
    phone.goto(base + "/supervision")
    assert _fits(phone)
    assert number in phone.locator("#assigned").inner_text()
    phone.screenshot(path=str(shots / "console-supervision-assigned-phone.png"), full_page=True)
    jianshe = auth("jianshe")
    for action, body in (("claim", {}), ("progress", {"note": "已劝离摊贩，设置隔离桩"})):
        assert client.post(f"/api/v1/staff/items/{number}/{action}", headers=jianshe, json=body).status_code == 200
    assert len(_pushed(wechat_api, sun.openid)) == 4  # assigned, classified, claimed, progress

    phone.goto(f"{base}/items/{number}")
    assert _fits(phone)
    urge = _open(phone, "supervise")
    urge.locator("textarea[name=note]").fill("早高峰仍有摊贩回流，请加强巡查")
    urge.locator("input[name=urge]").check()
    assert "已记录督办意见" in _submit(urge)
    resolved = client.post(f"/api/v1/staff/items/{number}/resolve", headers=jianshe,
                           json={"result": "摊贩已引导至临时疏导点，路口畅通"})
    assert resolved.status_code == 200
    assert len(_pushed(wechat_api, sun.openid)) == 5  # and resolved

    phone.goto(f"{base}/items/{number}")
    evaluation = _open(phone, "evaluate_supervisor")
    evaluation.locator("input[value=satisfied]").check()
    evaluation.locator("textarea[name=comment]").fill("复查路口畅通")
    assert "已记录评议" in _submit(evaluation)
    assert "督办评议（督办小组）：满意" in phone.locator("section.card:has(h2:has-text('交办单'))").inner_text()
    phone.screenshot(path=str(shots / "console-item-supervisors-phone.png"), full_page=True)
    office.goto(f"{base}/items/{number}")
    office.screenshot(path=str(shots / "console-item-supervisors-desk.png"), full_page=True)
