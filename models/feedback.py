"""Steps 5 and 6 records: supervision notes, evaluations, ratings, meetings."""
from peewee import (
    BooleanField,
    CharField,
    FloatField,
    ForeignKeyField,
    IntegerField,
    TextField,
)

from .base import BaseModel, DateTimeField, JSONField, local_now
from .items import Item
from .people import Resident, StaffUser


class SupervisionNote(BaseModel):
    """A supervisor's note or urge (督办) on an open item."""

    item = ForeignKeyField(Item, backref="supervision_notes", on_delete="CASCADE")
    round = IntegerField()
    resident = ForeignKeyField(Resident, null=True, on_delete="SET NULL", backref="+")
    staff = ForeignKeyField(StaffUser, null=True, on_delete="SET NULL", backref="+")
    author_name = CharField(max_length=100)
    note = TextField()
    urge = BooleanField(default=False)
    at = DateTimeField(default=local_now)


class Evaluation(BaseModel):
    """The organisation's or the supervisors' evaluation (组织评议 / 督办评议)."""

    item = ForeignKeyField(Item, backref="evaluations", on_delete="CASCADE")
    round = IntegerField()
    kind = CharField(max_length=12)  # org | supervisor
    score = CharField(max_length=24)
    comment = TextField(null=True)
    resident = ForeignKeyField(Resident, null=True, on_delete="SET NULL", backref="+")
    staff = ForeignKeyField(StaffUser, null=True, on_delete="SET NULL", backref="+")
    at = DateTimeField(default=local_now)


class Rating(BaseModel):
    """The residents' verdict on a round: app, chat, phone call-back or meeting."""

    item = ForeignKeyField(Item, backref="ratings", on_delete="CASCADE")
    round = IntegerField()
    score = CharField(max_length=24)
    comment = TextField(null=True)
    source = CharField(max_length=12)  # app | wechat | callback | meeting
    resident = ForeignKeyField(Resident, null=True, on_delete="SET NULL", backref="+")
    recorded_by = ForeignKeyField(StaffUser, null=True, on_delete="SET NULL", backref="+")
    at = DateTimeField(default=local_now)


class Meeting(BaseModel):
    """会诊 (consultation), 情况说明会 (explanation) or 群众评议会 (evaluation)."""

    item = ForeignKeyField(Item, backref="meetings", on_delete="CASCADE")
    round = IntegerField()
    kind = CharField(max_length=16)  # consultation | explanation | evaluation
    held_at = DateTimeField()
    attendees = JSONField(null=True)
    minutes = TextField()
    satisfaction = FloatField(null=True)  # share of satisfied votes, evaluation meetings
    recorded_by = ForeignKeyField(StaffUser, null=True, on_delete="SET NULL", backref="+")
    created_at = DateTimeField(default=local_now)


class Milestone(BaseModel):
    """Milestones of a long-term item after its explanation meeting."""

    item = ForeignKeyField(Item, backref="milestones", on_delete="CASCADE")
    title = CharField(max_length=200)
    due = DateTimeField(null=True)
    done_at = DateTimeField(null=True)
