"""What supervisors and the office's evaluation desk read: a cadre supervisor's
list (items they supervise or follow, items of their area) and the call-back
list (回访) with each reporter's contact as the reader may see it."""
from datetime import date
from typing import Any

from models import Follower, Item
from pipeline.rules.actors import Actor
from pipeline.rules.errors import Forbidden
from pipeline.rules.overdue import is_overdue
from pipeline.rules.states import OPEN, OVERSEERS, ROLES_ALLOWED, SUPERVISING_ROLES
from pipeline.steps.chasing import callback_list
from pipeline.views.queries import attach_relations, staff_scope
from pipeline.views.sheet import reporter_contact

# Staff who supervise (督查督办) and so have a supervision list.
STAFF_SUPERVISORS = SUPERVISING_ROLES & ROLES_ALLOWED
# Who reads the call-back list: the organisation (phones in full for the office only).
CALLBACK_READERS = OVERSEERS
SECTION_LABELS = {"followed": "我督办、关注的", "area": "本辖区的"}


def _urgent_first(items: list[Item], today: date) -> list[Item]:
    return sorted(items, key=lambda i: (not is_overdue(i, today), i.due is None, i.due or today, i.id))


def supervision_list(actor: Actor, today: date) -> list[tuple[str, str, list[Item]]]:
    """[(key, label, open items)] for a staff supervisor, overdue first in each section:
    the items they supervise or follow (supervising an item follows it), and the items
    of their area (督办小组 by area) not already in the first section."""
    if actor.kind != "staff" or actor.role not in STAFF_SUPERVISORS:
        raise Forbidden("只有督办人员可以查看督办事项", code="forbidden")
    followed_ids = Follower.select(Follower.item).where(Follower.staff == actor.id)
    followed = list(Item.select().where(Item.id.in_(followed_ids) & Item.status.in_(OPEN)))
    attach_relations(followed)
    sections = [("followed", SECTION_LABELS["followed"], _urgent_first(followed, today))]
    area = actor.staff.area if actor.staff is not None else None
    if area:
        seen = [item.id for item in followed]
        local = list(staff_scope(Item.select(), actor)
                     .where((Item.community == area) & Item.status.in_(OPEN) & Item.id.not_in(seen)))
        attach_relations(local)
        sections.append(("area", f"{SECTION_LABELS['area']}（{area}）", _urgent_first(local, today)))
    return sections


def callback_rows(actor: Actor) -> list[dict[str, Any]]:
    """The call-back list (回访: resolved items still unrated a week on), each with its
    reporter's contact through `reporter_contact` — in full for the office, masked
    for the rest of the organisation."""
    if actor.kind != "staff" or actor.role not in CALLBACK_READERS:
        raise Forbidden("只有活动办和街道领导可以查看回访名单", code="forbidden")
    return [{"item": item, "reporter": reporter_contact(item, actor)} for item in callback_list()]
