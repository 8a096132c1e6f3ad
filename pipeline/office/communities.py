"""The office's list of communities (社区): what residents pick, what every report
belongs to, the area of supervisors and of 公示 announcements.

Items, residents, units, badges, notices and visits name a community by its name;
the list here is the one place that says which names exist. A report takes the
community its reporter gave, else the resident's own (PATCH /me), else the
community whose centre is nearest to the place they sent (`community_for_report`).
"""
from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from models import Badge, Community, Item, PublicNotice, Resident, StaffUser, Unit, Visit, as_local
from models.base import db
from pipeline.rules.actors import Actor
from pipeline.rules.core import transaction
from pipeline.rules.errors import Forbidden, Invalid, NotFound
from pipeline.rules.offices import managed_office_id, require_own_record
from pipeline.rules.permissions import permitted
from pipeline.rules.validate import optional_text, required_text
from pipeline.views import figures

NAME_LENGTH = 100
# A sent place farther than this from every community's centre is left without one
# (the office sets it at classify): someone reporting from elsewhere in the city.
NEAREST_WITHIN_KM = 3.0
EARTH_RADIUS_KM = 6371.0
# Every column that names a community: a rename follows into each.
NAMED_IN = ((Item, Item.community), (Resident, Resident.community), (Unit, Unit.community),
            (StaffUser, StaffUser.area), (Badge, Badge.area), (PublicNotice, PublicNotice.community),
            (Visit, Visit.community))


def community_json(community: Community) -> dict[str, Any]:
    return {"id": community.id, "name": community.name, "lat": community.lat, "lng": community.lng,
            "active": community.active, "office": community.office_id}


def list_communities(include_inactive: bool = False, office: int | None = None) -> list[dict[str, Any]]:
    """The communities for pickers (active ones, in the order the office added them; of
    one street office when given — residents pick from the whole district's)."""
    query = Community.select().order_by(Community.id)
    if office is not None:
        query = query.where(Community.office == office)
    if not include_inactive:
        query = query.where(Community.active)
    return [community_json(c) for c in query]


ACTIVE_NAMES = 'SELECT "name" FROM "community" WHERE "active" ORDER BY "id"'


def known_community(value: object, field: str = "community") -> str | None:
    """The name of an active community, or None when absent; anything else is refused
    with the names to pick from."""
    name = optional_text(value, field, "社区", NAME_LENGTH)
    if name is None:
        return None
    # Hand-written: every report asks, and peewee building the query cost more than running it.
    names = [row for (row,) in db.execute_sql(ACTIVE_NAMES).fetchall()]
    if name not in names:
        listed = "、".join(names[:30]) if names else "（活动办尚未登记社区）"
        raise Invalid(f"社区不存在，应为：{listed}", code="unknown_community", field=field)
    return name


def _distance_km(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


def nearest_community(lat: float | None, lng: float | None) -> str | None:
    """The active community whose centre is nearest to (lat, lng), within NEAREST_WITHIN_KM."""
    if lat is None or lng is None:
        return None
    centres = Community.select().where(Community.active & Community.lat.is_null(False) & Community.lng.is_null(False))
    best = min(((_distance_km(float(lat), float(lng), c.lat, c.lng), c.id, c.name) for c in centres), default=None)
    return best[2] if best is not None and best[0] <= NEAREST_WITHIN_KM else None


def community_for_report(actor: Actor, given: object, lat: float | None, lng: float | None) -> str | None:
    """A new report's community: the one given, else the resident's own, else the nearest
    to the place sent with it."""
    named = known_community(given)
    if named is not None:
        return named
    resident = actor.resident
    if resident is not None and resident.community:
        return resident.community
    return nearest_community(lat, lng)


def _centre(lat: object, lng: object) -> tuple[float | None, float | None]:
    if lat is None and lng is None:
        return None, None
    try:
        ok = lat is not None and lng is not None and -90 <= float(lat) <= 90 and -180 <= float(lng) <= 180  # type: ignore[arg-type]
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise Invalid("中心点坐标无效（纬度-90到90，经度-180到180，两者都要填写）", field="lat")
    return float(lat), float(lng)  # type: ignore[arg-type]


def _office_only(actor: Actor) -> None:
    if not permitted("communities.manage", actor):
        raise Forbidden("只有活动办可以维护社区名单", code="forbidden")


def _unique(name: str, except_id: int | None = None) -> None:
    query = Community.select().where(Community.name == name)
    if except_id is not None:
        query = query.where(Community.id != except_id)
    if query.exists():
        raise Invalid("社区已存在", code="exists", field="name")


def create_community(actor: Actor, *, name: object, lat: object = None, lng: object = None,
                     office: object = None, now: datetime | None = None) -> Community:
    """The office adds a community to its street office, with its centre point when
    known (the district's admin names the office, `managed_office_id`)."""
    now = as_local(now)
    _office_only(actor)
    name = required_text(name, "name", "社区名称", NAME_LENGTH)
    centre = _centre(lat, lng)
    with transaction():
        _unique(name)
        return Community.create(name=name, lat=centre[0], lng=centre[1], active=True, created_at=now,
                                office=managed_office_id(actor, office))


def update_community(actor: Actor, community_id: int, *, name: object = None, lat: object = None,
                     lng: object = None, active: object = None) -> Community:
    """The office renames a community (every item, resident, unit, badge, notice and
    visit naming it follows), moves its centre or retires it from the pickers."""
    _office_only(actor)
    new_name = optional_text(name, "name", "社区名称", NAME_LENGTH)
    centre = _centre(lat, lng) if lat is not None or lng is not None else None
    if active is not None and not isinstance(active, bool):
        raise Invalid("是否启用应为 true 或 false", field="active")
    with transaction():
        community = Community.get_or_none(Community.id == community_id)
        if community is None:
            raise NotFound("社区不存在", code="not_found")
        require_own_record(community.office_id, actor, "社区")
        if new_name and new_name != community.name:
            _unique(new_name, except_id=community.id)
            for model, column in NAMED_IN:
                model.update({column: new_name}).where(column == community.name).execute()
            figures.rename_community(community.name, new_name)
            community.name = new_name
        if centre is not None:
            community.lat, community.lng = centre
        if active is not None:
            community.active = active
        community.save()
    return community
