"""Rows swept by the jobs process: outbound messages and scheduled reminders."""
from peewee import SQL, CharField, ForeignKeyField, IntegerField, TextField

from .base import BaseModel, DateTimeField, JSONField, local_now
from .items import Item
from .people import Resident, StaffUser


class Outbox(BaseModel):
    """One message to one person, queued in the transaction of the event it tells of.

    `dedup_key` is unique: a crash, a retry or a second scheduler can never
    queue or send the same notification twice.

    Its item, resident and staff columns name rows the writer has just read (an
    overdue sweep writes thousands at once), so the database does not check them
    again: no foreign-key constraints (a third of the sweep's insert), and no
    cascades — items and staff are never deleted, and erasing a resident deletes
    their rows (pipeline.accounts.personal_data). Indexes only where a query reads
    (below).
    """

    dedup_key = CharField(max_length=191, unique=True)
    kind = CharField(max_length=32)  # what happened, e.g. "classified", "overdue"
    channel = CharField(max_length=16)  # oa_template | mp_subscribe
    template_id = CharField(max_length=64)
    item = ForeignKeyField(Item, null=True, backref="outbox", index=False, _deferred=True)
    resident = ForeignKeyField(Resident, null=True, backref="+", index=False, _deferred=True)
    staff = ForeignKeyField(StaffUser, null=True, backref="+", _deferred=True)  # a profile's last push
    openid = CharField(max_length=64, null=True)
    data = JSONField()  # template fields, already cut to WeChat's limits
    page = CharField(max_length=255, null=True)  # mini-program page or H5 url
    status = CharField(max_length=16, default="queued")
    attempts = IntegerField(default=0)
    next_attempt_at = DateTimeField(default=local_now)
    locked_until = DateTimeField(null=True)
    last_error = TextField(null=True)
    wechat_msgid = CharField(max_length=64, null=True)
    created_at = DateTimeField(default=local_now)
    sent_at = DateTimeField(null=True)


class Reminder(BaseModel):
    """A future check on an item (deadline, unclaimed, rating follow-up), fired once."""

    item = ForeignKeyField(Item, backref="reminders", on_delete="CASCADE", index=False)  # (item, kind, round) serves
    kind = CharField(max_length=24)
    round = IntegerField()
    fire_at = DateTimeField()
    done_at = DateTimeField(null=True)
    created_at = DateTimeField(default=local_now)

    class Meta:
        indexes = ((("item", "kind", "round"), True),)


# The rows the dispatcher claims (pipeline.messages.dispatch) and the health check counts;
# queries say it word for word, as SQLite needs to read them from the index.
PENDING_CONDITION = SQL("status IN ('queued', 'sending')")
# Every index is written with each row a sweep queues (thousands at once), so a row
# enters only those a query reads it by: the dispatcher's claim (pending rows in
# next-attempt order), WeChat's receipts (msgid), erasing a resident (their rows),
# a staff profile's latest push (staff, above).
Outbox.add_index(Outbox.index(Outbox.next_attempt_at, Outbox.id, where=PENDING_CONDITION, name="outbox_pending"))
Outbox.add_index(Outbox.index(Outbox.wechat_msgid, where=Outbox.wechat_msgid.is_null(False),
                              name="outbox_wechat_msgid_set"))
Outbox.add_index(Outbox.index(Outbox.resident, where=Outbox.resident.is_null(False), name="outbox_resident_id_set"))

# The jobs' sweep reads only pending rows that are due: a partial index keeps it
# proportional to the due rows, not to every reminder ever fired. Nothing reads
# reminders by fire_at or done_at otherwise.
Reminder.add_index(Reminder.index(Reminder.fire_at, where=Reminder.done_at.is_null(), name="reminder_pending_fire_at"))
