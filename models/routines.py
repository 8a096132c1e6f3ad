"""What the office's routines leave behind: public notices (公示), weekly work-style
bulletins and disciplinary entries, cadre visit records and monthly checks, media
fetches from WeChat, and one-time marks that make every scheduled routine run once."""
from peewee import (
    BooleanField,
    CharField,
    FloatField,
    ForeignKeyField,
    IntegerField,
    TextField,
)

from .base import BaseModel, DateField, DateTimeField, JSONField, local_now
from .items import Item, Photo
from .people import StaffUser, Unit

DISCIPLINE_KINDS = {
    "notice": "通报",
    "criticism": "批评",
    "admonition": "诫勉谈话",
    "penalty": "处罚",
}


class RoutineMark(BaseModel):
    """A routine step already done (e.g. `digest:2026-11-23`): written in the same
    transaction as what the step queued, so a re-run or a second leader skips it."""

    key = CharField(max_length=191, unique=True)
    data = JSONField(null=True)
    done_at = DateTimeField(default=local_now)


class PublicNotice(BaseModel):
    """The public notice (公示) of a resolved item of wide concern: once per round (a
    round sent back by the residents' evaluation meeting is announced again)."""

    item = ForeignKeyField(Item, backref="public_notices", on_delete="CASCADE", index=False)
    round = IntegerField(default=1)
    community = CharField(max_length=100, null=True)
    title = CharField(max_length=200)
    result = TextField(null=True)
    public = BooleanField(default=True)  # False: a 作风 item, recorded but not announced
    recipients = IntegerField(default=0)
    published_at = DateTimeField(default=local_now, index=True)

    class Meta:
        indexes = ((("item", "round"), True),)


class DisciplinaryEntry(BaseModel):
    """A disciplinary entry the office records (通报, 批评, 诫勉谈话, 处罚); it goes in
    the week's work-style bulletin."""

    kind = CharField(max_length=16)  # notice | criticism | admonition | penalty
    person = CharField(max_length=64)
    staff = ForeignKeyField(StaffUser, null=True, on_delete="SET NULL", backref="+")
    unit = ForeignKeyField(Unit, null=True, on_delete="SET NULL", backref="+")
    reason = TextField()
    on_date = DateField(index=True)
    recorded_by = ForeignKeyField(StaffUser, null=True, on_delete="SET NULL", backref="+")
    created_at = DateTimeField(default=local_now)


class Bulletin(BaseModel):
    """作风效能建设周通报 第N期: drafted by the jobs process, edited and published by the office."""

    issue = IntegerField(unique=True)
    week_start = DateField(unique=True)  # the Monday of the week it was drafted in
    period_from = DateField()
    period_to = DateField()
    status = CharField(max_length=16, default="draft")  # draft | published
    title = CharField(max_length=200)
    body = TextField()
    content = JSONField()  # the figures the draft was made from
    created_at = DateTimeField(default=local_now)
    updated_at = DateTimeField(default=local_now)
    published_at = DateTimeField(null=True)
    published_by = ForeignKeyField(StaffUser, null=True, on_delete="SET NULL", backref="+")


class Visit(BaseModel):
    """A cadre's day (or half day) in a community (密切联系群众工作制度)."""

    staff = ForeignKeyField(StaffUser, backref="visits", on_delete="CASCADE")
    community = CharField(max_length=100)
    visit_date = DateField(index=True)
    days = FloatField(default=1.0)  # 1.0 a full day, 0.5 half a day
    content = TextField()
    people = CharField(max_length=255, null=True)  # whom the cadre met
    recorded_by = ForeignKeyField(StaffUser, null=True, on_delete="SET NULL", backref="+")
    created_at = DateTimeField(default=local_now)

    class Meta:
        indexes = ((("staff", "visit_date", "community"), True),)


class VisitCheck(BaseModel):
    """The monthly compliance check of last month's visits, with the spot-check draw."""

    month = CharField(max_length=7, unique=True)  # YYYY-MM checked
    required_days = FloatField()
    results = JSONField()  # [{staff, name, days}] for every cadre
    shortfall = JSONField()  # the cadres below `required_days`
    seed = CharField(max_length=64)  # the draw is reproducible from the seed and the visit ids
    sample = JSONField()  # visit ids drawn for the party–government office
    created_at = DateTimeField(default=local_now)


class VisitFinding(BaseModel):
    """What the party–government office's spot check (随机抽查) found about one sampled
    cadre's visits in a checked month; the next weekly bulletin reports it."""

    check = ForeignKeyField(VisitCheck, backref="findings", on_delete="CASCADE")
    staff = ForeignKeyField(StaffUser, backref="+", on_delete="CASCADE")
    result = CharField(max_length=16)  # confirmed | not_confirmed
    note = TextField(null=True)
    recorded_by = ForeignKeyField(StaffUser, null=True, on_delete="SET NULL", backref="+")
    created_at = DateTimeField(default=local_now, index=True)

    class Meta:
        indexes = ((("check", "staff"), True),)


class MediaFetch(BaseModel):
    """Attempts to download a chat photo or voice from WeChat's media API."""

    photo = ForeignKeyField(Photo, unique=True, backref="+", on_delete="CASCADE")
    attempts = IntegerField(default=0)
    next_attempt_at = DateTimeField(default=local_now)
    last_error = TextField(null=True)
    gave_up = BooleanField(default=False)


class Gathering(BaseModel):
    """A symposium (座谈会) or written survey (书面调查), recorded once with the
    opinions it gathered; each opinion is an item (`OpinionSource`)."""

    kind = CharField(max_length=16)  # symposium | survey
    held_on = DateField(index=True)
    place = CharField(max_length=200)
    attendees = JSONField()  # [name or group, ...]
    community = CharField(max_length=100, null=True)
    note = TextField(null=True)
    recorded_by = ForeignKeyField(StaffUser, null=True, on_delete="SET NULL", backref="+")
    created_at = DateTimeField(default=local_now)


class OpinionSource(BaseModel):
    """Where an item was heard: a cadre's visit or a gathering (one of the two)."""

    item = ForeignKeyField(Item, unique=True, backref="+", on_delete="CASCADE")
    visit = ForeignKeyField(Visit, null=True, backref="opinions", on_delete="CASCADE")
    gathering = ForeignKeyField(Gathering, null=True, backref="opinions", on_delete="CASCADE")
