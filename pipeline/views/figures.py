"""The assessment's counts for a period: each item's measures in one statement, summed
live, or kept per collection day (models.figures) and summed from there.

`_per_item` evaluates every measure of `measures` for the items collected in a
range of days, one row per item, in one SELECT. It has two uses:

- `live_groups` sums those rows by category, unit, community and week: every item of
  the period is read on every call (at a million items, when the pages counted this
  way, a month took ~0.5 s and a year 5–8 s).
- `recount` sums them by collection day, dimension, group and running due date into
  `daily_figure`, and `kept_groups` sums a period's rows of it (a few thousand for a
  year) — what the dashboards read.

Both give {dimension: {key: counts}}, and must agree exactly (tests/pipeline/
test_daily_figures.py). The kept rows stay exact because every operation notes the
collection days of the items it changed (`rules.core.note_figures_changed`), and a
read recounts the noted days of its period first (`refresh`); the nightly job
recounts whatever is noted. Overdue alone changes without an operation, as days
pass: rows keep the due date of items whose deadline runs, and a read counts those
due before its today.
"""
from collections.abc import Iterable, Iterator
from datetime import date
from typing import Any

from peewee import JOIN, Case, Expression, fn

from models import DailyFigure, FigureChange, Item, TimelineEvent
from models.base import db, is_postgres
from pipeline.rules.core import serialise_writers, transaction
from pipeline.rules.overdue import deadline_running_condition
from pipeline.views import measures

# The counts every row carries (summed over groups), in the order the pages show them.
COUNTS = ("total", "responded", "resolved", "on_time", "rated", "satisfied", "unsatisfied", "org_rated",
          "org_satisfied", "supervisor_rated", "supervisor_satisfied", "returned", "redone", "overdue")
KEPT = COUNTS[:-1]  # what `daily_figure` keeps: all but overdue, which depends on the day it is read
DIMENSIONS = ("category", "unit", "community", "week", "office")
GROUPS = DIMENSIONS[:3]  # kept per day; weeks and offices are sums of days (office_id on every row)
RECOUNT_DAYS = 31  # collection days recounted in one statement at most
LOCK = "daily_figure"  # one recount (or rename) at a time


def _returns(ids: Expression) -> Any:
    """The items sent back (退单) at least once (models.items.RETURN_EVENTS_INDEX)."""
    return (TimelineEvent.select(TimelineEvent.item.alias("item_id"))
            .where((TimelineEvent.kind == "return") & ids).group_by(TimelineEvent.item).alias("t"))


def _per_item(start: date, end: date, office: int | None = None) -> tuple[str, list[Any]] | None:
    """SQL for each counted item collected from `start` to `end` (of one street office,
    when given): its groups, its street office, its collection `day`, its `due` date while its deadline runs (else NULL), and a 0/1
    column per count of KEPT but total. None when there is no such item.

    The send-backs are read for the period's range of item ids only (an index range;
    the join keeps just the period's items): reading them for every item ever collected
    would cost a day's figures as much as a year's."""
    where = measures.counted() & measures.created_between(start, end)
    if office is not None:
        where &= Item.office == office
    # `id + 0`: MIN(id) would be read from the primary key in id order, filtering every
    # older item on the way (PostgreSQL's plan for it took 0.8 s at a million items);
    # over an expression the period is read from its created_at index instead.
    low, high = Item.select(fn.MIN(Item.id + 0), fn.MAX(Item.id + 0)).where(where).tuples().get()
    if low is None:
        return None
    t = _returns(TimelineEvent.item.between(low, high))
    # Send-backs by a join to the period's few `return` events, not a lookup per item.
    flags = {name: t.c.item_id.is_null(False) if name == "returned" else measures.FLAGS[name]()
             for name in KEPT[1:]}
    query = (Item.select(Item.category.alias("category"), measures.accountable_unit().alias("unit"),
                         Item.community.alias("community"), Item.office.alias("office_id"),
                         fn.DATE(Item.created_at).alias("day"),
                         Case(None, [(deadline_running_condition(), Item.due)]).alias("due"),
                         *[Case(None, [(flag, 1)], 0).alias(name) for name, flag in flags.items()])
             .join(t, JOIN.LEFT_OUTER, on=(t.c.item_id == Item.id))
             .where(where))
    sql, params = query.sql()
    return sql, list(params)


def _sums(total: str, overdue: str | None = None) -> str:
    """The select list of sums: `total`, then each kept flag's SUM, then `overdue` if given."""
    return ", ".join([total, *(f'SUM("{name}")' for name in KEPT[1:]), *([overdue] if overdue else [])])


def _week(day: str) -> str:
    """SQL for the Monday of the week a date column falls in."""
    if is_postgres():
        return f"CAST(date_trunc('week', CAST({day} AS TIMESTAMP)) AS DATE)"
    return f"DATE({day}, 'weekday 0', '-6 days')"


def _overdue(counted: str) -> str:
    """The overdue sum: `counted` for the rows whose running deadline is before the parameter (today)."""
    return f'SUM(CASE WHEN "due" < {db.param} THEN {counted} ELSE 0 END)'


def _read(sql: str, params: list[Any]) -> dict[str, dict[Any, dict[str, int]]]:
    groups: dict[str, dict[Any, dict[str, int]]] = {dimension: {} for dimension in DIMENSIONS}
    for dimension, key, *counts in db.execute_sql(sql, params).fetchall():
        groups[dimension][_key(dimension, key)] = dict(zip(COUNTS, (int(n or 0) for n in counts), strict=True))
    return groups


def _key(dimension: str, text: str | None) -> Any:
    """A group's key from its text: a category or unit id, a community's name, a week's Monday."""
    if text is None or dimension == "community":
        return text
    return date.fromisoformat(str(text)[:10]) if dimension == "week" else int(text)


def live_groups(start: date, end: date, today: date, office: int | None = None) -> dict[str, dict[Any, dict[str, int]]]:
    """{dimension: {key: counts}} for the items collected from `start` to `end` (of one
    street office, when given), counted
    afresh in one statement: each item's measures once (a CTE), then summed by category,
    unit, community and week (four GROUP BYs, not one over all four: that made tens of
    thousands of groups over a year)."""
    found = _per_item(start, end, office)
    if found is None:
        return {dimension: {} for dimension in DIMENSIONS}
    inner, params = found
    sums = _sums("COUNT(*)", _overdue("1"))
    week = _week('"day"')
    selects = [f'SELECT \'{dimension}\', CAST("{dimension}" AS TEXT), {sums} FROM f GROUP BY "{dimension}"'
               for dimension in GROUPS] + [f"SELECT 'week', CAST({week} AS TEXT), {sums} FROM f GROUP BY {week}",
                                           f'SELECT \'office\', CAST("office_id" AS TEXT), {sums} FROM f GROUP BY "office_id"']
    sql = f"WITH f AS ({inner}) " + " UNION ALL ".join(selects)
    return _read(sql, params + [today.isoformat()] * len(selects))


def kept_groups(start: date, end: date, today: date, office: int | None = None) -> dict[str, dict[Any, dict[str, int]]]:
    """What `live_groups` gives, summed from the figures kept per collection day (the
    period's changed days recounted first); `office`: only one street office's rows."""
    refresh(start, end)
    sums = _sums('SUM("total")', _overdue('"total"'))
    period = f'"day" >= {db.param} AND "day" <= {db.param}'
    if office is not None:
        period += f' AND "office_id" = {int(office)}'
    week = _week('"day"')
    sql = (f'SELECT "dimension", "key", {sums} FROM "daily_figure" WHERE {period} GROUP BY "dimension", "key" '
           f"UNION ALL SELECT 'week', CAST({week} AS TEXT), {sums} FROM \"daily_figure\" "
           f"WHERE \"dimension\" = 'category' AND {period} GROUP BY {week} "
           f"UNION ALL SELECT 'office', CAST(\"office_id\" AS TEXT), {sums} FROM \"daily_figure\" "
           f"WHERE \"dimension\" = 'category' AND {period} GROUP BY \"office_id\"")
    params = [today.isoformat(), start.isoformat(), end.isoformat()]
    return _read(sql, params * 3)


def _runs(days: list[date]) -> Iterator[tuple[date, date]]:
    """Consecutive days (sorted, distinct) as (first, last) runs of RECOUNT_DAYS at most."""
    first = last = None
    for day in days:
        if first is not None and last is not None and (day - last).days == 1 and (day - first).days < RECOUNT_DAYS:
            last = day
            continue
        if first is not None and last is not None:
            yield first, last
        first = last = day
    if first is not None and last is not None:
        yield first, last


def recount(days: Iterable[date]) -> None:
    """Replace the kept figures of these collection days with a fresh count, a run of
    consecutive days per statement. Inside a transaction holding LOCK."""
    columns = ", ".join(f'"{name}"' for name in ("day", "office_id", "dimension", "key", "due", *KEPT))
    sums = _sums("COUNT(*)")
    for first, last in _runs(sorted(set(days))):
        DailyFigure.delete().where(DailyFigure.day.between(first, last)).execute()
        found = _per_item(first, last)
        if found is None:
            continue
        inner, params = found
        selects = [f'SELECT "day", "office_id", \'{dimension}\', CAST("{dimension}" AS TEXT), "due", {sums} FROM f '
                   f'GROUP BY "day", "office_id", "{dimension}", "due"' for dimension in GROUPS]
        db.execute_sql(f'WITH f AS ({inner}) INSERT INTO "daily_figure" ({columns}) ' + " UNION ALL ".join(selects),
                       params)


def refresh(start: date | None = None, end: date | None = None) -> int:
    """Recount the collection days (from `start` to `end`, or any) that operations have
    changed since they were counted; returns how many days.

    The changes read are the ones deleted, by id: one committed while the count ran
    stays noted for the next read (its sequence number may be below those read)."""
    def noted() -> Any:
        query = FigureChange.select(FigureChange.id, FigureChange.day)
        if start is not None:
            query = query.where(FigureChange.day >= start)
        if end is not None:
            query = query.where(FigureChange.day <= end)
        return query

    if not noted().exists():
        return 0  # a read with nothing changed takes no lock
    with transaction():
        serialise_writers(LOCK)
        changes = list(noted().tuples())  # again, under the lock: another read may have recounted them
        days = {day for _, day in changes}
        recount(days)
        ids = [change_id for change_id, _ in changes]
        for at in range(0, len(ids), 1000):
            FigureChange.delete().where(FigureChange.id.in_(ids[at:at + 1000])).execute()
    return len(days)


def rename_community(old: str, new: str) -> None:
    """Inside the transaction renaming a community: its kept figures follow the name."""
    serialise_writers(LOCK)
    (DailyFigure.update(key=new)
     .where((DailyFigure.dimension == "community") & (DailyFigure.key == old)).execute())
