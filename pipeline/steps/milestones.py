"""The sheet's timetable (时间表): dated milestones the office sets at classify, and
the reminder the unit on the item gets at 09:00 the working day before each.

A milestone's reminder is a Reminder row of kind `milestone:<id>` (one per
milestone and round), swept with the others by `pipeline.steps.chasing`.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from models import Item, Milestone, iso
from pipeline.rules.errors import Invalid
from pipeline.rules.validate import parse_date
from pipeline.rules.workdays import WorkCalendar
from pipeline.steps import reminders

KIND = "milestone"
MAX_MILESTONES = 12
TEXT_LENGTH = 200
# A timetable reaches at most this far: a long-term item's plan, not a wish list.
HORIZON = timedelta(days=366)
FIELD = "milestones"


def reminder_kind(milestone_id: int) -> str:
    return f"{KIND}:{milestone_id}"


def parse(value: object, today: date, calendar: WorkCalendar | None = None) -> list[tuple[date, str]] | None:
    """[(date, text)] from `[{date, text}, …]`, in date order; None when absent. Each date
    is a working day after today and within a year; each text 1–200 characters."""
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(row, dict) for row in value):
        raise Invalid("时间表应为列表，每项包含日期（date）和事项（text）", code="bad_milestones", field=FIELD)
    if len(value) > MAX_MILESTONES:
        raise Invalid(f"时间表最多{MAX_MILESTONES}项", code="too_many_milestones", field=FIELD)
    calendar = calendar or WorkCalendar()
    parsed: list[tuple[date, str]] = []
    for number, row in enumerate(value, start=1):
        text = row.get("text")
        if not isinstance(text, str) or not text.strip():
            raise Invalid(f"时间表第{number}项请填写事项内容", code="bad_milestones", field=FIELD)
        if len(text.strip()) > TEXT_LENGTH:
            raise Invalid(f"时间表第{number}项内容不能超过{TEXT_LENGTH}字", code="bad_milestones", field=FIELD)
        day = parse_date(row.get("date"), FIELD)
        if day <= today:
            raise Invalid(f"时间表第{number}项的日期应晚于今天", code="milestone_past", field=FIELD)
        if day > today + HORIZON:
            raise Invalid(f"时间表第{number}项的日期不能超过一年", code="milestone_too_far", field=FIELD)
        if not calendar.is_workday(day):
            raise Invalid(f"时间表第{number}项的日期{day:%m月%d日}不是工作日，可改为"
                          f"{calendar.next_workday(day):%m月%d日}", code="not_workday", field=FIELD)
        parsed.append((day, text.strip()))
    return sorted(parsed)


def replace(item: Item, rows: list[tuple[date, str]], now: datetime, calendar: WorkCalendar | None = None) -> None:
    """In the caller's operation: the item's open milestones become `rows`, each with its
    reminder at 09:00 the working day before (now, if that time has passed)."""
    calendar = calendar or WorkCalendar()
    old = [m.id for m in Milestone.select(Milestone.id).where((Milestone.item == item.id) & Milestone.done_at.is_null())]
    if old:
        reminders.cancel(item, [reminder_kind(i) for i in old], now)
        Milestone.delete().where(Milestone.id.in_(old)).execute()
    for day, text in rows:
        milestone = Milestone.create(item=item, title=text, due=datetime.combine(day, time.min))
        fire_at = datetime.combine(calendar.previous_workday(day), reminders.WORK_START)
        reminders.schedule(item, reminder_kind(milestone.id), max(fire_at, now), now)


def milestone_json(milestone: Milestone) -> dict[str, Any]:
    """A milestone as the sheet shows it: {date, text, done_at}."""
    return {"date": milestone.due.date().isoformat() if milestone.due else None, "text": milestone.title,
            "done_at": iso(milestone.done_at)}


def reminder_note(due: datetime, title: str) -> str:
    """What the unit hears the working day before a milestone (fired by pipeline/steps/firing.py)."""
    return f"时间表提醒：请于{due:%m月%d日}完成“{title}”"
