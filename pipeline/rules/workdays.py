"""Chinese working days for deadlines (限时办结).

Order of authority: the office's own table (CalendarDay: extra holidays and
adjusted workdays), then chinese-calendar for the years it knows, then plain
weekends for later years — chinese-calendar raises for a year it has no data
for, and a deadline landing in such a year must still work.
"""
from datetime import date, datetime, time, timedelta

import chinese_calendar

from models import CalendarDay

# When the office closes: "the same day" asked for later than this is the next working day.
OFFICE_CLOSES = time(17, 30)


def national_workday(day: date) -> bool:
    """Whether `day` is a working day by chinese-calendar (plain weekends past its last year)."""
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return day.weekday() < 5


class WorkCalendar:
    """Working-day arithmetic with the office's overrides loaded once."""

    def __init__(self, overrides: dict[date, bool] | None = None) -> None:
        if overrides is None:
            overrides = {row.day: row.is_workday for row in CalendarDay.select()}
        self.overrides = overrides
        self._known: dict[date, bool] = dict(overrides)  # every day asked about, remembered (a sweep asks often)

    def is_workday(self, day: date) -> bool:
        known = self._known.get(day)
        if known is None:
            known = self._known[day] = national_workday(day)
        return known

    def next_workday(self, day: date, include_today: bool = True) -> date:
        """`day` itself if it is a working day (and include_today), else the next one."""
        current = day if include_today else day + timedelta(days=1)
        while not self.is_workday(current):
            current += timedelta(days=1)
        return current

    def same_day(self, now: datetime) -> date:
        """The working day "the same day" (现场答复、立时办结) means at `now`: today while
        the office is open on a working day, else the next working day."""
        today = now.date()
        if self.is_workday(today) and now.time() < OFFICE_CLOSES:
            return today
        return self.next_workday(today, include_today=False)

    def add_workdays(self, day: date, count: int) -> date:
        """The `count`-th working day after `day` (count 0: the same or next working day)."""
        if count <= 0:
            return self.next_workday(day)
        current = day
        remaining = count
        while remaining:
            current += timedelta(days=1)
            if self.is_workday(current):
                remaining -= 1
        return current

    def workdays_between(self, start: date, end: date) -> int:
        """Working days in (start, end]: how many working days `end` lies after `start`."""
        if end <= start:
            return 0
        total = 0
        current = start
        while current < end:
            current += timedelta(days=1)
            if self.is_workday(current):
                total += 1
        return total

    def workdays_left(self, due: date, today: date) -> int:
        """Working days from `today` to `due`; negative once `due` has passed (working days overdue)."""
        if due >= today:
            return self.workdays_between(today, due)
        return -self.workdays_between(due, today)

    def previous_workday(self, day: date) -> date:
        current = day - timedelta(days=1)
        while not self.is_workday(current):
            current -= timedelta(days=1)
        return current
