"""Reminder rows: future checks on an item, swept and fired by the jobs process.

Kinds: `unclaimed` (not claimed one working day after classification),
`half_time` (50% of the time used), `day_before` (one working day before the
due date), `overdue` (the morning after the due date passes), `rate_remind`
(resolved and unrated for 3 days), `callback_due` (7 days: onto the call-back
list). One row per item, kind and round; rescheduling moves the row.
"""
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from models import Item, Reminder
from pipeline.rules.workdays import WorkCalendar

WORK_START = time(9, 0)
DEADLINE_KINDS = ("unclaimed", "half_time", "day_before", "overdue")
RATING_KINDS = ("rate_remind", "callback_due")


def schedule(item: Item, kind: str, fire_at: datetime, now: datetime) -> None:
    """Create or move the (item, kind, round) reminder to `fire_at`, pending again."""
    (
        Reminder.insert(item=item, kind=kind, round=item.round, fire_at=fire_at, created_at=now)
        .on_conflict(
            conflict_target=[Reminder.item, Reminder.kind, Reminder.round],
            update={Reminder.fire_at: fire_at, Reminder.done_at: None},
        )
        .execute()
    )


def cancel(item: Item, kinds: Iterable[str], now: datetime) -> None:
    """Mark pending reminders of these kinds done (the condition no longer holds)."""
    (
        Reminder.update(done_at=now)
        .where((Reminder.item == item) & Reminder.kind.in_(kinds) & Reminder.done_at.is_null())
        .execute()
    )


def deadline_times(start: datetime, due: date, calendar: WorkCalendar | None = None) -> dict[str, datetime]:
    """When the half-time, day-before and overdue reminders fire for a deadline."""
    calendar = calendar or WorkCalendar()
    end = datetime.combine(due + timedelta(days=1), time.min)
    half = start + (end - start) / 2
    # Reminders land in working hours: a night or a holiday moves to 09:00 next working day.
    if not calendar.is_workday(half.date()):
        half = datetime.combine(calendar.next_workday(half.date()), WORK_START)
    elif half.time() < WORK_START:
        half = datetime.combine(half.date(), WORK_START)
    day_before = datetime.combine(calendar.previous_workday(due), WORK_START)
    overdue = datetime.combine(calendar.next_workday(due + timedelta(days=1)), WORK_START)
    return {"half_time": half.replace(microsecond=0), "day_before": day_before, "overdue": overdue}


def schedule_deadline(item: Item, now: datetime, calendar: WorkCalendar | None = None) -> None:
    """(Re)schedule the deadline reminders of the item's current round and due date."""
    if item.due is None:
        return
    calendar = calendar or WorkCalendar()
    for kind, fire_at in deadline_times(now, item.due, calendar).items():
        if kind == "day_before" and fire_at <= now:
            cancel(item, ["day_before"], now)
            continue
        if kind == "half_time" and fire_at >= datetime.combine(item.due + timedelta(days=1), time.min):
            cancel(item, ["half_time"], now)
            continue
        schedule(item, kind, fire_at, now)


def schedule_unclaimed(item: Item, now: datetime, calendar: WorkCalendar | None = None) -> None:
    calendar = calendar or WorkCalendar()
    schedule(item, "unclaimed", datetime.combine(calendar.add_workdays(now.date(), 1), now.time()), now)


def schedule_rating_followups(item: Item, now: datetime) -> None:
    """Residents are reminded to rate after 3 days; after 7 unrated the item goes on the
    call-back list — not one of wide concern, which its evaluation meeting decides."""
    schedule(item, "rate_remind", now + timedelta(days=3), now)
    if not item.wide_concern:
        schedule(item, "callback_due", now + timedelta(days=7), now)
