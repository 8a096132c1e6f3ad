"""The dashboards, the unit assessment and the Excel exports in the console: who may open
them, each figure's link leads to as many items as it says, the office's weights, and the
downloaded workbooks read back with openpyxl (phone numbers in full for the office only)."""
import io
import re
from html import unescape

import pytest
from console_support import csrf_of, sign_in
from openpyxl import load_workbook
from oversight_support import awaiting_callback

import models
from pipeline.steps import intake, judging, oversight

PERIOD = "from=2026-11-01&to=2026-11-30"


@pytest.fixture
def made(world, flow, now):
    closed = flow.closed()
    waiting = flow.classified()
    redo = judging.rate(flow.resolved(content="屋顶漏水"), world.actor("zhang"), "unsatisfied", "还在漏", now=now)
    judged = flow.resolved(content="绿化带杂草丛生")
    oversight.evaluate(judged, world.actor("office"), kind="org", score="satisfied", now=now)
    offline = intake.collect(world.actor("office"), "电话反映：小区停车难，联系13912345678", "phone",
                             community="安居苑社区", reporter_name="黄先生", reporter_phone="13912345678", now=now)
    return {"closed": closed, "waiting": waiting, "redo": redo, "judged": judged, "offline": offline}


def figure_links(html):
    """{data-figure: href} of the summary tiles."""
    tiles = html.split('id="summary"', 1)[1].split("</ul>", 1)[0]
    return {name: unescape(href) for href, name in re.findall(r'href="([^"]+)" data-figure="([a-z_]+)"', tiles)}


def listed_total(client, href):
    page = client.get(href)
    assert page.status_code == 200
    return int(re.search(r"<small>(\d+)件</small>", page.get_data(as_text=True)).group(1))


def test_the_dashboard_figures_link_to_as_many_items(client, made):
    sign_in(client, "leader")
    page = client.get(f"/dashboard?{PERIOD}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    links = figure_links(html)
    assert {"total", "response_rate", "on_time_rate", "satisfaction_rate", "org_satisfaction_rate",
            "supervisor_satisfaction_rate", "return_rate", "redo_rate", "overdue"} <= set(links)
    assert re.search(r'data-figure="total"><b>5</b>', html)
    assert listed_total(client, links["total"]) == 5
    # Taken on now: the closed and the resolved one (the redo is waiting again in round 2).
    assert listed_total(client, links["response_rate"]) == 2
    assert listed_total(client, links["satisfaction_rate"]) == 1
    assert listed_total(client, links["redo_rate"]) == 1
    assert listed_total(client, links["org_satisfaction_rate"]) == 1
    assert "echarts.common.min.js" in html and 'id="dashboard-data"' in html
    # The unit table's figures link to that unit's items.
    unit_row = html.split('id="by-unit"', 1)[1].split("建设办", 1)[1].split("</tr>", 1)[0]
    first = unescape(re.search(r'href="([^"]+)" data-figure="total">(\d+)<', unit_row).group(1))
    count = int(re.search(r'data-figure="total">(\d+)<', unit_row).group(1))
    assert "unit=" in first and listed_total(client, first) == count == 4
    assert client.get("/items?measure=bogus").status_code == 400


@pytest.mark.parametrize("user, status", [("office", 200), ("leader", 200), ("dangzheng", 200),
                                          ("jianshe", 403), ("duban", 403)])
def test_who_opens_the_dashboard_and_the_assessment(client, made, user, status):
    sign_in(client, user)
    assert client.get(f"/dashboard?{PERIOD}").status_code == status
    assert client.get(f"/assessment?{PERIOD}").status_code == status
    assert client.get(f"/export/assessment.xlsx?{PERIOD}").status_code == status


def test_the_office_edits_the_weights_and_others_only_read_them(client, made):
    sign_in(client, "leader")
    page = client.get(f"/assessment?{PERIOD}").get_data(as_text=True)
    assert "权重由活动办设定" in page and 'name="response_rate"' not in page
    client.post("/logout", data={"csrf_token": csrf_of(page)})
    sign_in(client, "office")
    page = client.get(f"/assessment?{PERIOD}").get_data(as_text=True)
    assert "按期办结率<small>20分</small>" in page
    form = {"csrf_token": csrf_of(page), "response_rate": "30", "on_time_rate": "20", "resolution_rate": "15",
            "satisfaction_rate": "25", "org_satisfaction_rate": "10", "supervisor_satisfaction_rate": "10",
            "return_rate": "5", "redo_rate": "5"}
    refused = client.post(f"/assessment/weights?{PERIOD}", data=form)
    assert refused.status_code == 400 and "各项权重之和应为100，现为120" in refused.get_data(as_text=True)
    assert models.AssessmentWeight.select().count() == 0
    saved = client.post(f"/assessment/weights?{PERIOD}", data=dict(form, response_rate="10", on_time_rate="40",
                                                                    satisfaction_rate="5"))
    assert saved.status_code == 302 and saved.headers["Location"].endswith(f"/assessment?{PERIOD}#weights")
    assert "按期办结率<small>40分</small>" in client.get(f"/assessment?{PERIOD}").get_data(as_text=True)


def workbook_rows(response):
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "filename*=UTF-8''" in response.headers["Content-Disposition"]
    return [list(row) for row in load_workbook(io.BytesIO(response.data), read_only=True).active.values]


def test_the_item_export_has_the_lists_filters_and_masks_phones_for_all_but_the_office(client, made):
    sign_in(client, "office")
    rows = workbook_rows(client.get("/export/items.xlsx"))
    assert rows[0][:4] == ["编号", "状态", "轮次", "问题内容"] and rows[0][-2:] == ["反映人", "联系电话"]
    by_number = {row[0]: row for row in rows[1:]}
    assert len(by_number) == 5
    offline = by_number[made["offline"].number]
    assert offline[-2:] == ["黄先生", "13912345678"] and "13912345678" in offline[3]
    assert models.PhoneView.select().where(models.PhoneView.item_number == made["offline"].number).count() == 1
    filtered = workbook_rows(client.get(f"/export/items.xlsx?{PERIOD}&measure=unsatisfied"))
    assert [row[0] for row in filtered[1:]] == [made["redo"].number]
    status = workbook_rows(client.get("/export/items.xlsx?status=classified"))
    assert sorted(row[0] for row in status[1:]) == sorted([made["waiting"].number, made["redo"].number])

    client.post("/logout", data={"csrf_token": csrf_of(client.get("/").get_data(as_text=True))})
    sign_in(client, "leader")
    masked = {row[0]: row for row in workbook_rows(client.get("/export/items.xlsx"))[1:]}
    offline = masked[made["offline"].number]
    assert offline[-1] == "139****5678" and offline[-2] != "黄先生" and "13912345678" not in offline[3]


def test_a_unit_exports_only_what_it_may_see(client, made, world):
    sign_in(client, "shirong")
    rows = workbook_rows(client.get("/export/items.xlsx"))
    seen = {row[0] for row in rows[1:]}
    assert made["judged"].number not in seen and made["offline"].number not in seen


def test_the_assessment_and_callback_exports_read_back(client, made, world, now):
    sign_in(client, "office")
    rows = workbook_rows(client.get(f"/export/assessment.xlsx?{PERIOD}"))
    assert rows[0] == ["排名", "单位", "事项数", "响应率", "按期办结率", "办结率", "群众满意率", "组织评议满意率",
                       "督办评议满意率", "退单率", "返工率", "超期件数", "综合得分"]
    assert rows[1][:3] == [1, "建设办", 4]
    assert any(row and str(row[0]).startswith("权重（合计100）") for row in rows)
    by_phone, by_chat = awaiting_callback(world, now)
    callbacks = workbook_rows(client.get("/export/callbacks.xlsx"))
    assert callbacks[0] == ["编号", "问题内容", "社区", "承办单位", "办理完成时间", "反映人", "联系电话"]
    rows = {row[0]: row for row in callbacks[1:]}
    assert rows[by_phone.number][-2:] == ["陈大爷", "13800138000"] and by_chat.number in rows
    client.post("/logout", data={"csrf_token": csrf_of(client.get("/").get_data(as_text=True))})
    sign_in(client, "leader")
    rows = {row[0]: row for row in workbook_rows(client.get("/export/callbacks.xlsx"))[1:]}
    assert rows[by_phone.number][-1] == "138****8000"
    client.post("/logout", data={"csrf_token": csrf_of(client.get("/").get_data(as_text=True))})
    sign_in(client, "jianshe")
    assert client.get("/export/callbacks.xlsx").status_code == 403
