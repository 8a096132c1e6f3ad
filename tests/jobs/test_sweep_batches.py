"""A sweep with more due reminders than one batch: every one fired exactly once
(one timeline event, one 催办 note, one push per recipient), also when the sweep
runs twice or two sweepers run at the same time."""
from collections import Counter
from datetime import datetime, timedelta

import models
from pipeline.steps import chasing

from shared_support import run_concurrently

MOMENT = datetime(2026, 11, 27, 9, 0)  # the claimed items below are overdue since the 26th
COUNT = chasing.BATCH * 2 + 37  # three batches, the last one short


def many_overdue(loop, now):
    """COUNT claimed items overdue at MOMENT, each with its `overdue` reminder due: one
    made by the operations, the others copies of it written straight to the tables."""
    first = loop.claimed(now, category="market_environment")
    models.Reminder.delete().where(models.Reminder.kind != "overdue").execute()
    fields = {k: v for k, v in first.__data__.items() if k != "id"}
    rows = [dict(fields, number=f"{first.number[:8]}-C{n:05d}") for n in range(COUNT - 1)]
    with models.db.atomic():
        for start in range(0, len(rows), 500):
            models.Item.insert_many(rows[start:start + 500]).execute()
    ids = [i for (i,) in models.Item.select(models.Item.id).where(models.Item.id != first.id).tuples()]
    reminder = models.Reminder.get(models.Reminder.item == first, models.Reminder.kind == "overdue")
    models.Reminder.insert_many([dict(item=i, kind="overdue", round=first.round, fire_at=reminder.fire_at,
                                      created_at=now) for i in ids]).execute()
    return first


def written():
    events = Counter(i for (i,) in models.TimelineEvent.select(models.TimelineEvent.item)
                     .where(models.TimelineEvent.kind == "overdue").tuples())
    notes = Counter(i for (i,) in models.SupervisionNote.select(models.SupervisionNote.item)
                    .where(models.SupervisionNote.urge).tuples())
    pushes = {}
    for item_id, staff_id in (models.Outbox.select(models.Outbox.item, models.Outbox.staff)
                              .where(models.Outbox.kind == "overdue").tuples()):
        pushes.setdefault(item_id, []).append(staff_id)
    return events, notes, pushes


def check_each_fired_once(first):
    events, notes, pushes = written()
    assert len(events) == COUNT and set(events.values()) == {1}
    assert len(notes) == COUNT and set(notes.values()) == {1}
    recipients = sorted(pushes[first.id])
    assert len(recipients) >= 3  # the unit's staff, the leader, the office
    assert len(pushes) == COUNT and all(sorted(staff) == recipients for staff in pushes.values())
    assert not models.Reminder.select().where(models.Reminder.done_at.is_null()).exists()


def test_one_sweep_fires_every_due_reminder_once_and_a_second_finds_nothing(app, world, loop, now):
    first = many_overdue(loop, now)
    assert chasing.sweep(MOMENT) == {"overdue": COUNT}
    check_each_fired_once(first)
    outbox_rows = models.Outbox.select().count()
    assert chasing.sweep(MOMENT) == {}
    assert chasing.sweep(MOMENT + timedelta(minutes=1)) == {}
    check_each_fired_once(first)
    assert models.Outbox.select().count() == outbox_rows


def test_two_sweepers_at_once_fire_each_reminder_once(app, world, loop, now):
    first = many_overdue(loop, now)
    results = [None, None]

    def sweeper(index):
        results[index] = chasing.sweep(MOMENT)

    assert run_concurrently(sweeper, 2) == []
    assert sum(r.get("overdue", 0) for r in results) == COUNT
    assert all(set(r) <= {"overdue"} for r in results)
    check_each_fired_once(first)


def test_a_sweep_with_a_limit_leaves_the_rest_for_the_next(app, world, loop, now):
    first = many_overdue(loop, now)
    assert chasing.sweep(MOMENT, limit=100) == {"overdue": 100}
    assert models.Reminder.select().where(models.Reminder.done_at.is_null()).count() == COUNT - 100
    assert chasing.sweep(MOMENT) == {"overdue": COUNT - 100}
    check_each_fired_once(first)
