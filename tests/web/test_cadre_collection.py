"""Collection by every cadre (领导班子、部门、社区同志深入群众) over the API: who collected
an item and how, the on-the-spot fast path (现场答复、立时办结), and opinions heard on
visits and at symposiums or surveys, each an item linked to where it was heard."""
import pytest

import models
from pipeline.accounts.people import update_profile
from pipeline.views.stats import stats

ON_SPOT = {"content": "居民反映单元门禁刷卡失灵", "channel": "interview", "community": "全椒路社区",
           "category": "housing", "on_spot": {"result": "现场联系物业更换门禁读卡器，已恢复"}}


@pytest.mark.parametrize("who", ["leader", "jianshe", "supervisor", "party", "office"])
def test_every_cadre_records_what_they_heard_and_the_item_says_who(client, auth, world, who):
    made = client.post("/api/v1/staff/items", headers=auth(who), json={
        "content": "走访中居民反映垃圾清运不及时", "channel": "interview", "community": "全椒路社区"})
    assert made.status_code == 201, made.get_json()
    view = client.get(f"/api/v1/staff/items/{made.get_json()['number']}", headers=auth("office")).get_json()
    assert view["status"] == "collected"
    assert view["sheet"]["collected_by"] == {"id": world.staff[who].id, "name": world.staff[who].name}
    assert view["sheet"]["channel_label"] == "个别访谈" and view["sheet"]["source"] is None


def test_residents_cannot_use_the_staff_intake(client, auth, world):
    refused = client.post("/api/v1/staff/items", headers=auth("zhang"), json={
        "content": "内容", "channel": "interview"})
    assert refused.status_code == 403
    assert models.Item.select().count() == 0


def test_an_on_the_spot_answer_is_one_call_one_timeline_and_on_time(client, auth, world):
    update_profile(world.residents["zhang"], phone="13911112222")
    made = client.post("/api/v1/staff/items", headers=auth("jianshe"), json={**ON_SPOT, "reporter_phone": "13911112222"})
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    assert body["status"] == "resolved"
    sheet = body["sheet"]
    assert sheet["tier"] == "on_spot" and sheet["claimed_unit"]["name"] == "建设办" and sheet["unit"]["name"] == "建设办"
    assert sheet["collected_by"]["name"] == "王强"
    events = [(e["kind"], e["status"]) for e in body["timeline"]]
    assert events == [("collect", "collected"), ("classify", "classified"), ("claim", "claimed"),
                      ("resolve", "resolved")]
    assert {e["actor"] for e in body["timeline"]} == {body["timeline"][0]["actor"]}
    item = models.Item.get(models.Item.number == body["number"])
    assert item.result == ON_SPOT["on_spot"]["result"] and item.due is not None
    # The reporter known by their phone is asked to rate, and may.
    asks = models.Outbox.select().where((models.Outbox.kind == "resolved") & (models.Outbox.item == item))
    assert [row.resident_id for row in asks if row.staff_id is None] == [world.residents["zhang"].id]
    rated = client.post(f"/api/v1/items/{item.number}/rating", headers=auth("zhang"), json={"score": "satisfied"})
    assert rated.status_code == 200 and rated.get_json()["status"] == "closed"
    # It counts as responded, resolved and on time.
    figures = stats(now=models.local_now())
    row = next(r for r in figures["by_unit"] if r["name"] == "建设办")
    assert (row["responded"], row["resolved"], row["on_time"], row["satisfied"]) == (1, 1, 1, 1)


def test_on_the_spot_needs_a_unit_and_a_category_and_writes_nothing_otherwise(client, auth, world):
    no_unit = client.post("/api/v1/staff/items", headers=auth("leader"), json=ON_SPOT)
    assert no_unit.status_code == 403 and no_unit.get_json()["error"]["code"] == "no_unit"
    no_category = client.post("/api/v1/staff/items", headers=auth("jianshe"),
                              json={**ON_SPOT, "category": None})
    assert no_category.status_code == 400 and no_category.get_json()["error"]["field"] == "category"
    no_result = client.post("/api/v1/staff/items", headers=auth("jianshe"), json={**ON_SPOT, "on_spot": {}})
    assert no_result.status_code == 400
    odd = client.post("/api/v1/staff/items", headers=auth("jianshe"), json={**ON_SPOT, "on_spot": "已解决"})
    assert odd.status_code == 400 and odd.get_json()["error"]["field"] == "on_spot"
    assert models.Item.select().count() == 0 and models.TimelineEvent.select().count() == 0


def test_a_visits_opinions_become_items_linked_to_it(client, auth, world):
    made = client.post("/api/v1/staff/visits", headers=auth("leader"), json={
        "date": models.local_now().date().isoformat(), "days": 1, "community": "全椒路社区",
        "content": "走访全椒路社区老旧小区", "opinions": ["楼道堆物严重，存在消防隐患", "  ", "希望增设电动车充电桩"]})
    assert made.status_code == 201, made.get_json()
    numbers = made.get_json()["items"]
    assert len(numbers) == 2
    for number, text in zip(numbers, ["楼道堆物严重，存在消防隐患", "希望增设电动车充电桩"], strict=True):
        view = client.get(f"/api/v1/staff/items/{number}", headers=auth("office")).get_json()
        assert view["content"] == text and view["status"] == "collected"
        assert view["sheet"]["channel"] == "visit" and view["sheet"]["channel_label"] == "走访"
        assert view["sheet"]["collected_by"]["name"] == "陈建国" and view["community"] == "全椒路社区"
        assert view["sheet"]["source"]["kind"] == "visit" and view["sheet"]["source"]["id"] == made.get_json()["id"]
    # Bad opinions refuse the whole visit: nothing written.
    bad = client.post("/api/v1/staff/visits", headers=auth("leader"), json={
        "date": models.local_now().date().isoformat(), "days": 1, "community": "安居苑社区",
        "content": "走访", "opinions": ["好", 3]})
    assert bad.status_code == 400 and bad.get_json()["error"]["field"] == "opinions"
    assert models.Visit.select().count() == 1 and models.Item.select().count() == 2


def test_a_symposium_is_recorded_once_with_its_opinions(client, auth, world):
    body = {"kind": "symposium", "date": models.local_now().date().isoformat(), "place": "全椒路社区议事厅",
            "attendees": ["居民代表8人", "物业经理"], "community": "全椒路社区",
            "opinions": ["小区停车难", "夜间广场舞噪音扰民", "希望开设老年食堂"]}
    made = client.post("/api/v1/staff/gatherings", headers=auth("supervisor"), json=body)
    assert made.status_code == 201, made.get_json()
    gathering = made.get_json()
    assert gathering["kind_label"] == "座谈会" and gathering["attendees"] == ["居民代表8人", "物业经理"]
    assert len(gathering["items"]) == 3
    view = client.get(f"/api/v1/staff/items/{gathering['items'][1]}", headers=auth("office")).get_json()
    assert view["content"] == "夜间广场舞噪音扰民" and view["sheet"]["channel"] == "symposium"
    assert view["sheet"]["source"] == {"kind": "symposium", "label": "座谈会", "id": gathering["id"],
                                       "date": body["date"], "place": "全椒路社区议事厅",
                                       "attendees": ["居民代表8人", "物业经理"]}
    assert view["sheet"]["collected_by"]["name"] == "吴刚"
    mine = client.get("/api/v1/staff/gatherings", headers=auth("supervisor")).get_json()
    assert [g["id"] for g in mine] == [gathering["id"]] and mine[0]["items"] == gathering["items"]
    assert client.get("/api/v1/staff/gatherings", headers=auth("jianshe")).get_json() == []
    assert len(client.get("/api/v1/staff/gatherings", headers=auth("leader")).get_json()) == 1
    # A survey without opinions, or of an unknown kind, is refused whole.
    empty = client.post("/api/v1/staff/gatherings", headers=auth("office"), json={**body, "opinions": []})
    assert empty.status_code == 400 and empty.get_json()["error"]["field"] == "opinions"
    wrong = client.post("/api/v1/staff/gatherings", headers=auth("office"), json={**body, "kind": "party"})
    assert wrong.status_code == 400 and "座谈会" in wrong.get_json()["error"]["message"]
    assert models.Gathering.select().count() == 1 and models.Item.select().count() == 3
    assert client.post("/api/v1/staff/gatherings", headers=auth("zhang"), json=body).status_code == 403
