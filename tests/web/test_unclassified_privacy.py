"""An item nobody has classified yet may be a complaint about officials (作风):
it is its reporter's and the office's until classified into a public category,
on every channel — the JSON API, the /i/<number> page and its photos
(issue 13, finding 2). A resident can also say so when reporting."""
import io

import pytest
from PIL import Image

import models
from pipeline.office.catalog import split_conduct_keyword
from pipeline.steps import intake

from shared_support import fetch

# The seed's own cadre-conduct complaint, as a resident would send it by chat.
COMPLAINT = "社区工作人员办事推诿，上门三次都说负责人不在，群众意见很大"


def _jpeg():
    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), (200, 80, 40)).save(buffer, "JPEG")
    buffer.seek(0)
    return buffer


def _report_with_photo(client, headers, content=COMPLAINT, **extra):
    photo = client.post("/api/v1/uploads", headers=headers, data={"file": (_jpeg(), "a.jpg")},
                        content_type="multipart/form-data").get_json()
    made = client.post("/api/v1/items", headers=headers, json={"content": content, "photos": [photo["id"]], **extra})
    assert made.status_code == 201
    return models.Item.get(models.Item.number == made.get_json()["number"]), f"/uploads/{photo['id']}"


@pytest.fixture
def unit_of_another(world):
    return models.StaffUser.get(models.StaffUser.username == "shirong")


def test_an_unclassified_item_is_private_to_its_reporter_and_the_office(client, world, auth):
    reporter = auth("mp")
    item, photo = _report_with_photo(client, reporter)
    number = item.number
    for headers in ({}, auth("li"), auth("liu"), auth("shirong")):
        assert client.get(f"/api/v1/items/{number}", headers=headers).status_code == 404
        assert fetch(client, photo, headers=headers).status_code == 404
    assert client.get(f"/api/v1/staff/items/{number}", headers=auth("shirong")).status_code == 404
    page = client.get(f"/i/{number}")
    assert page.status_code == 404
    assert "分类交办后才能在此查看" in page.get_data(as_text=True)  # says why, not only "not found"
    assert client.post(f"/api/v1/items/{number}/follow", headers=auth("li")).status_code == 404

    assert client.get(f"/api/v1/items/{number}", headers=reporter).status_code == 200
    assert fetch(client, photo, headers=reporter).status_code == 200
    office = auth("office")
    assert client.get(f"/api/v1/staff/items/{number}", headers=office).status_code == 200
    assert fetch(client, photo, headers=office).status_code == 200


def test_classified_as_conduct_it_stays_private_and_the_named_unit_sees_it(client, world, auth):
    item, photo = _report_with_photo(client, auth("mp"))
    intake.classify(item, world.actor("office"), category="cadre_conduct", leader=world.staff["leader"].id,
                    unit=world.units["jianshe"].id, tier="limited", roadmap="党政办核查")
    assert client.get(f"/api/v1/items/{item.number}").status_code == 404
    assert client.get(f"/i/{item.number}").status_code == 404
    assert fetch(client, photo).status_code == 404
    assert client.get(f"/api/v1/staff/items/{item.number}", headers=auth("shirong")).status_code == 404
    assert client.get(f"/api/v1/staff/items/{item.number}", headers=auth("jianshe")).status_code == 200


def test_classified_into_a_public_category_it_becomes_public(client, world, auth):
    item, photo = _report_with_photo(client, auth("mp"), content="小区东门路灯坏了一周，晚上很黑")
    intake.classify(item, world.actor("office"), category="property", leader=world.staff["leader"].id,
                    unit=world.units["jianshe"].id, tier="limited", roadmap="物业三日内修复")
    assert client.get(f"/api/v1/items/{item.number}").status_code == 200
    assert client.get(f"/i/{item.number}").status_code == 200
    assert fetch(client, photo).status_code == 200


def test_the_mini_programs_conduct_option_suggests_the_conduct_category(client, world, auth):
    item, _ = _report_with_photo(client, auth("mp"), conduct=True)
    assert item.suggested_category.code == "cadre_conduct"
    # Even a public category the resident picked gives way to the conduct flag.
    made = client.post("/api/v1/items", headers=auth("mp"),
                       json={"content": "办事窗口人员态度恶劣", "category": "property", "conduct": True})
    assert models.Item.get(models.Item.number == made.get_json()["number"]).suggested_category.code == "cadre_conduct"
    bad = client.post("/api/v1/items", headers=auth("mp"), json={"content": COMPLAINT, "conduct": "yes"})
    assert bad.status_code == 400


@pytest.mark.parametrize("text, content, conduct", [
    ("作风：" + COMPLAINT, COMPLAINT, True),
    ("作风:" + COMPLAINT, COMPLAINT, True),
    ("#作风 " + COMPLAINT, COMPLAINT, True),
    ("【作风】" + COMPLAINT, COMPLAINT, True),
    ("作风问题：" + COMPLAINT, COMPLAINT, True),
    (COMPLAINT, COMPLAINT, False),
    ("作风建设很重要", "作风建设很重要", False),
    ("作风：", "作风：", False),
])
def test_the_chat_keyword(text, content, conduct):
    assert split_conduct_keyword(text) == (content, conduct)


def test_the_reporter_sees_a_private_items_photos_in_the_mini_program_without_a_token(client, world, auth):
    """`<image src>` sends no token: the reporter's view carries an expiring key instead,
    and that key opens only that photo."""
    reporter = auth("mp")
    item, photo = _report_with_photo(client, reporter)
    url = client.get(f"/api/v1/items/{item.number}", headers=reporter).get_json()["photos"][0]["url"]
    assert url.startswith(f"{photo}?k=")
    assert fetch(client, url).status_code == 200  # as the mini-program's <image> asks: no token
    expires, signature = url.split("k=")[1].split(".")
    forged = f"{photo}?k={expires}.{'0' * len(signature)}"
    later = f"{photo}?k={int(expires) + 3600}.{signature}"
    _, other = _report_with_photo(client, reporter, content=COMPLAINT + "，第二次反映")
    assert fetch(client, other, headers=reporter).status_code == 200  # it exists
    for wrong in (forged, later, f"{other}?k={expires}.{signature}", photo):
        assert fetch(client, wrong).status_code == 404


def test_an_expired_photo_key_opens_nothing(client, world, auth, monkeypatch):
    from pipeline.files import links
    reporter = auth("mp")
    item, photo = _report_with_photo(client, reporter)
    monkeypatch.setattr(links, "LIFETIME", links.LIFETIME - links.LIFETIME * 3)  # already past
    url = client.get(f"/api/v1/items/{item.number}", headers=reporter).get_json()["photos"][0]["url"]
    assert fetch(client, url).status_code == 404

