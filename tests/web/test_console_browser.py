"""The console in real headless Chromium (Debian's /usr/bin/chromium, driven by
Playwright): sign in, the home page, filtering, an item, signing out, CSRF,
lock-out, a phone's viewport, and screenshots of the main pages.

SIXSTEP_SCREENSHOTS=1 writes the screenshots to docs/screenshots/ (else to a scratch folder).
"""
import os

import pytest
from browser_support import DESK, PHONE, SHOTS, needs_chromium, served
from console_support import make_items

pytestmark = needs_chromium


@pytest.fixture
def server(app, world, now):
    """The app on a real loopback port, in a thread."""
    items = make_items(world, now)
    with served(app, "console-test-server") as http:
        http.items = items
        yield http


def _page(chromium, viewport=DESK):
    context = chromium.new_context(viewport=viewport, locale="zh-CN")
    return context.new_page()


def _sign_in(page, base, username, password="test-password"):
    page.goto(base + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")


def _fits(page):
    """Nothing sticks out sideways: no horizontal scrolling."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_sign_in_see_home_filter_open_an_item_sign_out(chromium, server):
    page = _page(chromium)
    base, late = server.base, server.items["late"]
    page.goto(base + "/")
    assert page.url.startswith(base + "/login")
    _sign_in(page, base, "office")
    page.wait_for_url(base + "/")
    assert page.locator("header .name").inner_text() == "李敏"
    overdue = page.locator("#overdue .row").first
    assert late.number in overdue.inner_text()
    page.click("nav >> text=受理分类")
    page.fill("input[name=q]", "路灯")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**q=*")
    rows = page.locator("ul.rows .row")
    assert rows.count() == 1 and server.items["waiting"].number in rows.first.inner_text()
    page.goto(base + "/items")
    page.select_option("select[name=status]", "claimed")
    page.wait_for_url("**status=claimed*")
    page.click(f"text={late.number}")
    page.wait_for_url(f"{base}/items/{late.number}")
    assert "办理过程" in page.content() and "公开领办" in page.locator("ol.timeline").inner_text()
    page.click("header button:has-text('退出')")
    page.wait_for_url(base + "/login")
    assert "您已安全退出" in page.content()
    page.goto(base + "/items")
    assert page.url.startswith(base + "/login")


def test_a_form_without_its_csrf_token_is_refused(chromium, server):
    page = _page(chromium)
    page.goto(server.base + "/login")
    page.evaluate("document.querySelector('input[name=csrf_token]').remove()")
    page.fill("input[name=username]", "office")
    page.fill("input[name=password]", "test-password")
    page.click("button[type=submit]")
    assert "页面已过期或来源不明" in page.content()
    page.goto(server.base + "/")
    assert page.url.startswith(server.base + "/login")


def test_repeated_wrong_passwords_lock_the_account(chromium, server):
    page = _page(chromium)
    for _ in range(4):
        _sign_in(page, server.base, "leader", "wrong-password")
        assert "用户名或密码错误" in page.locator(".flash.error").inner_text()
    _sign_in(page, server.base, "leader", "wrong-password")
    assert "该账号已被锁定" in page.locator(".flash.error").inner_text()
    _sign_in(page, server.base, "leader")
    assert "请15分钟后再试" in page.locator(".flash.error").inner_text()
    assert page.url.startswith(server.base + "/login")


def test_a_unit_handler_on_a_phone(chromium, server):
    page = _page(chromium, PHONE)
    late = server.items["late"]
    _sign_in(page, server.base, "shirong")
    page.wait_for_url(server.base + "/")
    assert _fits(page)
    assert page.locator("header .name").is_visible() and page.locator("nav a").count() == 7  # 录入 (every cadre records what they heard) and 走访
    page.click(f"#overdue >> text={late.number}")
    page.wait_for_url(f"{server.base}/items/{late.number}")
    assert _fits(page) and page.locator("h1").is_visible()
    assert server.items["conduct"].number not in page.goto(server.base + "/items").text()


@pytest.mark.parametrize("size,viewport", [("desk", DESK), ("phone", PHONE)])
def test_main_pages_fit_and_are_photographed(chromium, server, size, viewport, tmp_path):
    folder = SHOTS if os.environ.get("SIXSTEP_SCREENSHOTS") else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    page = _page(chromium, viewport)
    page.goto(server.base + "/login")
    page.screenshot(path=str(folder / f"console-login-{size}.png"), full_page=True)
    _sign_in(page, server.base, "office")
    page.wait_for_url(server.base + "/")
    shots = {"home": "/", "items": "/items", "item": f"/items/{server.items['late'].number}", "profile": "/profile"}
    for name, path in shots.items():
        page.goto(server.base + path)
        assert page.locator("header .name").inner_text() == "李敏"
        assert _fits(page), (size, path)
        page.screenshot(path=str(folder / f"console-{name}-{size}.png"), full_page=True)
    assert all((folder / f"console-{name}-{size}.png").exists() for name in ("login", *shots))
