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

from peewee import Expression

from models import Badge, Follower, Item, ItemSupervisor, Resident, StaffUser
from models.base import fetch_models, is_postgres

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


def _staff_columns(alias: str) -> str:
    return ", ".join(f'{alias}."{field.column_name}"' for field in StaffUser._meta.sorted_fields)


# Written by hand (the sheet every API write answers with asks both): peewee building
# these cost several times running them. An item without a community matches no area
# (`area = NULL` is never true).
CADRE_SUPERVISORS = (f'SELECT {_staff_columns("s")} FROM "staff_user" s WHERE s."role" = \'{CADRE}\' AND s."active" '
                     'AND (s."id" IN (SELECT "staff_id" FROM "item_supervisor" WHERE "item_id" = {mark}) '
                     'OR s."id" IN (SELECT "staff_id" FROM "follower" WHERE "item_id" = {mark} '
                     'AND "staff_id" IS NOT NULL) OR s."area" = {mark}) ORDER BY s."id"')
ASSIGNED_SUPERVISORS = (f'SELECT {_staff_columns("s")} FROM "staff_user" s JOIN "item_supervisor" a '
                        'ON a."staff_id" = s."id" WHERE a."item_id" = {mark} ORDER BY a."id"')


def _run(sql: str, params: list[object]) -> list[StaffUser]:
    return fetch_models(StaffUser, sql.format(mark="%s" if is_postgres() else "?"), params)


def cadre_supervisors(item: Item) -> list[StaffUser]:
    """The item's cadre supervisors: active staff with the supervisor role assigned to it,
    of its area, or following it — each once, in the order they joined."""
    return _run(CADRE_SUPERVISORS, [item.id, item.id, item.community])


def assigned_supervisors(item: Item) -> list[StaffUser]:
    """The cadres the office assigned to the item by name, in the order it did."""
    return _run(ASSIGNED_SUPERVISORS, [item.id])


def resident_supervisors(item: Item, today: date) -> list[Resident]:
    """Residents following the item who hold a valid badge."""
    holders = Badge.select(Badge.resident).where(Badge.resident.is_null(False) & Badge.revoked_at.is_null()
                                                 & (Badge.valid_until >= today))
    return list(Resident.select().join(Follower, on=(Follower.resident == Resident.id))
                .where((Follower.item == item.id) & Resident.id.in_(holders)).order_by(Resident.id))


def badge_areas(resident_id: int, today: date) -> list[str]:
    """The areas of the resident's valid badges (a resident supervisor's area)."""
    return sorted({area for (area,) in Badge.select(Badge.area).where(
        (Badge.resident == resident_id) & Badge.revoked_at.is_null() & (Badge.valid_until >= today)
        & Badge.area.is_null(False)).tuples()})
