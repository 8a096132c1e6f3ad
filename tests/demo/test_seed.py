"""`seed-demo`: the demo staff are bound to fake WeChat identities, so a newcomer
sees their pushes (task, overdue, digest) at the fake server's page."""
import pytest

import jobs
import models
from demo.seed import ACCOUNTS, STAFF_OPENID, seed_demo
from jobs.sending import forget_clients
from pipeline.messages.notify import reachable


@pytest.fixture(autouse=True)
def fresh_clients():
    forget_clients()
    yield
    forget_clients()


def test_every_demo_account_is_bound_to_its_fake_wechat(app):
    seed_demo()
    for username, *_ in ACCOUNTS:
        user = models.StaffUser.get(models.StaffUser.username == username)
        assert user.openid == STAFF_OPENID.format(username=username) and reachable(user)
        ticket = models.StaffBindTicket.get(models.StaffBindTicket.staff == user)
        assert ticket.used_openid == user.openid  # bound by the scan path, not written over it


def test_the_jobs_send_the_demo_staff_their_pushes_at_the_fake_server(app, wechat_api, now):
    seed_demo(now)
    results = jobs.run_once(now.replace(day=now.day + 1, hour=9), raise_errors=True)  # the next working day, 09:00
    assert results["dispatch_outbox"]["sent"] > 0
    staff_kinds = {}
    for row in models.Outbox.select().where(models.Outbox.staff.is_null(False) & (models.Outbox.status == "sent")):
        staff_kinds.setdefault(row.staff.username, set()).add(row.kind)
    sent_to = {call["json"]["touser"] for call in wechat_api.sends()}
    assert STAFF_OPENID.format(username="jianshe") in sent_to and STAFF_OPENID.format(username="office") in sent_to
    assert "classified" in staff_kinds["jianshe"]  # a task: 待领办
    assert "overdue" in staff_kinds["shirong"]  # the 超期催办 of an item past its deadline
    assert "digest" in staff_kinds["office"] or "digest" in staff_kinds["leader"]  # the daily overdue digest


def test_the_demo_has_a_supervised_item_whose_supervisor_gets_each_step_at_the_fake_server(app, wechat_api, now):
    seed_demo(now)
    jobs.run_once(now.replace(day=now.day + 1, hour=9), raise_errors=True)
    drain = models.Item.get(models.Item.content.startswith("安居苑小区门口排水沟"))
    duban = models.StaffUser.get(models.StaffUser.username == "duban")
    assert models.ItemSupervisor.get(models.ItemSupervisor.item == drain).staff_id == duban.id
    assert [m.title for m in drain.milestones.order_by(models.Milestone.due)] == ["疏通排水沟", "更换破损沟盖板"]
    rows = list(models.Outbox.select().where((models.Outbox.item == drain) & (models.Outbox.staff == duban.id))
                .order_by(models.Outbox.id))
    kinds = [row.kind for row in rows if row.status == "sent"]
    assert kinds == ["supervisor_assigned", "classified", "claimed", "progress"]
    pushed = [call["json"]["data"] for call in wechat_api.sends(STAFF_OPENID.format(username="duban"))]
    assert sum(drain.number in str(data) for data in pushed) == 4
    roofs = models.Item.get(models.Item.content.startswith("XX小区2013年"))
    assert [(e.kind, e.resident_id is not None) for e in roofs.evaluations] == [("supervisor", True)]


def test_the_demo_shows_the_seeds_rules_on_collection_and_wide_concern(app, client, now):
    seed_demo(now)
    roofs = models.Item.get(models.Item.content.contains("屋顶漏水"))
    assert roofs.wide_concern and roofs.status == "resolved"  # rated, yet waiting for its 群众评议会
    assert models.Rating.select().where(models.Rating.item == roofs).count() == 1
    notices = client.get("/api/v1/notices").get_json()["items"]
    assert [n["number"] for n in notices] == [roofs.number]
    spot = models.Item.get(models.Item.tier == "on_spot")
    assert spot.status == "resolved" and spot.claimed_unit.name == "全椒路社区" and spot.collected_by.username == "quanjiao"
    visit = models.Visit.get()
    heard = models.OpinionSource.select().where(models.OpinionSource.visit == visit)
    assert [link.item.channel for link in heard] == ["visit", "visit"] and visit.staff.username == "leader"
    symposium = models.Gathering.get()
    assert symposium.kind == "symposium" and symposium.place == "全椒路社区议事厅"
    linked = models.OpinionSource.select().where(models.OpinionSource.gathering == symposium)
    assert len(linked) == 3 and {link.item.collected_by.username for link in linked} == {"duban"}
