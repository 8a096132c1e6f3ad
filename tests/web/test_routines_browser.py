"""In real headless Chromium: the public pages as an anonymous resident on a
375-px phone (results board, 公示, an item's page and back), the A5 site notice
the office prints, the weekly bulletin reviewed, edited, published and archived by
the office and read by a leader, a cadre recording a visit on a phone and the
party–government office's monthly check. Also the screenshots of these pages.

SIXSTEP_SCREENSHOTS=1 writes the screenshots to docs/screenshots/ (else to a scratch folder).
"""
import os
import re
import shutil
import subprocess
from datetime import datetime

import pytest
from browser_support import DESK, PHONE, SHOTS, needs_chromium, served
from console_support import make_items
from test_console_browser import _fits, _page, _sign_in

import models
from pipeline.messages import publicity
from pipeline.routines import bulletins, visits
from pipeline.rules.boundary import local_now
from pipeline.steps import handling, intake, judging

pytestmark = needs_chromium
POPPLER = shutil.which("pdftotext") and shutil.which("pdftoppm")


RESULTS = [  # (content, community, category, result, score, wide concern)
    ("3号楼屋顶漏水，雨天家里接水，电话13912345678", "全椒路社区", "housing", "已完成屋面防水层修补，经雨天检验不再渗漏", "satisfied", False),
    ("菜市场门口流动摊贩占道经营，早高峰通行困难", "全椒路社区", "market_environment",
     "设置临时疏导点12个，早7点至9点专人值守", "basically_satisfied", True),
    ("安居苑东门路灯不亮已有两周", "安居苑社区", "public_security", "更换灯具4盏，线路已检修", "satisfied", False),
    ("小区停车难，消防通道被占", "安居苑社区", "housing", "新增停车位40个，消防通道划线并安装地锁", "satisfied", True),
]


def _close(world, now, content, community, category, result, score, wide):
    item = intake.collect(world.actor("zhang"), content, "wechat", community=community, address="全椒路12号3单元",
                          now=now)
    item = intake.classify(item, world.actor("office"), category=category, leader=world.staff["leader"].id,
                           unit=world.units["jianshe"].id, tier="limited", roadmap="建设办牵头", wide_concern=wide,
                           now=now)
    item = handling.claim(item, world.actor("jianshe"), now=now)
    item = handling.resolve(item, world.actor("jianshe"), result=result, now=now)
    item = judging.rate(item, world.actor("zhang"), score, now=now)
    if wide:  # announced at resolve; closed only by the residents' evaluation meeting
        item = handling.record_meeting(item, world.actor("office"), kind="evaluation", held_at=now.isoformat(),
                                       attendees=["居民代表15人", "建设办"], minutes="多数居民表示满意",
                                       satisfaction=0.9, now=now)
    return item


@pytest.fixture
def server(app, world, now):
    """Closed items with results and two 公示, the console's items, a bulletin draft
    with disciplinary entries, and October's visits checked."""
    app.config.update(OFFICE_NAME="XX街道群众路线教育实践活动领导小组办公室", OFFICE_PHONE="0550-5012345")
    closed = [_close(world, now, *row) for row in RESULTS]
    publicity.publish_results(now)
    items = make_items(world, now)
    party = world.actor("party")
    bulletins.record_discipline(party, kind="criticism", person="钱某", reason="工作日上午无故脱岗两小时",
                                unit=world.units["shirong"].id, on_date="2026-11-18", now=now)
    bulletins.record_discipline(party, kind="admonition", person="孙某", reason="对群众反映的问题推诿扯皮",
                                unit=world.units["jianshe"].id, on_date="2026-11-20", now=now)
    draft = bulletins.draft_weekly(now)
    office = world.actor("office")
    for day, who, days, place, content in (
            ("2026-10-09", "leader", 1, "全椒路社区", "走访3号楼、5号楼居民，听取老旧小区改造意见"),
            ("2026-10-16", "leader", 1, "安居苑社区", "参加安居苑居民议事会，了解停车难问题"),
            ("2026-10-13", "jianshe", 1, "全椒路社区", "排查楼道消防通道堵塞情况"),
            ("2026-10-22", "jianshe", 0.5, "安居苑社区", "回访路灯维修情况"),
            ("2026-10-21", "party", 1, "全椒路社区", "随访社区网格员，核实走访记录"),
            ("2026-10-28", "party", 1, "安居苑社区", "座谈会：听取居民对作风建设的意见")):
        visits.record_visit(office, community=place, visit_date=day, days=days, content=content,
                            staff=world.staff[who].id, now=now)
    visits.monthly_check(datetime(2026, 11, 2, 9, 30), seed="5f1c0a7e9b3d2468")
    with served(app, "routines-test-server") as http:
        http.closed, http.items, http.draft = closed, items, draft
        yield http
    app.config.pop("OFFICE_NAME")
    app.config.pop("OFFICE_PHONE")


@pytest.fixture
def shots(tmp_path):
    folder = SHOTS if os.environ.get("SIXSTEP_SCREENSHOTS") else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _signed_in(chromium, server, username, viewport=DESK):
    page = _page(chromium, viewport)
    _sign_in(page, server.base, username)
    page.wait_for_url(server.base + "/")
    return page


def test_a_resident_reads_the_results_and_notices_on_a_phone(chromium, server, shots):
    page = _page(chromium, PHONE)
    page.goto(server.base + "/board")
    assert page.url == server.base + "/board"  # no sign-in
    assert _fits(page) and page.locator("h1").inner_text() == "问题办理结果"
    assert page.locator("li.entry").count() == 4
    assert "139****5678" in page.content() and "13912345678" not in page.content()
    assert server.items["conduct"].number not in page.content()
    page.screenshot(path=str(shots / "public-board-phone.png"), full_page=True)
    page.select_option("select[name=community]", "安居苑社区")
    page.click("form.filters button")
    page.wait_for_url("**community=*")
    assert page.locator("li.entry").count() == 2 and "安居苑东门路灯" in page.locator("ol.entries").inner_text()
    page.click("text=结果公示")
    page.wait_for_url(server.base + "/notices")
    assert page.locator("li.entry").count() == 2 and _fits(page)
    page.screenshot(path=str(shots / "public-notices-phone.png"), full_page=True)
    wide = server.closed[1]
    page.click(f"a[href='/i/{wide.number}'] >> nth=0")
    page.wait_for_url(f"{server.base}/i/{wide.number}")
    assert "设置临时疏导点" in page.content() and _fits(page)
    page.screenshot(path=str(shots / "public-item-phone.png"), full_page=True)
    page.click("text=全部办理结果")
    page.wait_for_url(server.base + "/board")
    desk = _page(chromium)
    for name in ("board", "notices"):
        desk.goto(f"{server.base}/{name}")
        assert _fits(desk)
        desk.screenshot(path=str(shots / f"public-{name}-desk.png"), full_page=True)


def test_the_office_prints_an_items_site_notice(chromium, server, shots, tmp_path):
    page = _signed_in(chromium, server, "office")
    number = server.items["late"].number
    page.goto(f"{server.base}/items/{number}")
    page.click("text=现场公示牌（A5）")
    page.wait_for_url(f"{server.base}/items/{number}/notice")
    assert page.locator("h1").inner_text() == "本问题正在办理"
    assert page.eval_on_selector(".scan img", "img => img.complete && img.naturalWidth > 0")
    assert "0550-5012345" in page.content() and "市容办" in page.content()
    page.screenshot(path=str(shots / "console-site-notice-desk.png"), full_page=True)
    printed = tmp_path / "notice.pdf"
    page.emulate_media(media="print")
    page.pdf(path=str(printed), prefer_css_page_size=True, print_background=True)
    if POPPLER:
        text = subprocess.run(["pdftotext", str(printed), "-"], capture_output=True, text=True, check=True).stdout
        assert number in text and "扫码督办" in text and "下载PDF" not in text
        info = subprocess.run(["pdfinfo", str(printed)], capture_output=True, text=True, check=True).stdout
        assert "(A5)" in info and re.search(r"Pages:\s+1\n", info), info  # Chromium's own print: one A5 page
        page.emulate_media(media="screen")
        answer = page.request.get(server.base + page.get_attribute("text=下载PDF", "href"))
        assert answer.ok and answer.headers["content-type"] == "application/pdf"
        server_pdf = tmp_path / "server.pdf"
        server_pdf.write_bytes(answer.body())
        subprocess.run(["pdftoppm", "-png", "-r", "90", "-singlefile", str(server_pdf),
                        str(shots / "console-site-notice-pdf")], check=True)
    phone = _signed_in(chromium, server, "shirong", PHONE)
    phone.goto(f"{server.base}/items/{number}/notice")
    assert _fits(phone) and phone.locator("h1").is_visible()


def test_the_office_reviews_edits_publishes_and_archives_the_bulletin(chromium, server, shots, tmp_path):
    page = _signed_in(chromium, server, "office")
    page.click("nav >> text=周通报")
    page.wait_for_url(server.base + "/bulletins")
    assert "草稿" in page.locator("ul.bulletins").inner_text()
    page.screenshot(path=str(shots / "console-bulletins-desk.png"), full_page=True)
    page.click("ul.bulletins >> text=第1期")
    page.wait_for_url(f"{server.base}/bulletins/{server.draft.id}")
    doc = page.locator("article.gov-doc")
    assert "孙某" in doc.inner_text() and "诫勉谈话" in doc.inner_text()
    page.fill("input[name=issue]", "18")
    page.fill("input[name=title]", "作风效能建设周通报（第18期）")
    body = page.input_value("textarea[name=body]")
    page.fill("textarea[name=body]", body + "\n六、下步要求\n  各单位要对照本期通报，举一反三，立行立改。")
    page.click("text=保存修改")
    page.wait_for_selector(".flash.success")
    assert "第18期" in page.locator(".doc-issue").inner_text() and "立行立改" in doc.inner_text()
    page.screenshot(path=str(shots / "console-bulletin-desk.png"), full_page=True)
    page.click("text=发布第18期")
    page.wait_for_selector("text=第18期已发布")
    assert page.locator("form.edit-bulletin").count() == 0
    assert models.Bulletin.get_by_id(server.draft.id).status == "published"
    page.emulate_media(media="print")
    printed = tmp_path / "bulletin.pdf"
    page.pdf(path=str(printed), prefer_css_page_size=True, print_background=True)
    if POPPLER:  # Chromium's own print: an A4 page, the console's header and the forms left off
        text = subprocess.run(["pdftotext", str(printed), "-"], capture_output=True, text=True, check=True).stdout
        assert "作风效能建设周通报" in text and "第18期" in text and "立行立改" in text
        assert "保存修改" not in text and "第1期" not in text and "工作台" not in text
        assert "(A4)" in subprocess.run(["pdfinfo", str(printed)], capture_output=True, text=True).stdout
        subprocess.run(["pdftoppm", "-png", "-r", "70", "-f", "1", "-l", "1", "-singlefile", str(printed),
                        str(shots / "console-bulletin-print")], check=True)
    page.emulate_media(media="screen")
    page.click("text=全部各期")
    assert "已发布" in page.locator("ul.bulletins").inner_text() and "第18期" in page.locator("ul.bulletins").inner_text()
    leader = _signed_in(chromium, server, "leader", PHONE)
    leader.click("nav >> text=周通报")
    leader.wait_for_url(server.base + "/bulletins")
    assert _fits(leader) and "草稿" not in leader.locator("main").inner_text()
    leader.click("ul.bulletins >> text=第18期")
    assert "立行立改" in leader.locator("article.gov-doc").inner_text() and _fits(leader)
    assert leader.locator("form.edit-bulletin").count() == 0
    leader.screenshot(path=str(shots / "console-bulletin-phone.png"), full_page=True)
    page.goto(server.base + "/discipline")
    assert page.locator(".totals .total").inner_text() == "2"
    page.screenshot(path=str(shots / "console-discipline-desk.png"), full_page=True)


def test_a_cadre_records_a_visit_on_a_phone_and_the_party_office_checks_the_month(chromium, server, shots):
    page = _signed_in(chromium, server, "jianshe", PHONE)
    page.click("nav >> text=走访")
    page.wait_for_url(server.base + "/visits")
    today = local_now().date()
    page.fill("input[name=date]", today.isoformat())
    page.select_option("select[name=days]", "0.5")
    page.select_option("select[name=community]", "全椒路社区")
    page.fill("input[name=people]", "8号楼居民")
    page.fill("textarea[name=content]", "了解楼道杂物清理后的情况")
    page.click("#record button[type=submit]")
    page.wait_for_selector(".flash.success")
    assert "了解楼道杂物清理后的情况" in page.locator("table.plain-table").inner_text()
    assert "还差2天" in page.content() and _fits(page)  # a half day is not a whole day (每月不少于2整天)
    page.screenshot(path=str(shots / "console-visits-phone.png"), full_page=True)
    assert models.Visit.select().where(models.Visit.visit_date == today).count() == 1
    party = _signed_in(chromium, server, "dangzheng")
    party.goto(server.base + "/visit-checks?month=2026-10")
    table = party.locator("#compliance").inner_text()
    assert "陈建国" in table and "王强" in table and "未达标" in table
    sample = party.locator("#sample").inner_text()
    assert "5f1c0a7e9b3d2468" in sample and sample.count("2026-10-") == 3  # 10% of 6 records, at least 3
    first = party.locator("form.finding").first
    name = first.locator("legend").inner_text().split("的走访")[0]
    first.locator("input[value=confirmed]").check()
    first.locator("textarea[name=note]").fill("经社区询问、查阅记录，属实")
    first.locator("button").click()
    party.wait_for_selector(".flash.success")
    assert name in party.locator("#findings ul").inner_text() and "属实" in party.locator("#findings ul").inner_text()
    assert models.VisitFinding.select().count() == 1
    party.screenshot(path=str(shots / "console-visit-check-desk.png"), full_page=True)
    party.goto(server.base + "/visits")
    party.screenshot(path=str(shots / "console-visits-desk.png"), full_page=True)
    phone = _signed_in(chromium, server, "leader", PHONE)
    phone.goto(server.base + "/visit-checks?month=2026-10")
    assert _fits(phone)
    phone.screenshot(path=str(shots / "console-visit-check-phone.png"), full_page=True)
