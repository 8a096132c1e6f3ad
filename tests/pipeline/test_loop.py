"""One item through all six steps twice: unsatisfied, reassigned, then satisfied."""
from datetime import timedelta

import models
from pipeline.steps import handling, intake, judging, oversight
from pipeline.views.queries import public_view


def outbox_for(item):
    rows = models.Outbox.select().where(models.Outbox.item == item).order_by(models.Outbox.id)
    return [(row.kind, row.resident.openid if row.resident_id else None,
             row.staff.username if row.staff_id else None, row.channel) for row in rows]


def test_two_rounds_until_the_residents_are_satisfied(flow, world):
    t = flow.now
    zhang, office, leader = flow.a("zhang"), flow.a("office"), world.staff["leader"]
    follower = flow.a("li")

    item = intake.collect(zhang, "学校周边流动摊点多，上下学时段堵塞通道", "wechat", community="全椒路社区", now=t)
    assert item.number == "20261123-0001" and item.status == "collected" and item.round == 1
    oversight.follow(item, follower, now=t)

    item = intake.classify(item, office, category="market_environment", leader=leader.id,
                           unit=world.units["shirong"].id, tier="limited", roadmap="市容办联合社区劝导",
                           now=t + timedelta(hours=1))
    assert item.status == "classified" and item.due.isoformat() == "2026-11-26"  # 3 working days
    item = handling.claim(item, flow.a("shirong"), now=t + timedelta(hours=2))
    item = handling.progress(item, flow.a("shirong"), note="已安排执法队员上下学时段值守", now=t + timedelta(days=1))
    item = oversight.supervise(item, flow.a("liu"), note="群众督办员到场查看", urge=True, now=t + timedelta(days=1))
    item = handling.resolve(item, flow.a("shirong"), result="已劝离摊贩", now=t + timedelta(days=2))
    oversight.evaluate(item, flow.a("office"), kind="org", score="basically_satisfied", now=t + timedelta(days=2))
    oversight.evaluate(item, flow.a("liu"), kind="supervisor", score="unsatisfied", comment="傍晚仍有摊贩",
                       now=t + timedelta(days=2))
    item = judging.rate(item, zhang, "unsatisfied", "傍晚摊贩又回来了", now=t + timedelta(days=3))

    assert item.status == "classified" and item.round == 2
    assert item.claimed_unit_id is None and item.result is None and item.resolved_at is None
    assert item.due > (t + timedelta(days=3)).date()

    item = handling.claim(item, flow.a("shirong"), now=t + timedelta(days=3, hours=1))
    item = handling.resolve(item, flow.a("shirong"), result="设置固定劝导岗，摊贩已不再聚集",
                            now=t + timedelta(days=6))
    item = judging.rate(item, zhang, "satisfied", now=t + timedelta(days=7))
    assert item.status == "closed" and item.round == 2 and item.outcome == "solved"

    events = list(models.TimelineEvent.select().where(models.TimelineEvent.item == item)
                  .order_by(models.TimelineEvent.id))
    assert [(e.kind, e.round) for e in events] == [
        ("collect", 1), ("follow", 1), ("classify", 1), ("claim", 1), ("progress", 1), ("urge", 1),
        ("resolve", 1), ("evaluate", 1), ("evaluate", 1), ("rate", 1), ("reopen", 2),
        ("claim", 2), ("resolve", 2), ("rate", 2), ("close", 2),
    ]
    reopen = events[10]
    assert (reopen.from_status, reopen.to_status) == ("resolved", "classified")
    assert events[-1].to_status == "closed"

    pushes = outbox_for(item)
    def heard_by(openid):
        return [kind for kind, resident, _, _ in pushes if resident == openid]

    # the reporter hears of every step after the reply that told the number, once;
    # a follower from the moment they follow
    assert heard_by("oa-openid-zhang") == [
        "classified", "claimed", "progress", "resolved", "reopened", "claimed", "resolved", "closed"]
    assert heard_by("oa-openid-li") == [
        "classified", "claimed", "progress", "resolved", "reopened", "claimed", "resolved", "closed"]
    # the resident supervisor follows the item from their first note on
    assert heard_by("oa-openid-liu") == ["resolved", "reopened", "claimed", "resolved", "closed"]
    staff_pushes = [(kind, staff) for kind, _, staff, _ in pushes if staff]
    assert ("classified", "shirong") in staff_pushes and ("classified", "leader") in staff_pushes
    assert ("urged", "shirong") in staff_pushes
    assert ("reopened", "office") in staff_pushes and ("reopened", "shirong") in staff_pushes
    assert all(channel == "oa_template" for *_, channel in pushes)
    keys = [row.dedup_key for row in models.Outbox.select()]
    assert len(keys) == len(set(keys))

    ratings = [(r.round, r.score) for r in models.Rating.select().order_by(models.Rating.id)]
    assert ratings == [(1, "unsatisfied"), (2, "satisfied")]
    view = public_view(item, None, now=t + timedelta(days=7))
    assert view["status_label"] == "已办结" and view["rating"]["label"] == "满意"
    assert "follow" not in [row["kind"] for row in view["timeline"]]


def test_reminder_rows_follow_the_round(flow):
    item = flow.classified()
    kinds = {(r.kind, r.round) for r in models.Reminder.select().where(models.Reminder.done_at.is_null())}
    assert kinds == {("unclaimed", 1), ("half_time", 1), ("day_before", 1), ("overdue", 1)}
    item = handling.claim(item, flow.a("jianshe"), now=flow.now)
    pending = {r.kind for r in models.Reminder.select().where(models.Reminder.done_at.is_null())}
    assert "unclaimed" not in pending
    item = handling.resolve(item, flow.a("jianshe"), result="已修复", now=flow.now)
    pending = {r.kind for r in models.Reminder.select().where(models.Reminder.done_at.is_null())}
    assert pending == {"rate_remind", "callback_due"}
    judging.rate(item, flow.a("zhang"), "satisfied", now=flow.now)
    assert not models.Reminder.select().where(models.Reminder.done_at.is_null()).exists()


def test_mini_program_residents_get_pushes_only_within_their_consent(flow, world):
    from pipeline.accounts.people import record_subscriptions

    record_subscriptions(world.residents["mp"], ["tpl-sub-progress"], {"tpl-sub-progress"}, now=flow.now)
    assert not models.Outbox.select().where(models.Outbox.resident == world.residents["mp"]).exists()
    item = flow.collected(reporter="mp")
    sent = list(models.Outbox.select().where(models.Outbox.resident == world.residents["mp"]))
    assert sent == []  # the granted template id is not the configured one: nothing spent, nothing sent
    grants = models.SubscriptionGrant.get(models.SubscriptionGrant.resident == world.residents["mp"])
    assert grants.remaining == 1
    assert item.status == "collected"
