"""The supervisors of an item (督办人员), defined once.

The office names cadre supervisors (督办小组, role `supervisor`) by matter and by
area (由活动办根据事项和区域指定督办人员): a cadre supervises an item when the
office assigned them to it (`ItemSupervisor`), when it lies in their area (the
community in `StaffUser.area`, which the office sets per community), or when they
follow it (supervising or urging an item follows it). Resident supervisors
(badge holders) supervise the items they follow while their badge is valid, and
see the public items of their badge's area.

Pushes at every step (`notify.residents_concerned`), overdue chasing, the work
list's `supervised=1`, the console's supervision list and the sheet all ask here.
"""
from datetime import date
from typing import Any

from peewee import Expression, fn

from models import Badge, Follower, Item, ItemSupervisor, Resident, StaffUser
from models.base import SlottedSelect

CADRE = "supervisor"
# Why an item is a cadre's: the sections of their supervision list, in this order.
REASONS = {"assigned": "指派我督办的", "area": "本辖区的", "followed": "我关注、督办过的"}


def _assigned_to(staff_id: int) -> Expression:
    return Item.id.in_(ItemSupervisor.select(ItemSupervisor.item).where(ItemSupervisor.staff == staff_id))


def _followed_by(staff_id: int) -> Expression:
    return Item.id.in_(Follower.select(Follower.item).where(Follower.staff == staff_id))


def supervised_by(staff: StaffUser) -> Expression:
    """The items `staff` supervises, as a condition on Item: assigned to them, in their
    area, or followed by them."""
    condition = _assigned_to(staff.id) | _followed_by(staff.id)
    if staff.area:
        condition = condition | (Item.community == staff.area)
    return condition


def reason(item: Item, staff: StaffUser, assigned: set[int], followed: set[int]) -> str | None:
    """Why `item` is `staff`'s to supervise (a key of REASONS), given the ids of the items
    assigned to them and followed by them; None when it isn't."""
    if item.id in assigned:
        return "assigned"
    if staff.area and item.community == staff.area:
        return "area"
    if item.id in followed:
        return "followed"
    return None


def assigned_ids(staff_id: int) -> set[int]:
    return {row for (row,) in ItemSupervisor.select(ItemSupervisor.item).where(ItemSupervisor.staff == staff_id)
            .tuples()}


def followed_ids(staff_id: int) -> set[int]:
    return {row for (row,) in Follower.select(Follower.item).where(Follower.staff == staff_id).tuples()}


def cadre_of(item_id: Any, community: Any) -> Expression:
    """Whether a StaffUser is a cadre supervisor of the item (`item_id`, `community`: its
    values, or its columns in a query): an active supervisor assigned to it, following
    it, or whose area is its community."""
    assigned = ItemSupervisor.select(ItemSupervisor.staff).where(ItemSupervisor.item == item_id)
    following = Follower.select(Follower.staff).where((Follower.item == item_id) & Follower.staff.is_null(False))
    of_area = (fn.COALESCE(community, "") != "") & (StaffUser.area == community)
    return (StaffUser.role == CADRE) & StaffUser.active & (StaffUser.id.in_(assigned) | StaffUser.id.in_(following)
                                                            | of_area)


# Built once from `cadre_of` (the sheet every API write answers with asks it; peewee
# building it afresh cost more than running it).
_CADRES = SlottedSelect(StaffUser, lambda item_id, community: (
    StaffUser.select().where(cadre_of(item_id, community)).order_by(StaffUser.id)), -2_147_480_001, "\ufffecommunity")


def cadre_supervisors(item: Item) -> list[StaffUser]:
    """The item's cadre supervisors (`cadre_of`), each once, in the order they joined."""
    return _CADRES.rows(item.id, item.community)


_ASSIGNED = SlottedSelect(StaffUser, lambda item_id: (
    StaffUser.select().join(ItemSupervisor, on=(ItemSupervisor.staff == StaffUser.id))
    .where(ItemSupervisor.item == item_id).order_by(ItemSupervisor.id)), -2_147_480_001)


def assigned_supervisors(item: Item) -> list[StaffUser]:
    """The cadres the office assigned to the item by name, in the order it did."""
    return _ASSIGNED.rows(item.id)


def resident_supervisors(item: Item, today: date) -> list[Resident]:
    """Residents following the item who hold a valid badge."""
    return list(Resident.select().join(Follower, on=(Follower.resident == Resident.id))
                .where((Follower.item == item.id) & holds_badge(today)).order_by(Resident.id))


def holds_badge(today: date) -> Expression:
    """Whether a Resident holds a badge valid on `today`."""
    return Resident.id.in_(Badge.select(Badge.resident).where(
        Badge.resident.is_null(False) & Badge.revoked_at.is_null() & (Badge.valid_until >= today)))


def resident_supervisor_of(item_id: Any, today: date) -> Expression:
    """Whether a Resident is a resident supervisor of the item (`item_id`: a value or a column):
    they follow it and hold a valid badge."""
    return Resident.id.in_(Follower.select(Follower.resident).where(Follower.item == item_id)) & holds_badge(today)


def badge_areas(resident_id: int, today: date) -> list[str]:
    """The areas of the resident's valid badges (a resident supervisor's area)."""
    return sorted({area for (area,) in Badge.select(Badge.area).where(
        (Badge.resident == resident_id) & Badge.revoked_at.is_null() & (Badge.valid_until >= today)
        & Badge.area.is_null(False)).tuples()})
