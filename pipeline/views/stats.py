"""Assessment rates (考核) by category, unit, community and week for a period, in SQL.

The counts come from `pipeline.views.figures`: each item's measures (those of
`pipeline.views.measures`, the list filters' own definitions) kept per collection
day and summed over the period by category, accountable unit, community and week.
A few dozen rows come back, and nothing is read per item in Python.

Satisfaction is counted three ways, each on the latest verdict per item (by id):
residents (ratings by app, chat, call-back and 群众评议会, whose result is recorded
as a rating), the organisation (组织评议) and the supervisors (督办评议).
"""
from datetime import date, datetime, time, timedelta
from typing import Any

from peewee import Case, fn

from models import Category, Evaluation, Office, Rating, Unit, as_local, iso
from pipeline.rules.errors import Invalid
from pipeline.rules.states import ACCEPTING_SCORES
from pipeline.rules.validate import parse_date
from pipeline.views.figures import COUNTS, kept_groups

MAX_DAYS = 366 * 2  # the longest period asked for at once

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
NO_GROUP = {"category": "未分类", "unit": "未定单位", "community": "未填社区", "office": "未定街道"}


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


def finish(key: Any, name: str, counts: dict[str, int]) -> dict[str, Any]:
    """A row: its key and name, its counts and its rates (None where nothing to divide by)."""
    row: dict[str, Any] = {"key": key, "name": name, **counts}
    row["reassigned"] = counts["redone"]  # the field's older name, kept for API clients
    for rate_name, (part, whole) in RATES.items():
        row[rate_name] = rate(counts[part], counts[whole])
    return row


def stats(start: str | None = None, end: str | None = None, now: datetime | None = None,
          office: int | None = None) -> dict[str, Any]:
    """Response, on-time, resolution and satisfaction rates (residents, organisation,
    supervisors), send-backs, redos and overdue, for items collected in the period:
    overall, by category, unit, community, and week by week. `office`: one street
    office's items (`pipeline.rules.offices.office_in_view`), else the installation's."""
    now = as_local(now)
    start_day, end_day = parse_period(start, end, now.date())
    groups = kept_groups(start_day, end_day, now.date(), office)
    categories = {c.id: c for c in Category.select(Category.id, Category.name, Category.code)}
    units = {u.id: u.name for u in Unit.select(Unit.id, Unit.name)}
    overall = dict.fromkeys(COUNTS, 0)
    for counts in groups["category"].values():  # every item has one category key (None included)
        for name in COUNTS:
            overall[name] += counts[name]
    result: dict[str, Any] = {"from": start_day.isoformat(), "to": end_day.isoformat(), "office": office,
                              "total": overall["total"],
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
    # The district compares its street offices; an office's own figures have one row here.
    offices = {o.id: o.name for o in Office.select(Office.id, Office.name)}
    by_office = [finish(key, offices.get(key, NO_GROUP["office"]), counts) for key, counts in groups["office"].items()]
    for rows in (by_category, by_unit, by_community, by_office):
        rows.sort(key=lambda r: (-r["total"], str(r["name"])))
    result.update(by_category=by_category, by_unit=by_unit, by_community=by_community, by_office=by_office,
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
