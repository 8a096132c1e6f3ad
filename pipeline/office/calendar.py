"""The office's own calendar (节假日调整): extra holidays and adjusted workdays on top
of chinese-calendar, one year at a time.

Deadlines read it through `pipeline.rules.workdays.WorkCalendar`, which loads the
table afresh for every operation and sweep (nothing is cached across requests or
processes), so a change counts for the next deadline any worker computes.
"""
from __future__ import annotations

import calendar as months
from datetime import date
from typing import Any

from models import CalendarDay, iso
from pipeline.rules.actors import Actor
from pipeline.rules.core import transaction
from pipeline.rules.errors import Forbidden, Invalid, NotFound
from pipeline.rules.permissions import permitted
from pipeline.rules.validate import choice, optional_text, parse_date
from pipeline.rules.workdays import national_workday

DAY_KINDS = {"holiday": "放假", "workday": "调休上班"}
NOTE_LENGTH = 64
MAX_DAYS = 366


def _year(value: object) -> int:
    try:
        year = int(str(value))
    except ValueError:
        year = 0
    if not 2000 <= year <= 2099:
        raise Invalid("年份应为2000到2099之间的四位数", field="year")
    return year


def day_json(row: CalendarDay) -> dict[str, Any]:
    return {"date": iso(row.day), "kind": "workday" if row.is_workday else "holiday",
            "label": DAY_KINDS["workday" if row.is_workday else "holiday"], "note": row.note}


def year_calendar(year: object) -> dict[str, Any]:
    """The office's entries for `year`, by date: {year, days: [{date, kind, label, note}]}."""
    number = _year(year)
    rows = (CalendarDay.select().where((CalendarDay.day >= date(number, 1, 1)) & (CalendarDay.day <= date(number, 12, 31)))
            .order_by(CalendarDay.day))
    return {"year": number, "days": [day_json(row) for row in rows]}


def _entry(entry: object, year: int, index: int) -> tuple[date, bool, str | None]:
    field = f"days[{index}]"
    if not isinstance(entry, dict):
        raise Invalid("每一天应为 {date, kind, note?}", field=field)
    day = parse_date(entry.get("date"), f"{field}.date")
    if day.year != year:
        raise Invalid(f"{day.isoformat()} 不在{year}年内", code="wrong_year", field=f"{field}.date")
    kind = choice(entry.get("kind"), DAY_KINDS, f"{field}.kind", "日期类型")
    note = optional_text(entry.get("note"), f"{field}.note", "说明", NOTE_LENGTH)
    return day, kind == "workday", note


def replace_year(actor: Actor, year: object, days: object) -> dict[str, Any]:
    """The office replaces `year`'s extra holidays and adjusted workdays with `days`
    ([{date, kind: holiday|workday, note?}]); every entry is checked before anything
    is written. Deadlines computed from then on use it."""
    if not permitted("calendar.manage", actor):
        raise Forbidden("只有活动办可以维护节假日", code="forbidden")
    number = _year(year)
    if not isinstance(days, list) or len(days) > MAX_DAYS:
        raise Invalid(f"days 应为日期列表（至多{MAX_DAYS}天）", field="days")
    entries = [_entry(entry, number, index) for index, entry in enumerate(days)]
    seen: set[date] = set()
    for index, (day, _, _) in enumerate(entries):
        if day in seen:
            raise Invalid(f"{day.isoformat()} 重复出现", code="duplicate_date", field=f"days[{index}].date")
        seen.add(day)
    for index, (day, workday, _) in enumerate(entries):
        if workday and national_workday(day):
            raise Invalid(f"{day.isoformat()} 本来就是工作日，无需调休上班", code="already_workday",
                          field=f"days[{index}].kind")
    with transaction():
        CalendarDay.delete().where((CalendarDay.day >= date(number, 1, 1))
                                   & (CalendarDay.day <= date(number, 12, 31))).execute()
        for day, workday, note in entries:
            CalendarDay.create(day=day, is_workday=workday, note=note)
    return year_calendar(number)


def _entries_of(year: int) -> list[dict[str, Any]]:
    return [{"date": d["date"], "kind": d["kind"], "note": d["note"]} for d in year_calendar(year)["days"]]


def set_day(actor: Actor, day: object, kind: object, note: object = None) -> dict[str, Any]:
    """The office marks one day as an extra holiday or an adjusted workday (the console's
    year view): that year's entries with this day added or changed, checked as `replace_year`."""
    when = parse_date(day, "date")
    entries = [entry for entry in _entries_of(when.year) if entry["date"] != when.isoformat()]
    return replace_year(actor, when.year, [*entries, {"date": when.isoformat(), "kind": kind, "note": note}])


def remove_day(actor: Actor, day: object) -> dict[str, Any]:
    """The office takes one day off its calendar: chinese-calendar decides that day again."""
    when = parse_date(day, "date")
    entries = _entries_of(when.year)
    if not any(entry["date"] == when.isoformat() for entry in entries):
        raise NotFound(f"{when.isoformat()} 不在活动办的节假日调整中", code="not_found")
    return replace_year(actor, when.year, [entry for entry in entries if entry["date"] != when.isoformat()])


def year_grid(year: object) -> list[dict[str, Any]]:
    """Twelve months of `year` for the year view: each month's weeks (Monday first) of
    days {date, day, workday, office: holiday|workday|None, note}, None outside the month."""
    number = _year(year)
    office = {d["date"]: d for d in year_calendar(number)["days"]}
    grid = []
    for month in range(1, 13):
        weeks = []
        for week in months.Calendar(firstweekday=0).monthdatescalendar(number, month):
            weeks.append([None if d.month != month else {
                "date": d.isoformat(), "day": d.day, "workday": d.isoformat() not in office and national_workday(d)
                or office.get(d.isoformat(), {}).get("kind") == "workday",
                "office": office.get(d.isoformat(), {}).get("kind"), "note": office.get(d.isoformat(), {}).get("note")}
                for d in week])
        grid.append({"month": month, "weeks": weeks})
    return grid
