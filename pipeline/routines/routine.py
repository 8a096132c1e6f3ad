"""When the office's routines are due, and doing each one exactly once.

A routine has a slot — 09:00 on a working day (the overdue digest), 08:30 on
the first working day of the week (the bulletin), 09:00 on the first working
day of the month (the visit check). A job may run at any time, as often as
it likes: it acts when `now` has reached the current slot and the slot's mark
is not yet written, so a missed run catches up and a repeated run does nothing.
"""
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any

from peewee import IntegrityError

from models import RoutineMark, db
from pipeline.rules.workdays import WorkCalendar

DIGEST_AT = time(9, 0)
BULLETIN_AT = time(8, 30)
VISIT_CHECK_AT = time(9, 0)


def once(key: str, now: datetime, data: Any = None) -> bool:
    """Write the mark `key` in the caller's transaction; False if it was already
    written (this step is done). Nothing the caller queues after a False counts."""
    if RoutineMark.select().where(RoutineMark.key == key).exists():
        return False
    try:
        with db.atomic():
            RoutineMark.create(key=key, data=data, done_at=now)
    except IntegrityError:
        return False  # a concurrent run wrote it first
    return True


def mark(key: str) -> RoutineMark | None:
    """The mark's row (with the data the step recorded), or None."""
    return RoutineMark.get_or_none(RoutineMark.key == key)


def daily_slot(now: datetime, calendar: WorkCalendar, at: time = DIGEST_AT) -> datetime | None:
    """Today's slot if today is a working day and `now` has reached `at`, else None."""
    today = now.date()
    if calendar.is_workday(today) and now.time() >= at:
        return datetime.combine(today, at)
    return None


def week_monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def weekly_slot(now: datetime, calendar: WorkCalendar, at: time = BULLETIN_AT) -> tuple[date, datetime] | None:
    """(Monday, slot) for this week: `at` on its first working day (a holiday Monday
    moves it), or None if that has not come yet or the week has no working day."""
    monday = week_monday(now.date())
    first = calendar.next_workday(monday)
    if first > monday + timedelta(days=6):
        return None
    slot = datetime.combine(first, at)
    return (monday, slot) if now >= slot else None


def month_start(day: date) -> date:
    return date(day.year, day.month, 1)


def previous_month(day: date) -> date:
    first = month_start(day)
    return month_start(first - timedelta(days=1))


def monthly_slot(now: datetime, calendar: WorkCalendar, at: time = VISIT_CHECK_AT) -> tuple[date, datetime] | None:
    """(first of this month, slot): `at` on the month's first working day, once reached."""
    first_day = month_start(now.date())
    slot = datetime.combine(calendar.next_workday(first_day), at)
    return (first_day, slot) if now >= slot else None


def page_of(query: Any, page: int, per_page: int, render: Callable[[Any], Any]) -> dict[str, Any]:
    """One page of any query (not only items) in the API's list shape."""
    total = query.count()
    return {"items": [render(row) for row in query.paginate(page, per_page)], "page": page, "per_page": per_page,
            "total": total}
