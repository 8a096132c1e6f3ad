"""Assessment rates (考核) by category, unit and community for a period."""
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from typing import Any

from models import Category, Item, Rating, Unit, as_local
from pipeline.rules.errors import Invalid
from pipeline.rules.overdue import is_overdue
from pipeline.rules.states import ACCEPTING_SCORES, CLOSED, MERGED, REJECTED, TAKEN_ON
from pipeline.rules.validate import parse_date


def parse_period(start: str | None, end: str | None, today: date) -> tuple[date, date]:
    end_day = parse_date(end, "to", today)
    start_day = parse_date(start, "from", end_day - timedelta(days=30))
    if start_day > end_day:
        raise Invalid("开始日期不能晚于结束日期", field="from")
    return start_day, end_day


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def stats(start: str | None = None, end: str | None = None, now: datetime | None = None) -> dict[str, Any]:
    """Response, on-time, resolution and satisfaction rates, reassignments, overdue."""
    now = as_local(now)
    start_day, end_day = parse_period(start, end, now.date())
    items = list(Item.select().where(
        (Item.created_at >= datetime.combine(start_day, time.min))
        & (Item.created_at < datetime.combine(end_day + timedelta(days=1), time.min))
        & Item.status.not_in((MERGED, REJECTED))))
    ids = [i.id for i in items]
    latest = {}
    if ids:
        for rating in Rating.select().where(Rating.item.in_(ids)).order_by(Rating.id):
            latest[rating.item_id] = rating.score
    categories = {c.id: c.name for c in Category.select()}
    units = {u.id: u.name for u in Unit.select()}
    groups: dict[str, defaultdict[Any, list[Item]]] = {
        "by_category": defaultdict(list), "by_unit": defaultdict(list), "by_community": defaultdict(list)}
    for item in items:
        groups["by_category"][item.category_id].append(item)
        groups["by_unit"][item.claimed_unit_id or item.unit_id].append(item)
        groups["by_community"][item.community].append(item)
    names: dict[str, dict[Any, str]] = {"by_category": categories, "by_unit": units, "by_community": {}}
    result: dict[str, Any] = {"from": start_day.isoformat(), "to": end_day.isoformat(), "total": len(items)}
    for group, buckets in groups.items():
        rows = []
        for key, members in buckets.items():
            rows.append(_row(key, names[group].get(key, key) if key is not None else "未分类", members, latest, now))
        rows.sort(key=lambda r: (-r["total"], str(r["name"])))
        result[group] = rows
    return result


def _row(key: Any, name: str, members: list[Item], latest: dict[int, str], now: datetime) -> dict[str, Any]:
    total = len(members)
    responded = sum(1 for i in members if i.claimed_at or i.status in TAKEN_ON)
    resolved = [i for i in members if i.resolved_at or i.status == CLOSED]
    on_time = sum(1 for i in resolved if i.due and i.resolved_at and i.resolved_at.date() <= i.due)
    rated = [i for i in members if i.id in latest]
    satisfied = sum(1 for i in rated if latest[i.id] in ACCEPTING_SCORES)
    return {
        "key": key, "name": name, "total": total, "responded": responded, "resolved": len(resolved),
        "on_time": on_time, "satisfied": satisfied,
        "response_rate": _rate(responded, total), "resolution_rate": _rate(len(resolved), total),
        "on_time_rate": _rate(on_time, len(resolved)), "satisfaction_rate": _rate(satisfied, len(rated)),
        "reassigned": sum(1 for i in members if i.round > 1),
        "overdue": sum(1 for i in members if is_overdue(i, now.date())),
    }
