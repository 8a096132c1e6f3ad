"""Rows swept by the jobs process: outbound messages and scheduled reminders."""
from peewee import CharField, ForeignKeyField, IntegerField, TextField

from .base import BaseModel, DateTimeField, JSONField, local_now
from .items import Item
from .people import Resident, StaffUser


class Outbox(BaseModel):
    """One message to one person, queued in the transaction of the event it tells of.

    `dedup_key` is unique: a crash, a retry or a second scheduler can never
    queue or send the same notification twice.
    """

    dedup_key = CharField(max_length=191, unique=True)
    kind = CharField(max_length=32)  # what happened, e.g. "classified", "overdue"
    channel = CharField(max_length=16)  # oa_template | mp_subscribe
    template_id = CharField(max_length=64)
    item = ForeignKeyField(Item, null=True, backref="outbox", on_delete="CASCADE")
    resident = ForeignKeyField(Resident, null=True, on_delete="CASCADE", backref="+")
    staff = ForeignKeyField(StaffUser, null=True, on_delete="CASCADE", backref="+")
    openid = CharField(max_length=64, null=True)
    data = JSONField()  # template fields, already cut to WeChat's limits
    page = CharField(max_length=255, null=True)  # mini-program page or H5 url
    status = CharField(max_length=16, default="queued", index=True)
    attempts = IntegerField(default=0)
    next_attempt_at = DateTimeField(default=local_now, index=True)
    locked_until = DateTimeField(null=True)
    last_error = TextField(null=True)
    wechat_msgid = CharField(max_length=64, null=True, index=True)
    created_at = DateTimeField(default=local_now)
    sent_at = DateTimeField(null=True)


class Reminder(BaseModel):
    """A future check on an item (deadline, unclaimed, rating follow-up), fired once."""

    item = ForeignKeyField(Item, backref="reminders", on_delete="CASCADE")
    kind = CharField(max_length=24)
    round = IntegerField()
    fire_at = DateTimeField(index=True)
    done_at = DateTimeField(null=True, index=True)
    created_at = DateTimeField(default=local_now)

    class Meta:
        indexes = ((("item", "kind", "round"), True),)


# The jobs' sweep reads only pending rows that are due: a partial index keeps it
# proportional to the due rows, not to every reminder ever fired.
Reminder.add_index(Reminder.index(Reminder.fire_at, where=Reminder.done_at.is_null(), name="reminder_pending_fire_at"))
