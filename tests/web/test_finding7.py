"""Issue 13, finding 7: urging is limited, a unit opens only its own items' staff
detail and joins a claimed item only when asked, and responses carry the
headers that keep browsers and caches from misusing them."""
import models
from pipeline.rules.settings import settings


def _urge(client, headers, number, note="请尽快处理"):
    return client.post(f"/api/v1/staff/items/{number}/supervise", headers=headers, json={"note": note, "urge": True})


def test_a_badge_holder_urges_one_item_a_few_times_a_day(app, client, auth, flow):
    item = flow.claimed()
    liu = auth("liu")  # a badge holder (resident supervisor)
    limit = settings.urge_daily_limit
    statuses = [_urge(client, liu, item.number).status_code for _ in range(limit + 3)]
    assert statuses == [200] * limit + [429] * 3
    refused = _urge(client, liu, item.number).get_json()["error"]
    assert refused["code"] == "urge_limit" and "催办" in refused["message"]
    urged = models.Outbox.select().where(models.Outbox.kind == "urged")
    pushes_per_urge = urged.count() // limit
    assert pushes_per_urge >= 1 and urged.count() == pushes_per_urge * limit  # nothing pushed beyond
    assert models.SupervisionNote.select().where(models.SupervisionNote.urge).count() == limit
    # A note without urging is still welcome, and another item has its own allowance.
    assert client.post(f"/api/v1/staff/items/{item.number}/supervise", headers=liu,
                       json={"note": "已到现场查看"}).status_code == 200
    assert _urge(client, liu, flow.claimed(content="小区路灯不亮已经两周了").number).status_code == 200


def test_the_urge_allowance_is_a_setting_and_renews_the_next_day(app, flow, now):
    from datetime import timedelta

    import pytest

    from pipeline.rules.errors import TooMany
    from pipeline.steps import oversight

    app.config["URGE_DAILY_LIMIT"] = 1
    item = flow.claimed()
    oversight.supervise(item, flow.a("liu"), note="请尽快处理", urge=True, now=now)
    with pytest.raises(TooMany):
        oversight.supervise(item, flow.a("liu"), note="再催一次", urge=True, now=now + timedelta(hours=13))
    oversight.supervise(item, flow.a("liu"), note="第二天再催", urge=True, now=now + timedelta(days=1))
    oversight.supervise(item, flow.a("supervisor"), note="督办小组催办", urge=True, now=now)  # each person's own


def test_a_unit_opens_the_staff_detail_of_its_own_items_only(app, client, auth, flow, world):
    from pipeline.steps import handling

    theirs = flow.claimed(unit="shirong")  # given to 市容办, claimed by 建设办 from the board
    other = handling.claim(flow.classified(unit="shirong", content="人行道地砖松动"), flow.a("shirong"), now=flow.now)
    board = flow.classified(unit="shirong", content="小区门口垃圾桶破损")  # on the claim board: offered to all
    jianshe = auth("jianshe")
    assert client.get(f"/api/v1/staff/items/{theirs.number}", headers=jianshe).status_code == 200
    assert client.get(f"/api/v1/staff/items/{board.number}", headers=jianshe).status_code == 200
    refused = client.get(f"/api/v1/staff/items/{other.number}", headers=jianshe)
    assert refused.status_code == 404 and refused.get_json()["error"]["code"] == "not_found"
    # Nor can it act on it (the action answers the staff view).
    assert client.post(f"/api/v1/staff/items/{other.number}/follow", headers=jianshe, json={}).status_code == 404
    # Once 市容办 invites 建设办 to assist, it may.
    assert client.post(f"/api/v1/staff/items/{other.number}/claim", headers=auth("shirong"),
                       json={"role": "assist", "unit": world.units["jianshe"].id}).status_code == 200
    assert client.get(f"/api/v1/staff/items/{other.number}", headers=jianshe).status_code == 200


def test_a_unit_cannot_join_a_claimed_item_uninvited(app, client, auth, flow):
    item = flow.claimed()  # 建设办 leads; 市容办 is not on the sheet
    answer = client.post(f"/api/v1/staff/items/{item.number}/claim", headers=auth("shirong"),
                         json={"role": "assist"})
    assert answer.status_code in (403, 404)
    assert models.Claim.select().where(models.Claim.item == item).count() == 1


def _no_store(response):
    return response.headers.get("X-Content-Type-Options") == "nosniff" \
        and response.headers.get("Cache-Control") == "no-store"


def test_json_login_and_console_responses_are_not_sniffed_nor_stored(app, client, auth, flow):
    from console_support import sign_in

    item = flow.claimed()
    login = client.post("/api/v1/auth/staff", json={"username": "office", "password": "test-password"})
    assert login.status_code == 200 and _no_store(login)
    assert _no_store(client.post("/api/v1/auth/staff", json={"username": "office", "password": "wrong"}))
    assert _no_store(client.get(f"/api/v1/items/{item.number}"))
    assert _no_store(client.get(f"/api/v1/staff/items/{item.number}", headers=auth("office")))
    assert _no_store(client.get("/api/v1/items/99999999-9999"))  # errors too
    console = app.test_client()
    assert _no_store(console.get("/login"))
    assert sign_in(console, "office").status_code == 302
    assert _no_store(console.get("/")) and _no_store(console.get(f"/items/{item.number}"))
    asset = console.get("/console-static/console.css")
    assert asset.status_code == 200 and asset.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" not in asset.headers.get("Cache-Control", "")  # static assets may be cached
    asset.close()
