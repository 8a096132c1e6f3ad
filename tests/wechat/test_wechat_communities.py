"""The official account asks a first-time reporter for their community with a
numbered list, and the answer sets it (their own and the report's); 公示 pushes and
area supervisors then reach chat items."""
import models
from models import Item, Outbox, Resident
from pipeline.messages import publicity

NEAR_ANJUYUAN = (32.3095, 118.3310)


def test_a_chat_report_asks_for_the_community_and_the_answer_sets_it(wx, world, client, auth):
    answer = wx.text("o-first", "全椒路5号楼门口的路灯坏了一个星期，晚上很黑")
    assert "请问您住在哪个社区？" in answer.content
    assert "1. 全椒路社区" in answer.content and "2. 安居苑社区" in answer.content
    item = Item.get(Item.reporter == Resident.get(Resident.openid == "o-first"))
    assert item.community is None

    set_it = wx.text("o-first", "2")
    assert "安居苑社区" in set_it.content and item.number in set_it.content
    assert Item.get_by_id(item.id).community == "安居苑社区"
    assert Resident.get(Resident.openid == "o-first").community == "安居苑社区"
    events = client.get(f"/api/v1/staff/items/{item.number}", headers=auth("office")).get_json()["timeline"]
    assert events[-1]["kind"] == "detail" and "安居苑社区" in events[-1]["note"]

    again = wx.text("o-first", "安居苑10号楼下水道堵了，污水漫出来")
    assert "哪个社区" not in again.content
    assert Item.select().where(Item.community == "安居苑社区").count() == 2
    assert Item.select().count() == 2  # "2" was an answer, not a report


def test_a_chat_report_answered_by_name_or_by_a_place(wx, world):
    wx.text("o-name", "全椒路5号楼门口的路灯坏了一个星期，晚上很黑")
    assert "全椒路社区" in wx.text("o-name", "全椒路社区").content
    assert Resident.get(Resident.openid == "o-name").community == "全椒路社区"

    wx.text("o-place", "这里的井盖丢了，很危险，请尽快处理")
    wx.location("o-place", lat=str(NEAR_ANJUYUAN[0]), lng=str(NEAR_ANJUYUAN[1]), label="安居苑东门")
    assert Item.get(Item.reporter == Resident.get(Resident.openid == "o-place")).community == "安居苑社区"


def test_chat_items_reach_their_area_supervisor_and_their_community_by_publicity(wx, world, client, auth):
    wx.clock.now = models.local_now()  # the API below runs on the real clock: the chat shares it
    wx.text("o-chat", "全椒路菜场门口积水严重，居民出行很不方便")
    wx.text("o-chat", "1")
    item = Item.get(Item.reporter == Resident.get(Resident.openid == "o-chat"))
    assert item.community == "全椒路社区"
    duban = client.get("/api/v1/staff/items", headers=auth("supervisor")).get_json()
    assert item.number in [row["number"] for row in duban["items"]]  # 督办小组 of 全椒路社区

    assert client.patch("/api/v1/me", headers=auth("li"), json={"community": "全椒路社区"}).status_code == 200
    assert client.patch("/api/v1/me", headers=auth("zhang"), json={"community": "安居苑社区"}).status_code == 200
    office, unit = auth("office"), auth("jianshe")
    body = {"category": "housing", "leader": world.staff["leader"].id, "unit": world.units["jianshe"].id,
            "tier": "limited", "roadmap": "建设办牵头", "wide_concern": True}
    assert client.post(f"/api/v1/staff/items/{item.number}/classify", headers=office, json=body).status_code == 200
    assert client.post(f"/api/v1/staff/items/{item.number}/claim", headers=unit).status_code == 200
    assert client.post(f"/api/v1/staff/items/{item.number}/resolve", headers=unit,
                       json={"result": "已疏通排水管"}).status_code == 200
    closed = client.post(f"/api/v1/staff/items/{item.number}/meeting", headers=office, json={
        "kind": "evaluation", "held_at": models.local_now().isoformat(timespec="seconds"),
        "attendees": ["居民代表8人"], "minutes": "群众评议会：满意", "satisfaction": 0.9})
    assert closed.status_code == 200 and closed.get_json()["status"] == "closed"
    assert publicity.publish_results(models.local_now()) == 1
    told = {row.resident_id for row in Outbox.select().where((Outbox.kind == "published") & Outbox.staff.is_null())}
    assert told == {world.residents["li"].id}  # the neighbour; not the reporter (told already), not 安居苑
