"""The assessment's figures kept per collection day (pipeline.views.figures).

A quarter's or a year's dashboard sums a few thousand of these rows instead of
reading every item of the period with its ratings, evaluations and send-backs.
An item's measures change after the day it was collected, so every operation
notes the collection days of the items it changed (`FigureChange`); a read
recomputes those days first.
"""
from peewee import CharField, DateField, IntegerField

from .base import BaseModel


class DailyFigure(BaseModel):
    """The counts of `pipeline.views.stats.COUNTS` but overdue, for the items of one street
    office collected on `day` that fall in one group of one dimension and share a running
    deadline (a district's figures sum every office's rows, an office's its own).

    Overdue depends on today, not only on the items: rows keep, for items whose deadline
    runs (`rules.overdue.deadline_running`), their due date in `due` (NULL for the rest),
    and a read counts as overdue the rows whose `due` is before its today."""

    day = DateField()
    office_id = IntegerField(null=True)  # the street office of the items counted (models.people.Office)
    dimension = CharField(max_length=12)  # category | unit | community
    key = CharField(max_length=100, null=True)  # a category's or unit's id, a community's name; NULL: none
    due = DateField(null=True)
    total = IntegerField()
    responded = IntegerField()
    resolved = IntegerField()
    on_time = IntegerField()
    rated = IntegerField()
    satisfied = IntegerField()
    unsatisfied = IntegerField()
    org_rated = IntegerField()
    org_satisfied = IntegerField()
    supervisor_rated = IntegerField()
    supervisor_satisfied = IntegerField()
    returned = IntegerField()
    redone = IntegerField()

    class Meta:
        indexes = ((("day", "dimension"), False),)


class FigureChange(BaseModel):
    """A collection day whose kept figures an operation changed since they were computed.

    Only ever inserted (one row per operation and item, so concurrent operations never
    wait for each other here) and deleted by the recount that read it; unindexed but for
    its id, as it holds at most the changes since the last read or nightly run."""

    day = DateField()
