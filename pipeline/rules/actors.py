"""Who is acting: a resident (maybe holding a badge), a staff user, or the system."""
from dataclasses import dataclass
from datetime import date
from typing import cast

from models import Badge, Resident, StaffUser, db
from models.base import fetch_model, is_postgres
from pipeline.rules.states import RESIDENT, RESIDENT_SUPERVISOR, SYSTEM


@dataclass(frozen=True)
class Actor:
    kind: str  # resident | staff | system
    role: str  # a staff role, "resident", "resident_supervisor" or "system"
    id: int | None
    name: str
    resident: Resident | None = None
    staff: StaffUser | None = None

    @property
    def unit_id(self) -> int | None:
        return self.staff.unit_id if self.staff else None

    @property
    def is_staff(self) -> bool:
        return self.kind == "staff"

    @property
    def is_supervisor(self) -> bool:
        return self.role in (RESIDENT_SUPERVISOR, "supervisor")


SYSTEM_ACTOR = Actor(kind="system", role=SYSTEM, id=None, name="系统")


def valid_badge(resident: Resident, today: date | None = None) -> Badge | None:
    """The resident's unrevoked, unexpired supervision badge, if any."""
    today = today or date.today()
    return (
        Badge.select()
        .where(
            (Badge.resident == resident)
            & Badge.revoked_at.is_null()
            & (Badge.valid_until >= today)
        )
        .first()
    )


_HOLDS_BADGE = ('SELECT 1 FROM "{table}" WHERE "resident_id" = {mark} AND "revoked_at" IS NULL '
                'AND "valid_until" >= {mark} LIMIT 1')
# The same question inside a hand-written statement about `resident_id` (a column), `today` a parameter.
HOLDS_BADGE_SQL = ('EXISTS (SELECT 1 FROM "badge" b WHERE b."resident_id" = {resident_id} AND b."revoked_at" IS NULL '
                   'AND b."valid_until" >= {mark})')


def holds_valid_badge(resident_id: int, today: date) -> bool:
    """Whether the resident holds an unrevoked, unexpired badge.

    Asked on every request a resident makes (chat pushes included), so the
    statement is written once rather than built by the ORM each time.
    """
    sql = _HOLDS_BADGE.format(table=Badge._meta.table_name, mark=db.param)
    return db.execute_sql(sql, (resident_id, today.isoformat())).fetchone() is not None


_KNOWN_RESIDENT = ('SELECT r.*, ' + HOLDS_BADGE_SQL.format(resident_id='r."id"', mark="{mark}") + ' AS holds_badge '
                   'FROM "{resident}" r WHERE r."openid" = {mark} LIMIT 1')


def known_resident_actor(openid: str, today: date) -> Actor | None:
    """The actor for a resident already known by `openid`, or None — one read, never a write.

    Every chat push asks this before taking the write lock, so resident and
    badge come back in one statement written once.
    """
    sql = _KNOWN_RESIDENT.format(resident=Resident._meta.table_name, mark=db.param)
    resident = fetch_model(Resident, sql, (today.isoformat(), openid))
    return None if resident is None else _resident_actor(resident, resident.holds_badge)


def actor_for_resident(resident: Resident, today: date | None = None) -> Actor:
    """A resident acts as a resident supervisor while holding a valid badge."""
    return _resident_actor(resident, holds_valid_badge(resident.id, today or date.today()))


def resident_actor(resident: Resident, holds_badge: bool) -> Actor:
    """The actor for a resident whose badge the caller has checked (`holds_valid_badge`)."""
    return _resident_actor(resident, holds_badge)


def _resident_actor(resident: Resident, holds_badge: bool) -> Actor:
    role = RESIDENT_SUPERVISOR if holds_badge else RESIDENT
    return Actor(kind="resident", role=role, id=resident.id, name=resident.nickname or "群众", resident=resident)


def actor_for_staff(user: StaffUser) -> Actor:
    return Actor(kind="staff", role=user.role, id=user.id, name=user.name, staff=user)


def current_actor(actor: Actor, today: date) -> Actor:
    """A resident actor as their badge stands now, read inside the caller's transaction
    (share-locked on PostgreSQL, so a revocation waits for the operation to commit):
    the actor was made when the request came in, and a badge revoked since counts."""
    if actor.kind != "resident":
        return actor
    query = Badge.select(Badge.id).where((Badge.resident == actor.id) & Badge.revoked_at.is_null()
                                         & (Badge.valid_until >= today))
    if is_postgres():
        query = query.for_update("FOR SHARE")
    return _resident_actor(cast(Resident, actor.resident), query.first() is not None)
