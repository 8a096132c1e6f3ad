"""Overdue, defined once. A deadline runs while an item waits to be claimed or is
being handled (`states.UNDER_DEADLINE`) and has a due date; the day after that
date it is overdue. Overdue is derived, never a status: lists, chasing, stats,
the weekly bulletin and the daily digest all ask here."""
from datetime import date

from peewee import Expression

from models import Item
from pipeline.rules.states import UNDER_DEADLINE


def deadline_running(item: Item) -> bool:
    """Whether the item's deadline is running (a status under deadline, and a due date)."""
    return item.status in UNDER_DEADLINE and item.due is not None


def is_overdue(item: Item, today: date) -> bool:
    """Whether the item is past its deadline on `today`."""
    return deadline_running(item) and today > item.due


def deadline_running_condition() -> Expression:
    """`deadline_running` as a condition on Item for queries."""
    return Item.status.in_(UNDER_DEADLINE) & Item.due.is_null(False)


def overdue_condition(today: date) -> Expression:
    """`is_overdue` as a condition on Item for queries."""
    return deadline_running_condition() & (Item.due < today)


def before_due_condition(today: date) -> Expression:
    """The deadline runs and has not passed on `today` (a deadline reminder still applies)."""
    return deadline_running_condition() & (Item.due >= today)


def overdue_items(today: date) -> list[Item]:
    """Every item overdue on `today`, the longest overdue first."""
    return list(Item.select().where(overdue_condition(today)).order_by(Item.due, Item.id))
