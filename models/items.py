"""The item aggregate: the problem, its assignment sheet, photos, claims and timeline."""
from peewee import (
    SQL,
    BooleanField,
    CharField,
    DoubleField,
    ForeignKeyField,
    IntegerField,
    TextField,
)

from .base import BaseModel, DateField, DateTimeField, JSONField, local_now
from .catalog import Category
from .people import Office, Resident, StaffUser, Unit


class DailySequence(BaseModel):
    """Last number handed out per collection day (items are YYYYMMDD-NNNN)."""

    day = CharField(max_length=8, primary_key=True)
    last = IntegerField(default=0)


class Item(BaseModel):
    """A resident's problem as it travels the six steps."""

    number = CharField(max_length=16, unique=True)
    # The street office it belongs to, set at intake (pipeline.office.offices.intake_office_id).
    # Unindexed: staff lists filter by it along their ordered indexes; an office is a
    # large share of a district's items, and every report would write one more entry.
    office = ForeignKeyField(Office, null=True, on_delete="RESTRICT", backref="+", index=False)
    status = CharField(max_length=16)  # indexed by STATUS_WORK_ORDER_INDEX, status first
    round = IntegerField(default=1)
    content = TextField()
    channel = CharField(max_length=16)
    reporter = ForeignKeyField(Resident, null=True, backref="items", on_delete="SET NULL", index=False)
    reporter_name = CharField(max_length=64, null=True)  # offline channels
    reporter_phone = CharField(max_length=32, null=True)
    anonymous = BooleanField(default=False)
    community = CharField(max_length=100, null=True)
    address = CharField(max_length=255, null=True)
    lat = DoubleField(null=True)
    lng = DoubleField(null=True)
    suggested_category = ForeignKeyField(Category, null=True, on_delete="SET NULL", backref="+", index=False)
    # The cadre who heard and recorded it (offline channels, visits, gatherings, on the spot).
    collected_by = ForeignKeyField(StaffUser, null=True, on_delete="SET NULL", backref="+", index=False)
    # The assignment sheet (问题解决交办单).
    category = ForeignKeyField(Category, null=True, on_delete="SET NULL", backref="items", index=False)
    leader = ForeignKeyField(StaffUser, null=True, on_delete="SET NULL", backref="+", index=False)
    unit = ForeignKeyField(Unit, null=True, on_delete="SET NULL", backref="assigned_items", index=False)
    tier = CharField(max_length=16, null=True)
    due = DateField(null=True)
    roadmap = TextField(null=True)
    wide_concern = BooleanField(default=False)  # results go on public notice (公示)
    classified_at = DateTimeField(null=True)
    # Step 3 onwards.
    claimed_unit = ForeignKeyField(Unit, null=True, on_delete="SET NULL", backref="claimed_items", index=False)
    claimed_at = DateTimeField(null=True)
    escalated = BooleanField(default=False)  # waiting for a consultation (会诊)
    explained_at = DateTimeField(null=True)  # long_term: explanation meeting held
    result = TextField(null=True)
    resolved_at = DateTimeField(null=True)
    outcome = CharField(max_length=16, null=True)  # solved | explained
    closed_at = DateTimeField(null=True)
    merged_into = ForeignKeyField("self", null=True, on_delete="SET NULL", backref="merged_items", index=False)
    reject_reason = TextField(null=True)
    # The latest verdicts' scores (by id): a rating (residents), an evaluation by the
    # organisation and by the supervisors; see LATEST_VERDICTS.
    latest_rating = CharField(max_length=24, null=True)
    latest_org_evaluation = CharField(max_length=24, null=True)
    latest_supervisor_evaluation = CharField(max_length=24, null=True)
    # Personal data removed (the reporter left, or RETENTION_MONTHS after closing): done once.
    deidentified_at = DateTimeField(null=True)
    created_at = DateTimeField(default=local_now, index=True)
    updated_at = DateTimeField(default=local_now)


# The assessment counts each item's latest verdicts (pipeline.views.measures) and the
# item lists its satisfaction figures open filter every item of a period by them: read
# from the ratings and evaluations, that was a lookup per item (seconds for a year at a
# million items). The operations that record a verdict write its score here as well, in
# the same transaction on the locked item: column -> (the table it mirrors, its kind).
LATEST_VERDICTS = {"latest_rating": ("rating", None), "latest_org_evaluation": ("evaluation", "org"),
                   "latest_supervisor_evaluation": ("evaluation", "supervisor")}

# Overdue lists (the jobs' 09:00 digest, the staff work list's overdue filter) ask
# for items under a deadline (pipeline.rules.states.UNDER_DEADLINE) with `due` before
# today: this index finds just those, instead of every open item being read.
Item.add_index(Item.index(Item.due, where=SQL("status IN ('classified', 'claimed')"), name="item_open_due"))

# The staff work list's order (nearest deadline first, no deadline last, newest
# first among equals): its first page is read from this index and stops after a
# page, instead of sorting every item the staff member may see.
WORK_ORDER_INDEX = "item_work_order"
Item.add_index(SQL(f'CREATE INDEX IF NOT EXISTS "{WORK_ORDER_INDEX}" ON "item" '
                   '(("due" IS NULL), "due", "created_at" DESC, "id" DESC)'))
# The same order within one status (`?status=claimed`: otherwise the scan walks every
# closed item first). It is also the index on status: a report still writes one entry.
STATUS_WORK_ORDER_INDEX = "item_status_work_order"
Item.add_index(SQL(f'CREATE INDEX IF NOT EXISTS "{STATUS_WORK_ORDER_INDEX}" ON "item" '
                   '("status", ("due" IS NULL), "due", "created_at" DESC, "id" DESC)'))

# Columns that stay empty until a later step are indexed only where set: a new
# report then writes 5 index entries instead of 14, and with SQLite's single
# writer every report's commit pays for each one. `col = ?` (and joins on it)
# imply `col IS NOT NULL`, so SQLite and PostgreSQL still use these indexes.
# A reporter's items are read by date (我的诉求, today's chat reports): that one
# carries created_at too.
SET_ONLY_INDEXED = {"reporter": ("created_at",), "community": (), "suggested_category": (), "category": (),
                    "leader": (), "unit": (), "due": (), "claimed_unit": (), "resolved_at": (), "closed_at": (),
                    "merged_into": ()}
# Who collected an item (issue 10): set only for what a cadre recorded, indexed the same way.
Item.add_index(Item.index(Item.collected_by, where=SQL('"collected_by_id" IS NOT NULL'), name="item_collected_by_id_set"))
for _name, _also in SET_ONLY_INDEXED.items():
    _column = Item._meta.fields[_name].column_name
    Item.add_index(Item.index(Item._meta.fields[_name], *(Item._meta.fields[n] for n in _also),
                              where=SQL(f'"{_column}" IS NOT NULL'), name=f"item_{_column}_set"))


# The assessment counts the items a unit sent back (退单, a `return` event): these are
# few among an item's events, and this index lists just them.
RETURN_EVENTS_INDEX = "timeline_event_returns"


class Photo(BaseModel):
    """An image: uploaded, or sent by chat (media_id until the jobs fetch it)."""

    item = ForeignKeyField(Item, null=True, backref="photos", on_delete="CASCADE")
    kind = CharField(max_length=16, default="report")  # report | progress | result
    path = CharField(max_length=255, null=True)
    media_id = CharField(max_length=128, null=True)
    uploader_resident = ForeignKeyField(Resident, null=True, on_delete="SET NULL", backref="+")
    uploader_staff = ForeignKeyField(StaffUser, null=True, on_delete="SET NULL", backref="+")
    width = IntegerField(null=True)
    height = IntegerField(null=True)
    created_at = DateTimeField(default=local_now)


class Claim(BaseModel):
    """A unit taking an item (公开领办): the lead unit, or assisting units."""

    item = ForeignKeyField(Item, backref="claims", on_delete="CASCADE")
    unit = ForeignKeyField(Unit, on_delete="CASCADE")
    role = CharField(max_length=8, default="lead")  # lead | assist
    round = IntegerField()
    claimed_by = ForeignKeyField(StaffUser, null=True, on_delete="SET NULL", backref="+")
    active = BooleanField(default=True)
    created_at = DateTimeField(default=local_now)


class TimelineEvent(BaseModel):
    """Append-only record of everything that happened to an item."""

    item = ForeignKeyField(Item, backref="events", on_delete="CASCADE")
    round = IntegerField()
    kind = CharField(max_length=24)
    from_status = CharField(max_length=16, null=True)
    to_status = CharField(max_length=16, null=True)
    actor_kind = CharField(max_length=12)  # resident | staff | system
    actor_id = IntegerField(null=True)
    actor_name = CharField(max_length=100)
    note = TextField(null=True)
    data = JSONField(null=True)
    at = DateTimeField(default=local_now, index=True)


class Follower(BaseModel):
    """Someone who follows an item: a resident, a resident supervisor or staff."""

    item = ForeignKeyField(Item, backref="followers", on_delete="CASCADE")
    resident = ForeignKeyField(Resident, null=True, on_delete="CASCADE", backref="+")
    staff = ForeignKeyField(StaffUser, null=True, on_delete="CASCADE", backref="+")
    created_at = DateTimeField(default=local_now)

    class Meta:
        indexes = (
            (("item", "resident"), True),
            (("item", "staff"), True),
        )


TimelineEvent.add_index(TimelineEvent.index(TimelineEvent.item, where=SQL("kind = 'return'"), name=RETURN_EVENTS_INDEX))


class ItemSupervisor(BaseModel):
    """A cadre supervisor the office assigned to an item (由活动办根据事项指定督办人员);
    the supervisors of an area are `StaffUser.area` (pipeline.rules.supervisors)."""

    item = ForeignKeyField(Item, backref="assigned_supervisors", on_delete="CASCADE")
    staff = ForeignKeyField(StaffUser, on_delete="CASCADE", backref="+")
    assigned_by = ForeignKeyField(StaffUser, null=True, on_delete="SET NULL", backref="+")
    created_at = DateTimeField(default=local_now)

    class Meta:
        indexes = ((("item", "staff"), True),)
