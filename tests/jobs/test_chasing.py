"""Reminders fired from rows: deadline reminders, unclaimed items, overdue chasing
(催办), rating follow-ups and the daily overdue digest — each once, re-checked."""
from dataclasses import replace
from datetime import datetime

import models
from pipeline.steps import chasing, firing, handling, judging, oversight
from pipeline.steps.reminders import schedule

from jobs_support import later, outbox


def events(item, kind=None):
    query = models.TimelineEvent.select().where(models.TimelineEvent.item == item).order_by(models.TimelineEvent.id)
    return [e for e in query if kind is None or e.kind == kind]


def recipients(kind):
    return sorted((r.staff.username if r.staff_id else r.resident.openid) for r in outbox(kind=kind))


def test_deadline_reminders_fire_once_each_at_their_working_day_time(app, world, loop, now):
    item = loop.claimed(now, category="market_environment")  # 3 working days: due Thursday
    assert item.due.isoformat() == "2026-11-26"
    assert chasing.sweep(datetime(2026, 11, 25, 8, 59)) == {}
    # half of the time falls at 05:00 on Wednesday, so it waits for 09:00; so does the day before
    assert chasing.sweep(datetime(2026, 11, 25, 9, 0)) == {"half_time": 1, "day_before": 1}
    assert chasing.sweep(datetime(2026, 11, 25, 9, 1)) == {}
    notes = [e.note for e in events(item, "reminder")]
    assert notes == ["办理时限已过半，请于11月26日前办结", "距办结时限仅剩1个工作日，请于11月26日前办结"]
    assert recipients("half_time") == recipients("day_before") == ["jianshe", "leader"]
    keys = {r.dedup_key for r in outbox(kind="day_before")}
    assert keys == {f"day_before:{item.number}:r1:2026-11-26:s{world.staff[n].id}" for n in ("jianshe", "leader")}


def test_an_unclaimed_item_goes_to_the_office_and_the_suggested_unit_after_one_working_day(app, world, loop, now):
    friday = datetime(2026, 11, 27, 16, 0)
    item = loop.classified(friday, unit="shirong")
    assert chasing.sweep(datetime(2026, 11, 30, 15, 59)) == {}  # the weekend does not count
    assert chasing.sweep(datetime(2026, 11, 30, 16, 0)) == {"unclaimed": 1}
    assert recipients("unclaimed") == ["office", "shirong"]
    assert [e.data["kind"] for e in events(item, "reminder")] == ["unclaimed"]
    claimed_in_time = loop.classified(now)
    loop.claim(claimed_in_time, later(now, hours=3))
    chasing.sweep(later(now, days=2))
    assert not [e for e in events(claimed_in_time, "reminder") if e.data["kind"] == "unclaimed"]


def test_an_overdue_item_is_chased_once_with_a_formal_notice_to_everyone_responsible(app, world, loop, now):
    item = loop.claimed(now, category="market_environment")
    oversight.follow(item, world.actor("liu"), now=now)  # a resident supervisor (badge holder)
    oversight.follow(item, world.actor("li"), now=now)  # an ordinary follower: no chase for them
    assert chasing.sweep(datetime(2026, 11, 26, 23, 59)) == {"half_time": 1, "day_before": 1}
    assert chasing.sweep(datetime(2026, 11, 27, 9, 0)) == {"overdue": 1}
    assert chasing.sweep(datetime(2026, 11, 27, 10, 0)) == {}

    [chase] = events(item, "overdue")
    assert chase.actor_kind == "system" and chase.data["notice"] == "催办通知"
    assert "超过办结时限（2026年11月26日）1个工作日" in chase.note
    [urge] = models.SupervisionNote.select().where(models.SupervisionNote.item == item)
    assert urge.urge and urge.note == chase.note
    assert recipients("overdue") == ["duban", "jianshe", "leader", "oa-openid-liu", "office"]
    assert all(r.dedup_key.startswith(f"overdue:{item.number}:r1:2026-11-26:") for r in outbox(kind="overdue"))


def test_a_reminder_that_no_longer_applies_is_skipped_not_sent(app, world, loop, now):
    item = loop.resolved(now, category="market_environment")
    schedule(item, "overdue", datetime(2026, 11, 27, 9, 0), now)  # a row the item outgrew
    stale_round = models.Reminder.create(item=item, kind="unclaimed", round=0, fire_at=now, created_at=now)
    assert chasing.sweep(datetime(2026, 11, 27, 9, 0)) == {"skipped": 2, "rate_remind": 1}
    assert models.Reminder.get_by_id(stale_round.id).done_at == datetime(2026, 11, 27, 9, 0)
    assert not events(item, "overdue") and not outbox(kind="overdue")


def test_a_new_deadline_moves_the_reminders(app, world, loop, now):
    item = loop.claimed(now, category="market_environment")
    handling.escalate(item, world.actor("jianshe"), reason="需要多部门会诊", now=later(now, hours=1))
    handling.consult(item, world.actor("leader"), conclusion="由建设办牵头", due="2026-12-04", now=later(now, hours=2))
    # half of Monday noon → Friday falls on Saturday morning: Monday 09:00
    assert chasing.sweep(datetime(2026, 11, 28, 9, 0)) == {}
    assert chasing.sweep(datetime(2026, 11, 30, 9, 0)) == {"half_time": 1}
    assert chasing.sweep(datetime(2026, 12, 3, 9, 0)) == {"day_before": 1}
    assert chasing.sweep(datetime(2026, 12, 7, 9, 0)) == {"overdue": 1}
    assert outbox(kind="overdue")[0].dedup_key.startswith(f"overdue:{item.number}:r1:2026-12-04:")


def test_rating_follow_ups_remind_the_reporter_then_list_for_call_back_never_closing(app, world, loop, now):
    item = loop.resolved(now)
    oversight.follow(item, world.actor("li"), now=now)
    assert chasing.sweep(later(now, days=3, seconds=-1)) == {}
    assert chasing.sweep(later(now, days=3)) == {"rate_remind": 1}
    assert recipients("rate_remind") == ["oa-openid-zhang"]
    assert chasing.callback_list() == []
    assert chasing.sweep(later(now, days=7)) == {"callback_due": 1}
    assert [e.kind for e in events(item)][-2:] == ["rate_reminder", "callback_listed"]
    assert recipients("callback_due") == ["office"]
    assert [i.number for i in chasing.callback_list()] == [item.number]
    item = models.Item.get_by_id(item.id)
    assert item.status == "resolved" and not models.Rating.select().exists()

    judging.callback(item, world.actor("office"), score="satisfied", comment="电话回访，满意", now=later(now, days=8))
    assert chasing.callback_list() == []


def test_a_rating_in_time_cancels_the_follow_ups(app, world, loop, now):
    item = loop.resolved(now)
    judging.rate(item, world.actor("zhang"), "satisfied", now=later(now, days=1))
    assert chasing.sweep(later(now, days=10)) == {}


def test_the_daily_digest_lists_every_overdue_item_by_unit_at_nine_on_working_days(app, world, loop, now):
    first = loop.claimed(now, category="market_environment")
    second = loop.classified(now, category="market_environment", unit="shirong")
    loop.claimed(now)  # not overdue
    assert chasing.overdue_digest(datetime(2026, 11, 27, 8, 59)) is None
    data = chasing.overdue_digest(datetime(2026, 11, 27, 9, 0))
    assert data["total"] == 2 and {u["unit"]: u["items"] for u in data["units"]} == {
        "建设办": [first.number], "市容办": [second.number]}
    assert chasing.overdue_digest(datetime(2026, 11, 27, 15, 0)) is None
    assert recipients("digest") == ["leader", "office"]
    assert {r.data["thing2"]["value"] for r in outbox(kind="digest")} == {"超期事项日报：共2件"}
    assert chasing.overdue_digest(datetime(2026, 11, 28, 9, 0)) is None  # Saturday
    assert chasing.overdue_digest(datetime(2026, 11, 30, 9, 5))["total"] == 2
    assert chasing.digest(datetime(2026, 11, 27).date()) == data


def test_in_a_district_each_office_gets_its_own_digest_and_the_district_the_whole(app, district):
    at = datetime(2026, 12, 10, 9, 0)  # both offices' items long overdue
    data = chasing.overdue_digest(at)
    assert data["total"] == 2
    told = {(r.staff.username, r.data["thing2"]["value"]) for r in outbox(kind="digest")}
    assert told == {("leader", "超期事项日报：共1件"), ("office", "超期事项日报：共1件"),
                    ("south-leader", "超期事项日报：共1件"), ("south-office", "超期事项日报：共1件"),
                    ("quji", "超期事项日报：共2件")}
    assert chasing.overdue_digest(at) is None  # once a day
    assert len(outbox(kind="digest")) == 5


def test_the_digest_names_who_would_miss_the_reminders(app, world, loop, now):
    """Officials must never miss an overdue item: the office learns whose WeChat can't be reached."""
    from pipeline.accounts import people

    first = loop.claimed(now, category="market_environment")  # 建设办
    loop.classified(now, category="market_environment", unit="shirong")
    people.set_subscribed("staff-openid-jianshe", False, now=now)  # the unit's only handler unfollowed
    models.StaffUser.update(openid=None).where(models.StaffUser.id == world.staff["leader"].id).execute()
    data = chasing.overdue_digest(datetime(2026, 11, 27, 9, 0))
    assert {u["unit"]: u["reachable_staff"] for u in data["units"]} == {"建设办": 0, "市容办": 1}
    assert [(r["name"], r["unit"], r["reason"]) for r in data["unreachable"]] == [
        ("陈建国", None, "未绑定微信"), ("王强", "建设办", "已取消关注公众号")]
    assert recipients("digest") == ["office"]  # the leader can't be reached; the office is told why
    (note,) = {r.data["thing5"]["value"] for r in outbox(kind="digest")}
    assert note.startswith("2人收不到微信提醒；") and len(note) <= 20
    assert first.number in data["units"][0]["items"] + data["units"][1]["items"]


def test_running_every_job_twice_at_the_same_time_queues_nothing_new(app, world, loop, run, now):
    loop.claimed(now, category="market_environment")
    loop.resolved(now)
    moment = datetime(2026, 11, 30, 9, 0)
    run(moment)
    before = [r.dedup_key for r in outbox()]
    run(moment)
    assert [r.dedup_key for r in outbox()] == before
    assert all(r.status == "sent" for r in outbox())


def test_a_reminder_that_fails_holds_back_no_other_and_is_tried_again(app, world, loop, now, monkeypatch):
    first = loop.claimed(now, category="market_environment")
    second = loop.claimed(now, category="market_environment")
    family = firing.FAMILIES["overdue"]
    first_chase = models.Reminder.get(models.Reminder.item == first, models.Reminder.kind == "overdue").id

    def broken_for_the_first(batch):
        if first_chase in batch.ids:
            raise RuntimeError("a bug met only by this item")
        return family.fire(batch)

    monkeypatch.setitem(firing.FAMILIES, "overdue", replace(family, fire=broken_for_the_first))
    moment = datetime(2026, 11, 27, 9, 0)
    assert chasing.sweep(moment) == {"overdue": 1, "skipped": 4, "failed": 1}  # 2 late reminders each
    assert not events(first, "overdue") and len(events(second, "overdue")) == 1
    monkeypatch.setitem(firing.FAMILIES, "overdue", family)
    assert chasing.sweep(later(moment, minutes=1)) == {"overdue": 1}
    assert len(events(first, "overdue")) == 1
