"""What the assessment counts about one item, each as a condition on Item for SQL.

The statistics (`pipeline.views.stats`) sum these conditions with GROUP BY, and
the console's item list filters by the same ones (`lists.staff_items(measure=…)`),
so a number on the dashboard and the list it links to are one definition: the
figure is the list's length. Satisfaction is counted on each item's latest verdicts
(by id), which the item carries (models.items.LATEST_VERDICTS): residents' ratings
(app, chat, call-back and 群众评议会), 组织评议 and 督办评议.
"""
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any

from peewee import SQL, Expression, fn

from models import Item, TimelineEvent
from pipeline.rules.overdue import overdue_condition
from pipeline.rules.states import ACCEPTING_SCORES, CLOSED, MERGED, REJECTED, TAKEN_ON

# Measures a link may ask the item list for, code -> Chinese label.
MEASURES = {
    "counted": "纳入统计",
    "responded": "已响应",
    "resolved": "已办结",
    "on_time": "按期办结",
    "rated": "群众已评价",
    "satisfied": "群众满意",
    "unsatisfied": "群众不满意",
    "org_rated": "已组织评议",
    "org_satisfied": "组织评议满意",
    "supervisor_rated": "已督办评议",
    "supervisor_satisfied": "督办评议满意",
    "returned": "有退单",
    "redone": "返工（第二轮及以后）",
    "overdue": "超期",
}
NONE_KEY = "-"  # a link's value for "no category / no unit / no community"


def counted() -> Expression:
    """Items the assessment counts: everything but merged duplicates and rejected reports."""
    return Item.status.not_in((MERGED, REJECTED))


def created_between(start: date, end: date) -> Expression:
    """Collected on a day from `start` to `end`, both included."""
    return ((Item.created_at >= datetime.combine(start, time.min))
            & (Item.created_at < datetime.combine(end + timedelta(days=1), time.min)))


def responded() -> Expression:
    """A unit took it on (响应)."""
    return Item.claimed_at.is_null(False) | Item.status.in_(TAKEN_ON)


def resolved() -> Expression:
    """The unit finished this round (办结), or it is closed."""
    return Item.resolved_at.is_null(False) | (Item.status == CLOSED)


def on_time() -> Expression:
    """Finished on or before its due date (按期办结)."""
    return (Item.resolved_at.is_null(False) & Item.due.is_null(False)
            & (fn.DATE(Item.resolved_at) <= Item.due))


def verdict(column: Any, scores: frozenset[str] | None = None) -> Expression:
    """The item's latest verdict of a kind (an Item column of models.items.LATEST_VERDICTS):
    given at all, or one of `scores`."""
    return column.is_null(False) if scores is None else column.in_(sorted(scores))


def returned() -> Expression:
    """A unit sent it back to the office at least once (退单)."""
    events = TimelineEvent.alias()
    return fn.EXISTS(events.select(SQL("1")).where((events.item == Item.id) & (events.kind == "return")))


UNSATISFIED = frozenset({"unsatisfied"})


# Every measure but overdue (which depends on the day asked), as a condition on Item.
FLAGS: dict[str, Callable[[], Expression]] = {
    "counted": counted,
    "responded": responded,
    "resolved": resolved,
    "on_time": on_time,
    "rated": lambda: verdict(Item.latest_rating),
    "satisfied": lambda: verdict(Item.latest_rating, ACCEPTING_SCORES),
    "unsatisfied": lambda: verdict(Item.latest_rating, UNSATISFIED),
    "org_rated": lambda: verdict(Item.latest_org_evaluation),
    "org_satisfied": lambda: verdict(Item.latest_org_evaluation, ACCEPTING_SCORES),
    "supervisor_rated": lambda: verdict(Item.latest_supervisor_evaluation),
    "supervisor_satisfied": lambda: verdict(Item.latest_supervisor_evaluation, ACCEPTING_SCORES),
    "returned": returned,
    "redone": lambda: Item.round > 1,
}


def condition(measure: str, today: date) -> Expression:
    """The condition for `measure` (a key of MEASURES), as of `today` for overdue."""
    return overdue_condition(today) if measure == "overdue" else FLAGS[measure]()


def accountable_unit() -> Any:
    """The unit an item counts for: the one that claimed it, else the one the sheet named."""
    return fn.COALESCE(Item.claimed_unit, Item.unit)
