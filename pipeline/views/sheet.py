"""The assignment sheet (问题解决交办单): everything step 6 records and archives."""
from datetime import datetime
from typing import Any

from models import Claim, Evaluation, Item, Meeting, Milestone, Rating, SupervisionNote, Unit, iso
from pipeline.accounts.personal_data import log_phone_view
from pipeline.rules.actors import Actor
from pipeline.rules.states import CHANNELS, OFFICE_ROLES, SCORES, TIERS
from pipeline.views.queries import is_public, mask_name, mask_phone, public_view, timeline


def reporter_contact(item: Item, actor: Actor) -> dict[str, str | None] | None:
    """Full details for the office; masked for others; hidden from units on 作风 items."""
    if actor.role == "unit" and not is_public(item):
        return None
    if item.anonymous and actor.role not in OFFICE_ROLES:
        return {"name": "匿名", "phone": None}
    if item.reporter_id:
        resident = item.reporter
        name, phone = resident.nickname or "微信用户", resident.phone_masked
    else:
        name, phone = item.reporter_name, item.reporter_phone
    if actor.role in OFFICE_ROLES:
        return {"name": name, "phone": phone}
    return {"name": mask_name(name), "phone": mask_phone(phone)}


def _log_phone_sight(item: Item, actor: Actor, sheet: dict[str, Any]) -> None:
    """The office sees phone numbers unmasked (the reporter's, any in the text): logged."""
    if actor.role not in OFFICE_ROLES:
        return
    reporter = sheet["reporter"] or {}
    if reporter.get("phone") or mask_phone(item.content) != item.content:
        log_phone_view(actor, item)


def assignment_sheet(item: Item, actor: Actor) -> dict[str, Any]:
    sheet = _sheet(item, actor)
    _log_phone_sight(item, actor, sheet)
    return sheet


def _sheet(item: Item, actor: Actor) -> dict[str, Any]:
    units = {u.id: u.name for u in Unit.select(Unit.id, Unit.name)}
    return {
        "number": item.number,
        "channel": item.channel,
        "channel_label": CHANNELS.get(item.channel),
        "reporter": reporter_contact(item, actor),
        "content": item.content if actor.role in OFFICE_ROLES else mask_phone(item.content),
        "category": item.category.name if item.category_id else None,
        "top_category": item.category.parent.name if item.category_id and item.category.parent_id else None,
        "suggested_category": item.suggested_category.code if item.suggested_category_id else None,
        "leader": {"id": item.leader.id, "name": item.leader.name} if item.leader_id else None,
        "unit": {"id": item.unit_id, "name": units.get(item.unit_id)} if item.unit_id else None,
        "claimed_unit": {"id": item.claimed_unit_id, "name": units.get(item.claimed_unit_id)}
        if item.claimed_unit_id else None,
        "tier": item.tier,
        "tier_label": TIERS.get(item.tier),
        "due": iso(item.due),
        "roadmap": item.roadmap,
        "wide_concern": item.wide_concern,
        "escalated": item.escalated,
        "explained_at": iso(item.explained_at),
        "claims": [
            {"unit": units.get(c.unit_id), "role": c.role, "round": c.round, "active": c.active, "at": iso(c.created_at)}
            for c in Claim.select().where(Claim.item == item).order_by(Claim.id)
        ],
        "supervision": [
            {"author": n.author_name, "note": n.note, "urge": n.urge, "round": n.round, "at": iso(n.at)}
            for n in SupervisionNote.select().where(SupervisionNote.item == item).order_by(SupervisionNote.id)
        ],
        "evaluations": [
            {"kind": e.kind, "score": e.score, "label": SCORES[e.score], "comment": e.comment, "round": e.round,
             "at": iso(e.at)}
            for e in Evaluation.select().where(Evaluation.item == item).order_by(Evaluation.id)
        ],
        "ratings": [
            {"score": r.score, "label": SCORES[r.score], "comment": r.comment, "source": r.source, "round": r.round,
             "at": iso(r.at)}
            for r in Rating.select().where(Rating.item == item).order_by(Rating.id)
        ],
        "meetings": [
            {"kind": m.kind, "held_at": iso(m.held_at), "attendees": m.attendees, "minutes": m.minutes,
             "satisfaction": m.satisfaction, "round": m.round}
            for m in Meeting.select().where(Meeting.item == item).order_by(Meeting.id)
        ],
        "milestones": [
            {"title": m.title, "due": iso(m.due), "done_at": iso(m.done_at)}
            for m in Milestone.select().where(Milestone.item == item).order_by(Milestone.id)
        ],
    }


def staff_view(item: Item, actor: Actor, now: datetime | None = None) -> dict[str, Any]:
    """The staff's full view: the public view, the whole timeline and the sheet."""
    view = public_view(item, actor, now)
    view["timeline"] = timeline(item, staff=True)
    view["sheet"] = assignment_sheet(item, actor)
    return view
