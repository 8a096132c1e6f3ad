"""The assignment sheet (问题解决交办单): everything step 6 records and archives."""
from datetime import datetime
from typing import Any

from models import (
    Claim,
    Evaluation,
    Item,
    Meeting,
    Milestone,
    OpinionSource,
    PublicNotice,
    Rating,
    StaffUser,
    SupervisionNote,
    iso,
)
from models.base import PreparedSelect, db
from pipeline.accounts.personal_data import log_phone_view
from pipeline.rules.actors import Actor
from pipeline.rules.states import CHANNELS, GATHERING_KINDS, OFFICE_ROLES, RESOLVED, SCORES, TIERS
from pipeline.rules.supervisors import assigned_supervisors, cadre_supervisors, reason
from pipeline.steps.milestones import milestone_json
from pipeline.views.parts import item_parts
from pipeline.views.queries import RATINGS, is_public, mask_name, mask_phone, public_view, timeline, timeline_source

# The sheet's parts, read by item id with SQL built once (`PreparedSelect`): the
# sheet is built after every write the API answers.
CLAIMS = PreparedSelect(Claim, "item_id")
NOTES = PreparedSelect(SupervisionNote, "item_id")
EVALUATIONS = PreparedSelect(Evaluation, "item_id")
MEETINGS = PreparedSelect(Meeting, "item_id")
MILESTONES = PreparedSelect(Milestone, "item_id")
NOTICES = PreparedSelect(PublicNotice, "item_id", order='"round"')
SOURCES = PreparedSelect(OpinionSource, "item_id")
STAFF = PreparedSelect(StaffUser, "id")
SUPERVISOR_REASONS = {"assigned": "活动办指派", "area": "辖区督办", "followed": "关注督办"}


def awaiting_meeting(item: Item) -> bool:
    """A wide-concern item resolved this round waits for its 群众评议会: only the
    meeting closes it (pipeline/steps/judging.py); ratings are shown there."""
    return bool(item.wide_concern) and item.status == RESOLVED


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


def assignment_sheet(item: Item, actor: Actor, parts: frozenset[str] | None = None) -> dict[str, Any]:
    """The sheet as `actor` may see it (`parts`: the item's, when known; see `views.parts`)."""
    sheet = _sheet(item, actor, item_parts(item) if parts is None else parts)
    _log_phone_sight(item, actor, sheet)
    return sheet


def _sheet(item: Item, actor: Actor, parts: frozenset[str]) -> dict[str, Any]:
    def read(part: str, select: PreparedSelect) -> list[Any]:
        return select.rows(item.id) if part in parts else []

    units = {}
    if item.unit_id or item.claimed_unit_id or "claims" in parts:
        units = dict(db.execute_sql('SELECT "id", "name" FROM "unit"').fetchall())
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
        "awaiting_meeting": awaiting_meeting(item),
        "public_notices": [{"round": n.round, "published_at": iso(n.published_at), "recipients": n.recipients}
                           for n in read("notices", NOTICES)],
        "collected_by": _collector(item, actor),
        "source": source_of(item) if "sources" in parts else None,
        "escalated": item.escalated,
        "explained_at": iso(item.explained_at),
        "claims": [
            {"unit": units.get(c.unit_id), "role": c.role, "round": c.round, "active": c.active, "at": iso(c.created_at)}
            for c in read("claims", CLAIMS)
        ],
        "supervision": [
            {"author": n.author_name, "note": n.note, "urge": n.urge, "round": n.round, "at": iso(n.at)}
            for n in read("notes", NOTES)
        ],
        "evaluations": [
            {"kind": e.kind, "score": e.score, "label": SCORES[e.score], "comment": e.comment, "round": e.round,
             "by": "resident" if e.resident_id else "staff", "at": iso(e.at)}
            for e in read("evaluations", EVALUATIONS)
        ],
        "ratings": [
            {"score": r.score, "label": SCORES[r.score], "comment": r.comment, "source": r.source, "round": r.round,
             "at": iso(r.at)}
            for r in sorted(_ratings(item) if "ratings" in parts else [], key=lambda r: r.id)
        ],
        "meetings": [
            {"kind": m.kind, "held_at": iso(m.held_at), "attendees": m.attendees, "minutes": m.minutes,
             "satisfaction": m.satisfaction, "round": m.round}
            for m in read("meetings", MEETINGS)
        ],
        "milestones": [milestone_json(m) for m in sorted(read("milestones", MILESTONES), key=lambda m: (m.due, m.id))],
        "supervisors": supervisors_json(item) if "cadres" in parts else [],
    }


def supervisors_json(item: Item) -> list[dict[str, Any]]:
    """The item's cadre supervisors (`pipeline.rules.supervisors`) and why each is one:
    assigned by the office (`assigned`), of its area (`area`) or following it (`followed`)."""
    assigned = {user.id for user in assigned_supervisors(item)}
    rows = []
    for user in cadre_supervisors(item):
        # Every cadre supervisor is one for a reason; what is neither assigned nor area is followed.
        why = reason(item, user, {item.id} if user.id in assigned else set(), {item.id}) or "followed"
        rows.append({"id": user.id, "name": user.name, "why": why, "why_label": SUPERVISOR_REASONS[why]})
    return rows


def _collector(item: Item, actor: Actor) -> dict[str, Any] | None:
    if not item.collected_by_id:
        return None
    if actor.staff is not None and actor.id == item.collected_by_id:  # the reader's own account, read already
        return {"id": actor.id, "name": actor.staff.name}
    collector = STAFF.rows(item.collected_by_id)
    return {"id": item.collected_by_id, "name": collector[0].name if collector else None}


def source_of(item: Item) -> dict[str, object] | None:
    """Where the item was heard, for the staff view: its visit or gathering, or None."""
    links = SOURCES.rows(item.id)
    if not links:
        return None
    link = links[0]
    if link.visit_id is not None:
        visit = link.visit
        return {"kind": "visit", "label": "走访", "id": visit.id, "date": visit.visit_date.isoformat(),
                "community": visit.community, "staff": visit.staff.name}
    gathering = link.gathering
    return {"kind": gathering.kind, "label": GATHERING_KINDS[gathering.kind], "id": gathering.id,
            "date": gathering.held_on.isoformat(), "place": gathering.place, "attendees": gathering.attendees}


def _ratings(item: Item) -> list[Rating]:
    cached = getattr(item, "_ratings", None)
    return cached if cached is not None else RATINGS.rows(item.id)


def staff_view(item: Item, actor: Actor, now: datetime | None = None) -> dict[str, Any]:
    """The staff's full view: the public view, the whole timeline and the sheet
    (the timeline's events, the ratings and which parts the item has read once for all three)."""
    parts = item_parts(item)
    source = timeline_source(item)
    ratings = RATINGS.rows(item.id) if "ratings" in parts else []
    item._ratings = ratings
    try:
        view = public_view(item, actor, now, source=source, parts=parts)
        view["timeline"] = timeline(item, staff=True, source=source)
        view["sheet"] = assignment_sheet(item, actor, parts)
    finally:
        del item._ratings
    return view
