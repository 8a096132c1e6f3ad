"""Timeline fixes found using the demo: the actor named once, and classify with the
上报会诊 tier writing its event."""
from models import Outbox, StaffUser, local_now
from pipeline.accounts.people import create_staff, issue_token


def act(client, headers, number, action, **body):
    return client.post(f"/api/v1/staff/items/{number}/{action}", headers=headers, json=body)


def classify_body(world, tier="limited"):
    return {"category": "housing", "leader": world.staff["leader"].id, "unit": world.units["jianshe"].id,
            "tier": tier, "roadmap": "建设办牵头"}


def test_a_staff_timeline_names_the_actor_once(client, world, auth, flow):
    # The demo's accounts carry their office in the name, as people write it.
    create_staff("office2", "office", "test-password", name="活动办 李敏")
    office2 = auth("office")
    item = flow.collected()
    token, _ = issue_token(now=local_now(), staff=StaffUser.get(StaffUser.username == "office2"))
    assert act(client, {"Authorization": f"Bearer {token}"}, item.number, "classify",
               **classify_body(world)).status_code == 200
    assert act(client, auth("jianshe"), item.number, "claim").status_code == 200
    events = client.get(f"/api/v1/staff/items/{item.number}", headers=office2).get_json()["timeline"]
    actors = {e["kind"]: e["actor"] for e in events}
    assert actors["classify"] == "活动办 李敏"
    assert actors["claim"] == "建设办 王强"
    public = client.get(f"/api/v1/items/{item.number}").get_json()["timeline"]
    assert {e["kind"]: e["actor"] for e in public}["classify"] == "活动办"


def test_classifying_as_escalated_writes_the_escalation_event(client, world, auth, flow, wechat_api):
    item = flow.collected()
    office = auth("office")
    r = act(client, office, item.number, "classify", **classify_body(world, tier="escalated"))
    assert r.status_code == 200 and r.get_json()["tier"] == "escalated"
    kinds = [e["kind"] for e in r.get_json()["timeline"]]
    assert kinds == ["collect", "classify", "escalate"]
    assert [e["label"] for e in r.get_json()["timeline"]][-1] == "上报会诊"
    # Classified again (still escalated): no second escalation.
    r = act(client, office, item.number, "classify", **classify_body(world, tier="escalated"))
    assert [e["kind"] for e in r.get_json()["timeline"]].count("escalate") == 1
    told = {row.staff_id for row in Outbox.select().where((Outbox.kind == "escalated") & (Outbox.item == item.id))}
    assert told == {world.staff["leader"].id, world.staff["office"].id}
    assert act(client, auth("jianshe"), item.number, "claim").status_code == 200
    done = act(client, auth("jianshe"), item.number, "resolve", result="修好了")
    assert done.get_json()["error"]["code"] == "consultation_required"
