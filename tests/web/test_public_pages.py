"""The public pages residents open outside WeChat, no sign-in: the results board
(/board), the announcements (/notices, 公示), the item page linking back — and the
A5 site notice staff print for a public item."""
import re
import shutil
import subprocess

import pytest
from console_support import sign_in

import models
from pipeline.messages import publicity
from pipeline.steps import handling, intake, judging

POPPLER = shutil.which("pdftotext") and shutil.which("pdfinfo")


def _closed(world, now, content, community="全椒路社区", category="housing", wide=False, result="已修复"):
    office = world.actor("office")
    item = intake.collect(world.actor("zhang"), content, "wechat", community=community, now=now)
    item = intake.classify(item, office, category=category, leader=world.staff["leader"].id,
                           unit=world.units["jianshe"].id, tier="limited", roadmap="建设办牵头",
                           wide_concern=wide, now=now)
    item = handling.claim(item, world.actor("jianshe"), now=now)
    item = handling.resolve(item, world.actor("jianshe"), result=result, now=now)
    item = judging.rate(item, world.actor("zhang"), "satisfied", comment="很快", now=now)
    return item


@pytest.fixture
def office_phone(app):
    app.config["OFFICE_PHONE"] = "0550-5012345"
    app.config["OFFICE_NAME"] = "全椒路街道群众路线教育实践活动领导小组办公室"
    yield
    app.config.pop("OFFICE_PHONE")
    app.config.pop("OFFICE_NAME")


def test_the_results_board_shows_closed_public_results_to_anyone(client, world, now, office_phone):
    roof = _closed(world, now, "3号楼屋顶漏水，联系电话13912345678", result="已补漏，回访13912345678满意")
    _closed(world, now, "安居苑路灯不亮", community="安居苑社区", category="public_security")
    conduct = _closed(world, now, "某科室办事推诿", category="cadre_conduct", result="已约谈")
    page = client.get("/board")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "问题办理结果" in html
    assert roof.number in html and "已补漏" in html and "满意" in html and "建设办" in html
    assert "13912345678" not in html and "139****5678" in html  # phone numbers masked, as the API masks them
    assert conduct.number not in html and "推诿" not in html  # 作风 results are never on the board
    assert "全椒路街道群众路线教育实践活动领导小组办公室" in html and "0550-5012345" in html
    assert f'href="/i/{roof.number}"' in html
    only = client.get("/board?community=安居苑社区").get_data(as_text=True)
    assert "安居苑路灯不亮" in only and roof.number not in only
    by_category = client.get("/board?category=public_security").get_data(as_text=True)
    assert "安居苑路灯不亮" in by_category and roof.number not in by_category


def test_the_results_board_pages(client, world, now):
    for n in range(21):
        _closed(world, now, f"第{n}件：路面坑洼")
    first = client.get("/board").get_data(as_text=True)
    assert "第 1 / 2 页" in first and 'rel="next"' in first and first.count('class="entry"') == 20
    second = client.get("/board?page=2").get_data(as_text=True)
    assert second.count('class="entry"') == 1 and 'rel="prev"' in second and 'rel="next"' not in second
    assert client.get("/board?page=0").status_code == 400


def test_notices_list_the_announced_results_by_community(client, world, now):
    wide = _closed(world, now, "小区停车难，车辆乱停", wide=True, result="新增停车位40个")
    other = _closed(world, now, "安居苑垃圾清运不及时", community="安居苑社区", wide=True, result="每日清运两次")
    assert publicity.publish_results(now) == 2
    html = client.get("/notices").get_data(as_text=True)
    assert "结果公示" in html and "新增停车位40个" in html and "每日清运两次" in html
    assert f'href="/i/{wide.number}"' in html
    only = client.get("/notices?community=全椒路社区").get_data(as_text=True)
    assert wide.number in only and other.number not in only
    item_page = client.get(f"/i/{wide.number}").get_data(as_text=True)
    assert 'href="/board"' in item_page and 'href="/notices"' in item_page


def test_an_empty_board_and_notices_say_so(client, world):
    assert "暂无办结事项" in client.get("/board").get_data(as_text=True)
    assert "暂无公示" in client.get("/notices").get_data(as_text=True)


def test_staff_print_a_public_items_site_notice(client, world, now, office_phone):
    office = world.actor("office")
    item = intake.collect(world.actor("zhang"), "全椒路8号门前下水道堵塞，请联系13812345678", "wechat",
                          community="全椒路社区", address="全椒路8号3单元", now=now)
    item = intake.classify(item, office, category="housing", leader=world.staff["leader"].id,
                           unit=world.units["jianshe"].id, tier="limited", roadmap="建设办疏通", now=now)
    sign_in(client, "jianshe")
    assert f"/items/{item.number}/notice" in client.get(f"/items/{item.number}").get_data(as_text=True)
    page = client.get(f"/items/{item.number}/notice")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "本问题正在办理" in html and "扫码督办" in html
    assert item.number in html and "建设办" in html and item.due.isoformat() in html
    assert "138****5678" in html and "13812345678" not in html  # masked by the public rule, even for staff
    assert "3单元" not in html  # the public's coarse place, not the door
    assert "data:image/png;base64," in html and "0550-5012345" in html
    css = client.get("/console-static/notice.css")
    assert "size: A5" in css.get_data(as_text=True)
    css.close()


def test_a_conduct_or_unreached_item_has_no_site_notice(client, world, now):
    office = world.actor("office")
    conduct = intake.classify(intake.collect(world.actor("zhang"), "某科室办事推诿", "wechat", community="全椒路社区",
                                             now=now), office, category="cadre_conduct",
                              leader=world.staff["leader"].id, unit=world.units["jianshe"].id, tier="limited",
                              roadmap="纪工委核查", now=now)
    public = intake.classify(intake.collect(world.actor("zhang"), "路灯坏了", "wechat", community="全椒路社区", now=now),
                             office, category="housing", leader=world.staff["leader"].id,
                             unit=world.units["jianshe"].id, tier="limited", roadmap="建设办", now=now)
    handling.claim(public, world.actor("jianshe"), now=now)
    assert client.get(f"/items/{public.number}/notice").status_code == 302  # staff only: sign in first
    sign_in(client, "office")
    assert client.get(f"/items/{conduct.number}/notice").status_code == 404
    assert "现场公示牌" not in client.get(f"/items/{conduct.number}").get_data(as_text=True)
    done = _closed(world, now, "路面坑洼")
    assert "现场公示牌" not in client.get(f"/items/{done.number}").get_data(as_text=True)  # no longer 正在办理
    assert "现场公示牌" in client.get(f"/items/{public.number}").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": ""})
    other = client.application.test_client()
    sign_in(other, "shirong")  # neither leads, assists nor may claim it (claimed by 建设办)
    assert other.get(f"/items/{public.number}/notice").status_code == 404
    assert models.Item.get_by_id(public.id).status == "claimed"


@pytest.mark.skipif(not POPPLER, reason="poppler-utils (pdftotext, pdfinfo) is not installed")
def test_the_site_notice_pdf_is_one_a5_page_in_chinese(client, world, now, office_phone, tmp_path):
    item = intake.classify(intake.collect(world.actor("zhang"), "全椒路8号门前下水道堵塞", "wechat", community="全椒路社区",
                                          now=now), world.actor("office"), category="housing",
                           leader=world.staff["leader"].id, unit=world.units["jianshe"].id, tier="limited",
                           roadmap="建设办疏通", now=now)
    sign_in(client, "office")
    answer = client.get(f"/items/{item.number}/notice.pdf")
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    pdf = tmp_path / "notice.pdf"
    pdf.write_bytes(answer.data)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    for words in ("本问题正在办理", "扫码督办", item.number, "下水道堵塞", "建设办", "0550-5012345"):
        assert words in text, words
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"Pages:\s+1\n", info) and "419.528 x 595.276 pts" in info, info  # one A5 page
