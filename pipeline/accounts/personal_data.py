"""Residents' rights over their personal data (个人信息保护法) and how long it is kept.

- `export_resident`: everything kept about a resident, as JSON (their copy).
- `delete_resident`: the account goes; their reports stay, de-identified, and the
  timeline says "已注销居民" where it named them.
- `deidentify_items`: the one way personal data leaves items (reporter, name,
  phone, exact place, phone and ID numbers in the text), used by both the
  above and the retention job (`deidentify_expired`, RETENTION_MONTHS after
  closing). Photos carry no EXIF from the start: every one is re-encoded
  without it when it arrives (pipeline/files/uploads.py).
- `log_phone_view` / `phone_views`: the office's sight of phone numbers, logged.
"""
from datetime import datetime
from typing import Any

from peewee import Expression

from models import (
    ApiToken,
    Badge,
    Evaluation,
    Follower,
    InboundMessage,
    Item,
    Outbox,
    PhoneView,
    Photo,
    Rating,
    Resident,
    SubscriptionGrant,
    SupervisionNote,
    TimelineEvent,
    as_local,
    iso,
)
from pipeline.rules import permissions
from pipeline.rules.actors import Actor
from pipeline.rules.core import transaction
from pipeline.rules.errors import Invalid
from pipeline.rules.settings import settings
from pipeline.rules.states import CLOSED
from pipeline.views.privacy import coarse_place, mask_phone

DELETED_NAME = "已注销居民"
BATCH = 500  # items de-identified per statement


def export_resident(resident: Resident) -> dict[str, Any]:
    """A resident's own data: profile, reports, ratings, follows, supervision, messages."""
    items = list(Item.select().where(Item.reporter == resident).order_by(Item.id))
    photos: dict[int, list[int]] = {}
    for photo in Photo.select(Photo.id, Photo.item).where(Photo.item.in_([i.id for i in items])):
        photos.setdefault(photo.item_id, []).append(photo.id)
    followed = (Item.select(Item.number).join(Follower, on=(Follower.item == Item.id))
                .where(Follower.resident == resident).order_by(Item.id))
    return {
        "profile": {"id": resident.id, "source": resident.source, "nickname": resident.nickname,
                    "phone": resident.phone_masked, "community": resident.community,
                    "subscribed": resident.subscribed, "created_at": iso(resident.created_at),
                    "badges": [{"number": b.number, "name": b.name, "phone": b.phone_masked, "area": b.area,
                                "valid_until": iso(b.valid_until)} for b in Badge.select().where(Badge.resident == resident)]},
        "reports": [{"number": i.number, "status": i.status, "content": i.content, "channel": i.channel,
                     "community": i.community, "address": i.address, "lat": i.lat, "lng": i.lng,
                     "anonymous": i.anonymous, "photos": [f"/uploads/{p}" for p in photos.get(i.id, [])],
                     "created_at": iso(i.created_at)} for i in items],
        "ratings": [{"item": r.item.number, "score": r.score, "comment": r.comment, "source": r.source,
                     "at": iso(r.at)} for r in Rating.select().where(Rating.resident == resident).order_by(Rating.id)],
        "follows": [i.number for i in followed],
        "supervision": [{"item": n.item.number, "note": n.note, "urge": n.urge, "at": iso(n.at)}
                        for n in SupervisionNote.select().where(SupervisionNote.resident == resident)
                        .order_by(SupervisionNote.id)],
        "messages": [{"kind": m.kind, "channel": m.channel, "item": m.item.number if m.item_id else None,
                      "data": m.data, "status": m.status, "created_at": iso(m.created_at), "sent_at": iso(m.sent_at)}
                     for m in Outbox.select().where(Outbox.resident == resident).order_by(Outbox.id)],
        "chat": [{"type": m.msg_type, "at": iso(m.created_at)}
                 for m in InboundMessage.select().where(InboundMessage.openid == resident.openid)
                 .order_by(InboundMessage.id)],
    }


def delete_resident(resident: Resident, *, confirm: object, now: datetime | None = None) -> int:
    """Delete a resident's account (`confirm` must be True); returns how many of their
    reports were kept, de-identified. Their tokens, follows, consents and messages go;
    their badge is revoked; ratings, notes and timeline entries stay without them."""
    if confirm is not True:
        raise Invalid("注销账号须确认（confirm: true），注销后无法恢复", code="confirmation_required", field="confirm")
    now = as_local(now)
    with transaction():
        resident = Resident.get_by_id(resident.id)
        reported = Item.select(Item.id).where(Item.reporter == resident.id)
        count = deidentify_items(Item.id.in_(reported), now)
        TimelineEvent.update(actor_name=DELETED_NAME, actor_id=None).where(
            (TimelineEvent.actor_kind == "resident") & (TimelineEvent.actor_id == resident.id)).execute()
        SupervisionNote.update(author_name=DELETED_NAME, resident=None).where(
            SupervisionNote.resident == resident.id).execute()
        Rating.update(resident=None).where(Rating.resident == resident.id).execute()
        Evaluation.update(resident=None).where(Evaluation.resident == resident.id).execute()
        Photo.update(uploader_resident=None).where(Photo.uploader_resident == resident.id).execute()
        Badge.update(resident=None, name=DELETED_NAME, phone_masked=None, revoked_at=now).where(
            Badge.resident == resident.id).execute()
        PhoneView.update(resident=None).where(PhoneView.resident == resident.id).execute()
        InboundMessage.update(openid=None).where(InboundMessage.openid == resident.openid).execute()
        for model in (ApiToken, Follower, SubscriptionGrant, Outbox):
            model.delete().where(model.resident == resident.id).execute()
        resident.delete_instance()
    return count


def deidentify_items(condition: Expression, now: datetime) -> int:
    """Remove the personal data of the items matching `condition` not yet de-identified;
    returns how many. Set-based: one statement per batch for the columns, and the
    free text masked (phone and ID numbers) only where it holds any."""
    done = 0
    while True:
        batch = list(Item.select(Item.id, Item.content, Item.address)
                     .where(condition & Item.deidentified_at.is_null()).order_by(Item.id).limit(BATCH))
        if not batch:
            return done
        for item in batch:
            content, place = mask_phone(item.content), coarse_place(item.address)
            if content != item.content or place != item.address:
                Item.update(content=content, address=place).where(Item.id == item.id).execute()
        Item.update(reporter=None, reporter_name=None, reporter_phone=None, lat=None, lng=None,
                    deidentified_at=now).where(Item.id.in_([item.id for item in batch])).execute()
        done += len(batch)


def _months_before(now: datetime, months: int) -> datetime:
    month_index = now.year * 12 + now.month - 1 - months
    year, month = divmod(month_index, 12)
    day = min(now.day, 28)  # every month has a 28th: the cutoff moves by at most three days
    return now.replace(year=year, month=month + 1, day=day)


def deidentify_expired(now: datetime, months: int | None = None) -> int:
    """The retention rule: closed items' personal data goes `months` (RETENTION_MONTHS)
    after they closed. Idempotent: items done before are not touched again."""
    now = as_local(now)
    cutoff = _months_before(now, settings.retention_months if months is None else months)
    due = (Item.status == CLOSED) & (Item.closed_at < cutoff)
    if not Item.select(Item.id).where(due & Item.deidentified_at.is_null()).exists():
        return 0  # the usual run: one indexed read, no write transaction
    with transaction():
        return deidentify_items(due, now)


def log_phone_view(actor: Actor, item: Item, now: datetime | None = None) -> None:
    """Record that `actor` (the office) was shown the phone number on `item`'s sheet."""
    PhoneView.create(staff=actor.staff, staff_name=actor.name, item_number=item.number,
                     resident=item.reporter_id, at=as_local(now))


def phone_views(actor: Actor, *, page: int = 1, per_page: int = 50) -> dict[str, Any]:
    """The log of phone views, newest first: for the office and the administrator."""
    permissions.require("phone_views.read", actor)
    query = PhoneView.select().order_by(PhoneView.at.desc(), PhoneView.id.desc())
    rows = query.paginate(page, per_page)
    return {"total": query.count(), "page": page, "per_page": per_page,
            "items": [{"staff": {"id": v.staff_id, "name": v.staff_name}, "item": v.item_number,
                       "resident": v.resident_id, "at": iso(v.at)} for v in rows]}
