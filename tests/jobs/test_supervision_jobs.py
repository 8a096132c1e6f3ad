"""The jobs' side of supervision: milestone reminders (时间表) to the unit the working
day before, overdue chasing that reaches assigned supervisors, and a cadre badge's
expiry warning that reaches the staff account holding it."""
from datetime import date, datetime

import models
from pipeline.accounts import badges
from pipeline.accounts.people import create_staff
from pipeline.messages import publicity
from pipeline.steps import chasing, intake, supervising

from jobs_support import outbox

# now is Monday 2026-11-23; Thursday 26th and the next Tuesday, 1 December, are working days.
TIMETABLE = [{"date": "2026-11-26", "text": "完成现场勘查"}, {"date": "2026-12-01", "text": "更换灯具"}]


def cadre(username="sunli", name="孙丽"):
    user = create_staff(username, "supervisor", "test-password", name=name)
    user.openid = f"staff-openid-{username}"
    user.save()
    return user


def classify(world, item, now, **extra):
    return intake.classify(item, world.actor("office"), category="housing", leader=world.staff["leader"].id,
                           unit=world.units["jianshe"].id, tier="limited", roadmap="按路线图办理", now=now, **extra)


def reminder_notes(item):
    return [e.note for e in models.TimelineEvent.select().where(
        (models.TimelineEvent.item == item) & (models.TimelineEvent.kind == "reminder")).order_by(models.TimelineEvent.id)
        if e.data.get("kind") == "milestone"]


def test_the_unit_is_reminded_the_working_day_before_each_milestone(app, world, loop, now):
    item = classify(world, loop.collect(now), now, milestones=TIMETABLE, due="2026-12-04")
    loop.claim(item, now)
    assert chasing.sweep(datetime(2026, 11, 25, 8, 59)).get("milestone") is None
    assert chasing.sweep(datetime(2026, 11, 25, 9, 0)).get("milestone") == 1
    assert chasing.sweep(datetime(2026, 11, 25, 9, 30)) == {}
    assert reminder_notes(item) == ["时间表提醒：请于11月26日完成“完成现场勘查”"]
    assert sorted(r.staff.username for r in outbox(kind="milestone")) == ["jianshe"]
    # The second: Monday 30 November, the working day before Tuesday 1 December (the weekend skipped).
    assert chasing.sweep(datetime(2026, 11, 28, 9, 0)).get("milestone") is None
    assert chasing.sweep(datetime(2026, 11, 30, 9, 0)).get("milestone") == 1
    assert len(reminder_notes(item)) == 2


def test_a_replaced_or_finished_timetable_reminds_nobody(app, world, loop, now):
    item = classify(world, loop.collect(now), now, milestones=TIMETABLE)
    item = classify(world, item, now, milestones=[])  # the office clears the timetable
    assert chasing.sweep(datetime(2026, 11, 25, 9, 0)).get("milestone") is None
    resolved = classify(world, loop.collect(now, content="另一件：井盖松动"), now, milestones=TIMETABLE)
    loop.resolve(loop.claim(resolved, now), now)
    counts = chasing.sweep(datetime(2026, 11, 25, 9, 0))
    assert counts.get("milestone") is None and counts.get("skipped", 0) >= 1
    assert not outbox(kind="milestone")


def test_an_overdue_item_chases_its_assigned_supervisor_too(app, world, loop, now):
    sun = cadre()
    item = classify(world, loop.collect(now, community="安居苑社区"), now, supervisors=[sun.id], due="2026-11-26")
    loop.claim(item, now)
    assert chasing.sweep(datetime(2026, 11, 27, 9, 0)).get("overdue") == 1  # due the 26th (3 working days)
    names = sorted(r.staff.username for r in outbox(kind="overdue") if r.staff_id)
    assert "sunli" in names and "duban" not in names  # 吴刚's area is 全椒路社区, not this one


def test_a_cadre_badge_held_by_staff_warns_that_person_before_it_expires(app, world, now):
    sun = cadre()
    office = world.actor("office")
    badge = badges.issue_badge(office, name="孙丽", kind="cadre", valid_until="2026-11-27", now=now)
    badges.bind_badge_to_staff(office, badge, sun.id)
    assert publicity.badge_expiry(datetime(2026, 11, 24, 9, 0)) == 1
    [warning] = outbox(kind="badge_expiry")
    assert warning.staff_id == sun.id and warning.openid == "staff-openid-sunli"


def test_supervisors_of_an_area_move_with_the_office_s_choice(app, world, loop, now):
    sun = cadre()
    anju = models.Community.get(models.Community.name == "安居苑社区")
    supervising.set_area_supervisors(world.actor("office"), anju.id, [sun.id])
    item = loop.claim(classify(world, loop.collect(now), now, due="2026-11-26"), now)  # 全椒路社区: 吴刚's
    moved = loop.claim(classify(world, loop.collect(now, community="安居苑社区"), now, due="2026-11-26"), now)
    chasing.sweep(datetime(2026, 11, 27, 9, 0))
    by_item = {(r.item_id, r.staff.username) for r in outbox(kind="overdue") if r.staff_id}
    assert (item.id, "duban") in by_item and (moved.id, "sunli") in by_item
    assert (moved.id, "duban") not in by_item and (item.id, "sunli") not in by_item
    assert date(2026, 11, 26) == moved.due
