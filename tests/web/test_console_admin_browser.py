"""The administration pages (系统管理) in real headless Chromium: the office opens each
one, makes one change through its form and sees it back; a unit handler and a leader
are refused; every page fits a phone (375 px).

SIXSTEP_SCREENSHOTS=1 writes the screenshots to docs/screenshots/ (else to a scratch folder).
"""
import os

import pytest
from browser_support import DESK, PHONE, SHOTS, needs_chromium, served

import models
from pipeline.office.calendar import set_day
from pipeline.office.communities import create_community
from pipeline.rules.workdays import WorkCalendar

pytestmark = needs_chromium
PAGES = {"units": "/admin/units", "users": "/admin/users", "communities": "/admin/communities",
         "categories": "/admin/categories", "calendar": "/admin/calendar?year=2026"}


@pytest.fixture
def server(app, world, now):
    office = world.actor("office")
    for name, lat, lng in (("幸福里社区", 32.301, 118.322), ("东门社区", None, None)):
        create_community(office, name=name, lat=lat, lng=lng, now=now)
    for name, kind in (("党政办", "department"), ("市供电公司党委", "paired_org"), ("辖区中学党支部", "jurisdiction_org"),
                       ("某科技公司党支部", "enterprise_branch")):
        models.Unit.create(name=name, kind=kind)
    set_day(office, "2026-11-28", "workday", "迎检调休上班")
    set_day(office, "2026-12-31", "holiday", "街道年终盘点")
    with served(app, "console-test-server") as http:
        yield http


@pytest.fixture
def shots(tmp_path):
    folder = SHOTS if os.environ.get("SIXSTEP_SCREENSHOTS") else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _page(chromium, viewport=DESK):
    return chromium.new_context(viewport=viewport, locale="zh-CN").new_page()


def _sign_in(page, base, username):
    page.goto(base + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "test-password")
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")


def _fits(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def _flash(page):
    return page.locator(".flash").first.inner_text()


def test_the_office_edits_each_page_and_sees_the_change(chromium, server, world):
    page, base = _page(chromium), server.base
    _sign_in(page, base, "office")
    page.click("nav >> text=管理")
    page.wait_for_url(base + "/admin/units")

    page.fill("form[action='/admin/units'] input[name=name]", "巾帼志愿服务队")
    page.select_option("form[action='/admin/units'] select[name=kind]", "volunteer_org")
    page.click("form[action='/admin/units'] button[type=submit]")
    assert "已添加单位" in _flash(page)
    row = page.locator("li[data-unit]", has_text="巾帼志愿服务队")
    row.locator("summary").click()
    row.locator("input[name=name]").fill("巾帼志愿者服务队")
    row.locator("select[name=active]").select_option("0")
    row.locator("button[type=submit]").click()
    assert "单位已更新" in _flash(page)
    assert "已停用" in page.locator("li[data-unit]", has_text="巾帼志愿者服务队").inner_text()

    page.click(".tabs >> text=账号")
    page.fill("form[action='/admin/users'] input[name=username]", "minzheng")
    page.fill("form[action='/admin/users'] input[name=name]", "孙丽")
    page.select_option("form[action='/admin/users'] select[name=role]", "unit")
    page.select_option("form[action='/admin/users'] select[name=unit]", label="建设办")
    page.fill("form[action='/admin/users'] input[name=password]", "first-pass-1")
    page.click("form[action='/admin/users'] button[type=submit]")
    assert "已创建账号" in _flash(page)
    row = page.locator("li[data-user=minzheng]")
    assert "孙丽" in row.inner_text() and "建设办" in row.inner_text()
    row.locator("summary").click()
    row.locator("text=停用账号").click()
    assert "账号已停用" in _flash(page)
    assert not models.StaffUser.get(models.StaffUser.username == "minzheng").active

    page.click(".tabs >> text=社区")
    page.fill("form[action='/admin/communities'] input[name=name]", "西园社区")
    page.fill("form[action='/admin/communities'] input[name=lat]", "32.29")
    page.fill("form[action='/admin/communities'] input[name=lng]", "118.30")
    page.click("form[action='/admin/communities'] button[type=submit]")
    assert "中心点 32.29, 118.3" in page.locator("li[data-community]", has_text="西园社区").inner_text()

    page.click(".tabs >> text=分类")
    row = page.locator("li[data-category=housing]")
    row.locator("summary").click()
    row.locator("input[name=limit_days]").fill("12")
    row.locator("button[type=submit]").click()
    assert "分类已更新" in _flash(page)
    assert "12个工作日" in page.locator("li[data-category=housing]").inner_text()
    assert page.locator("section[data-category=economy] li[data-category]").count() == 3

    page.click(".tabs >> text=节假日")
    page.goto(base + "/admin/calendar?year=2026")
    page.click("a[data-date='2026-11-25']")
    assert page.input_value("#mark input[name=date]") == "2026-11-25"
    page.select_option("#mark select[name=kind]", "holiday")
    page.fill("#mark input[name=note]", "停电检修")
    page.click("#mark button[type=submit]")
    assert "已设为放假" in _flash(page)
    assert "holiday" in (page.locator("a[data-date='2026-11-25']").get_attribute("class") or "")
    from datetime import date

    assert not WorkCalendar().is_workday(date(2026, 11, 25))
    page.locator("li[data-date='2026-11-25'] button").click()
    assert "已取消" in _flash(page) and WorkCalendar().is_workday(date(2026, 11, 25))


@pytest.mark.parametrize("who", ["jianshe", "leader"])
def test_units_and_leaders_are_refused(chromium, server, who):
    page, base = _page(chromium), server.base
    _sign_in(page, base, who)
    assert page.locator("nav >> text=管理").count() == 0
    for path in PAGES.values():
        answer = page.goto(base + path)
        assert answer.status == 403 and "只有活动办可以" in page.content(), path


@pytest.mark.parametrize("size,viewport", [("desk", DESK), ("phone", PHONE)])
def test_every_admin_page_fits_and_is_photographed(chromium, server, shots, size, viewport):
    page, base = _page(chromium, viewport), server.base
    _sign_in(page, base, "office")
    for name, path in PAGES.items():
        page.goto(base + path)
        assert page.locator("h1").inner_text().startswith("系统管理")
        assert _fits(page), (size, path)
        page.screenshot(path=str(shots / f"console-admin-{name}-{size}.png"), full_page=True)
