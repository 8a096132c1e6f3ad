"""The assignment sheet (交办单) as a page and as PDF, as the people who print it."""
import shutil
import subprocess

import pytest
from console_support import sign_in
from oversight_support import full_item

from web.printing import cards

POPPLER = shutil.which("pdftotext") and shutil.which("pdftoppm")


@pytest.fixture
def item(world, now):
    return full_item(world, now)


def test_the_sheet_carries_everything_the_seed_records(client, world, item):
    sign_in(client, "office")
    page = client.get(f"/items/{item.number}/sheet")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for text in (item.number, "问题解决交办单", "陈建国", "建设办", "全椒路社区", "情况说明", "路线图",
                 "纳入老旧小区改造计划", "情况说明会", "居民代表8人、建设办、督办员刘师傅（3方）", "群众评议会", "满意率40%",
                 "组织评议", "按时完成，群众认可", "群众评价（评议会）", "不满意", "第2轮交办", "已到现场查看",
                 "40余户阳台全部加固", "王秀英 13912345678", "返回重新交办"):
        assert text in html, text
    assert 'src="data:image/png;base64,' in html  # the item's QR code, inline
    assert "牵头单位</th><td>建设办" in html and "协办单位</th><td>党员志愿者服务队" in html
    assert "第1轮：建设办（牵头）、全椒路社区（协办）；第2轮：建设办（牵头）、党员志愿者服务队（协办）" in html


def test_other_staff_see_the_reporter_masked(client, world, item):
    sign_in(client, "leader")
    html = client.get(f"/items/{item.number}/sheet").get_data(as_text=True)
    assert "13912345678" not in html and "139****5678" in html and "王**" in html


def test_a_unit_cannot_print_the_sheet_of_an_item_it_may_not_see(client, world, now):
    from pipeline.steps import intake
    waiting = intake.collect(world.actor("zhang"), "单位工作人员态度恶劣", "wechat", now=now)
    sign_in(client, "shirong")
    assert client.get(f"/items/{waiting.number}/sheet").status_code == 404
    assert client.get(f"/items/{waiting.number}/sheet.pdf").status_code == 404


@pytest.mark.skipif(not POPPLER, reason="poppler-utils (pdftotext, pdftoppm) is not installed")
def test_the_pdf_is_an_a4_page_in_chinese(client, world, item, tmp_path):
    sign_in(client, "office")
    answer = client.get(f"/items/{item.number}/sheet.pdf")
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    assert answer.data.startswith(b"%PDF-")
    pdf = tmp_path / "sheet.pdf"
    pdf.write_bytes(answer.data)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    for words in (item.number, "问题解决交办单", "陈建国", "负责领导", "路线图", "情况说明会", "群众评议会", "组织评议"):
        assert words in text, words
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "595.276 x 841.89 pts (A4)" in info
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "WenQuanYi" in fonts or "Noto" in fonts, fonts  # the CJK font found, embedded
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")], check=True)
    assert (tmp_path / "page-1.png").stat().st_size > 10_000


def test_without_a_chinese_font_the_pdf_is_refused_not_printed_in_english(client, world, item, monkeypatch):
    monkeypatch.setattr(cards, "cjk_font", lambda configured=None: None)
    sign_in(client, "office")
    answer = client.get(f"/items/{item.number}/sheet.pdf")
    assert answer.status_code == 503
    assert "服务器缺少中文字体，无法打印交办单" in answer.get_data(as_text=True)


def test_the_item_page_shows_the_meetings_with_their_attendees_and_links_the_sheet(client, world, item):
    sign_in(client, "jianshe")
    html = client.get(f"/items/{item.number}").get_data(as_text=True)
    assert "参加：居民代表12人、建设办、全椒路社区（3方）" in html and "满意率40%" in html
    assert f'href="/items/{item.number}/sheet"' in html


def test_a_conduct_items_reporter_never_appears_on_the_units_sheet(client, world, now):
    from console_support import make_items

    conduct = make_items(world, now)["conduct"]
    models_resident = world.residents["zhang"]
    models_resident.nickname, models_resident.phone_masked = "张阿姨", "138****0001"
    models_resident.save()
    sign_in(client, "jianshe")
    html = client.get(f"/items/{conduct.number}/sheet").get_data(as_text=True)
    assert "不向承办单位公开" in html and "张阿姨" not in html and "138****0001" not in html
    office = client.application.test_client()
    sign_in(office, "office")
    assert "张阿姨 138****0001" in office.get(f"/items/{conduct.number}/sheet").get_data(as_text=True)


def test_printing_a_pdf_leaves_truncated_photos_refused(client, world, item, auth):
    """WeasyPrint turns on Pillow's LOAD_TRUNCATED_IMAGES when imported; uploads must not notice."""
    import io

    from PIL import Image, ImageFile

    sign_in(client, "office")
    assert client.get(f"/items/{item.number}/sheet.pdf").status_code == 200
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False
    whole = io.BytesIO()
    Image.new("RGB", (200, 200), (120, 80, 40)).save(whole, "JPEG")
    half = whole.getvalue()[: len(whole.getvalue()) // 2]
    answer = client.post("/api/v1/uploads", headers=auth("mp"),
                         data={"file": (io.BytesIO(half), "half.jpg", "image/jpeg")})
    assert answer.status_code == 400


def test_an_opinion_heard_on_a_visit_prints_where_it_was_heard_and_who_collected_it(client, world, now):
    from models import OpinionSource
    from pipeline.routines import visits
    visit = visits.record_visit(world.actor("leader"), community="全椒路社区", visit_date=now.date().isoformat(),
                                days=1, content="走访老旧小区", opinions=["3号楼楼道灯不亮"], now=now)
    heard = OpinionSource.get(OpinionSource.visit == visit.id).item
    sign_in(client, "office")
    html = client.get(f"/items/{heard.number}/sheet").get_data(as_text=True)
    assert f"走访（{now.date().isoformat()} · 全椒路社区）" in html
    assert "收集人：陈建国" in html
