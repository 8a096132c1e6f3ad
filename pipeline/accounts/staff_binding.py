"""Binding a staff member's WeChat (official-account openid) to their account,
so pushes for units, leaders, the office and cadre supervisors reach them.

The office prints a one-time code for a staff user (`issue`): a temporary
parametric QR code whose scene is `bind-<random>`. Scanning it in WeChat (a
SCAN event, or subscribe-with-scene for a new follower) calls `bind`.
"""
import secrets
from datetime import datetime, timedelta

from models import StaffBindTicket, StaffUser, as_local
from models.base import is_postgres
from pipeline.rules.core import transaction
from pipeline.rules.errors import Invalid, NotFound, WrongState

SCENE_PREFIX = "bind-"
DEFAULT_HOURS = 72
MAX_HOURS = 24 * 30  # WeChat's temporary QR codes live at most 30 days


def is_binding_scene(scene: object) -> bool:
    return isinstance(scene, str) and scene.startswith(SCENE_PREFIX)


def issue(user: StaffUser, hours: int = DEFAULT_HOURS, now: datetime | None = None) -> StaffBindTicket:
    """A fresh one-time binding ticket for `user`; earlier unused ones stop working."""
    now = as_local(now)
    if not user.active:
        raise WrongState("账号已停用，不能绑定微信", code="wrong_state")
    if not 1 <= int(hours) <= MAX_HOURS:
        raise Invalid(f"有效期应为1到{MAX_HOURS}小时", field="hours")
    with transaction():
        (StaffBindTicket.update(expires_at=now)
         .where((StaffBindTicket.staff == user) & StaffBindTicket.used_at.is_null()
                & (StaffBindTicket.expires_at > now))
         .execute())
        return StaffBindTicket.create(
            scene=SCENE_PREFIX + secrets.token_urlsafe(18),
            staff=user,
            created_at=now,
            expires_at=now + timedelta(hours=int(hours)),
        )


def attach_qr(ticket: StaffBindTicket, qr_ticket: str, qr_url: str) -> StaffBindTicket:
    """Keep WeChat's QR ticket and image URL with the binding ticket (for reprinting)."""
    StaffBindTicket.update(qr_ticket=qr_ticket, qr_url=qr_url).where(StaffBindTicket.id == ticket.id).execute()
    ticket.qr_ticket, ticket.qr_url = qr_ticket, qr_url
    return ticket


def bind(scene: str, openid: str, now: datetime | None = None) -> tuple[StaffUser, StaffUser | None]:
    """Bind `openid` to the staff user of the scanned ticket; returns `(user, previous)`.

    `previous` is another account this WeChat was bound to before (now unbound:
    one WeChat, one staff account), or None. A ticket works once.
    """
    now = as_local(now)
    if not openid:
        raise Invalid("openid 无效", field="openid")
    with transaction():
        # Locked: two people scanning one code at once must not both be told it is theirs.
        query = StaffBindTicket.select().where(StaffBindTicket.scene == scene)
        ticket = (query.for_update() if is_postgres() else query).first()
        if ticket is None:
            raise NotFound("绑定码无效，请联系活动办重新生成", code="not_found")
        if ticket.used_at is not None:
            if ticket.used_openid == openid:
                return ticket.staff, None
            raise WrongState("该绑定码已被使用，请联系活动办重新生成", code="wrong_state")
        if ticket.expires_at <= now:
            raise WrongState("绑定码已过期，请联系活动办重新生成", code="wrong_state")
        user = ticket.staff
        if not user.active:
            raise WrongState("该账号已停用", code="wrong_state")
        previous = StaffUser.get_or_none((StaffUser.openid == openid) & (StaffUser.id != user.id))
        if previous is not None:
            StaffUser.update(openid=None).where(StaffUser.id == previous.id).execute()
        # Scanning the code in WeChat means they follow the account now.
        StaffUser.update(openid=openid, following=True).where(StaffUser.id == user.id).execute()
        user.openid, user.following = openid, True
        StaffBindTicket.update(used_at=now, used_openid=openid).where(StaffBindTicket.id == ticket.id).execute()
    return user, previous


def bound_staff(openid: str | None) -> StaffUser | None:
    """The active staff user bound to this openid, if any."""
    if not openid:
        return None
    return StaffUser.get_or_none((StaffUser.openid == openid) & StaffUser.active)


def staff_by_username(username: str) -> StaffUser:
    """The active staff user with this username, or NotFound."""
    user = StaffUser.get_or_none((StaffUser.username == username) & StaffUser.active)
    if user is None:
        raise NotFound(f"没有用户名为“{username}”的在用账号", code="not_found")
    return user


def open_ticket(user: StaffUser, now: datetime | None = None) -> StaffBindTicket | None:
    """The person's binding code still waiting to be scanned (unused, unexpired, with its QR image)."""
    now = as_local(now)
    return (StaffBindTicket.select()
            .where((StaffBindTicket.staff == user) & StaffBindTicket.used_at.is_null()
                   & (StaffBindTicket.expires_at > now) & StaffBindTicket.qr_url.is_null(False))
            .order_by(StaffBindTicket.id.desc()).first())

