"""Read side: finding items, who may see them, and their public and staff views."""
import re
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from peewee import Expression, ModelSelect, fn

from models import (
    Category,
    Claim,
    Follower,
    Item,
    Photo,
    Rating,
    Resident,
    TimelineEvent,
    Unit,
    as_local,
    iso,
)
from models.base import PreparedSelect, column_list, db, fetch_models, is_postgres, param_marks
from pipeline.files.links import signed_key
from pipeline.rules.actors import Actor
from pipeline.rules.errors import Invalid, NotFound
from pipeline.rules.offices import require_same_office, same_office
from pipeline.rules.overdue import is_overdue
from pipeline.rules.states import (
    CLAIMABLE,
    EVENT_LABELS,
    OFFICE_ROLES,
    OUTCOMES,
    RESOLVED,
    ROLE_LABELS,
    SCORES,
    STATUS_LABELS,
    TIERS,
)
from pipeline.views import measures
from pipeline.views.parts import item_parts
from pipeline.views.privacy import coarse_place, mask_name, mask_phone  # noqa: F401 (mask_name: re-exported)

NUMBER_RE = re.compile(r"^\d{8}-\d{4,6}$")  # the daily sequence grows past 9999 if it must
PRIVATE_EVENTS = frozenset({"follow", "unfollow"})
SEARCH_MAX = 100  # characters of a list's search (and community filter) that are used


def get_item(number: object) -> Item:
    """The item with this number, or NotFound."""
    if not isinstance(number, str) or not NUMBER_RE.match(number):
        raise NotFound("事项编号不存在", code="not_found")
    item = Item.get_or_none(Item.number == number)
    if item is None:
        raise NotFound("事项编号不存在", code="not_found")
    return item


def is_public(item: Item) -> bool:
    """Public once the office has classified it into a public category.

    Until then it may be a complaint about officials (作风) — a resident can't be
    relied on to say so — so it stays with its reporter and the office.
    """
    return item.category_id is not None and _root(item.category).public


def _root(category: Category) -> Category:
    return category.parent if category.parent_id else category


def can_view(item: Item, viewer: Actor | None) -> bool:
    """Public items are seen by anyone. Unclassified and 作风 items by the
    organisation and cadre supervisors of the item's street office (the district's
    own staff: every office's), the units the office gave them to, their reporter
    and badge-holding followers."""
    if is_public(item):
        return True
    if viewer is None:
        return False
    if viewer.kind == "staff":
        if not same_office(item, viewer):
            return False
        if viewer.role != "unit":
            return True
        return viewer.unit_id is not None and viewer.unit_id in (item.unit_id, item.claimed_unit_id)
    if item.reporter_id == viewer.id:
        return True
    return viewer.is_supervisor and Follower.get_or_none((Follower.item == item) & (Follower.resident == viewer.id))


def visible_item(number: str, viewer: Actor | None) -> Item:
    """The item with this number if `viewer` may see it, else NotFound (as if it didn't exist).

    The one rule on every channel: reading, acting on and following an item,
    by the API, the mini-program, an item's code scanned in WeChat or a number
    sent by chat.
    """
    item = get_item(number)
    if not can_view(item, viewer):
        raise NotFound("事项编号不存在", code="not_found")
    return item


def staff_item(number: str, actor: Actor) -> Item:
    """The item with this number for the staff detail (the sheet, the whole timeline,
    acting on it): `visible_item`, and for a unit handler only an item within their
    unit's reach (`unit_reach`) — else NotFound, as if it didn't exist. A public item
    of another street office is refused (403 `other_office`)."""
    item = visible_item(number, actor)
    require_same_office(item, actor)
    unit_handler = actor.kind == "staff" and actor.role == "unit"
    if unit_handler and not Item.select().where((Item.id == item.id) & unit_reach(actor.unit_id)).exists():
        raise NotFound("事项编号不存在", code="not_found")
    return item


def unit_reach(unit_id: int | None) -> Expression:
    """The items a unit handles or is offered, as a condition: given to it on the sheet,
    led by it, assisted by it (an active 协办 claim), or on the claim board (public
    and waiting to be claimed; a 作风 item goes only to the unit the office chose)."""
    board = on_claim_board()
    if unit_id is None:
        return board
    assisting = Claim.select(Claim.item).where((Claim.unit == unit_id) & Claim.active)
    return (Item.unit == unit_id) | (Item.claimed_unit == unit_id) | Item.id.in_(assisting) | board


def category_json(category: Category | None) -> dict[str, Any] | None:
    if category is None:
        return None
    return {"code": category.code, "name": category.name, "parent": category.parent.name if category.parent_id else None}


def unit_json(unit: Unit | None) -> dict[str, Any] | None:
    return {"id": unit.id, "name": unit.name} if unit else None


def _staff_labels(events: Iterable[TimelineEvent]) -> dict[int, str]:
    ids = sorted({e.actor_id for e in events if e.actor_kind == "staff" and e.actor_id})
    labels: dict[int, str] = {}
    if ids:  # hand-written: read on every API write's answer
        rows = db.execute_sql('SELECT s."id", s."role", u."name" FROM "staff_user" s LEFT JOIN "unit" u '
                              f'ON u."id" = s."unit_id" WHERE s."id" IN ({param_marks(len(ids))})', ids)
        for user_id, role, unit in rows.fetchall():
            labels[user_id] = unit if unit is not None else _public_role_label(role)
    return labels


def _public_role_label(role: str) -> str:
    """How a staff member without a unit is named on the public timeline: the admin acts as the office."""
    return ROLE_LABELS.get("office" if role in OFFICE_ROLES else role, "工作人员")


def _public_actor(event: TimelineEvent, labels: dict[int, str]) -> str:
    if event.actor_kind == "system":
        return "系统"
    if event.actor_kind == "resident":
        return "群众督办员" if event.kind in ("supervise", "urge", "evaluate") else "群众"
    return labels.get(event.actor_id, "工作人员")


# An item's events, photos and ratings, read by item id with SQL built once
# (`PreparedSelect`): every API write answers with the item's view.
EVENTS = PreparedSelect(TimelineEvent, "item_id", order='"at", "id"')
PHOTOS = PreparedSelect(Photo, "item_id", where='"path" IS NOT NULL')
RATINGS = PreparedSelect(Rating, "item_id", order='"at", "id"')


def timeline_source(item: Item) -> tuple[list[TimelineEvent], dict[int, str]]:
    """(the item's events in order, labels of the staff who acted): what `timeline` shows."""
    events = EVENTS.rows(item.id)
    return events, _staff_labels(events)


def staff_actor(label: str, name: str | None) -> str:
    """Who acted, for staff: their unit or role and their name, the label once even
    when the name already carries it ("活动办 李敏", not "活动办 活动办 李敏")."""
    name = (name or "").strip()
    if not name or name == label:
        return label
    return name if name.startswith(label) else f"{label} {name}"


def timeline(item: Item, staff: bool = False,
             source: tuple[list[TimelineEvent], dict[int, str]] | None = None) -> list[dict[str, Any]]:
    events, labels = source or timeline_source(item)
    rows = []
    for event in events:
        if event.kind in PRIVATE_EVENTS and not staff:
            continue
        actor = _public_actor(event, labels)
        if staff and event.actor_kind == "staff":
            actor = staff_actor(actor, event.actor_name)
        note = event.note
        if not staff and event.kind == "detail" and (event.data or {}).get("media_kind") == "location":
            note = coarse_place(note)
        rows.append({
            "kind": event.kind,
            "label": EVENT_LABELS.get(event.kind, event.kind),
            "at": iso(event.at),
            "actor": actor,
            "note": mask_phone(note),
            "round": event.round,
            "status": event.to_status,
        })
    return rows


def photo_url(photo: Photo, now: datetime | None = None) -> str | None:
    """A photo's URL; with `now`, carrying a key that expires (for the views of private items,
    which only those who may see the item are given)."""
    if not photo.path:
        return None
    key = signed_key(photo, now) if now is not None else None
    return f"/uploads/{photo.id}?k={key}" if key else f"/uploads/{photo.id}"


def _photos(item: Item, now: datetime) -> list[dict[str, Any]]:
    keyed = None if is_public(item) else now
    return [{"id": p.id, "url": photo_url(p, keyed), "kind": p.kind} for p in PHOTOS.rows(item.id)]


def latest_rating(item: Item) -> dict[str, Any] | None:
    if hasattr(item, "_latest_rating"):
        rating = item._latest_rating
    else:  # the last by (at, id)
        ratings = getattr(item, "_ratings", None)
        ratings = RATINGS.rows(item.id) if ratings is None else sorted(ratings, key=lambda r: (r.at, r.id))
        rating = ratings[-1] if ratings else None
    if rating is None:
        return None
    return {"score": rating.score, "label": SCORES[rating.score], "comment": rating.comment, "round": rating.round}


def summary(item: Item, today: date) -> dict[str, Any]:
    """The short form used in lists."""
    return {
        "number": item.number,
        "status": item.status,
        "status_label": STATUS_LABELS[item.status],
        "round": item.round,
        "content": mask_phone(item.content[:120]),
        "community": item.community,
        "category": category_json(item.category),
        "unit": unit_json(item.claimed_unit or item.unit),
        "tier": item.tier,
        "due": iso(item.due),
        "overdue": is_overdue(item, today),
        "created_at": iso(item.created_at),
        "office": item.office_id,  # its street office (街道), by id
    }


FOLLOWING = {kind: f'SELECT 1 FROM "follower" WHERE "item_id" = {{mark}} AND "{kind}_id" = {{mark}}'
             for kind in ("resident", "staff")}


def _following(item: Item, viewer: Actor) -> bool:
    sql = FOLLOWING[viewer.kind].format(mark="%s" if is_postgres() else "?")
    return db.execute_sql(sql, [item.id, viewer.id]).fetchone() is not None


def public_view(item: Item, viewer: Actor | None = None, now: datetime | None = None,
                source: tuple[list[TimelineEvent], dict[int, str]] | None = None,
                parts: frozenset[str] | None = None) -> dict[str, Any]:
    """The public view: status, deadline, result, rating and a masked timeline
    (`source`: the timeline's events and labels if the caller has read them;
    `parts`: the item's parts if known (`views.parts.item_parts`), so absent ones go unread)."""
    if parts is None and viewer is not None:  # then at least three reads depend on them
        parts = item_parts(item)

    def has(part: str) -> bool:
        return parts is None or part in parts

    now = as_local(now)
    view = summary(item, now.date())
    is_reporter = viewer is not None and viewer.kind == "resident" and (
        any(resident.id == viewer.id for resident in reporters(item)) if has("merged")
        else item.reporter_id is not None and item.reporter_id == viewer.id)
    following = False
    if viewer is not None and viewer.kind in ("resident", "staff") and has("followers"):
        following = _following(item, viewer)
    # The exact place is for its reporter and staff; the public gets the street, no coordinates.
    exact = is_reporter or (viewer is not None and viewer.kind == "staff")
    view.update({
        "content": mask_phone(item.content),
        "address": item.address if exact else coarse_place(item.address),
        "lat": item.lat if exact else None,
        "lng": item.lng if exact else None,
        "tier_label": TIERS.get(item.tier),
        "photos": _photos(item, now) if has("photos") else [],
        "result": mask_phone(item.result),
        "outcome": item.outcome,
        "outcome_label": OUTCOMES.get(item.outcome),
        "rating": latest_rating(item) if has("ratings") else None,
        "can_rate": is_reporter and item.status == RESOLVED and not (
            item.wide_concern and viewer is not None and rated_this_round(item, viewer.id)),
        "following": following,
        "merged_into": item.merged_into.number if item.merged_into_id else None,
        "reject_reason": item.reject_reason,
        "closed_at": iso(item.closed_at),
        "timeline": timeline(item, source=source),
    })
    return view


def category_filter(code: object) -> Expression:
    if code == measures.NONE_KEY:
        return Item.category.is_null()
    category = Category.get_or_none(Category.code == code)
    if category is None:
        raise Invalid("分类不存在", field="category")
    if category.parent_id is None:
        return Item.category.in_(Category.select(Category.id).where(Category.parent == category))
    return Item.category == category


def public_category_ids() -> ModelSelect:
    """`is_public` as a subquery: the categories under a public top category."""
    Parent = Category.alias()
    return (Category.select(Category.id).join(Parent, on=(Category.parent == Parent.id))
            .where(Parent.public == True))  # noqa: E712


def latest_report(resident: Resident, since: datetime) -> Item | None:
    """The resident's most recent item collected at or after `since` (chat follow-ups)."""
    return (Item.select().where((Item.reporter == resident) & (Item.created_at >= since))
            .order_by(Item.created_at.desc(), Item.id.desc()).first())


def _their_rating(resident_id: int | None) -> Expression:
    """A rating of the item's current round by this resident exists."""
    return fn.EXISTS(Rating.select(Rating.id).where((Rating.item == Item.id) & (Rating.round == Item.round)
                                                    & (Rating.resident == resident_id)))


def rated_this_round(item: Item, resident_id: int | None) -> bool:
    """Whether this resident has rated the item's current round: a wide-concern item
    stays resolved after a rating (its 群众评议会 decides), so one may be rated already."""
    if resident_id is None:
        return False
    return Rating.select().where((Rating.item == item.id) & (Rating.round == item.round)
                                 & (Rating.resident == resident_id)).exists()


def awaiting_rating(resident: Resident) -> Item | None:
    """The resident's most recently resolved item that waits for their rating (not rated by them this round)."""
    return (Item.select().where((Item.reporter == resident) & (Item.status == RESOLVED) & ~_their_rating(resident.id))
            .order_by(Item.resolved_at.desc(), Item.id.desc()).first())


def reporters(item: Item) -> list[Resident]:
    """The item's reporter and the reporters of items merged into it, each once, its own first."""
    postgres = is_postgres()
    if postgres not in _REPORTERS:  # hand-written, built once: a resident's report is answered with this
        mark = "%s" if postgres else "?"
        _REPORTERS[postgres] = (f'SELECT {column_list(Resident)} FROM "resident" WHERE "id" = {mark} OR "id" IN '
                                f'(SELECT "reporter_id" FROM "item" WHERE "merged_into_id" = {mark})')
    people = fetch_models(Resident, _REPORTERS[postgres], [item.reporter_id, item.id])
    return sorted(people, key=lambda resident: (resident.id != item.reporter_id, resident.id))


_REPORTERS: dict[bool, str] = {}


def on_claim_board() -> Any:
    """The public claim board (公开领办栏): items waiting for a unit in a public category.
    Those the office gave a unit are led by it, others may offer to assist
    (`guards.lead_unit`); those without one are open to every unit. 作风 items are
    never on it: they go to the unit the office named."""
    return Item.status.in_(CLAIMABLE) & Item.category.in_(public_category_ids())


