"""Supervisors by matter and by area (由活动办根据事项和区域指定督办人员), the sheet's
timetable (时间表), resident supervisors' list and evaluation, cadre badges held by
staff — all through the API."""
from datetime import timedelta

import models
from pipeline.accounts.people import create_staff
from pipeline.rules.workdays import WorkCalendar


def workday(n):
    """The n-th working day after today (the API's operations run at the real time)."""
    return WorkCalendar().add_workdays(models.local_now().date(), n).isoformat()


def saturday():
    today = models.local_now().date()
    return today + timedelta(days=(5 - today.weekday()) % 7 or 7)


def timetable():
    return [{"date": workday(3), "text": "完成现场勘查"}, {"date": workday(6), "text": "更换楼道灯具"}]


def act(client, headers, number, action, **body):
    return client.post(f"/api/v1/staff/items/{number}/{action}", headers=headers, json=body)


def classify_body(world, **extra):
    return {"category": "housing", "leader": world.staff["leader"].id, "unit": world.units["jianshe"].id,
            "tier": "limited", "roadmap": "建设办牵头，一周内修复", **extra}


def cadre(username="sunli", name="孙丽", area=None):
    """A cadre supervisor (督办小组) with no area unless given, bound to WeChat."""
    user = create_staff(username, "supervisor", "test-password", name=name, area=area)
    user.openid = f"staff-openid-{username}"
    user.save()
    return user


def pushes_to(user):
    return [row.kind for row in models.Outbox.select().where(models.Outbox.staff == user.id)
            .order_by(models.Outbox.id)]


def supervised(client, headers):
    body = client.get("/api/v1/staff/items?supervised=1", headers=headers).get_json()
    return [row["number"] for row in body["items"]]


def test_the_office_assigns_a_supervisor_at_classify_who_hears_of_every_step(client, world, auth, flow):
    sun = cadre()
    number = flow.collected().number
    elsewhere = flow.collected(content="另一件事：小区绿化带杂草丛生").number
    r = act(client, auth("office"), number, "classify", **classify_body(world, supervisors=[sun.id],
                                                                        milestones=timetable()))
    assert r.status_code == 200, r.get_json()
    sheet = r.get_json()["sheet"]
    assert [(s["name"], s["why"]) for s in sheet["supervisors"]] == [("吴刚", "area"), ("孙丽", "assigned")]
    assert sheet["milestones"] == [dict(m, done_at=None) for m in timetable()]
    assert [e["label"] for e in r.get_json()["timeline"]][-1] == "指定督办"
    assert pushes_to(sun) == ["supervisor_assigned", "classified"]

    sun_headers = auth_for(sun)
    assert supervised(client, sun_headers) == [number]  # theirs by assignment, not the other item
    assert elsewhere not in supervised(client, sun_headers)

    jianshe = auth("jianshe")
    assert act(client, jianshe, number, "claim").status_code == 200
    assert act(client, jianshe, number, "progress", note="已派电工查看").status_code == 200
    assert act(client, jianshe, number, "escalate", reason="需物业配合").status_code == 200
    assert act(client, auth("leader"), number, "consult", conclusion="物业配合更换", due=workday(8)).status_code == 200
    assert act(client, jianshe, number, "resolve", result="已更换楼道灯").status_code == 200
    assert pushes_to(sun) == ["supervisor_assigned", "classified", "claimed", "progress", "escalated", "consulted",
                              "resolved"]
    # The area's supervisor hears of the same steps, as resident followers do.
    assert pushes_to(world.staff["supervisor"])[-5:] == ["claimed", "progress", "escalated", "consulted", "resolved"]


def auth_for(user):
    from pipeline.accounts.people import issue_token

    token, _ = issue_token(now=models.local_now(), staff=user)
    return {"Authorization": f"Bearer {token}"}


def test_assigning_a_supervisor_later_and_the_refusals(client, world, auth, flow):
    sun = cadre()
    item = flow.claimed()
    office = auth("office")
    r = act(client, office, item.number, "assign_supervisor", staff=sun.id)
    assert r.status_code == 200
    assert "孙丽" in [s["name"] for s in r.get_json()["sheet"]["supervisors"]]
    assert pushes_to(sun) == ["supervisor_assigned"]

    again = act(client, office, item.number, "assign_supervisor", staff=sun.id)
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "already_assigned"
    not_cadre = act(client, office, item.number, "assign_supervisor", staff=world.staff["jianshe"].id)
    assert not_cadre.status_code == 400 and not_cadre.get_json()["error"]["code"] == "not_supervisor"
    assert "督办小组" in not_cadre.get_json()["error"]["message"]
    assert act(client, auth("jianshe"), item.number, "assign_supervisor", staff=sun.id).status_code == 403
    events = models.TimelineEvent.select().where((models.TimelineEvent.item == item)
                                                 & (models.TimelineEvent.kind == "assign_supervisor"))
    assert events.count() == 1


def test_a_timetable_with_a_bad_date_is_refused_in_chinese_and_changes_nothing(client, world, auth, flow):
    number = flow.collected().number
    office = auth("office")
    rest_day, today = saturday(), models.local_now().date()
    cases = [
        ([{"date": rest_day.isoformat(), "text": "周六"}], "not_workday",
         f"不是工作日，可改为{WorkCalendar().next_workday(rest_day):%m月%d日}"),
        ([{"date": today.isoformat(), "text": "今天"}], "milestone_past", "应晚于今天"),
        ([{"date": WorkCalendar().next_workday(today + timedelta(days=400)).isoformat(), "text": "太远"}],
         "milestone_too_far", "不能超过一年"),
        ([{"date": workday(3)}], "bad_milestones", "请填写事项内容"),
        (workday(3), "bad_milestones", "时间表应为列表"),
        ([{"date": workday(3), "text": "x"}] * 13, "too_many_milestones", "最多12项"),
    ]
    for milestones, code, words in cases:
        r = act(client, office, number, "classify", **classify_body(world, milestones=milestones))
        error = r.get_json()["error"]
        assert (r.status_code, error["code"], error["field"]) == (400, code, "milestones"), milestones
        assert words in error["message"]
    wrong = act(client, office, number, "classify", **classify_body(world, supervisors=[world.staff["leader"].id]))
    assert wrong.get_json()["error"]["code"] == "not_supervisor"
    item = models.Item.get(models.Item.number == number)
    assert item.status == "collected" and not models.Milestone.select().exists()
    assert not models.ItemSupervisor.select().exists()


def test_reclassifying_replaces_the_timetable(client, world, auth, flow):
    number = flow.collected().number
    office = auth("office")
    act(client, office, number, "classify", **classify_body(world, milestones=timetable()))
    r = act(client, office, number, "classify", **classify_body(world, milestones=[{"date": workday(2),
                                                                                    "text": "协调物业"}]))
    assert r.get_json()["sheet"]["milestones"] == [{"date": workday(2), "text": "协调物业", "done_at": None}]
    kept = act(client, office, number, "classify", **classify_body(world))  # no milestones given: they stay
    assert len(kept.get_json()["sheet"]["milestones"]) == 1


def test_the_office_names_a_communitys_supervisors_and_its_items_become_theirs(client, world, auth, flow):
    sun = cadre()
    anju = models.Community.get(models.Community.name == "安居苑社区")
    office = auth("office")
    r = client.put(f"/api/v1/staff/communities/{anju.id}/supervisors", headers=office, json={"supervisors": [sun.id]})
    assert r.status_code == 200 and [(u["name"], u["area"]) for u in r.get_json()] == [("孙丽", "安居苑社区")]
    item = flow.classified()
    act(client, office, item.number, "classify", **classify_body(world, community="安居苑社区"))
    assert supervised(client, auth_for(sun)) == [item.number]

    quanjiao = models.Community.get(models.Community.name == "全椒路社区")
    cleared = client.put(f"/api/v1/staff/communities/{quanjiao.id}/supervisors", headers=office,
                         json={"supervisors": []})
    assert cleared.get_json() == []
    assert models.StaffUser.get_by_id(world.staff["supervisor"].id).area is None
    refused = client.put(f"/api/v1/staff/communities/{anju.id}/supervisors", headers=auth("leader"),
                         json={"supervisors": [sun.id]})
    assert refused.status_code == 403
    not_cadre = client.put(f"/api/v1/staff/communities/{anju.id}/supervisors", headers=office,
                           json={"supervisors": [world.staff["office"].id]})
    assert not_cadre.get_json()["error"]["code"] == "not_supervisor"


def test_a_resident_supervisor_lists_followed_and_area_items_and_evaluates(client, world, auth, flow):
    followed = flow.resolved()
    liu = auth("liu")
    assert client.post(f"/api/v1/items/{followed.number}/follow", headers=liu).status_code == 200
    # A badge for 李 with an area: issued by the office, bound by 李.
    issued = client.post("/api/v1/staff/badges", headers=auth("office"),
                         json={"name": "李大姐", "kind": "resident", "area": "全椒路社区", "valid_until": "2027-06-30"})
    li = auth("li")
    assert client.post("/api/v1/badges/bind", headers=li, json={"token": issued.get_json()["token"]}).status_code == 200
    open_item = flow.claimed(content="全椒路社区：小区门口路面坑洼积水")

    mine = client.get("/api/v1/me/supervised", headers=liu).get_json()
    assert mine["supervisor"] is True and [(i["number"], i["why"]) for i in mine["items"]] == [
        (followed.number, "followed")]
    area = client.get("/api/v1/me/supervised", headers=li).get_json()
    assert area["areas"] == ["全椒路社区"]
    assert {(i["number"], i["why"]) for i in area["items"]} == {(open_item.number, "area"), (followed.number, "area")}
    assert client.get("/api/v1/me/supervised", headers=auth("zhang")).get_json()["items"] == []

    r = client.post(f"/api/v1/items/{followed.number}/evaluation", headers=liu,
                    json={"score": "basically_satisfied", "comment": "灯已亮，楼道还需清扫"})
    assert r.status_code == 200, r.get_json()
    act(client, auth("office"), followed.number, "evaluate", kind="org", score="satisfied")
    sheet = client.get(f"/api/v1/staff/items/{followed.number}", headers=auth("office")).get_json()["sheet"]
    assert [(e["kind"], e["score"], e["by"]) for e in sheet["evaluations"]] == [
        ("supervisor", "basically_satisfied", "resident"), ("org", "satisfied", "staff")]
    bad = client.post(f"/api/v1/items/{followed.number}/evaluation", headers=liu, json={"score": "great"})
    assert bad.status_code == 400 and "满意" in bad.get_json()["error"]["message"]
    assert client.post(f"/api/v1/items/{followed.number}/evaluation", headers=auth("zhang"),
                       json={"score": "satisfied"}).status_code == 403
    assert client.post(f"/api/v1/items/{open_item.number}/evaluation", headers=liu,
                       json={"score": "satisfied"}).status_code == 409  # not resolved yet


def test_a_cadre_badge_is_bound_to_a_staff_account_and_no_resident_can_take_it(client, world, auth):
    sun = cadre()
    office = auth("office")
    badge = client.post("/api/v1/staff/badges", headers=office,
                        json={"name": "孙丽", "kind": "cadre", "area": "全椒路社区", "valid_until": "2027-06-30"}).get_json()
    r = client.post(f"/api/v1/staff/badges/{badge['id']}/holder", headers=office, json={"staff": sun.id})
    assert r.status_code == 200 and r.get_json()["staff"] == {"id": sun.id, "name": "孙丽"}
    taken = client.post("/api/v1/badges/bind", headers=auth("li"), json={"token": badge["token"]})
    assert taken.status_code == 409 and taken.get_json()["error"]["code"] == "badge_taken"
    resident_badge = models.Badge.get(models.Badge.token == "badge-token-liu")
    refused = client.post(f"/api/v1/staff/badges/{resident_badge.id}/holder", headers=office, json={"staff": sun.id})
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "not_cadre_badge"
    assert client.post(f"/api/v1/staff/badges/{badge['id']}/holder", headers=auth("leader"),
                       json={"staff": sun.id}).status_code == 403
