"""个人信息保护法 (issue 13, privacy): a resident downloads their data and deletes
their account (reports stay, de-identified); closed items lose their personal
data after RETENTION_MONTHS (a job); the office's sight of phone numbers is logged."""
import io
from datetime import datetime, timedelta

import pytest
from PIL import Image

import models
from pipeline.accounts.personal_data import DELETED_NAME, deidentify_expired
from pipeline.steps import oversight

CONTENT = "小区3号楼楼道灯坏了，联系我 139-0000-1111"


def _upload(client, headers):
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 60, 40)).save(out, "JPEG", exif=Image.Exif())
    answer = client.post("/api/v1/uploads", headers=headers, data={"file": (io.BytesIO(out.getvalue()), "a.jpg")})
    assert answer.status_code == 201
    return answer.get_json()["id"]


@pytest.fixture
def reported(client, auth, flow, world):
    """The mini-program resident's report with a photo and a place, followed, rated, messaged."""
    headers = auth("mp")
    photo = _upload(client, headers)
    answer = client.post("/api/v1/items", headers=headers, json={
        "content": CONTENT, "community": "全椒路社区", "address": "全椒路8号3单元", "lat": 32.0857,
        "lng": 118.3031, "photos": [photo]})
    assert answer.status_code == 201, answer.get_json()
    item = models.Item.get(models.Item.number == answer.get_json()["number"])
    other = flow.claimed(reporter="li", content="菜市场门口占道经营")
    oversight.follow(other, flow.a("mp"), now=flow.now)
    return item, other


def test_a_resident_downloads_their_own_data(client, auth, reported, world):
    item, other = reported
    answer = client.get("/api/v1/me/export", headers=auth("mp"))
    assert answer.status_code == 200 and "attachment" in answer.headers["Content-Disposition"]
    data = answer.get_json()
    assert data["profile"]["id"] == world.residents["mp"].id
    assert [r["number"] for r in data["reports"]] == [item.number]
    assert data["reports"][0]["content"] == CONTENT and data["reports"][0]["photos"]
    assert other.number in data["follows"]
    assert {"ratings", "messages", "supervision", "chat"} <= set(data)
    # Nobody else's: another resident's report is not in it, and staff can't use it.
    assert other.number not in [r["number"] for r in data["reports"]]
    assert client.get("/api/v1/me/export", headers=auth("office")).status_code == 403
    assert client.get("/api/v1/me/export").status_code == 401


def test_deleting_an_account_needs_confirmation(client, auth, reported):
    for body in ({}, {"confirm": False}, {"confirm": "yes"}):
        answer = client.delete("/api/v1/me", headers=auth("mp"), json=body)
        assert answer.status_code == 400
        assert answer.get_json()["error"]["code"] == "confirmation_required"
    assert models.Resident.select().where(models.Resident.openid == "mp-openid-wang").exists()


def test_a_deleted_account_leaves_its_reports_de_identified(app, client, auth, reported, world):
    item, other = reported
    headers = auth("mp")
    resident_id = world.residents["mp"].id
    answer = client.delete("/api/v1/me", headers=headers, json={"confirm": True})
    assert answer.status_code == 200 and answer.get_json() == {"deleted": True, "reports_kept": 1}

    assert not models.Resident.select().where(models.Resident.id == resident_id).exists()
    assert not models.Resident.select().where(models.Resident.openid == "mp-openid-wang").exists()
    assert client.get("/api/v1/items/mine", headers=headers).status_code == 401  # its tokens are gone
    kept = models.Item.get_by_id(item.id)
    assert kept.reporter_id is None and kept.lat is None and kept.lng is None
    assert "139-0000-1111" not in kept.content and "楼道灯坏了" in kept.content
    assert kept.address == "全椒路" and kept.deidentified_at is not None
    events = models.TimelineEvent.select().where(models.TimelineEvent.item == kept)
    assert [e.actor_name for e in events if e.actor_kind == "resident"] == [DELETED_NAME]
    assert not models.Follower.select().where(models.Follower.item == other).exists()
    photo = models.Photo.get(models.Photo.item == kept)
    with Image.open(f"{app.config['UPLOAD_DIR']}/{photo.path}") as stored:
        assert len(stored.getexif()) == 0 and "exif" not in stored.info
    # The item is still there for the office, and for the public once classified.
    assert client.get(f"/api/v1/staff/items/{kept.number}", headers=auth("office")).status_code == 200


def test_retention_de_identifies_closed_items_after_the_setting(app, flow, now):
    old = flow.closed(content="楼道灯坏了，电话13900001111")
    models.Item.update(reporter_name="张三", reporter_phone="13900001111", address="全椒路8号3单元",
                       lat=32.0, lng=118.3).where(models.Item.id == old.id).execute()
    recent = flow.closed(content="路灯不亮了，电话13900002222")
    still_open = flow.claimed(content="垃圾桶破损，电话13900003333")
    closed_at = {old.id: now - timedelta(days=37 * 31), recent.id: now - timedelta(days=30)}
    for item_id, at in closed_at.items():
        models.Item.update(closed_at=at).where(models.Item.id == item_id).execute()
    app.config["RETENTION_MONTHS"] = 36

    assert deidentify_expired(now) == 1
    done = models.Item.get_by_id(old.id)
    assert (done.reporter_id, done.reporter_name, done.reporter_phone, done.lat) == (None, None, None, None)
    assert "13900001111" not in done.content and done.address == "全椒路"
    assert models.Item.get_by_id(recent.id).reporter_id is not None
    assert "13900003333" in models.Item.get_by_id(still_open.id).content
    assert deidentify_expired(now) == 0  # idempotent
    assert models.Item.get_by_id(old.id).deidentified_at == done.deidentified_at
    app.config["RETENTION_MONTHS"] = 0  # a shorter setting reaches the recent one too
    assert deidentify_expired(now + timedelta(days=1)) == 1


def test_the_retention_job_runs_with_the_others(app, flow, now):
    from jobs import JOBS_BY_NAME

    old = flow.closed()
    models.Item.update(closed_at=datetime(2020, 1, 1)).where(models.Item.id == old.id).execute()
    assert JOBS_BY_NAME["retention"].func(now) == 1
    assert models.Item.get_by_id(old.id).reporter_id is None


def test_the_offices_sight_of_phone_numbers_is_logged(client, auth, flow, world):
    item = flow.collected(content="路灯坏了，联系电话 13900001111")
    assert client.get(f"/api/v1/staff/items/{item.number}", headers=auth("office")).status_code == 200
    assert client.get(f"/api/v1/staff/items/{item.number}", headers=auth("leader")).status_code == 200  # masked
    log = client.get("/api/v1/staff/phone-views", headers=auth("office"))
    assert log.status_code == 200
    entries = log.get_json()["items"]
    assert len(entries) == 1
    assert entries[0]["staff"]["name"] == world.staff["office"].name
    assert entries[0]["item"] == item.number and entries[0]["resident"] == world.residents["zhang"].id
    assert entries[0]["at"]
    for person in ("leader", "jianshe", "zhang"):
        assert client.get("/api/v1/staff/phone-views", headers=auth(person)).status_code == 403
