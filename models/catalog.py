"""The category tree (分类), the office's working-day calendar and its list of
communities (社区) — editable data."""
from peewee import BooleanField, CharField, DoubleField, ForeignKeyField, IntegerField

from .base import BaseModel, DateField, DateTimeField, local_now
from .people import Office, StaffUser


class Category(BaseModel):
    """Top categories (经济/民生/作风) and their sub-items with default tier and limit."""

    code = CharField(max_length=32, unique=True)
    name = CharField(max_length=32)
    parent = ForeignKeyField("self", null=True, backref="children", on_delete="CASCADE")
    default_tier = CharField(max_length=16, default="limited")
    limit_days = IntegerField(default=5)  # working days for the `limited` tier
    public = BooleanField(default=True)  # 作风 items never reach the public board
    sort = IntegerField(default=0)
    active = BooleanField(default=True)


class CalendarDay(BaseModel):
    """The office's own holiday (is_workday=False) or adjusted workday (True)."""

    day = DateField(unique=True)
    is_workday = BooleanField()
    note = CharField(max_length=64, null=True)


class Community(BaseModel):
    """A community of the street (社区), kept by the office: what residents pick, what a
    report belongs to, an area supervisors work on. Items, residents, units and
    notices name it by `name`; the optional centre point places a sent location."""

    name = CharField(max_length=100, unique=True)
    office = ForeignKeyField(Office, null=True, backref="communities")
    lat = DoubleField(null=True)
    lng = DoubleField(null=True)
    active = BooleanField(default=True)
    created_at = DateTimeField(default=local_now)


class AssessmentWeight(BaseModel):
    """The office's weight (points out of 100) for one rate of the unit assessment (考核):
    `metric` is a rate's name in pipeline.views.stats.RATES. No rows: the defaults."""

    metric = CharField(max_length=40, primary_key=True)
    weight = IntegerField()
    updated_by = ForeignKeyField(StaffUser, null=True, on_delete="SET NULL", backref="+")
    updated_at = DateTimeField(default=local_now)
