"""Supervision badges (督办证): the office issues and revokes badges, a resident
binds one to their WeChat (and then acts as a resident supervisor, see
`actors.actor_for_resident`), anyone can check a badge on its public page. The
printable card and items' QR codes are drawn in `web/printing/`.

A badge's token is the secret in its QR code (`/b/<token>`); the phone number
is stored masked only.
"""
import re
import secrets
from datetime import date, datetime, timedelta
from typing import Any

from peewee import IntegrityError, fn

from models import Badge, StaffUser, as_local, iso
from pipeline.rules.actors import Actor
from pipeline.rules.core import fetch, serialise_writers, transaction
from pipeline.rules.errors import Forbidden, Invalid, NotFound, WrongState
from pipeline.rules.permissions import permitted
from pipeline.rules.schemas import limit
from pipeline.rules.validate import choice, optional_text, parse_date, required_text
from pipeline.views.queries import mask_name

KINDS = {"resident": "群众督办员", "cadre": "督办小组"}
STATES = {"valid": "有效", "revoked": "已撤销", "expired": "已过期"}
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
PHONE_RE = re.compile(r"^\+?\d{7,15}$")
MAX_VALIDITY = timedelta(days=5 * 366)


# -- badges ---------------------------------------------------------------------

def badge_state(badge: Badge, today: date) -> str:
    """valid | revoked | expired."""
    if badge.revoked_at is not None:
        return "revoked"
    if badge.valid_until < today:
        return "expired"
    return "valid"


def mask_phone_number(phone: str) -> str:
    """Keep the first three and last four digits of a mobile number (138****5678)."""
    digits = re.sub(r"[\s()-]", "", phone)
    if not PHONE_RE.match(digits):
        raise Invalid("电话号码格式不正确", field="phone")
    plus = digits.startswith("+")
    digits = digits.lstrip("+")
    if len(digits) >= 11:
        masked = digits[:3] + "*" * (len(digits) - 7) + digits[-4:]
    else:
        masked = digits[:2] + "*" * (len(digits) - 4) + digits[-2:]
    return ("+" if plus else "") + masked


def _next_number(year: int) -> str:
    prefix = f"DB-{year}-"
    last = (Badge.select(Badge.number).where(Badge.number.startswith(prefix))
            .order_by(fn.LENGTH(Badge.number).desc(), Badge.number.desc()).first())
    sequence = int(last.number[len(prefix):]) if last and last.number[len(prefix):].isdigit() else 0
    return f"{prefix}{sequence + 1:04d}"


def issue_badge(actor: Actor, *, name: object, kind: object, valid_until: object, phone: object = None,
                area: object = None, now: datetime | None = None) -> Badge:
    """The office issues a badge: number DB-YYYY-NNNN (sequential per year) and a random token."""
    now = as_local(now)
    if not permitted("badges.manage", actor):
        raise Forbidden("只有活动办可以发放督办证", code="forbidden")
    name = required_text(name, "name", "持证人姓名", limit("issue_badge", "name"))
    choice(kind, KINDS, "kind", "督办证类型")
    until = parse_date(valid_until, "valid_until")
    if until < now.date() or until > now.date() + MAX_VALIDITY:
        raise Invalid("有效期应在今天到五年之内", field="valid_until")
    phone = optional_text(phone, "phone", "电话", limit("issue_badge", "phone"))
    phone_masked = mask_phone_number(phone) if phone else None
    area = optional_text(area, "area", "督办区域", limit("issue_badge", "area"))
    for _ in range(5):  # the unique number is the last word should two clerks ever collide
        try:
            with transaction():
                serialise_writers("badge-number")  # one badge number at a time
                return Badge.create(number=_next_number(now.year), token=secrets.token_urlsafe(24), kind=kind,
                                    name=name, phone_masked=phone_masked, area=area, valid_until=until,
                                    created_at=now)
        except IntegrityError:
            continue
    raise WrongState("督办证编号冲突，请重试", code="conflict")


def get_badge(badge_id: object) -> Badge:
    return fetch(Badge, badge_id, "督办证不存在")


def office_badge(actor: Actor, badge_id: object) -> Badge:
    """A badge as the office manages it (print its card, renew, revoke); nobody else may."""
    if not permitted("badges.manage", actor):
        raise Forbidden("只有活动办可以管理督办证", code="forbidden")
    return get_badge(badge_id)


def badge_for_token(token: object) -> Badge | None:
    """The badge behind a QR code's token, or None (unknown or malformed)."""
    if not isinstance(token, str) or not TOKEN_RE.match(token):
        return None
    return Badge.get_or_none(Badge.token == token)


def revoke_badge(actor: Actor, badge: Badge, now: datetime | None = None) -> Badge:
    """The office revokes a badge (its holder stops being a supervisor at once). Idempotent."""
    now = as_local(now)
    if not permitted("badges.manage", actor):
        raise Forbidden("只有活动办可以撤销督办证", code="forbidden")
    with transaction():
        Badge.update(revoked_at=now).where((Badge.id == badge.id) & Badge.revoked_at.is_null()).execute()
    return get_badge(badge.id)


def renew_badge(actor: Actor, badge: Badge, valid_until: object, now: datetime | None = None) -> Badge:
    """The office extends a badge's validity (换发续期); the card keeps its number and QR code.

    A revoked badge stays revoked: the office issues a new one instead.
    """
    now = as_local(now)
    if not permitted("badges.manage", actor):
        raise Forbidden("只有活动办可以续期督办证", code="forbidden")
    until = parse_date(valid_until, "valid_until")
    if until < now.date() or until > now.date() + MAX_VALIDITY:
        raise Invalid("有效期应在今天到五年之内", field="valid_until")
    with transaction():
        renewed = (Badge.update(valid_until=until)
                   .where((Badge.id == badge.id) & Badge.revoked_at.is_null()).execute())
    if not renewed:
        raise WrongState("已撤销的督办证不能续期，请重新发放", code="badge_revoked")
    return get_badge(badge.id)


def list_badges(actor: Actor, state: str | None = None, today: date | None = None) -> list[Badge]:
    """Every badge for the office, newest first; `state` keeps only valid, revoked or expired ones."""
    if not permitted("badges.manage", actor):
        raise Forbidden("只有活动办可以管理督办证", code="forbidden")
    today = today or as_local(None).date()
    query = Badge.select().order_by(Badge.created_at.desc(), Badge.id.desc())
    if state == "valid":
        query = query.where(Badge.revoked_at.is_null() & (Badge.valid_until >= today))
    elif state == "revoked":
        query = query.where(Badge.revoked_at.is_null(False))
    elif state == "expired":
        query = query.where(Badge.revoked_at.is_null() & (Badge.valid_until < today))
    elif state:
        raise Invalid("督办证状态无效", field="state")
    return list(query)


def bind_badge(actor: Actor, token: object, now: datetime | None = None) -> Badge:
    """A logged-in resident binds a valid badge to themselves (scanning it in the mini-program)."""
    now = as_local(now)
    if actor.kind != "resident":
        raise Forbidden("请用微信小程序扫码绑定督办证", code="forbidden")
    badge = badge_for_token(token)
    if badge is None:
        raise NotFound("督办证不存在，请确认扫描的是督办证二维码", code="not_found")
    state = badge_state(badge, now.date())
    if state == "revoked":
        raise WrongState("该督办证已被撤销，不能绑定", code="badge_revoked")
    if state == "expired":
        raise WrongState("该督办证已过有效期，请联系活动办换发", code="badge_expired")
    with transaction():
        taken = (Badge.update(resident=actor.id)
                 .where((Badge.id == badge.id) & Badge.revoked_at.is_null() & Badge.staff.is_null()
                        & (Badge.resident.is_null() | (Badge.resident == actor.id)))
                 .execute())
    if not taken:
        raise WrongState("该督办证已绑定其他微信用户，如有疑问请联系活动办", code="badge_taken")
    return get_badge(badge.id)


def bind_badge_to_staff(actor: Actor, badge: Badge, staff: object) -> Badge:
    """The office binds a cadre badge (督办小组) to a staff account: the badge's expiry
    warning then reaches that person's WeChat, and no resident can bind it."""
    if not permitted("badges.manage", actor):
        raise Forbidden("只有活动办可以管理督办证", code="forbidden")
    if badge.kind != "cadre":
        raise WrongState("只有督办小组的督办证可以绑定工作人员账号", code="not_cadre_badge")
    try:
        staff_id = int(staff)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        raise Invalid("工作人员编号无效", field="staff") from None
    with transaction():
        user = StaffUser.get_or_none((StaffUser.id == staff_id) & StaffUser.active)
        if user is None:
            raise Invalid("工作人员不存在或已停用", field="staff")
        bound = (Badge.update(staff=user.id)
                 .where((Badge.id == badge.id) & Badge.revoked_at.is_null() & Badge.resident.is_null()).execute())
    if not bound:
        raise WrongState("该督办证已撤销或已绑定微信用户，不能绑定工作人员", code="badge_taken")
    return get_badge(badge.id)


def badge_json(badge: Badge, today: date, staff: bool = True) -> dict[str, Any]:
    """A badge for the office (full name) or for its holder and the public (name masked)."""
    state = badge_state(badge, today)
    view = {
        "number": badge.number, "kind": badge.kind, "kind_label": KINDS.get(badge.kind, badge.kind),
        "name": badge.name if staff else mask_name(badge.name), "area": badge.area,
        "valid_until": iso(badge.valid_until), "state": state, "state_label": STATES[state],
        "bound": badge.resident_id is not None,
    }
    if staff:
        view.update(id=badge.id, staff={"id": badge.staff_id, "name": badge.staff.name} if badge.staff_id else None,
                    phone_masked=badge.phone_masked, revoked_at=iso(badge.revoked_at),
                    created_at=iso(badge.created_at), card_url=f"/api/v1/staff/badges/{badge.id}/card.png")
    return view
