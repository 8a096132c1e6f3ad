"""Supervision badges (督办证) and codes: issue, revoke, the public H5 page,
binding, the printable card, item QR codes (URL and WeChat) and /i/<number>."""
import io
import os
import re
from datetime import date, timedelta

import pytest
from PIL import Image

import models
from pipeline.accounts import badges
from web.printing import cards

from shared_support import fetch as page
from shared_support import run_concurrently

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
NEXT_YEAR = (date.today() + timedelta(days=365)).isoformat()
WRITERS = 8


def issue(client, headers, **overrides):
    body = {"name": "王小明", "phone": "138 0013 5678", "area": "全椒路社区", "kind": "resident",
            "valid_until": NEXT_YEAR}
    body.update(overrides)
    return client.post("/api/v1/staff/badges", headers=headers, json=body)


def png_size(content):
    assert content.startswith(PNG_MAGIC)
    with Image.open(io.BytesIO(content)) as image:
        assert image.format == "PNG"
        return image.size


def test_office_issues_badges_numbered_per_year_with_the_phone_masked(client, auth, world):
    office = auth("office")
    first = issue(client, office)
    assert first.status_code == 201
    body = first.get_json()
    year = models.local_now().year
    assert body["number"] == f"DB-{year}-0001"
    assert re.fullmatch(r"[A-Za-z0-9_-]{32}", body["token"])
    assert body["card_url"] == f"/api/v1/staff/badges/{body['id']}/card.png"
    assert body["url"].endswith(f"/b/{body['token']}")
    assert body["state"] == "valid" and body["kind_label"] == "群众督办员" and body["bound"] is False
    assert body["phone_masked"] == "138****5678"
    second = issue(client, office, name="赵大姐", phone=None, kind="cadre").get_json()
    assert second["number"] == f"DB-{year}-0002" and second["token"] != body["token"]
    row = models.Badge.get_by_id(body["id"])
    assert row.phone_masked == "138****5678"
    assert not any("00135678" in str(value) or "13800135678" in str(value) for value in row.__data__.values())


@pytest.mark.parametrize("overrides, field", [
    ({"kind": "boss"}, "kind"),
    ({"valid_until": "2020-01-01"}, "valid_until"),
    ({"valid_until": "2026-13-01"}, "valid_until"),
    ({"valid_until": "next year"}, "valid_until"),
    ({"phone": "call me"}, "phone"),
    ({"name": "  "}, "name"),
    ({"name": 42}, "name"),
    ({"colour": "red"}, "colour"),
])
def test_bad_badge_input_is_refused_and_changes_nothing(client, auth, world, overrides, field):
    before = models.Badge.select().count()
    response = issue(client, auth("office"), **overrides)
    assert response.status_code == 400
    assert response.get_json()["error"]["field"] == field
    assert models.Badge.select().count() == before


def test_only_the_office_issues_and_revokes(client, auth, world):
    for who in ("jianshe", "supervisor", "mp"):
        assert issue(client, auth(who)).status_code == 403
    assert issue(client, {}).status_code == 401
    made = issue(client, auth("office")).get_json()
    assert client.delete(f"/api/v1/staff/badges/{made['id']}", headers=auth("jianshe")).status_code == 403
    assert client.get(made["card_url"], headers=auth("mp")).status_code == 403
    assert client.delete("/api/v1/staff/badges/99999", headers=auth("office")).status_code == 404


def test_h5_page_says_valid_revoked_or_expired_with_the_name_masked(client, auth, world):
    made = issue(client, auth("office")).get_json()
    valid = page(client, f"/b/{made['token']}")
    assert valid.status_code == 200 and valid.mimetype == "text/html"
    html = valid.get_data(as_text=True)
    assert "有效" in html and "王**" in html and "王小明" not in html
    assert "全椒路社区" in html and made["number"] in html and "5678" not in html
    assert 'name="viewport"' in html and 'lang="zh-CN"' in html
    assert valid.headers["Cache-Control"] == "no-store"

    models.Badge.update(valid_until=date.today() - timedelta(days=1)).where(models.Badge.id == made["id"]).execute()
    expired = page(client, f"/b/{made['token']}").get_data(as_text=True)
    assert "已过期" in expired and "✔ 有效" not in expired

    revoked = client.delete(f"/api/v1/staff/badges/{made['id']}", headers=auth("office"))
    assert revoked.status_code == 200 and revoked.get_json()["state"] == "revoked"
    assert "已撤销" in page(client, f"/b/{made['token']}").get_data(as_text=True)

    unknown = page(client, "/b/no-such-badge-token-at-all")
    assert unknown.status_code == 404 and "未找到" in unknown.get_data(as_text=True)
    assert page(client, "/b/%3Cscript%3E").status_code == 404


def test_a_bound_badge_holder_supervises_until_the_badge_is_revoked(client, auth, world, flow):
    made = issue(client, auth("office")).get_json()
    mp = auth("mp")
    assert client.get("/api/v1/me", headers=mp).get_json()["user"]["is_supervisor"] is False
    item = flow.claimed()
    refused = client.post(f"/api/v1/staff/items/{item.number}/supervise", headers=mp, json={"note": "请尽快"})
    assert refused.status_code == 403

    bound = client.post("/api/v1/badges/bind", headers=mp, json={"token": made["token"]})
    assert bound.status_code == 200
    body = bound.get_json()
    assert body["user"]["is_supervisor"] is True
    assert body["badge"]["number"] == made["number"] and body["badge"]["name"] == "王**"
    assert "token" not in body["badge"] and "phone_masked" not in body["badge"]
    assert models.Badge.get_by_id(made["id"]).resident_id == world.residents["mp"].id
    again = client.post("/api/v1/badges/bind", headers=mp, json={"token": made["token"]})
    assert again.status_code == 200  # binding twice to the same person is harmless

    noted = client.post(f"/api/v1/staff/items/{item.number}/supervise", headers=mp,
                        json={"note": "楼道灯还没修，请尽快", "urge": True})
    assert noted.status_code == 200
    assert noted.get_json()["timeline"][-1]["actor"] == "群众督办员"
    assert models.SupervisionNote.select().where(models.SupervisionNote.resident == world.residents["mp"]).count() == 1

    assert client.delete(f"/api/v1/staff/badges/{made['id']}", headers=auth("office")).status_code == 200
    after = client.post(f"/api/v1/staff/items/{item.number}/supervise", headers=auth("mp"), json={"note": "再催"})
    assert after.status_code == 403


def test_bind_refusals(client, auth, world):
    office = auth("office")
    revoked = issue(client, office).get_json()
    client.delete(f"/api/v1/staff/badges/{revoked['id']}", headers=office)
    expired = issue(client, office).get_json()
    models.Badge.update(valid_until=date.today() - timedelta(days=1)).where(models.Badge.id == expired["id"]).execute()
    taken = issue(client, office).get_json()
    assert client.post("/api/v1/badges/bind", headers=auth("li"), json={"token": taken["token"]}).status_code == 200

    cases = [
        (auth("mp"), {"token": revoked["token"]}, 409, "badge_revoked"),
        (auth("mp"), {"token": expired["token"]}, 409, "badge_expired"),
        (auth("mp"), {"token": taken["token"]}, 409, "badge_taken"),
        (auth("mp"), {"token": "x" * 32}, 404, "not_found"),
        (auth("mp"), {}, 400, "invalid"),
        (auth("mp"), {"token": 12}, 400, "invalid"),
        (auth("office"), {"token": taken["token"]}, 403, "forbidden"),
        ({}, {"token": taken["token"]}, 401, "unauthorized"),
    ]
    for headers, body, status, code in cases:
        response = client.post("/api/v1/badges/bind", headers=headers, json=body)
        assert (response.status_code, response.get_json()["error"]["code"]) == (status, code), body
    owners = {b.id: b.resident_id for b in models.Badge.select()}
    assert owners[revoked["id"]] is None and owners[expired["id"]] is None
    assert owners[taken["id"]] == world.residents["li"].id


def test_the_card_is_a_printable_png_in_chinese_or_a_clear_refusal(client, auth, world, monkeypatch):
    made = issue(client, auth("office")).get_json()
    card = client.get(made["card_url"], headers=auth("office"))
    assert card.status_code == 200 and card.mimetype == "image/png"
    assert png_size(card.data) == (1011, 638)
    with Image.open(io.BytesIO(card.data)) as image:
        qr_area = image.convert("L").crop((1011 - 420, 170, 1011 - 40, 550))
        assert qr_area.getextrema() == (0, 255)  # the QR code is there: black modules on white
        name_area = image.convert("L").crop((40, 170, 560, 240))
        assert name_area.getextrema()[0] < 100  # "姓名：…" is drawn, not left blank

    monkeypatch.setattr(cards, "cjk_font", lambda configured=None: None)
    refused = client.get(made["card_url"], headers=auth("office"))
    assert refused.status_code == 503
    error = refused.get_json()["error"]
    assert error["code"] == "font_missing" and "fonts-wqy-microhei" in error["message"]


def test_url_qrcode_is_a_png_cached_on_disk(app, client, auth, flow):
    item = flow.classified()
    response = client.get(f"/api/v1/items/{item.number}/qrcode.png")
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert response.headers["X-Code-Source"] == "url"
    width, height = png_size(response.data)
    assert width == height and width >= 200
    cached = os.listdir(os.path.join(app.config["UPLOAD_DIR"], "codes"))
    assert len(cached) == 1 and cached[0].startswith(f"{item.number}-url-")
    assert client.get(f"/api/v1/items/{item.number}/qrcode.png").data == response.data
    assert client.get("/api/v1/items/20991231-0001/qrcode.png").status_code == 404


def test_wechat_code_is_asked_for_once_then_served_from_cache(app, client, flow, wechat_api):
    app.config["ITEM_QR_SOURCE"] = "wechat"
    item = flow.classified()
    first = client.get(f"/api/v1/items/{item.number}/qrcode.png")
    assert first.status_code == 200 and first.headers["X-Code-Source"] == "wechat"
    png_size(first.data)
    calls = wechat_api.calls_to("getwxacodeunlimit")
    assert len(calls) == 1
    assert calls[0]["json"]["scene"] == f"i={item.number}" and calls[0]["json"]["page"] == "pages/item/item"
    assert calls[0]["query"]["access_token"].startswith("fake-")
    second = client.get(f"/api/v1/items/{item.number}/qrcode.png")
    assert second.data == first.data and second.headers["X-Code-Source"] == "wechat"
    assert len(wechat_api.calls_to("getwxacodeunlimit")) == 1


def test_wechat_failure_falls_back_to_the_url_code_and_is_not_cached(app, client, flow, wechat_api):
    app.config["ITEM_QR_SOURCE"] = "wechat"
    item = flow.classified()
    wechat_api.fail_next("getwxacodeunlimit", 45009)
    fallback = client.get(f"/api/v1/items/{item.number}/qrcode.png")
    assert fallback.status_code == 200 and fallback.headers["X-Code-Source"] == "url"
    png_size(fallback.data)
    retried = client.get(f"/api/v1/items/{item.number}/qrcode.png")
    assert retried.headers["X-Code-Source"] == "wechat"
    assert len(wechat_api.calls_to("getwxacodeunlimit")) == 2


def test_no_wechat_code_without_the_mini_program_settings(app, client, flow, wechat_api):
    app.config.update(ITEM_QR_SOURCE="wechat", MINIPROGRAM_SECRET="")
    item = flow.classified()
    assert client.get(f"/api/v1/items/{item.number}/qrcode.png").headers["X-Code-Source"] == "url"
    assert wechat_api.calls_to("getwxacodeunlimit") == []


def test_work_style_items_have_no_public_code_or_page(client, auth, world, flow):
    item = flow.collected(category="cadre_conduct", content="窗口人员态度生硬，办事推诿")
    assert client.get(f"/api/v1/items/{item.number}/qrcode.png").status_code == 404
    assert client.get(f"/api/v1/items/{item.number}/qrcode.png", headers=auth("li")).status_code == 404
    assert client.get(f"/api/v1/items/{item.number}/qrcode.png", headers=auth("office")).status_code == 200
    hidden = page(client, f"/i/{item.number}")
    assert hidden.status_code == 404 and "窗口人员" not in hidden.get_data(as_text=True)


def test_item_page_for_a_plain_camera(client, flow):
    item = flow.claimed(content="小区3号楼楼道灯坏了，联系电话13912345678")
    response = page(client, f"/i/{item.number}")
    assert response.status_code == 200 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert item.number in html and "办理中" in html and "建设办" in html and "公开领办" in html
    assert "139****5678" in html and "13912345678" not in html
    assert page(client, "/i/20991231-0001").status_code == 404
    assert page(client, "/i/not-a-number").status_code == 404


def test_concurrent_issuing_gives_consecutive_unique_numbers(app, world):
    from pipeline.rules.actors import actor_for_staff

    office = actor_for_staff(world.staff["office"])
    numbers = []

    def clerk(index):
        for n in range(3):
            numbers.append(badges.issue_badge(office, name=f"督办员{index}-{n}", kind="resident",
                                              valid_until=NEXT_YEAR).number)

    errors = run_concurrently(clerk, WRITERS)
    assert errors == []
    year = models.local_now().year
    assert sorted(numbers) == [f"DB-{year}-{n:04d}" for n in range(1, WRITERS * 3 + 1)]


@pytest.mark.parametrize("errcode", [40001, 40014, 42001])
def test_a_rejected_token_is_forgotten_so_the_next_code_fetches_a_new_one(app, client, flow, wechat_api, errcode):
    app.config["ITEM_QR_SOURCE"] = "wechat"
    item = flow.classified()
    wechat_api.fail_next("getwxacodeunlimit", errcode)
    assert client.get(f"/api/v1/items/{item.number}/qrcode.png").headers["X-Code-Source"] == "url"
    assert client.get(f"/api/v1/items/{item.number}/qrcode.png").headers["X-Code-Source"] == "wechat"
    assert len(wechat_api.calls_to("cgi-bin/token")) == 2  # the rejected token was not used again


def test_a_slow_wechat_holds_an_item_code_only_briefly_and_the_url_code_stands_in(app, client, flow, wechat_api):
    app.config.update(ITEM_QR_SOURCE="wechat", WECHAT_WEB_TIMEOUT=0.2)
    wechat_api.slow_seconds = 2.0
    item = flow.classified()
    wechat_api.fail_next("getwxacodeunlimit", "timeout")
    answer = client.get(f"/api/v1/items/{item.number}/qrcode.png")
    assert answer.status_code == 200 and answer.headers["X-Code-Source"] == "url"
    png_size(answer.data)
