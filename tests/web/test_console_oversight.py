"""Supervision pages as the people who use them: a cadre supervisor's list, the
call-back list (phones in full for the office only) and the office's badge desk."""
import io
import re
from datetime import timedelta

import pytest
from console_support import csrf_of, sign_in
from oversight_support import awaiting_callback, rate_by_phone
from PIL import Image

import models
from pipeline.steps import oversight
from web.printing import cards


def _post(client, url, data, page="/profile"):
    token = csrf_of(client.get(page).get_data(as_text=True))
    return client.post(url, data={**data, "csrf_token": token})


# -- a supervisor's list ---------------------------------------------------------------

def test_a_supervisor_sees_what_they_supervise_and_their_area_overdue_first(client, world, flow, now):
    mine = flow.claimed()  # 全椒路社区: the supervisor's area
    elsewhere = flow.classified()
    models.Item.update(community="安居苑社区").where(models.Item.id == elsewhere.id).execute()
    oversight.supervise(elsewhere, world.actor("supervisor"), note="请尽快领办", urge=True, now=now)
    models.Item.update(due=models.local_now().date() - timedelta(days=2)).where(models.Item.id == mine.id).execute()
    sign_in(client, "duban")
    html = client.get("/supervision").get_data(as_text=True)
    area, followed = html.split('id="area"')[1].split('id="followed"')
    assert elsewhere.number in followed and mine.number not in followed
    assert mine.number in area and "本辖区的（全椒路社区）" in area and "row late" in area


def test_a_closed_item_leaves_the_supervision_list(client, world, flow, now):
    done = flow.closed()
    sign_in(client, "duban")
    assert done.number not in client.get("/supervision").get_data(as_text=True)


@pytest.mark.parametrize("username", ["jianshe", "dangzheng"])
def test_units_and_the_party_office_have_no_supervision_list(client, world, username):
    sign_in(client, username)
    assert client.get("/supervision").status_code == 403


# -- the call-back list ------------------------------------------------------------------

def test_the_office_sees_the_reporters_phone_and_opens_the_item_to_record_the_call(client, world, now):
    by_phone, by_chat = awaiting_callback(world, now)
    sign_in(client, "office")
    html = client.get("/callbacks").get_data(as_text=True)
    assert "陈大爷 <span class=\"phone\">13800138000</span>" in html
    assert by_chat.number in html and "未留电话" in html
    assert f'href="/items/{by_phone.number}#actions"' in html
    assert 'href="tel:13800138000"' in html  # one tap dials from the office's phone
    home = client.get("/").get_data(as_text=True)
    assert 'href="/callbacks"' in home


def test_leaders_see_the_call_back_list_with_phones_masked(client, world, now):
    awaiting_callback(world, now)
    sign_in(client, "leader")
    html = client.get("/callbacks").get_data(as_text=True)
    assert "13800138000" not in html and "138****8000" in html and "陈**" in html
    assert 'href="tel:' not in html


def test_a_recorded_call_back_leaves_the_list(client, world, now):
    by_phone, by_chat = awaiting_callback(world, now)
    rate_by_phone(by_phone, world, now)
    sign_in(client, "office")
    html = client.get("/callbacks").get_data(as_text=True)
    assert by_phone.number not in html and by_chat.number in html


def test_the_call_back_list_costs_the_same_queries_however_long(client, world, now, sql_log):
    awaiting_callback(world, now)
    sign_in(client, "office")
    sql_log.clear()
    client.get("/callbacks")
    short = len(sql_log)
    awaiting_callback(world, now + timedelta(hours=2))
    sql_log.clear()
    html = client.get("/callbacks").get_data(as_text=True)
    assert html.count('class="dial"') + html.count("未留电话") == 4
    assert len(sql_log) == short


@pytest.mark.parametrize("username", ["jianshe", "duban"])
def test_units_and_supervisors_never_see_the_call_back_list(client, world, now, username):
    awaiting_callback(world, now)
    sign_in(client, username)
    answer = client.get("/callbacks")
    assert answer.status_code == 403 and "13800138000" not in answer.get_data(as_text=True)


# -- the badge desk -----------------------------------------------------------------------

def _issue(client, **fields):
    data = {"name": "孙桂兰", "kind": "resident", "phone": "13711112222", "area": "全椒路社区",
            "valid_until": "2027-06-30", **fields}
    return _post(client, "/badges", data, "/badges")


def test_the_office_issues_lists_renews_revokes_and_prints_badges(client, world):
    sign_in(client, "office")
    answer = _issue(client)
    assert answer.status_code == 302
    badge = models.Badge.get(models.Badge.name == "孙桂兰")
    page = client.get("/badges").get_data(as_text=True)
    assert badge.number in page and "137****2222" in page and "13711112222" not in page and "刘师傅" in page
    assert "已发放督办证" in page

    renewed = _post(client, f"/badges/{badge.id}/renew", {"valid_until": "2028-06-30"}, "/badges")
    assert renewed.status_code == 302
    assert models.Badge.get_by_id(badge.id).valid_until.isoformat() == "2028-06-30"

    card = client.get(f"/badges/{badge.id}/card.png")
    assert card.status_code == 200 and card.mimetype == "image/png"
    assert Image.open(io.BytesIO(card.data)).size == (1011, 638)
    cards = client.get(f"/badges/cards?id={badge.id}").get_data(as_text=True)
    assert cards.count('class="card-print"') == 1 and f"/badges/{badge.id}/card.png" in cards
    every_valid = client.get("/badges/cards").get_data(as_text=True)
    assert every_valid.count('class="card-print"') == 2  # 刘师傅's and 孙桂兰's

    assert _post(client, f"/badges/{badge.id}/revoke", {}, "/badges").status_code == 302
    assert models.Badge.get_by_id(badge.id).revoked_at is not None
    revoked = client.get("/badges?state=revoked").get_data(as_text=True)
    assert badge.number in revoked and "刘师傅" not in revoked
    again = _post(client, f"/badges/{badge.id}/renew", {"valid_until": "2029-01-01"}, "/badges")
    assert again.status_code == 400 and "已撤销的督办证不能续期" in again.get_data(as_text=True)
    assert client.get("/badges/cards").get_data(as_text=True).count('class="card-print"') == 1


def test_bad_badge_input_is_shown_on_the_form_and_changes_nothing(client, world):
    sign_in(client, "office")
    answer = _issue(client, valid_until="2099-01-01", name="赵六")
    html = answer.get_data(as_text=True)
    assert answer.status_code == 400 and "有效期应在今天到五年之内" in html
    assert re.search(r'name="name"[^>]*value="赵六"', html)
    assert not models.Badge.select().where(models.Badge.name == "赵六").exists()
    assert _issue(client, phone="12ab").status_code == 400


@pytest.mark.parametrize("username", ["leader", "duban", "jianshe", "dangzheng"])
def test_only_the_office_manages_badges(client, world, username):
    badge = models.Badge.get()
    sign_in(client, username)
    for url in ("/badges", f"/badges/{badge.id}/card.png", "/badges/cards"):
        assert client.get(url).status_code == 403, url
    assert _issue(client).status_code == 403
    assert _post(client, f"/badges/{badge.id}/revoke", {}).status_code == 403
    assert _post(client, f"/badges/{badge.id}/renew", {"valid_until": "2028-01-01"}).status_code == 403
    assert models.Badge.get_by_id(badge.id).revoked_at is None and models.Badge.select().count() == 1


def test_cards_are_refused_without_a_chinese_font(client, world, monkeypatch):
    monkeypatch.setattr(cards, "cjk_font", lambda configured=None: None)
    sign_in(client, "office")
    answer = client.get("/badges/cards")
    assert answer.status_code == 503 and "服务器缺少中文字体" in answer.get_data(as_text=True)


def test_lists_show_a_phone_in_the_text_to_the_office_only(client, world, now):
    from oversight_support import FULL_CONTENT, full_item

    item = full_item(world, now)
    assert "13912345678" in FULL_CONTENT
    sign_in(client, "duban")
    for page in ("/supervision", "/items"):
        html = client.get(page).get_data(as_text=True)
        assert item.number in html and "139****5678" in html and "13912345678" not in html, page
    office = client.application.test_client()
    sign_in(office, "office")
    assert "13912345678" in office.get("/items").get_data(as_text=True)
