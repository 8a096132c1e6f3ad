"""涉及群众面较广的问题 over the API: announced (公示) to its community as soon as it is
resolved, and closed only by a 群众评议会 — residents' ratings are recorded and
shown at the meeting, but never close it alone."""
import models
from jobs.sending import dispatch_outbox
from pipeline.accounts.people import resident_for_openid, update_profile
from pipeline.messages import publicity
from pipeline.rules.settings import settings


def act(client, headers, number, action, **body):
    return client.post(f"/api/v1/staff/items/{number}/{action}", headers=headers, json=body)


def staff_item(client, auth, number, who="office"):
    return client.get(f"/api/v1/staff/items/{number}", headers=auth(who)).get_json()


def resolved_wide_item(client, auth, world, reporter="mp", wide_concern=True):
    """A resident's report, classified (wide concern or not), claimed and resolved over HTTP."""
    made = client.post("/api/v1/items", headers=auth(reporter),
                       json={"content": "小区主干道路面塌陷多处，影响全体居民出行", "community": "全椒路社区"})
    assert made.status_code == 201, made.get_json()
    number = made.get_json()["number"]
    r = act(client, auth("office"), number, "classify", category="housing", leader=world.staff["leader"].id,
            unit=world.units["jianshe"].id, tier="limited", roadmap="建设办牵头修复路面", wide_concern=wide_concern)
    assert r.status_code == 200, r.get_json()
    assert act(client, auth("jianshe"), number, "claim").status_code == 200
    r = act(client, auth("jianshe"), number, "resolve", result="塌陷路面已全部修复")
    assert r.get_json()["status"] == "resolved"
    return number


def meeting(client, auth, number, share):
    return act(client, auth("office"), number, "meeting", kind="evaluation", held_at=models.local_now().isoformat(),
               attendees=["居民代表15人", "社区书记"], minutes="居民代表现场查看修复情况", satisfaction=share)


def test_a_resolved_wide_concern_item_is_announced_at_once_and_closes_only_at_its_meeting(client, auth, world):
    neighbour = resident_for_openid("oa-neighbour-wide", source="oa")
    update_profile(neighbour, community="全椒路社区")
    number = resolved_wide_item(client, auth, world)

    # 公示 when resolved, before anything closes it: the job's next run.
    assert publicity.publish_results(models.local_now()) == 1
    board = client.get("/api/v1/notices").get_json()
    assert [n["number"] for n in board["items"]] == [number]
    pushed = models.Outbox.select().where(models.Outbox.kind == "published")
    assert [row.resident.openid for row in pushed if row.resident_id] == ["oa-neighbour-wide"]
    assert [row.staff.username for row in pushed if row.staff_id] == ["office"]  # 请召开群众评议会

    # The reporter's rating is recorded, shown, and closes nothing; a second one is refused.
    rated = client.post(f"/api/v1/items/{number}/rating", headers=auth("mp"), json={"score": "satisfied"})
    assert rated.status_code == 200 and rated.get_json()["status"] == "resolved"
    assert rated.get_json()["can_rate"] is False  # the mini-program offers no second rating
    again = client.post(f"/api/v1/items/{number}/rating", headers=auth("mp"), json={"score": "satisfied"})
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "already_rated"
    callback = act(client, auth("office"), number, "callback", score="satisfied", comment="电话回访满意")
    assert callback.get_json()["status"] == "resolved"
    sheet = staff_item(client, auth, number)["sheet"]
    assert sheet["awaiting_meeting"] is True
    assert [(r["source"], r["score"]) for r in sheet["ratings"]] == [("app", "satisfied"), ("callback", "satisfied")]
    assert [n["round"] for n in sheet["public_notices"]] == [1]

    # Below the threshold: back round, round 2, on the claim board again.
    low = round(settings.meeting_satisfaction_threshold - 0.1, 2)
    back = meeting(client, auth, number, low)
    assert back.status_code == 200 and back.get_json()["status"] == "classified"
    assert staff_item(client, auth, number)["round"] == 2
    assert act(client, auth("jianshe"), number, "claim").status_code == 200
    assert act(client, auth("jianshe"), number, "resolve", result="重新铺设沥青路面").status_code == 200
    assert publicity.publish_results(models.local_now()) == 1  # round 2's result is announced too
    assert [n["round"] for n in staff_item(client, auth, number)["sheet"]["public_notices"]] == [1, 2]
    # Counted instead of a share: more satisfied than voted is refused, nothing written.
    body = dict(kind="evaluation", held_at=models.local_now().isoformat(), attendees=["居民代表"] * 10,
                minutes="居民代表现场评议")
    wrong = act(client, auth("office"), number, "meeting", satisfied=11, **body)
    assert wrong.status_code == 400 and wrong.get_json()["error"]["field"] == "satisfied"
    assert models.Meeting.select().where(models.Meeting.round == 2).count() == 0
    # At the threshold (8 of the 10 attending, the default voters): closed.
    satisfied = round(settings.meeting_satisfaction_threshold * 10)
    closed = act(client, auth("office"), number, "meeting", satisfied=satisfied, **body)
    assert closed.status_code == 200 and closed.get_json()["status"] == "closed"
    assert models.Meeting.get(models.Meeting.round == 2).satisfaction == satisfied / 10
    assert staff_item(client, auth, number)["sheet"]["awaiting_meeting"] is False


def test_an_ordinary_item_is_still_closed_by_its_reporters_rating(client, auth, world):
    number = resolved_wide_item(client, auth, world, wide_concern=False)
    rated = client.post(f"/api/v1/items/{number}/rating", headers=auth("mp"), json={"score": "satisfied"})
    assert rated.get_json()["status"] == "closed"
    assert publicity.publish_results(models.local_now()) == 0


def test_the_office_marks_and_unmarks_wide_concern_later(client, auth, world):
    number = resolved_wide_item(client, auth, world, wide_concern=False)
    refused = act(client, auth("jianshe"), number, "wide_concern", wide_concern=True)
    assert refused.status_code == 403
    bad = act(client, auth("office"), number, "wide_concern", wide_concern="yes")
    assert bad.status_code == 400 and bad.get_json()["error"]["field"] == "wide_concern"
    marked = act(client, auth("office"), number, "wide_concern", wide_concern=True)
    assert marked.status_code == 200 and marked.get_json()["sheet"]["wide_concern"] is True
    events = [e for e in marked.get_json()["timeline"] if e["kind"] == "wide_concern"]
    assert len(events) == 1 and events[0]["actor"]
    # Marked after resolving: announced by the next run, and a rating now closes nothing.
    assert publicity.publish_results(models.local_now()) == 1
    rated = client.post(f"/api/v1/items/{number}/rating", headers=auth("mp"), json={"score": "basically_satisfied"})
    assert rated.get_json()["status"] == "resolved"
    # Unmarked: the round's first rating decides now, as it would have.
    unmarked = act(client, auth("office"), number, "wide_concern", wide_concern=False)
    assert unmarked.status_code == 200 and unmarked.get_json()["status"] == "closed"


def test_a_quick_rating_drops_the_residents_stale_ask_but_not_the_leaders(client, auth, world, wechat_api):
    number = resolved_wide_item(client, auth, world, reporter="zhang")
    item = models.Item.get(models.Item.number == number)
    asks = list(models.Outbox.select().where((models.Outbox.kind == "resolved") & (models.Outbox.item == item)))
    assert {(row.resident_id, row.staff_id) for row in asks} == {
        (world.residents["zhang"].id, None), (None, world.staff["leader"].id),
        (None, world.staff["supervisor"].id)}  # 吴刚 supervises 全椒路社区, the item's area
    rated = client.post(f"/api/v1/items/{number}/rating", headers=auth("zhang"), json={"score": "satisfied"})
    assert rated.get_json()["status"] == "resolved"
    dispatch_outbox(models.local_now())
    statuses = {(row.resident_id, row.staff_id): row.status for row in
                models.Outbox.select().where((models.Outbox.kind == "resolved") & (models.Outbox.item == item))}
    # 请您评价 after the resident rated is dropped; 已办结待评议 still holds: the meeting is to come.
    assert statuses == {(world.residents["zhang"].id, None): "dropped", (None, world.staff["leader"].id): "sent",
                        (None, world.staff["supervisor"].id): "sent"}
    assert not any("请您评价" in str(call["json"]) for call in wechat_api.sends())
    # The area's cadre supervisor is asked for the 督办评议, not a resident's rating.
    assert any("请进行督办评议" in str(call["json"]) for call in wechat_api.sends("staff-openid-supervisor"))
