"""The office names supervisors by matter and by area (由活动办根据事项和区域指定督办人员):
cadre supervisors assigned to an item (at classify or later), and to communities
(their area). Who supervises an item is defined in `pipeline.rules.supervisors`."""
from collections.abc import Iterable
from datetime import datetime

from models import Community, Item, ItemSupervisor, StaffUser, as_local
from pipeline.messages import notify
from pipeline.rules.actors import Actor
from pipeline.rules.core import Operation, operation, transaction
from pipeline.rules.errors import Forbidden, Invalid, NotFound, WrongState
from pipeline.rules.offices import require_office_staff, require_own_record
from pipeline.rules.permissions import permitted
from pipeline.rules.supervisors import CADRE

FIELD = "supervisors"
MAX_AT_ONCE = 20


def _ids(value: object, field: str) -> list[int]:
    items = value if isinstance(value, list) else [value]
    try:
        ids = [int(v) for v in items if isinstance(v, int | str) and not isinstance(v, bool)]
    except ValueError:
        ids = []
    if len(ids) != len(items):
        raise Invalid("督办人员编号无效", field=field)
    return list(dict.fromkeys(ids))


def cadres(value: object, field: str = FIELD) -> list[StaffUser]:
    """The active cadre supervisors (督办小组) with these ids, in the order given; anyone
    else named is refused. None or [] gives []."""
    if value in (None, "", []):
        return []
    ids = _ids(value, field)
    if len(ids) > MAX_AT_ONCE:
        raise Invalid(f"一次最多指定{MAX_AT_ONCE}名督办人员", field=field)
    found = {user.id: user for user in StaffUser.select().where(
        StaffUser.id.in_(ids) & (StaffUser.role == CADRE) & StaffUser.active)}
    if len(found) != len(ids):
        raise Invalid("督办人员应为在职的督办小组成员", code="not_supervisor", field=field)
    return [found[i] for i in ids]


def assign(op: Operation, users: Iterable[StaffUser], key: str) -> list[StaffUser]:
    """In the caller's operation on an item: assign these cadres (those not yet assigned),
    one 指定督办 event each, and tell them by push. Returns the newly assigned."""
    item, added, users = op.item, [], list(users)
    require_office_staff(item.office_id, users)
    already = {row.staff_id for row in ItemSupervisor.select(ItemSupervisor.staff)
               .where(ItemSupervisor.item == item.id)}
    for user in users:
        if user.id in already:
            continue
        ItemSupervisor.create(item=item, staff=user, assigned_by=op.actor.staff, created_at=op.now)
        op.record("assign_supervisor", note=user.name, data={"staff": user.id, "name": user.name})
        added.append(user)
    notify.to_staff(added, "supervisor_assigned", "task", item, "活动办指定您督办此事项", op.now,
                    f"{key}:supervisor")
    return added


def assign_supervisor(item: Item, actor: Actor, *, staff: object, now: datetime | None = None) -> Item:
    """The office assigns a cadre supervisor to an open item (指定督办); they follow every
    step by push from then on. Assigning someone already assigned is refused."""
    now = as_local(now)
    users = cadres(staff, "staff")
    if not users:
        raise Invalid("请选择督办人员", field="staff")
    with operation(item, "assign_supervisor", actor, now) as op:
        if not assign(op, users, f"assign_supervisor:{op.item.number}:{users[0].id}"):
            raise WrongState(f"{users[0].name}已是该事项的督办人员", code="already_assigned")
    return op.item


def set_area_supervisors(actor: Actor, community_id: int, supervisors: object) -> list[StaffUser]:
    """The office names the cadre supervisors of a community (督办小组 by area): they
    become the ones whose area it is; cadres it had before and no longer names lose it.
    A cadre has one area: naming them here moves them from any other."""
    if not permitted("communities.manage", actor):
        raise Forbidden("只有活动办可以指定社区督办人员", code="forbidden")
    users = cadres(supervisors)
    with transaction():
        community = Community.get_or_none(Community.id == community_id)
        if community is None:
            raise NotFound("社区不存在", code="not_found")
        require_own_record(community.office_id, actor, "社区")
        require_office_staff(community.office_id, users)
        ids = [user.id for user in users]
        (StaffUser.update(area=None)
         .where((StaffUser.area == community.name) & (StaffUser.role == CADRE) & StaffUser.id.not_in(ids)).execute())
        if ids:
            StaffUser.update(area=community.name).where(StaffUser.id.in_(ids)).execute()
    return area_supervisors(community.name)


def area_supervisors(community: str) -> list[StaffUser]:
    """The active cadre supervisors whose area is `community`."""
    return list(StaffUser.select().where((StaffUser.role == CADRE) & StaffUser.active
                                         & (StaffUser.area == community)).order_by(StaffUser.id))
