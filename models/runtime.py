"""Process-shared state: the WeChat access token, inbound dedup, job lease."""
from peewee import SQL, CharField, DoubleField, ForeignKeyField, TextField

from .base import BaseModel, DateTimeField, local_now
from .people import StaffUser


class SharedToken(BaseModel):
    """Key/value with expiry behind wechatpy's SessionStorage (access tokens)."""

    key = CharField(max_length=191, primary_key=True)
    value = TextField()
    expires_at = DateTimeField(null=True)


class InboundMessage(BaseModel):
    """A WeChat push already handled: a retry gets the same reply, creates nothing."""

    dedup_key = CharField(max_length=191, unique=True)
    openid = CharField(max_length=64, null=True)
    msg_type = CharField(max_length=32)
    reply = TextField(null=True)
    # Plain mode's "timestamp:nonce": its signature doesn't cover the body, so
    # one signed query may carry one push only (see pipeline.messages.inbound).
    signature = CharField(max_length=64, null=True)
    created_at = DateTimeField(default=local_now, index=True)


InboundMessage.add_index(InboundMessage.index(InboundMessage.signature, unique=True,
                                              where=SQL('"signature" IS NOT NULL'), name="inbound_message_signature"))


class JobLease(BaseModel):
    """Only the holder of an unexpired lease runs the scheduled jobs."""

    name = CharField(max_length=64, primary_key=True)
    holder = CharField(max_length=128)
    expires_at = DateTimeField()


class StaffBindTicket(BaseModel):
    """A one-time code (temporary parametric QR, scene `bind-...`) binding a staff
    member's WeChat openid to their account so they receive pushes."""

    scene = CharField(max_length=64, unique=True)
    staff = ForeignKeyField(StaffUser, backref="bind_tickets", on_delete="CASCADE")
    qr_ticket = TextField(null=True)  # WeChat's ticket for showqrcode
    qr_url = TextField(null=True)
    created_at = DateTimeField(default=local_now)
    expires_at = DateTimeField()
    used_at = DateTimeField(null=True)
    used_openid = CharField(max_length=64, null=True)


class RateHit(BaseModel):
    """One counted request for a rate limit (Flask-Limiter's moving window), shared
    by every web worker through the database when there is no Redis."""

    key = CharField(max_length=191)
    at = DoubleField()
    expires_at = DoubleField()

    class Meta:
        indexes = ((("key", "at"), False),)
