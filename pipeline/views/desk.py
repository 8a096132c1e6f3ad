"""The console's reading desk: what waits for a staff member now, and the
filtered item list, both from `lists.staff_items` (within `staff_scope`: who may see what)."""
from datetime import date
from typing import Any

from peewee import ModelSelect

from models import Follower, Item, local_now
from pipeline.office.communities import list_communities
from pipeline.rules.actors import Actor, holds_valid_badge
from pipeline.rules.offices import office_in_view
from pipeline.rules.states import (
    CLAIMED,
    CLASSIFIED,
    COLLECTED,
    OFFICE_ROLES,
    RESOLVED,
    ROLE_LABELS,
)
from pipeline.steps.chasing import callback_query
from pipeline.views.lists import attach_relations, first_rows, staff_items
from pipeline.views.queries import mask_name
from pipeline.views.stats import parse_period

SECTION_LABELS = {
    "collected": "待分类",
    "classified": "待领办",
    "claimed": "办理中",
    "overdue": "超期",
    "resolved": "待评议",
    "callback": "待回访",
}
SECTION_STATUS = {"collected": COLLECTED, "classified": CLASSIFIED, "claimed": CLAIMED, "resolved": RESOLVED}
# Overdue first: it is what most needs someone's hand.
ROLE_SECTIONS = {
    "office": ("overdue", "collected", "classified", "claimed", "resolved", "callback"),
    "admin": ("overdue", "collected", "classified", "claimed", "resolved", "callback"),
    "leader": ("overdue", "claimed", "classified", "resolved"),
    "party_office": ("overdue", "claimed", "resolved"),
    "supervisor": ("overdue", "claimed", "classified", "resolved"),
    "unit": ("overdue", "classified", "claimed", "resolved"),
    "district": ("overdue", "claimed", "classified", "resolved"),
}
SECTION_SIZE = 10


def _by_urgency(query: ModelSelect) -> ModelSelect:
    return query.order_by(Item.due.is_null(), Item.due, Item.created_at, Item.id)


def waiting(actor: Actor, today: date, size: int = SECTION_SIZE) -> list[tuple[str, str, int, list[Item]]]:
    """[(key, label, count, first `size` items)] for the actor's role, overdue first.
    A count beyond what `lists.count_of` counts exactly is the planner's estimate."""
    sections = []
    for key in ROLE_SECTIONS.get(actor.role, ()):
        if key == "callback":
            if actor.role not in OFFICE_ROLES:
                continue
            query = callback_query(office_in_view(actor))
        elif key == "overdue":
            query = _by_urgency(staff_items(actor, today, overdue=True))
        else:
            query = _by_urgency(staff_items(actor, today, status=SECTION_STATUS[key]))
        items, count, _exact = first_rows(query, size)
        sections.append((key, SECTION_LABELS[key], count, items))
    attach_relations([item for section in sections for item in section[3]])
    return sections


def find_items(actor: Actor, today: date, status: str | None = None, channel: str | None = None,
               community: str | None = None, category: str | None = None, overdue: bool = False,
               q: str | None = None, start: str | None = None, end: str | None = None, measure: str | None = None,
               unit: str | None = None, office: str | None = None) -> ModelSelect:
    """The items `actor` may see, filtered (`lists.staff_items`, the address searched
    too); soonest deadline first. `start`/`end` (collected from..to), `measure` and
    `unit` (the accountable unit) are the dashboards' links; `office` the district's
    office picker. Bad filters raise Invalid."""
    period = parse_period(start, end, today) if start or end else None
    return _by_urgency(staff_items(actor, today, status=status, channel=channel, community=community,
                                   category=category, overdue=overdue, search=q, search_address=True,
                                   period=period, measure=measure, accountable=unit, office=office))


def communities(office: int | None = None) -> list[str]:
    """The office's communities (`office.communities`; of one street office when given), for the filters and pickers."""
    return [community["name"] for community in list_communities(office=office)]


def followers(item: Item, actor: Actor, today: date | None = None) -> list[dict[str, Any]]:
    """Who follows the item: staff by name and role; residents masked unless the
    viewer is the office, marked when they hold a supervision badge."""
    rows = []
    query = Follower.select().where(Follower.item == item).order_by(Follower.created_at, Follower.id)
    for row in query:
        if row.staff_id:
            rows.append({"name": row.staff.name, "role": ROLE_LABELS.get(row.staff.role, "工作人员"), "at": row.created_at})
        elif row.resident_id:
            name = row.resident.nickname or "微信用户"
            badge = holds_valid_badge(row.resident_id, today or local_now().date())
            rows.append({"name": name if actor.role in OFFICE_ROLES else mask_name(name),
                         "role": "群众督办员" if badge else "群众", "at": row.created_at})
    return rows
