"""Residents by openid, staff accounts and bearer tokens."""
import hashlib
import re
import secrets
from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Any

from werkzeug.security import check_password_hash, generate_password_hash

from models import ApiToken, Office, Resident, StaffUser, SubscriptionGrant, Unit, as_local
from models.base import column_list, fetch_joined, is_postgres
from pipeline.messages.notify import reachable
from pipeline.rules.actors import HOLDS_BADGE_SQL, Actor, actor_for_staff, resident_actor
from pipeline.rules.core import transaction
from pipeline.rules.errors import Invalid, Unauthorized
from pipeline.rules.offices import DISTRICT, DISTRICT_ROLES, default_office_id
from pipeline.rules.states import ROLE_LABELS, UNIT_KINDS
from pipeline.rules.validate import choice, optional_text, required_text

MAX_GRANTS_PER_TEMPLATE = 20
# werkzeug's default (scrypt); the test suite swaps in a cheap method.
PASSWORD_METHOD = "scrypt"
PASSWORD_MIN, PASSWORD_MAX = 8, 256  # a new password's length (the console's password form reads these)


def resident_for_openid(openid: str, source: str = "oa", unionid: str | None = None,
                        now: datetime | None = None) -> Resident:
    """The resident with this openid, created on first contact."""
    now = as_local(now)
    if not openid or len(openid) > 64:
        raise Invalid("openid 无效", field="openid")
    resident = Resident.get_or_none(Resident.openid == openid)
    if resident is None:
        Resident.insert(openid=openid, source=source, unionid=unionid, created_at=now).on_conflict_ignore().execute()
        resident = Resident.get(Resident.openid == openid)
    elif unionid and resident.unionid != unionid:
        resident.unionid = unionid
        resident.save()
    return resident


def set_subscribed(openid: str, subscribed: bool, now: datetime | None = None) -> Resident:
    """Follow/unfollow of the official account: pushes stop for someone who left,
    resident or staff member bound to this WeChat (a person may be both)."""
    resident = resident_for_openid(openid, source="oa", now=now)
    Resident.update(subscribed=bool(subscribed)).where(Resident.id == resident.id).execute()
    StaffUser.update(following=bool(subscribed)).where(StaffUser.openid == openid).execute()
    resident.subscribed = bool(subscribed)
    return resident


def record_subscriptions(resident: Resident, accepted: object, allowed: Collection[str],
                         now: datetime | None = None) -> dict[str, int]:
    """Count one-time consents from wx.requestSubscribeMessage (one consent = one message)."""
    now = as_local(now)
    if not isinstance(accepted, list) or not all(isinstance(t, str) for t in accepted):
        raise Invalid("accepted 应为模板编号列表", field="accepted")
    unknown = [t for t in accepted if t not in allowed]
    if unknown:
        raise Invalid("存在未知的订阅模板", field="accepted")
    with transaction():
        for template_id in accepted:
            grant, _ = SubscriptionGrant.get_or_create(resident=resident, template_id=template_id,
                                                       defaults={"remaining": 0, "updated_at": now})
            grant.remaining = min(grant.remaining + 1, MAX_GRANTS_PER_TEMPLATE)
            grant.updated_at = now
            grant.save()
    grants = SubscriptionGrant.select().where(SubscriptionGrant.resident == resident)
    return {g.template_id: g.remaining for g in grants}


def create_office(name: object, code: object, now: datetime | None = None) -> Office:
    """Add a street office (街道办事处) to the district: a name and a short code, each unique."""
    name = required_text(name, "name", "街道名称", 100)
    code = required_text(code, "code", "街道代码", 16)
    if Office.get_or_none(Office.name == name):
        raise Invalid("街道已存在", code="exists", field="name")
    if Office.get_or_none(Office.code == code):
        raise Invalid("街道代码已存在", code="exists", field="code")
    return Office.create(name=name, code=code, created_at=as_local(now))


def create_unit(name: str, kind: str, community: str | None = None, office: int | None = None) -> Unit:
    """A unit of a street office (`office`: its id; default the installation's default office)."""
    name = required_text(name, "name", "单位名称", 100)
    choice(kind, UNIT_KINDS, "kind", "单位类型")
    if Unit.get_or_none(Unit.name == name):
        raise Invalid("单位已存在", code="exists", field="name")
    return Unit.create(name=name, kind=kind, community=community, office=office or default_office_id())


def staff_office(role: str, unit: Unit | None, office: int | None, district: bool = False) -> int | None:
    """The office a new account belongs to: none for the district's own (role `district`,
    or an admin made `district`-wide: the district's admin); else its unit's, or the one
    given, or the installation's default office (as every account of one office)."""
    if role == DISTRICT or district:
        if role not in DISTRICT_ROLES:
            raise Invalid("只有区级督查和系统管理员可以是区级账号", field="role")
        if office is not None or unit is not None:
            raise Invalid("区级账号不属于某个街道或单位", field="office")
        return None
    if unit is not None and unit.office_id is not None:
        if office is not None and office != unit.office_id:
            raise Invalid("单位不属于该街道", field="unit")
        return int(unit.office_id)
    return office or default_office_id()


def create_staff(username: str, role: str, password: str, name: str | None = None, unit: str | None = None,
                 area: str | None = None, office: int | None = None, district: bool = False) -> StaffUser:
    """A staff account (`office`: its street office's id; `district`: the district's own, see `staff_office`)."""
    username = required_text(username, "username", "用户名", 64)
    choice(role, ROLE_LABELS, "role", "角色")
    if not isinstance(password, str) or len(password) < PASSWORD_MIN:
        raise Invalid("密码至少8位", field="password")
    unit_row = None
    if unit:
        unit_row = Unit.get_or_none(Unit.name == unit)
        if unit_row is None:
            raise Invalid("单位不存在", field="unit")
    if role == "unit" and unit_row is None:
        raise Invalid("承办单位人员须指定单位", field="unit")
    if StaffUser.get_or_none(StaffUser.username == username):
        raise Invalid("用户名已存在", code="exists", field="username")
    return StaffUser.create(username=username, name=name or username, role=role, unit=unit_row, area=area,
                            office=staff_office(role, unit_row, office, district),
                            password_hash=generate_password_hash(password, method=PASSWORD_METHOD))


def check_staff_password(username: str, password: str) -> StaffUser:
    if not isinstance(username, str) or not isinstance(password, str) or len(password) > 256:
        raise Unauthorized("用户名或密码错误", code="bad_credentials")
    user = StaffUser.get_or_none((StaffUser.username == username) & StaffUser.active)
    if user is None or not check_password_hash(user.password_hash, password):
        raise Unauthorized("用户名或密码错误", code="bad_credentials")
    return user


def change_password(user: StaffUser, old_password: str, new_password: str) -> StaffUser:
    """Set a staff user's new password after checking the current one."""
    check_staff_password(user.username, old_password)
    if not isinstance(new_password, str) or not PASSWORD_MIN <= len(new_password) <= PASSWORD_MAX:
        raise Invalid("新密码至少8位", field="new_password")
    if new_password == old_password:
        raise Invalid("新密码不能与原密码相同", field="new_password")
    user.password_hash = generate_password_hash(new_password, method=PASSWORD_METHOD)
    StaffUser.update(password_hash=user.password_hash).where(StaffUser.id == user.id).execute()
    return user


def active_staff_user(staff_id: int) -> StaffUser | None:
    """The active staff account with this id (a console session's), or None."""
    return StaffUser.get_or_none((StaffUser.id == staff_id) & StaffUser.active)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(now: datetime | None = None, resident: Resident | None = None, staff: StaffUser | None = None,
                lifetime: timedelta = timedelta(days=30)) -> tuple[str, ApiToken]:
    """Mint an opaque bearer token; only its hash is stored."""
    now = as_local(now)
    token = secrets.token_urlsafe(32)
    row = ApiToken.create(token_hash=_hash(token), resident=resident, staff=staff, created_at=now,
                          expires_at=now + lifetime)
    return token, row


_TOKEN_ACTOR: dict[bool, str] = {}


def token_actor(token: str | None, now: datetime | None = None) -> tuple[ApiToken, Actor]:
    """The token's row and who acts by it; Unauthorized when unknown, revoked, expired or
    its account disabled. One statement reads the token, its staff account or resident,
    and whether that resident holds a valid badge: every API request pays for it."""
    now = as_local(now)
    if not token or len(token) > 128:
        raise Unauthorized("请先登录", code="unauthorized")
    postgres = is_postgres()
    if postgres not in _TOKEN_ACTOR:
        mark = "%s" if postgres else "?"
        _TOKEN_ACTOR[postgres] = (
            f'SELECT {column_list(ApiToken, "t")}, {column_list(StaffUser, "s")}, {column_list(Resident, "r")}, '
            f'{HOLDS_BADGE_SQL.format(resident_id="t.resident_id", mark=mark)} FROM "api_token" t '
            'LEFT JOIN "staff_user" s ON s."id" = t."staff_id" LEFT JOIN "resident" r ON r."id" = t."resident_id" '
            f'WHERE t."token_hash" = {mark}')
    found = fetch_joined(_TOKEN_ACTOR[postgres], [now.date().isoformat(), _hash(token)], ApiToken, StaffUser, Resident)
    row, staff, resident, holds_badge = found if found is not None else (None, None, None, False)
    _check_token(row, now)
    if row.staff_id:
        if staff is None or not staff.active:
            raise Unauthorized("账号已停用", code="unauthorized")
        row.staff = staff
        return row, actor_for_staff(staff)
    if resident is None:
        raise Unauthorized("登录已失效，请重新登录", code="unauthorized")
    row.resident = resident
    return row, resident_actor(resident, bool(holds_badge))


def _check_token(row: ApiToken | None, now: datetime) -> None:
    if row is None or row.revoked_at is not None:
        raise Unauthorized("登录已失效，请重新登录", code="unauthorized")
    if row.expires_at <= now:
        raise Unauthorized("登录已过期，请重新登录", code="token_expired")


def revoke_token(row: ApiToken, now: datetime | None = None) -> None:
    row.revoked_at = as_local(now)
    row.save()


def active_units(office: int | None = None) -> list[dict[str, Any]]:
    """Every active unit (of one street office, when given), for pickers: [{id, name, kind, community, office}]."""
    rows = Unit.select().where(Unit.active).order_by(Unit.kind, Unit.name)
    if office is not None:
        rows = rows.where(Unit.office == office)
    return [{"id": u.id, "name": u.name, "kind": u.kind, "community": u.community, "office": u.office_id}
            for u in rows]


def active_staff(role: str | None = None, office: int | None = None) -> list[dict[str, Any]]:
    """Every active staff member (of `role`, of one street office), for pickers, with whether pushes reach them."""
    query = StaffUser.select().where(StaffUser.active).order_by(StaffUser.role, StaffUser.name)
    if role:
        query = query.where(StaffUser.role == role)
    if office is not None:
        query = query.where(StaffUser.office == office)
    return [{"id": u.id, "name": u.name, "role": u.role, "unit": u.unit_id, "bound": bool(u.openid),
             "receives_pushes": reachable(u), "office": u.office_id} for u in query]


def cadre_choices(office: int | None = None) -> list[dict[str, Any]]:
    """The active cadre supervisors (督办小组) (of one street office) with their area, for the office's pickers."""
    query = StaffUser.select().where(StaffUser.active & (StaffUser.role == "supervisor")).order_by(StaffUser.id)
    if office is not None:
        query = query.where(StaffUser.office == office)
    return [{"id": u.id, "name": u.name, "area": u.area} for u in query]


def office_by_name(name: object) -> int | None:
    """A street office's id by its name or short code (the command line), None if not given."""
    if name in (None, ""):
        return None
    text = str(name).strip()
    office = Office.get_or_none((Office.name == text) | (Office.code == text))
    if office is None:
        raise Invalid("街道不存在", code="unknown_office", field="office")
    return int(office.id)


PROFILE_PHONE = re.compile(r"^\+?\d{7,15}$")


def update_profile(resident: Resident, *, community: object = None, name: object = None,
                   phone: object = None) -> Resident:
    """A resident sets their own community (from the office's list), name and phone
    (PATCH /me); their later reports take this community. Fields left out stay."""
    from pipeline.office.communities import known_community  # the office's list reads the rules too

    changes: dict[str, Any] = {}
    if community is not None:
        changes["community"] = known_community(community)
    if name is not None:
        changes["name"] = optional_text(name, "name", "姓名", 64)
    if phone is not None:
        phone = optional_text(phone, "phone", "电话", 32)
        if phone is not None and not PROFILE_PHONE.match(phone.replace(" ", "").replace("-", "")):
            raise Invalid("电话号码应为7到15位数字", field="phone")
        changes["phone"] = phone.replace(" ", "").replace("-", "") if phone else None
    if not changes:
        raise Invalid("请填写社区、姓名或电话", field="community")
    with transaction():
        Resident.update(**changes).where(Resident.id == resident.id).execute()
    for key, value in changes.items():
        setattr(resident, key, value)
    return resident


def profile_json(resident: Resident) -> dict[str, Any]:
    """A resident's own profile, for themselves (GET/PATCH /me)."""
    return {"community": resident.community, "name": resident.name, "phone": resident.phone}
