"""Acceptance, in real headless Chromium: one item walked through all six steps
from the console — the office (desk), a unit handler (375-px phone), the leader
and a cadre supervisor — twice round the loop: the resident's unsatisfied rating
(given through the mini-program's API) sends it back, and the second round closes
on the office's call-back. Also screenshots of the working pages.

SIXSTEP_SCREENSHOTS=1 writes the screenshots to docs/screenshots/ (else to a scratch folder).
"""
import os
from datetime import timedelta

import pytest
from browser_support import DESK, PHONE, SHOTS, needs_chromium, served
from console_support import make_items
from PIL import Image
from test_console_browser import _fits, _page, _sign_in

import models
from pipeline.rules.boundary import local_now
from pipeline.steps import handling, intake
from pipeline.steps.intake import default_due

pytestmark = needs_chromium


@pytest.fixture
def server(app, world):
    with served(app, "console-loop-server") as http:
        yield http


@pytest.fixture
def jpeg(tmp_path):
    path = tmp_path / "site.jpg"
    Image.new("RGB", (400, 300), (90, 140, 200)).save(path, "JPEG")
    return str(path)


def _signed_in(chromium, server, username, viewport=DESK):
    page = _page(chromium, viewport)
    _sign_in(page, server.base, username)
    page.wait_for_url(server.base + "/")
    return page


def _act(page, form, fields=None, selects=None, files=None, checks=()):
    """Open the item page's form `form`, fill it, submit, and return the flash message."""
    box = page.locator(f"details[data-form={form}]")
    if box.get_attribute("open") is None:
        box.locator("summary").click()
    scope = box.locator("form").last
    for name, value in (selects or {}).items():
        scope.locator(f"select[name={name}]").select_option(label=value)
    for name, value in (fields or {}).items():
        scope.locator(f"[name={name}]").fill(value)
    for name, value in (files or {}).items():
        scope.locator(f"input[name={name}]").set_input_files(value)
    for selector in checks:
        scope.locator(selector).check()
    scope.locator("button[type=submit]").click()
    page.wait_for_load_state()
    return page.locator(".flash").first.inner_text()


def _status(number):
    item = models.Item.get(models.Item.number == number)
    return item.status, item.round


def _forms(page):
    return page.locator("details.act").evaluate_all("nodes => nodes.map(n => n.dataset.form)")


def test_one_item_twice_round_the_six_steps(chromium, server, client, auth, world, jpeg):
    base = server.base
    # Step 1: a resident reports from the mini-program; the office records the same problem heard by phone.
    answer = client.post("/api/v1/items", json={"content": "3号楼屋顶漏水，下雨天家里到处接水", "community": "全椒路社区",
                                                "address": "全椒路12号3号楼"}, headers=auth("zhang"))
    assert answer.status_code == 201
    number = answer.get_json()["number"]
    office = _signed_in(chromium, server, "office")
    office.goto(base + "/items/new")
    office.select_option("select[name=channel]", label="电话")
    office.fill("textarea[name=content]", "电话反映：3号楼屋顶漏水，家里漏雨")
    office.fill("input[name=community]", "全椒路社区")
    office.fill("input[name=reporter_name]", "王阿姨")
    office.click("form.card button[type=submit]")
    office.wait_for_url(f"{base}/items/2*")
    duplicate = office.url.rsplit("/", 1)[1]
    assert duplicate != number and "已录入1条意见" in office.locator(".flash").inner_text()

    # Step 2 (活动办): the triage queue, merge the duplicate, classify with the working-day deadline.
    office.goto(base + "/items?status=collected&community=全椒路社区&q=漏水")
    assert office.locator("ul.rows .row").count() == 2
    office.goto(f"{base}/items/{duplicate}")
    merge = office.locator("details[data-form=merge]")
    merge.locator("summary").click()
    assert number in merge.locator(".dupes").inner_text()
    merge.locator(".dupes form button").first.click()
    office.wait_for_load_state()
    assert _status(duplicate) == ("merged", 1)
    office.goto(f"{base}/items/{number}")
    assert _forms(office) == ["classify", "merge", "reject", "supervise", "assign_supervisor"]
    office.locator("details[data-form=classify] summary").click()
    office.select_option("details[data-form=classify] select[name=category]", "housing")
    expected = default_due("limited", intake.subcategory("housing"), local_now())
    office.wait_for_function(f"document.querySelector('#due-field input').value === '{expected.isoformat()}'")
    flash = _act(office, "classify", selects={"leader": "陈建国", "unit": "建设办"},
                 fields={"roadmap": "建设办牵头，联系施工方十个工作日内修复屋顶"})
    assert "已分类交办" in flash and _status(number) == ("classified", 1)
    assert models.Item.get(models.Item.number == number).due == expected

    # Step 3 (公开领办), on the unit handler's phone: the claim board, claim.
    unit = _signed_in(chromium, server, "jianshe", PHONE)
    unit.goto(base + "/claim-board")
    assert _fits(unit)
    unit.locator("#board-open .row-actions form:has(input[name=role][value=lead]) button").first.click()
    unit.wait_for_url(base + "/claim-board")
    assert "已领办" in unit.locator(".flash").inner_text() and _status(number) == ("claimed", 1)

    # Step 4 on the phone: my unit's work with the working days left, progress with a photo, escalate.
    unit.goto(base + "/unit")
    assert _fits(unit) and "剩" in unit.locator(f".row:has-text('{number}')").inner_text()
    unit.click(f"text={number}")
    unit.wait_for_url(f"{base}/items/{number}")
    assert _fits(unit)
    assert "已记录进展" in _act(unit, "progress", fields={"note": "已联系施工方，明天进场查看"}, files={"photos": jpeg})
    assert models.Photo.select().where(models.Photo.kind == "progress").count() == 1
    assert "已上报会诊" in _act(unit, "escalate", fields={"reason": "屋面整体老化，需专项资金"})
    assert _forms(unit) == ["return", "progress"]  # no resolving before the consultation

    # The leader holds the consultation (会诊) and sets a new deadline.
    leader = _signed_in(chromium, server, "leader")
    leader.goto(f"{base}/items/{number}")
    new_due = default_due("limited", intake.subcategory("housing"), local_now())
    assert "已记录会诊结论" in _act(leader, "consult", fields={"conclusion": "街道安排专项资金，先做临时防水",
                                                            "due": new_due.isoformat()})

    # Step 5: a cadre supervisor urges; the office records an explanation meeting.
    supervisor = _signed_in(chromium, server, "duban")
    supervisor.goto(f"{base}/items/{number}")
    assert "已记录督办意见" in _act(supervisor, "supervise", fields={"note": "雨季将至，请尽快"}, checks=["input[name=urge]"])
    office.goto(f"{base}/items/{number}")
    assert "已记录会议" in _act(office, "explanation", fields={"attendees": "居民代表张某，督办员吴刚",
                                                            "minutes": "说明专项资金审批需要两周"})

    # Step 4 done on the phone: the result with a photo.
    unit.goto(f"{base}/items/{number}")
    assert "已报告办理结果" in _act(unit, "resolve", fields={"result": "已做临时防水处理"}, files={"photos": jpeg})
    assert _status(number) == ("resolved", 1)

    # Step 6: the supervisor's and the organisation's evaluations; the resident is unsatisfied.
    supervisor.goto(f"{base}/items/{number}")
    assert "已记录评议" in _act(supervisor, "evaluate_supervisor", checks=["input[value=basically_satisfied]"])
    office.goto(f"{base}/items/{number}")
    assert "已记录评议" in _act(office, "evaluate_org", fields={"comment": "临时措施到位"},
                               checks=["input[value=satisfied]"])
    answer = client.post(f"/api/v1/items/{number}/rating", json={"score": "unsatisfied", "comment": "还在漏"},
                         headers=auth("zhang"))
    assert answer.status_code == 200
    assert _status(number) == ("classified", 2)  # 返回重新交办

    # Round 2: claimed again from the phone, resolved, and the office's call-back closes it.
    unit.goto(base + "/claim-board")
    unit.locator("#board-open .row-actions form:has(input[name=role][value=lead]) button").first.click()
    unit.wait_for_url(base + "/claim-board")
    assert _status(number) == ("claimed", 2)
    unit.goto(f"{base}/items/{number}")
    assert "第2轮" in unit.locator("h1").inner_text()
    assert "已报告办理结果" in _act(unit, "resolve", fields={"result": "屋面整体翻新完成，经雨天检验不再漏水"})
    leader.goto(f"{base}/items/{number}")
    assert "已记录评议" in _act(leader, "evaluate_org", checks=["input[value=satisfied]"])
    office.goto(f"{base}/items/{number}")
    assert "已记录回访" in _act(office, "callback", fields={"comment": "电话回访张先生，表示满意"},
                               checks=["input[value=satisfied]"])
    assert _status(number) == ("closed", 2)
    assert _forms(office) == ["evaluate_org"]
    timeline = office.locator("ol.timeline").inner_text()
    for label in ("意见收集", "合并来件", "梳理分类", "公开领办", "办理进展", "上报会诊", "会诊答复", "催办", "情况说明会",
                  "办理完成", "评议", "群众评价", "返回重新交办", "电话回访", "办结归档"):
        assert label in timeline, label


@pytest.mark.parametrize("size,viewport", [("desk", {"width": 1280, "height": 900}), ("phone", PHONE)])
def test_working_pages_fit_and_are_photographed(chromium, server, world, now, size, viewport, tmp_path):
    folder = SHOTS if os.environ.get("SIXSTEP_SCREENSHOTS") else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    items = make_items(world, now)
    office_actor = world.actor("office")
    for text, category in (("幸福里小区健身器材损坏，老人锻炼不安全", "culture_sports"),
                           ("菜市场门口流动摊贩占道经营", "market_environment"),
                           ("学校门口早高峰车辆乱停，孩子过马路危险", "market_environment")):
        item = intake.collect(world.actor("li"), text, "wechat", community="全椒路社区", now=now)
        intake.classify(item, office_actor, category=category, leader=world.staff["leader"].id,
                        unit=world.units["community"].id, tier="limited", roadmap="社区牵头办理", now=now)
    # The office hands the last to 市容办, which then has one in time and one overdue.
    handling.claim(item, office_actor, unit=world.units["shirong"].id, now=now)
    models.Item.update(due=local_now().date() + timedelta(days=9)).where(models.Item.id == item.id).execute()
    for text in ("小区门口的路灯坏了好几盏，晚上走路很黑", "楼下餐馆油烟太大"):
        intake.collect(world.actor("li"), text, "wechat", community="全椒路社区", now=now)
    shots = [("office", "item-actions", f"/items/{items['waiting'].number}"),
             ("office", "triage", "/items?status=collected"),
             ("jianshe", "claim-board", "/claim-board"),
             ("shirong", "unit", "/unit")]
    pages = {}
    for username, name, path in shots:
        if username not in pages:
            pages[username] = _page(chromium, viewport)
            _sign_in(pages[username], server.base, username)
            pages[username].wait_for_url(server.base + "/")
        page = pages[username]
        page.goto(server.base + path)
        if name == "item-actions":
            page.locator("details[data-form=classify] summary").click()
            page.locator("details[data-form=merge] summary").click()
        assert _fits(page), (size, path)
        page.screenshot(path=str(folder / f"console-{name}-{size}.png"), full_page=True)
    assert all((folder / f"console-{name}-{size}.png").exists() for _, name, _ in shots)
