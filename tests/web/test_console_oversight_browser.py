"""The sheet, its PDF, the supervision list, the badge desk and the call-back list
in real headless Chromium, as the people who use them, at a desk and on a phone.

SIXSTEP_SCREENSHOTS=1 writes the screenshots to docs/screenshots/ (else to a scratch folder).
"""
import os
import shutil
import subprocess

import pytest
from browser_support import DESK, PHONE, SHOTS, needs_chromium, served
from oversight_support import awaiting_callback, full_item

import models

pytestmark = needs_chromium
POPPLER = shutil.which("pdftotext") and shutil.which("pdftoppm")


@pytest.fixture
def server(app, world, now):
    """The app on a loopback port, with an item whose sheet has every record and two call-backs due."""
    full = full_item(world, now)
    callbacks = awaiting_callback(world, now)
    with served(app, "console-test-server") as http:
        http.full, http.callbacks = full, callbacks
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


def _image_loaded(page, selector):
    return page.eval_on_selector(selector, "img => img.complete && img.naturalWidth > 0")


@pytest.mark.skipif(not POPPLER, reason="poppler-utils is not installed")
def test_the_office_prints_the_sheet_and_its_pdf(chromium, server, shots, tmp_path):
    page = _page(chromium)
    number = server.full.number
    _sign_in(page, server.base, "office")
    page.goto(f"{server.base}/items/{number}")
    page.click("text=打印 · PDF")
    page.wait_for_url(f"{server.base}/items/{number}/sheet")
    assert page.locator("h1").inner_text().replace(" ", "") == "问题解决交办单"
    assert _image_loaded(page, ".qr img")
    assert "党员志愿者服务队" in page.locator("table.grid").inner_text()
    page.screenshot(path=str(shots / "console-sheet-desk.png"), full_page=True)

    # Chromium's own print of the page (the print stylesheet hides the toolbar) ...
    printed = tmp_path / "printed.pdf"
    page.emulate_media(media="print")
    page.pdf(path=str(printed), format="A4", print_background=True)
    text = subprocess.run(["pdftotext", str(printed), "-"], capture_output=True, text=True, check=True).stdout
    assert number in text and "问题解决交办单" in text and "下载PDF" not in text

    # ... and the server's PDF behind the 下载PDF link, fetched with the page's session.
    page.emulate_media(media="screen")
    href = page.get_attribute("text=下载PDF", "href")
    answer = page.request.get(server.base + href)
    assert answer.ok and answer.headers["content-type"] == "application/pdf"
    pdf = tmp_path / "sheet.pdf"
    pdf.write_bytes(answer.body())
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert number in text and "负责领导" in text and "陈建国" in text and "群众评议会" in text
    subprocess.run(["pdftoppm", "-png", "-r", "90", "-f", "1", "-l", "1", "-singlefile", str(pdf),
                    str(shots / "console-sheet-pdf")], check=True)


def test_the_sheet_reads_on_a_phone(chromium, server, shots):
    page = _page(chromium, PHONE)
    _sign_in(page, server.base, "leader")
    page.goto(f"{server.base}/items/{server.full.number}/sheet")
    assert _fits(page) and _image_loaded(page, ".qr img")
    assert "139****5678" in page.content() and "13912345678" not in page.content()
    page.screenshot(path=str(shots / "console-sheet-phone.png"), full_page=True)


@pytest.mark.parametrize("size,viewport", [("desk", DESK), ("phone", PHONE)])
def test_a_cadre_supervisor_reads_their_list(chromium, server, shots, size, viewport):
    page = _page(chromium, viewport)
    _sign_in(page, server.base, "duban")
    page.click("nav >> text=督办")
    page.wait_for_url(server.base + "/supervision")
    area = page.locator("#area").inner_text()  # their area, 全椒路社区: an item there is listed there once
    assert server.full.number in area  # they supervised it too (it is resolved, still open)
    assert server.callbacks[0].number in area
    assert server.full.number not in page.locator("#followed").inner_text()
    assert _fits(page)
    page.screenshot(path=str(shots / f"console-supervision-{size}.png"), full_page=True)
    page.click(f"#area >> text={server.full.number}")
    page.wait_for_url(f"{server.base}/items/{server.full.number}")


@pytest.mark.parametrize("size,viewport", [("desk", DESK), ("phone", PHONE)])
def test_the_office_calls_back_with_the_phone_numbers(chromium, server, shots, size, viewport):
    page = _page(chromium, viewport)
    by_phone = server.callbacks[0]
    _sign_in(page, server.base, "office")
    page.click("nav >> text=回访")
    page.wait_for_url(server.base + "/callbacks")
    assert "13800138000" in page.locator("ul.callbacks").inner_text()
    assert _fits(page)
    page.screenshot(path=str(shots / f"console-callbacks-{size}.png"), full_page=True)
    page.click(f"text={by_phone.number}")
    page.wait_for_url(f"{server.base}/items/{by_phone.number}#actions")


def test_a_leader_sees_the_call_back_list_masked(chromium, server):
    page = _page(chromium)
    _sign_in(page, server.base, "leader")
    page.click("nav >> text=回访")
    listing = page.locator("ul.callbacks").inner_text()
    assert "138****8000" in listing and "13800138000" not in listing


@pytest.mark.parametrize("size,viewport", [("desk", DESK), ("phone", PHONE)])
def test_the_office_issues_renews_revokes_and_prints_badges(chromium, server, shots, size, viewport):
    page = _page(chromium, viewport)
    _sign_in(page, server.base, "office")
    page.click("nav >> text=督办证")
    page.wait_for_url(server.base + "/badges")
    page.fill("input[name=name]", "孙桂兰")
    page.select_option("select[name=kind]", "resident")
    page.fill("input[name=phone]", "13711112222")
    page.fill("input[name=area]", "全椒路社区")
    page.fill(".badge-form input[name=valid_until]", "2027-06-30")
    page.click(".badge-form button[type=submit]")
    page.wait_for_url(server.base + "/badges")
    assert "已发放督办证" in page.locator(".flash").inner_text()
    row = page.locator(".badge-row", has_text="孙桂兰")
    assert "137****2222" in row.inner_text()
    row.locator("input[name=valid_until]").fill("2028-06-30")
    row.locator("button:has-text('续期')").click()
    assert "已续期至 2028-06-30" in page.locator(".flash").inner_text()
    assert _fits(page)
    page.screenshot(path=str(shots / f"console-badges-{size}.png"), full_page=True)

    page.locator(".badge-row", has_text="孙桂兰").locator("input[type=checkbox]").check()
    page.click("text=打印勾选的证卡")
    page.wait_for_url("**/badges/cards?id=*")
    assert page.locator("img.card-print").count() == 1 and _image_loaded(page, "img.card-print")
    if size == "desk":
        page.screenshot(path=str(shots / "console-badge-cards-desk.png"), full_page=True)
    page.go_back()
    page.locator(".badge-row", has_text="孙桂兰").locator("button:has-text('撤销')").click()
    assert "已撤销" in page.locator(".flash").inner_text()
    assert models.Badge.get(models.Badge.name == "孙桂兰").revoked_at is not None


def test_badge_admin_is_not_offered_to_others(chromium, server):
    page = _page(chromium, PHONE)
    _sign_in(page, server.base, "leader")
    assert page.locator("nav >> text=督办证").count() == 0
    page.goto(server.base + "/badges")
    assert "只有活动办可以管理督办证" in page.content()
