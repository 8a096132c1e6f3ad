"""Assessment rates (考核) by category, unit, community and week for a period, in SQL.

One statement computes each of the period's items' measures once (those of
`pipeline.views.measures`, the list filters' own definitions) and sums them by
category, accountable unit, community and week: a few dozen rows come back, and
nothing is read per item in Python.

Satisfaction is counted three ways, each on the latest verdict per item (by id):
residents (ratings by app, chat, call-back and 群众评议会, whose result is recorded
as a rating), the organisation (组织评议) and the supervisors (督办评议).
"""
from datetime import date, datetime, time, timedelta
from typing import Any

from peewee import JOIN, Case, Expression, fn

from models import Category, Evaluation, Item, Rating, TimelineEvent, Unit, as_local, iso
from models.base import db, is_postgres
from pipeline.rules.errors import Invalid
from pipeline.rules.overdue import overdue_condition
from pipeline.rules.states import ACCEPTING_SCORES
from pipeline.rules.validate import parse_date
from pipeline.views import measures

MAX_DAYS = 366 * 2  # the longest period asked for at once

# The counts every row carries (summed over groups), in the order the pages show them.
COUNTS = ("total", "responded", "resolved", "on_time", "rated", "satisfied", "unsatisfied", "org_rated",
          "org_satisfied", "supervisor_rated", "supervisor_satisfied", "returned", "redone", "overdue")
# rate name -> (numerator, denominator)
RATES = {
    "response_rate": ("responded", "total"),
    "resolution_rate": ("resolved", "total"),
    "on_time_rate": ("on_time", "resolved"),
    "satisfaction_rate": ("satisfied", "rated"),
    "org_satisfaction_rate": ("org_satisfied", "org_rated"),
    "supervisor_satisfaction_rate": ("supervisor_satisfied", "supervisor_rated"),
    "return_rate": ("returned", "total"),
    "redo_rate": ("redone", "total"),
}
RATE_LABELS = {
    "response_rate": "响应率",
    "on_time_rate": "按期办结率",
    "resolution_rate": "办结率",
    "satisfaction_rate": "群众满意率",
    "org_satisfaction_rate": "组织评议满意率",
    "supervisor_satisfaction_rate": "督办评议满意率",
    "return_rate": "退单率",
    "redo_rate": "返工率",
}
NO_GROUP = {"category": "未分类", "unit": "未定单位", "community": "未填社区"}


def parse_period(start: str | None, end: str | None, today: date) -> tuple[date, date]:
    end_day = parse_date(end, "to", today)
    start_day = parse_date(start, "from", end_day - timedelta(days=30))
    if start_day > end_day:
        raise Invalid("开始日期不能晚于结束日期", field="from")
    if (end_day - start_day).days > MAX_DAYS:
        raise Invalid("统计期间不能超过两年", field="from")
    return start_day, end_day


def rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _week(column: Any) -> Any:
    """The Monday of the week `column` (a datetime) falls in."""
    if is_postgres():
        return fn.date_trunc("week", column).cast("date")
    return fn.date(column, "weekday 0", "-6 days")


def _ratings(ids: Expression) -> Any:
    """Per item: its latest rating's id, and the latest satisfied / unsatisfied one's."""
    accepting = sorted(ACCEPTING_SCORES)
    return (Rating.select(Rating.item.alias("item_id"), fn.MAX(Rating.id).alias("last"),
                          fn.MAX(Case(None, [(Rating.score.in_(accepting), Rating.id)])).alias("ok"),
                          fn.MAX(Case(None, [(Rating.score == "unsatisfied", Rating.id)])).alias("bad"))
            .where(ids).group_by(Rating.item).alias("r"))


def _evaluations(ids: Expression) -> Any:
    """Per item and kind (org, supervisor): the latest evaluation's id, and the latest satisfied one's."""
    accepting = sorted(ACCEPTING_SCORES)
    columns = [Evaluation.item.alias("item_id")]
    for kind in ("org", "supervisor"):
        mine = Evaluation.kind == kind
        columns += [fn.MAX(Case(None, [(mine, Evaluation.id)])).alias(f"{kind}_last"),
                    fn.MAX(Case(None, [(mine & Evaluation.score.in_(accepting), Evaluation.id)])).alias(f"{kind}_ok")]
    return Evaluation.select(*columns).where(ids).group_by(Evaluation.item).alias("e")


def _returns(ids: Expression) -> Any:
    """The items sent back (退单) at least once (models.items.RETURN_EVENTS_INDEX)."""
    return (TimelineEvent.select(TimelineEvent.item.alias("item_id"))
            .where((TimelineEvent.kind == "return") & ids).group_by(TimelineEvent.item).alias("t"))


DIMENSIONS = ("category", "unit", "community", "week")


def _groups(start: date, end: date, today: date) -> dict[str, dict[Any, dict[str, int]]]:
    """{dimension: {key: counts}} for the period's items, in one statement: each item's
    measures once (a CTE), then summed by category, unit, community and week.

    The ratings, evaluations and send-backs are read for the period's range of item
    ids only (an index range; the join keeps just the period's items): reading them
    for every item ever collected would cost a month's figures as much as a year's."""
    where = measures.counted() & measures.created_between(start, end)
    # `id + 0`: MIN(id) would be read from the primary key in id order, filtering every
    # older item on the way (PostgreSQL's plan for it took 0.8 s at a million items);
    # over an expression the period is read from its created_at index instead.
    low, high = Item.select(fn.MIN(Item.id + 0), fn.MAX(Item.id + 0)).where(where).tuples().get()
    if low is None:
        return {dimension: {} for dimension in DIMENSIONS}
    r = _ratings(Rating.item.between(low, high))
    e = _evaluations(Evaluation.item.between(low, high))
    t = _returns(TimelineEvent.item.between(low, high))
    flags: dict[str, Expression] = {
        "responded": measures.responded(),
        "resolved": measures.resolved(),
        "on_time": measures.on_time(),
        "rated": r.c.last.is_null(False),
        "satisfied": r.c.last == r.c.ok,
        "unsatisfied": r.c.last == r.c.bad,
        "org_rated": e.c.org_last.is_null(False),
        "org_satisfied": e.c.org_last == e.c.org_ok,
        "supervisor_rated": e.c.supervisor_last.is_null(False),
        "supervisor_satisfied": e.c.supervisor_last == e.c.supervisor_ok,
        "returned": t.c.item_id.is_null(False),
        "redone": Item.round > 1,
        "overdue": overdue_condition(today),
    }
    per_item = (Item.select(Item.category.alias("category"), measures.accountable_unit().alias("unit"),
                            Item.community.alias("community"), _week(Item.created_at).alias("week"),
                            *[Case(None, [(flag, 1)], 0).alias(name) for name, flag in flags.items()])
                .join(r, JOIN.LEFT_OUTER, on=(r.c.item_id == Item.id))
                .switch(Item).join(e, JOIN.LEFT_OUTER, on=(e.c.item_id == Item.id))
                .switch(Item).join(t, JOIN.LEFT_OUTER, on=(t.c.item_id == Item.id))
                .where(where))
    inner, params = per_item.sql()
    sums = ", ".join(f'SUM("{name}")' for name in flags)
    sql = f"WITH f AS ({inner}) " + " UNION ALL ".join(
        f"SELECT '{dimension}', CAST(\"{dimension}\" AS TEXT), COUNT(*), {sums} FROM f GROUP BY \"{dimension}\""
        for dimension in DIMENSIONS)
    groups: dict[str, dict[Any, dict[str, int]]] = {dimension: {} for dimension in DIMENSIONS}
    for dimension, key, *counts in db.execute_sql(sql, params).fetchall():
        groups[dimension][_key(dimension, key)] = dict(zip(COUNTS, (int(n or 0) for n in counts), strict=True))
    return groups


def _key(dimension: str, text: str | None) -> Any:
    """A group's key from its text: a category or unit id, a community's name, a week's Monday."""
    if text is None or dimension == "community":
        return text
    return date.fromisoformat(text[:10]) if dimension == "week" else int(text)


def finish(key: Any, name: str, counts: dict[str, int]) -> dict[str, Any]:
    """A row: its key and name, its counts and its rates (None where nothing to divide by)."""
    row: dict[str, Any] = {"key": key, "name": name, **counts}
    row["reassigned"] = counts["redone"]  # the field's older name, kept for API clients
    for rate_name, (part, whole) in RATES.items():
        row[rate_name] = rate(counts[part], counts[whole])
    return row


def stats(start: str | None = None, end: str | None = None, now: datetime | None = None) -> dict[str, Any]:
    """Response, on-time, resolution and satisfaction rates (residents, organisation,
    supervisors), send-backs, redos and overdue, for items collected in the period:
    overall, by category, unit, community, and week by week."""
    now = as_local(now)
    start_day, end_day = parse_period(start, end, now.date())
    groups = _groups(start_day, end_day, now.date())
    categories = {c.id: c for c in Category.select(Category.id, Category.name, Category.code)}
    units = {u.id: u.name for u in Unit.select(Unit.id, Unit.name)}
    overall = dict.fromkeys(COUNTS, 0)
    for counts in groups["category"].values():  # every item has one category key (None included)
        for name in COUNTS:
            overall[name] += counts[name]
    result: dict[str, Any] = {"from": start_day.isoformat(), "to": end_day.isoformat(), "total": overall["total"],
                              "summary": finish(None, "合计", overall)}
    by_category = []
    for key, counts in groups["category"].items():
        category = categories.get(key)
        row = finish(key, category.name if category else NO_GROUP["category"], counts)
        row["code"] = category.code if category else None
        by_category.append(row)
    by_unit = [finish(key, units.get(key, NO_GROUP["unit"]) if key is not None else NO_GROUP["unit"], counts)
               for key, counts in groups["unit"].items()]
    by_community = [finish(key, key if key is not None else NO_GROUP["community"], counts)
                    for key, counts in groups["community"].items()]
    for rows in (by_category, by_unit, by_community):
        rows.sort(key=lambda r: (-r["total"], str(r["name"])))
    result.update(by_category=by_category, by_unit=by_unit, by_community=by_community,
                  by_week=_weeks(groups["week"], start_day, end_day))
    return result


def _weeks(sums: dict[Any, dict[str, int]], start: date, end: date) -> list[dict[str, Any]]:
    """Every week of the period (empty ones too), oldest first, each clipped to the period."""
    monday = start - timedelta(days=start.weekday())
    weeks = []
    while monday <= end:
        first, last = max(monday, start), min(monday + timedelta(days=6), end)
        row = finish(monday.isoformat(), f"{first:%m-%d}至{last:%m-%d}", sums.get(monday, dict.fromkeys(COUNTS, 0)))
        row.update({"from": iso(first), "to": iso(last)})
        weeks.append(row)
        monday += timedelta(days=7)
    return weeks


def verdicts_between(start: date, end: date) -> dict[str, dict[str, Any]]:
    """Verdicts recorded in [start, end] (the weekly bulletin): residents' ratings and
    the organisation's and supervisors' evaluations, each counted and the share satisfied."""
    since, until = datetime.combine(start, time.min), datetime.combine(end + timedelta(days=1), time.min)
    accepting = sorted(ACCEPTING_SCORES)
    satisfied = fn.SUM(Case(None, [(Rating.score.in_(accepting), 1)], 0))
    residents = (Rating.select(fn.COUNT(Rating.id), satisfied)
                 .where((Rating.at >= since) & (Rating.at < until)).tuples().get())
    verdicts = {"residents": residents}
    kinds = (Evaluation.select(Evaluation.kind, fn.COUNT(Evaluation.id),
                               fn.SUM(Case(None, [(Evaluation.score.in_(accepting), 1)], 0)))
             .where((Evaluation.at >= since) & (Evaluation.at < until)).group_by(Evaluation.kind).tuples())
    for kind, count, ok in kinds:
        verdicts[kind] = (count, ok)
    return {kind: {"count": int(counts[0] or 0), "satisfied": int(counts[1] or 0),
                   "rate": rate(int(counts[1] or 0), int(counts[0] or 0))}
            for kind, counts in ((k, verdicts.get(k, (0, 0))) for k in ("residents", "org", "supervisor"))}
