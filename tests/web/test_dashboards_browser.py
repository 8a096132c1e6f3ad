"""The dashboards and the unit assessment in real headless Chromium (Debian's chromium through
Playwright): as the office and a leader, a figure checked against the items the test made, a
figure's link followed to its items, both workbooks downloaded and read back, the print
stylesheet, a phone's width, and screenshots.

SIXSTEP_SCREENSHOTS=1 writes the screenshots to docs/screenshots/ (else to a scratch folder).
"""
import os
import re

import pytest
from browser_support import PHONE, SHOTS, needs_chromium, served
from dashboard_support import CASES, dashboard_items
from openpyxl import load_workbook
from test_console_browser import _fits, _page, _sign_in

pytestmark = needs_chromium
PERIOD = "from=2026-11-01&to=2026-11-30"


@pytest.fixture
def server(app, world, now):
    made = dashboard_items(world, now)
    with served(app, "dashboard-test-server") as http:
        http.made = made
        yield http


def _folder(tmp_path):
    return SHOTS if os.environ.get("SIXSTEP_SCREENSHOTS") else tmp_path


def _saved(download, folder):
    """The downloaded file under the name the server gave it (a Chinese name ending .xlsx)."""
    assert download.suggested_filename.endswith(".xlsx") and not download.suggested_filename.isascii()
    path = folder / download.suggested_filename
    download.save_as(path)
    return path


def _rows(path):
    """A downloaded workbook's rows; read-only workbooks hold their file open until closed."""
    book = load_workbook(path, read_only=True)
    try:
        return list(book.active.values)
    finally:
        book.close()


def test_the_office_reads_the_dashboard_and_follows_a_figure_to_its_items(chromium, server, tmp_path):
    page = _page(chromium)
    _sign_in(page, server.base, "office")
    page.wait_for_url(server.base + "/")
    page.click("nav >> text=看板")
    page.wait_for_url("**/dashboard")
    page.goto(f"{server.base}/dashboard?{PERIOD}")
    page.wait_for_selector("#trend-chart svg")
    page.wait_for_selector("#unit-chart svg")
    assert page.locator("[data-figure=total] b").first.inner_text() == str(len(CASES))
    unsatisfied_redo = [c for c in CASES if c[4] == "redo"]
    assert page.locator("#summary [data-figure=redo_rate] small").inner_text() == f"{len(unsatisfied_redo)}件"
    overdue_text = page.locator("#summary [data-figure=overdue] b").inner_text()
    page.screenshot(path=str(_folder(tmp_path) / "console-dashboard-desk.png"), full_page=True)
    # 市容办's row: its total links to its items, as many as the figure says.
    row = page.locator("#by-unit tr", has_text="市容办")
    figure = int(row.locator("[data-figure=total]").inner_text())
    # Its items, the one it sent back (退单) included: the sheet still names it. Not the one never classified.
    assert figure == sum(1 for c in CASES if c[3] == "shirong" and c[4] != "collected")
    row.locator("[data-figure=total]").click()
    page.wait_for_url("**/items?*unit=*")
    assert page.locator("#scope").inner_text().startswith("统计口径")
    assert page.locator("ul.rows .row").count() == figure
    assert page.locator("h1 small").inner_text() == f"{figure}件"
    page.go_back()
    page.locator("#summary [data-figure=overdue]").click()
    page.wait_for_url("**measure=overdue*")
    assert page.locator("ul.rows .row").count() == int(overdue_text)


def test_a_leader_reads_the_assessment_prints_it_and_downloads_both_workbooks(chromium, server, tmp_path):
    page = _page(chromium)
    _sign_in(page, server.base, "leader")
    page.wait_for_url(server.base + "/")
    page.goto(f"{server.base}/assessment?{PERIOD}")
    ranks = page.locator("#ranking tbody tr")
    assert ranks.count() == 2
    assert ranks.nth(0).locator(".rank").inner_text() == "1"
    assert page.locator("#weights form").count() == 0 and "权重由活动办设定" in page.locator("#weights").inner_text()
    page.screenshot(path=str(_folder(tmp_path) / "console-assessment-desk.png"), full_page=True)
    page.emulate_media(media="print")
    assert not page.locator("header.top").is_visible() and page.locator("#ranking").is_visible()
    assert not page.locator("form.period").is_visible()
    page.screenshot(path=str(_folder(tmp_path) / "console-assessment-print.png"), full_page=True)
    page.emulate_media(media="screen")
    with page.expect_download() as download:
        page.click("text=导出Excel")
    rows = _rows(_saved(download.value, tmp_path))
    assert rows[0][:2] == ("排名", "单位") and {rows[1][1], rows[2][1]} == {"建设办", "市容办"}
    page.goto(f"{server.base}/items?{PERIOD}&measure=counted")
    with page.expect_download() as download:
        page.click("text=导出Excel")
    rows = _rows(_saved(download.value, tmp_path))
    assert rows[0][0] == "编号" and len(rows) - 1 == int(re.search(r"\d+", page.locator("h1 small").inner_text())[0])


@pytest.mark.parametrize("user", ["office", "dangzheng"])
def test_the_pages_fit_a_phone(chromium, server, user, tmp_path):
    page = _page(chromium, PHONE)
    _sign_in(page, server.base, user)
    page.wait_for_url(server.base + "/")
    for name, path in (("dashboard", f"/dashboard?{PERIOD}"), ("assessment", f"/assessment?{PERIOD}")):
        page.goto(server.base + path)
        if name == "dashboard":
            page.wait_for_selector("#trend-chart svg")
        assert _fits(page), name
        if user == "office":
            page.screenshot(path=str(_folder(tmp_path) / f"console-{name}-phone.png"), full_page=True)
