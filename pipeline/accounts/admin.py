"""The office administers units (承办单位 of every kind the seed names) and staff
accounts: create, rename or change, deactivate; reset a password. A deactivated
account can't sign in, and its tokens and console sessions stop working at once;
a deactivated unit leaves the pickers but keeps its items and history."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from peewee import JOIN, fn
from werkzeug.security import generate_password_hash

from models import ApiToken, Office, StaffUser, Unit, as_local, iso
from pipeline.accounts import people
from pipeline.office.communities import known_community
from pipeline.rules.actors import Actor
from pipeline.rules.core import transaction
from pipeline.rules.errors import Forbidden, Invalid, NotFound, WrongState
from pipeline.rules.offices import (
    DISTRICT,
    DISTRICT_ROLES,
    OTHER_OFFICE,
    district_wide,
    managed_office_id,
    offices,
    require_own_record,
)
from pipeline.rules.permissions import require
from pipeline.rules.states import ROLE_LABELS, UNIT_KINDS
from pipeline.rules.validate import choice, optional_text, required_text

NAME_LENGTH = 100
PERSON_LENGTH = 64


def unit_json(unit: Unit, staff_count: int = 0) -> dict[str, Any]:
    return {"id": unit.id, "name": unit.name, "kind": unit.kind, "kind_label": UNIT_KINDS.get(unit.kind, unit.kind),
            "community": unit.community, "active": unit.active, "staff": staff_count, "office": unit.office_id}


def all_units(office: int | None = None) -> list[dict[str, Any]]:
    """Every unit (of one street office, when given), deactivated ones too, by kind then
    name, with how many active accounts it has."""
    counts: dict[int, int] = {}
    for user in StaffUser.select(StaffUser.unit).where(StaffUser.active & StaffUser.unit.is_null(False)):
        counts[user.unit_id] = counts.get(user.unit_id, 0) + 1
    order = {kind: n for n, kind in enumerate(UNIT_KINDS)}
    query = Unit.select() if office is None else Unit.select().where(Unit.office == office)
    units = sorted(query, key=lambda u: (order.get(u.kind, 99), not u.active, u.name))
    return [unit_json(u, counts.get(u.id, 0)) for u in units]


def _unit(unit_id: int, actor: Actor) -> Unit:
    unit = Unit.get_or_none(Unit.id == unit_id)
    if unit is None:
        raise NotFound("单位不存在", code="not_found")
    require_own_record(unit.office_id, actor, "单位")
    return unit


def add_unit(actor: Actor, *, name: object, kind: object, community: object = None, office: object = None) -> Unit:
    """The office adds a unit of one of the seed's kinds (a community unit names the
    community it serves) to its street office (the district's admin names the office)."""
    require("units.manage", actor)
    name = required_text(name, "name", "单位名称", NAME_LENGTH)
    choice(kind, UNIT_KINDS, "kind", "单位类型")
    served = known_community(community)
    if kind == "community" and served is None:
        raise Invalid("社区单位须选择所服务的社区", field="community")
    with transaction():
        return people.create_unit(name, str(kind), served, office=managed_office_id(actor, office))


def update_unit(actor: Actor, unit_id: int, *, name: object = None, community: object = None,
                active: object = None) -> Unit:
    """The office renames a unit, changes the community it serves, or (de)activates it."""
    require("units.manage", actor)
    new_name = optional_text(name, "name", "单位名称", NAME_LENGTH)
    served = known_community(community)
    _check_flag(active)
    with transaction():
        unit = _unit(unit_id, actor)
        _rename(unit, new_name, "单位已存在")
        if served is not None:
            unit.community = served
        if active is not None:
            unit.active = active
        unit.save()
    return unit


def _district_admin(actor: Actor) -> None:
    require("offices.manage", actor)
    if not district_wide(actor):
        raise Forbidden("只有区级管理员可以管理街道", code=OTHER_OFFICE)


def all_offices(actor: Actor) -> list[dict[str, Any]]:
    """The district's street offices, retired ones too, with how many units and accounts each has."""
    _district_admin(actor)
    units = dict(Unit.select(Unit.office, fn.COUNT(Unit.id)).group_by(Unit.office).tuples())
    users = dict(StaffUser.select(StaffUser.office, fn.COUNT(StaffUser.id)).where(StaffUser.active)
                 .group_by(StaffUser.office).tuples())
    return [dict(office, units=units.get(office["id"], 0), users=users.get(office["id"], 0))
            for office in offices()]


def add_office(actor: Actor, *, name: object, code: object, now: datetime | None = None) -> Office:
    """The district's admin adds a street office (a name and a short code, each unique)."""
    _district_admin(actor)
    with transaction():
        return people.create_office(name, code, now)


def update_office(actor: Actor, office_id: int, *, name: object = None, active: object = None) -> Office:
    """The district's admin renames a street office or retires it from the pickers (its
    units, accounts and items stay; new reports no longer default to it)."""
    _district_admin(actor)
    new_name = optional_text(name, "name", "街道名称", NAME_LENGTH)
    _check_flag(active)
    with transaction():
        office = Office.get_or_none(Office.id == office_id)
        if office is None:
            raise NotFound("街道不存在", code="not_found")
        _rename(office, new_name, "街道已存在")
        if active is not None:
            office.active = active
        office.save()
    return office


def user_json(user: StaffUser) -> dict[str, Any]:
    return {"id": user.id, "username": user.username, "name": user.name, "role": user.role,
            "role_label": ROLE_LABELS.get(user.role, user.role), "unit": user.unit.name if user.unit_id else None,
            "unit_id": user.unit_id, "area": user.area, "active": user.active, "bound": bool(user.openid),
            "created_at": iso(user.created_at), "office": user.office_id}


def all_users(office: int | None = None) -> list[dict[str, Any]]:
    """Every staff account (of one street office, when given), deactivated ones last, by role then name."""
    order = {role: n for n, role in enumerate(ROLE_LABELS)}
    query = StaffUser.select(StaffUser, Unit).join(Unit, JOIN.LEFT_OUTER, on=(StaffUser.unit == Unit.id))
    if office is not None:
        query = query.where(StaffUser.office == office)
    users = sorted(query, key=lambda u: (not u.active, order.get(u.role, 99), u.username))
    return [user_json(u) for u in users]


def _user(user_id: int, actor: Actor) -> StaffUser:
    user = StaffUser.get_or_none(StaffUser.id == user_id)
    if user is None:
        raise NotFound("账号不存在", code="not_found")
    require_own_record(user.office_id, actor, "账号", district_account=user.role in DISTRICT_ROLES)
    return user


def _unit_name(unit: object, actor: Actor) -> str | None:
    if unit in (None, ""):
        return None
    try:
        found = Unit.get_or_none((Unit.id == int(str(unit))) & Unit.active)
    except ValueError:
        found = None
    if found is None:
        raise Invalid("单位不存在", field="unit")
    require_own_record(found.office_id, actor, "单位")
    return str(found.name)


def _new_account_office(actor: Actor, role: object, office: object) -> int | None:
    """The street office of an account the actor creates: theirs; the district's admin
    names one, or none for a district role (a district admin, 区级督查)."""
    if role == DISTRICT or (role in DISTRICT_ROLES and district_wide(actor) and office in (None, "")):
        if not district_wide(actor):
            raise Forbidden("只有区级管理员可以创建区级账号", code=OTHER_OFFICE)
        return None
    return managed_office_id(actor, office)


def add_user(actor: Actor, *, username: object, role: object, password: object, name: object = None,
             unit: object = None, area: object = None, office: object = None) -> StaffUser:
    """The office creates a staff account with a first password (the person changes it
    on the profile page); a unit handler belongs to a unit, a cadre supervisor may follow an area.
    The account belongs to the actor's street office (`_new_account_office`)."""
    require("users.manage", actor)
    username = required_text(username, "username", "用户名", PERSON_LENGTH)
    display = optional_text(name, "name", "姓名", PERSON_LENGTH)
    with transaction():
        unit_name = _unit_name(unit, actor)
        office_id = None if unit_name else _new_account_office(actor, role, office)
        return people.create_staff(username, str(role), password, name=display, unit=unit_name,  # type: ignore[arg-type]
                                   area=known_community(area, "area"), office=office_id,
                                   district=not unit_name and office_id is None)


def _revoke_tokens(user: StaffUser, now: datetime) -> None:
    ApiToken.update(revoked_at=now).where((ApiToken.staff == user) & ApiToken.revoked_at.is_null()).execute()


def update_user(actor: Actor, user_id: int, *, name: object = None, role: object = None, unit: object = None,
                area: object = None) -> StaffUser:
    """The office changes an account's name, role, unit or area."""
    require("users.manage", actor)
    display = optional_text(name, "name", "姓名", PERSON_LENGTH)
    if role is not None:
        choice(role, ROLE_LABELS, "role", "角色")
    with transaction():
        user = _user(user_id, actor)
        if display:
            user.name = display
        if role is not None and role != user.role and DISTRICT in (role, user.role):
            # An account moves between the district and an office only by the district's admin.
            user.office = _new_account_office(actor, role, None)
        if role is not None:
            user.role = role
        if unit is not None:
            unit_name = _unit_name(unit, actor)
            user.unit = Unit.get(Unit.name == unit_name) if unit_name else None
            if user.unit is not None and user.unit.office_id is not None and user.role != DISTRICT:
                user.office = user.unit.office_id  # a unit's staff work in its street office
        if user.role == "unit" and user.unit_id is None:
            raise Invalid("承办单位人员须指定单位", field="unit")
        if area is not None:
            user.area = known_community(area, "area")
        user.save()
    return user


def reset_password(actor: Actor, user_id: int, password: object, now: datetime | None = None) -> StaffUser:
    """The office sets a new password for someone who forgot theirs: their signed-in
    sessions and API tokens end."""
    now = as_local(now)
    require("users.manage", actor)
    if not isinstance(password, str) or not people.PASSWORD_MIN <= len(password) <= people.PASSWORD_MAX:
        raise Invalid(f"新密码至少{people.PASSWORD_MIN}位", field="password")
    with transaction():
        user = _user(user_id, actor)
        user.password_hash = generate_password_hash(password, method=people.PASSWORD_METHOD)
        StaffUser.update(password_hash=user.password_hash).where(StaffUser.id == user.id).execute()
        _revoke_tokens(user, now)
    return user


def set_user_active(actor: Actor, user_id: int, active: object, now: datetime | None = None) -> StaffUser:
    """The office deactivates an account (it can no longer sign in; its tokens end) or
    restores it. Nobody deactivates their own account."""
    now = as_local(now)
    require("users.manage", actor)
    _check_flag(active, required=True)
    with transaction():
        user = _user(user_id, actor)
        if not active and user.id == actor.id:
            raise WrongState("不能停用自己的账号", code="own_account")
        StaffUser.update(active=active).where(StaffUser.id == user.id).execute()
        user.active = active
        if not active:
            _revoke_tokens(user, now)
    return user


def _check_flag(active: object, required: bool = False) -> None:
    """An 启用 flag: true or false (or left out, unless `required`)."""
    if (active is not None or required) and not isinstance(active, bool):
        raise Invalid("是否启用应为是或否", field="active")


def _rename(row: Unit | Office, new_name: str | None, taken: str) -> None:
    """Give `row` (a unit or an office, whose names are unique) `new_name`, refused with
    `taken` when another row already has it; nothing when no new name is given."""
    if not new_name or new_name == row.name:
        return
    model = type(row)
    if model.select().where((model.name == new_name) & (model.id != row.id)).exists():
        raise Invalid(taken, code="exists", field="name")
    row.name = new_name
