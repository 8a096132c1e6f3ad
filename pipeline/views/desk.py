"""The console's reading desk: what waits for a staff member now, and the
filtered item list, both within `staff_scope` (who may see what)."""
from models import Follower, Item, local_now
from pipeline.rules.actors import holds_valid_badge
from pipeline.rules.overdue import overdue_condition
from pipeline.rules.states import (
    CHANNELS,
    CLAIMED,
    CLASSIFIED,
    COLLECTED,
    OFFICE_ROLES,
    RESOLVED,
    ROLE_LABELS,
    STATUS_LABELS,
)
from pipeline.rules.validate import choice
from pipeline.steps.chasing import callback_list
from pipeline.views.queries import attach_relations, category_filter, mask_name, staff_scope

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
}
SECTION_SIZE = 10


def _by_urgency(query):
    return query.order_by(Item.due.is_null(), Item.due, Item.created_at, Item.id)


def waiting(actor, today, size=SECTION_SIZE):
    """[(key, label, count, first `size` items)] for the actor's role, overdue first."""
    sections = []
    for key in ROLE_SECTIONS.get(actor.role, ()):
        if key == "callback":
            if actor.role not in OFFICE_ROLES:
                continue
            items = callback_list()
            sections.append((key, SECTION_LABELS[key], len(items), items[:size]))
            continue
        query = staff_scope(Item.select(), actor)
        if key == "overdue":
            query = query.where(overdue_condition(today))
        else:
            query = query.where(Item.status == SECTION_STATUS[key])
        items = list(_by_urgency(query).limit(size))
        attach_relations(items)
        sections.append((key, SECTION_LABELS[key], query.count(), items))
    return sections


def find_items(actor, today, status=None, channel=None, community=None, category=None, overdue=False, q=None):
    """The items `actor` may see, filtered; soonest deadline first. Bad filters raise Invalid."""
    query = staff_scope(Item.select(), actor)
    if status:
        choice(status, STATUS_LABELS, "status", "状态")
        query = query.where(Item.status == status)
    if channel:
        choice(channel, CHANNELS, "channel", "渠道")
        query = query.where(Item.channel == channel)
    if community:
        query = query.where(Item.community == community[:100])
    if category:
        query = query.where(category_filter(category))
    if overdue:
        query = query.where(overdue_condition(today))
    if q:
        q = q[:100]
        query = query.where(Item.number.contains(q) | Item.content.contains(q) | Item.address.contains(q))
    return _by_urgency(query)


def communities():
    """Every community some item names, for the list's filter."""
    rows = Item.select(Item.community).where(Item.community.is_null(False)).distinct().order_by(Item.community)
    return [row.community for row in rows]


def followers(item, actor, today=None):
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
