"""What supervisors and the office's evaluation desk read: a cadre supervisor's
list (items assigned to them, of their area, followed), a resident supervisor's
list, and the call-back
list (回访) with each reporter's contact as the reader may see it."""
from datetime import date
from typing import Any

from models import Follower, Item, Resident
from pipeline.rules.actors import Actor
from pipeline.rules.errors import Forbidden
from pipeline.rules.offices import office_in_view
from pipeline.rules.overdue import is_overdue
from pipeline.rules.states import OPEN, OVERSEERS, ROLES_ALLOWED, SUPERVISING_ROLES
from pipeline.rules.supervisors import REASONS, assigned_ids, badge_areas, followed_ids, reason, supervised_by
from pipeline.steps.chasing import callback_list
from pipeline.views.lists import attach_relations
from pipeline.views.queries import public_category_ids, summary
from pipeline.views.sheet import reporter_contact

# Staff who supervise (督查督办) and so have a supervision list.
STAFF_SUPERVISORS = SUPERVISING_ROLES & ROLES_ALLOWED
# Who reads the call-back list: the organisation (phones in full for the office only).
CALLBACK_READERS = OVERSEERS
# A resident's list stops at this many items of each kind (followed, of their area).
LIST_LIMIT = 100


def _urgent_first(items: list[Item], today: date) -> list[Item]:
    return sorted(items, key=lambda i: (not is_overdue(i, today), i.due is None, i.due or today, i.id))


def supervision_list(actor: Actor, today: date) -> list[tuple[str, str, list[Item]]]:
    """[(key, label, open items)] for a staff supervisor, overdue first in each section:
    the items the office assigned to them, those of their area, and those they follow
    (supervising an item follows it) — each item once, in the first section it fits
    (`pipeline.rules.supervisors`)."""
    if actor.kind != "staff" or actor.role not in STAFF_SUPERVISORS or actor.staff is None:
        raise Forbidden("只有督办人员可以查看督办事项", code="forbidden")
    staff = actor.staff
    items = list(Item.select().where(supervised_by(staff) & Item.status.in_(OPEN)))
    attach_relations(items)
    assigned, followed = assigned_ids(staff.id), followed_ids(staff.id)
    by_reason: dict[str, list[Item]] = {key: [] for key in REASONS}
    for item in items:
        why = reason(item, staff, assigned, followed)
        if why is not None:
            by_reason[why].append(item)
    labels = dict(REASONS, area=f"{REASONS['area']}（{staff.area}）" if staff.area else REASONS["area"])
    return [(key, labels[key], _urgent_first(by_reason[key], today)) for key in REASONS
            if key != "area" or staff.area]


def resident_supervised(actor: Actor, today: date) -> dict[str, Any]:
    """A resident's supervision list (GET /me/supervised): the items they follow and, while
    they hold a valid badge, the public open items of their badge's area; overdue first."""
    if actor.kind != "resident" or actor.resident is None:
        raise Forbidden("该功能仅限群众使用", code="forbidden")
    followed = list(Item.select().join(Follower, on=(Follower.item == Item.id))
                    .where(Follower.resident == actor.id).order_by(Item.id.desc()).limit(LIST_LIMIT))
    areas = badge_areas(actor.resident.id, today) if actor.is_supervisor else []
    seen = {item.id for item in followed}
    local = [item for item in Item.select().where(
        Item.community.in_(areas) & Item.status.in_(OPEN) & Item.category.in_(public_category_ids()))
        .order_by(Item.id.desc()).limit(LIST_LIMIT) if item.id not in seen] if areas else []
    attach_relations(followed + local)
    rows = ([dict(summary(item, today), why="followed") for item in _urgent_first(followed, today)]
            + [dict(summary(item, today), why="area") for item in _urgent_first(local, today)])
    return {"supervisor": actor.is_supervisor, "areas": areas, "items": rows}


def callback_rows(actor: Actor, office: object = None) -> list[dict[str, Any]]:
    """The call-back list (回访: resolved items still unrated a week on), each with its
    reporter's contact through `reporter_contact` — in full for the office, masked
    for the rest of the organisation."""
    if actor.kind != "staff" or actor.role not in CALLBACK_READERS:
        raise Forbidden("只有活动办和街道领导可以查看回访名单", code="forbidden")
    items = callback_list(office_in_view(actor, office))
    residents = {r.id: r for r in Resident.select().where(Resident.id.in_({i.reporter_id for i in items if i.reporter_id}))}
    for item in items:  # read the reporters in one query, not one per row
        if item.reporter_id in residents:
            item.reporter = residents[item.reporter_id]
    return [{"item": item, "reporter": reporter_contact(item, actor)} for item in items]
