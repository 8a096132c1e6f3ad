"""People and organisations: street offices, residents, staff users, units, API tokens, badges."""
from peewee import (
    BooleanField,
    CharField,
    ForeignKeyField,
    IntegerField,
)

from .base import BaseModel, DateField, DateTimeField, local_now

# What an installation's one street office is called when nothing names it (migration 13).
UNNAMED_OFFICE = "本街道"
FIRST_OFFICE_CODE = "01"  # its short code


class Office(BaseModel):
    """A street office (街道办事处) of the district (区): its units, staff, communities
    and items belong to it. An installation for one street office has just one."""

    name = CharField(max_length=100, unique=True)
    code = CharField(max_length=16, unique=True)  # short, for exports and pickers
    active = BooleanField(default=True)
    created_at = DateTimeField(default=local_now)


def street_name(office_name: str | None) -> str:
    """The street office's name within the 活动办's full name (setting OFFICE_NAME):
    "全椒路街道党政办公室" → "全椒路街道"; UNNAMED_OFFICE when it names no 街道
    (or only the default's "XX街道")."""
    text = (office_name or "").strip()
    if "街道" not in text:
        return UNNAMED_OFFICE
    name = text[:text.index("街道") + 2]
    return UNNAMED_OFFICE if name.startswith("XX") else name[:100]


class Unit(BaseModel):
    """A responsible unit (承办单位): department, community, paired org, ..."""

    name = CharField(max_length=100, unique=True)
    kind = CharField(max_length=32)
    office = ForeignKeyField(Office, null=True, backref="units")
    community = CharField(max_length=100, null=True)  # the community a community-kind unit serves
    active = BooleanField(default=True)
    created_at = DateTimeField(default=local_now)


class Resident(BaseModel):
    """A resident (群众) known by WeChat openid (official account or mini-program)."""

    openid = CharField(max_length=64, unique=True)
    unionid = CharField(max_length=64, null=True, index=True)
    source = CharField(max_length=16, default="mp")  # "oa" official account, "mp" mini-program
    nickname = CharField(max_length=64, null=True)
    phone_masked = CharField(max_length=20, null=True)
    community = CharField(max_length=100, null=True)  # a Community's name, set by the resident (PATCH /me)
    name = CharField(max_length=64, null=True)  # what they told us to call them (PATCH /me)
    phone = CharField(max_length=32, null=True)  # for the office's call-back (回访); staff only ever see it
    subscribed = BooleanField(default=True)  # follows the official account
    created_at = DateTimeField(default=local_now)


class StaffUser(BaseModel):
    """An official: office, leader, unit handler, cadre supervisor, party office, admin."""

    username = CharField(max_length=64, unique=True)
    name = CharField(max_length=64)
    role = CharField(max_length=16, index=True)
    unit = ForeignKeyField(Unit, null=True, backref="staff", on_delete="SET NULL")
    # Their street office; none only for the district's own (role `district`, a district admin).
    office = ForeignKeyField(Office, null=True, backref="staff")
    area = CharField(max_length=100, null=True)  # cadre supervisors follow an area
    password_hash = CharField(max_length=255)
    openid = CharField(max_length=64, null=True, unique=True)  # bound official-account openid
    following = BooleanField(default=True)  # still follows the official account: pushes can reach them
    active = BooleanField(default=True)
    created_at = DateTimeField(default=local_now)


class ApiToken(BaseModel):
    """A bearer token: only its SHA-256 is stored; expires and can be revoked."""

    token_hash = CharField(max_length=64, unique=True)
    resident = ForeignKeyField(Resident, null=True, on_delete="CASCADE")
    staff = ForeignKeyField(StaffUser, null=True, on_delete="CASCADE")
    created_at = DateTimeField(default=local_now)
    expires_at = DateTimeField()
    revoked_at = DateTimeField(null=True)


class Badge(BaseModel):
    """A supervision badge (督办证) held by a resident or cadre supervisor."""

    number = CharField(max_length=32, unique=True)
    token = CharField(max_length=64, unique=True)
    kind = CharField(max_length=16)  # resident | cadre
    name = CharField(max_length=64)
    phone_masked = CharField(max_length=20, null=True)
    area = CharField(max_length=100, null=True)
    valid_until = DateField()
    resident = ForeignKeyField(Resident, null=True, backref="badges", on_delete="SET NULL")
    staff = ForeignKeyField(StaffUser, null=True, backref="badges", on_delete="SET NULL")
    revoked_at = DateTimeField(null=True)
    created_at = DateTimeField(default=local_now)


class SubscriptionGrant(BaseModel):
    """One-time consents a resident granted with wx.requestSubscribeMessage."""

    resident = ForeignKeyField(Resident, on_delete="CASCADE")
    template_id = CharField(max_length=64)
    remaining = IntegerField(default=0)
    updated_at = DateTimeField(default=local_now)

    class Meta:
        indexes = ((("resident", "template_id"), True),)


class PhoneView(BaseModel):
    """The office saw a reporter's phone number (个人信息保护法: who looked, at what, when)."""

    staff = ForeignKeyField(StaffUser, null=True, on_delete="SET NULL", backref="+")
    staff_name = CharField(max_length=64)  # kept if the account goes
    item_number = CharField(max_length=16)
    resident = ForeignKeyField(Resident, null=True, on_delete="SET NULL", backref="+")
    at = DateTimeField(default=local_now, index=True)
