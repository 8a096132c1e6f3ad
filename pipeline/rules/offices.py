"""Street offices (街道办事处) of a district (区): which office a new item belongs to,
which office a staff member works in, and what they may see and do of other offices.

An installation for one street office has one office and nothing here shows; a
district installation has several. Communities, units, staff and items each
belong to one office (`office_id`). Staff of an office see and act on their own
office's items only; the district's own staff — role `district` (区级督查) and an
admin without an office (区级系统管理员) — see every office's, and may narrow any
list or figure to one office (`?office=<id>`).
"""
from collections.abc import Iterable
from typing import Any

from peewee import Expression

from models import Item, Office, StaffUser, local_now
from models.base import db
from models.people import FIRST_OFFICE_CODE, street_name
from pipeline.rules.actors import Actor
from pipeline.rules.errors import Forbidden, Invalid
from pipeline.rules.settings import settings

DISTRICT = "district"
# Roles that work for the whole district when their account has no office.
DISTRICT_ROLES = frozenset({DISTRICT, "admin"})
OTHER_OFFICE = "other_office"  # the error code for another office's item, unit or account

# The installation's default office: the first active one (hand-written: every report may ask).
_DEFAULT = 'SELECT "id" FROM "office" WHERE "active" ORDER BY "id" LIMIT 1'
# A report's office from its community, else its collecting staff member's, else the default.
_INTAKE = ('SELECT COALESCE((SELECT "office_id" FROM "community" WHERE "name" = {m}), '
           '(SELECT "office_id" FROM "staff_user" WHERE "id" = {m}), (' + _DEFAULT + "))")


def default_office_id() -> int:
    """The installation's only (or first) office, made on first need — named from the
    活动办's name (setting OFFICE_NAME) — so a new installation needs no setting up."""
    row = db.execute_sql(_DEFAULT).fetchone()
    if row is not None:
        return int(row[0])
    (Office.insert(name=street_name(settings.office_name), code=FIRST_OFFICE_CODE, created_at=local_now())
     .on_conflict_ignore().execute())
    return int(db.execute_sql(_DEFAULT).fetchone()[0])


def intake_office_id(community: object, staff_id: object) -> int:
    """The office a new item belongs to, decided once for every channel: its
    community's (communities belong to an office), else the office of the staff
    member who recorded it, else the installation's default office."""
    row = db.execute_sql(_INTAKE.format(m=db.param), (community, staff_id)).fetchone()
    return int(row[0]) if row is not None and row[0] is not None else default_office_id()


def office_title(office_id: int | None) -> str:
    """The 活动办's name a paper of an item of `office_id` is issued under: the setting
    OFFICE_NAME for the installation's own office (and while there is one office);
    for another office of a district, that office's name with the same body after
    街道 ("全椒路街道群众路线…办公室" → "龙池街道群众路线…办公室")."""
    configured = settings.office_name
    if office_id is None:
        return configured
    office = Office.get_or_none(Office.id == office_id)
    if office is None or office.name == street_name(configured) or Office.select().count() < 2:
        return configured
    body = configured[configured.index("街道") + 2:] if "街道" in configured else configured
    return office.name + body


def district_wide(actor: Actor | None) -> bool:
    """Whether the actor is the district's own staff: sees and may filter every office."""
    return (actor is not None and actor.kind == "staff" and actor.staff is not None
            and actor.role in DISTRICT_ROLES and actor.staff.office_id is None)


def actor_office_id(actor: Actor) -> int | None:
    """The one office a staff member is confined to; None for the district's own staff
    and for people who aren't staff (residents follow items, not offices). Staff
    without an office outside the district roles count as the default office's."""
    if actor.kind != "staff" or actor.staff is None or district_wide(actor):
        return None
    return actor.staff.office_id or default_office_id()


def office_condition(actor: Actor, office: object = None) -> Expression | None:
    """The condition on items for what `actor` may see of the offices (None: every
    office), narrowed to `office` (an id, the `?office=` filter) for the district's
    own staff; an office's staff may name only their own."""
    mine = actor_office_id(actor)
    wanted = chosen_office_id(actor, office)
    if mine is not None:
        # With no other office every item is this one's: no condition, so a count or a
        # page reads the list's own index instead of filtering on the unindexed office_id.
        return Item.office == mine if _others_exist(mine) else None
    return Item.office == wanted if wanted is not None else None


_OTHERS = 'SELECT 1 FROM "office" WHERE "id" <> {m} LIMIT 1'


def _others_exist(office_id: int) -> bool:
    """Whether any office but this one exists, retired ones included (their items remain)."""
    return db.execute_sql(_OTHERS.format(m=db.param), (office_id,)).fetchone() is not None


def chosen_office_id(actor: Actor, office: object) -> int | None:
    """The office of a `?office=` filter, as an id: the district's own staff pick any,
    others only their own (or none); None when not given. Unknown ids are refused."""
    if office in (None, ""):
        return None
    text = str(office)
    wanted = int(text) if text.isdigit() and len(text) < 10 else 0
    if not wanted or not Office.select().where(Office.id == wanted).exists():
        raise Invalid("街道不存在", code="unknown_office", field="office")
    mine = actor_office_id(actor)
    if mine is not None and mine != wanted:
        raise Forbidden("只能查看本街道的数据", code=OTHER_OFFICE)
    return wanted


def office_in_view(actor: Actor, office: object = None) -> int | None:
    """The office whose data (figures, pickers of units and staff) `actor` reads: their
    own, or for the district's own staff the one they chose (None: the whole district)."""
    chosen = chosen_office_id(actor, office)  # another office's refused, as in the lists
    mine = actor_office_id(actor)
    return mine if mine is not None else chosen


def managed_office_id(actor: Actor, office: object = None) -> int:
    """The office a new unit, account or community goes to: the acting staff member's own;
    for the district's own staff the one they name (`office`, an id), else the default."""
    mine = actor_office_id(actor)
    if mine is not None:
        if office not in (None, "") and str(office) != str(mine):
            raise Forbidden("只能在本街道添加", code=OTHER_OFFICE)
        return mine
    return chosen_office_id(actor, office) or default_office_id()


def require_own_record(office_id: int | None, actor: Actor, label: str, district_account: bool = False) -> None:
    """Refuse (403 `other_office`) an office's staff changing another office's unit,
    account or community (`label` names which; one without an office is the default
    office's, but for the district's own accounts: `district_account`); the district's
    own staff change any."""
    mine = actor_office_id(actor)
    if mine is None:
        return
    owner = office_id if office_id is not None or district_account else default_office_id()
    if owner != mine:
        raise Forbidden(f"该{label}属于其他街道，只能由其所在街道或区级管理员维护", code=OTHER_OFFICE)


def same_office(item: Item, actor: Actor | None) -> bool:
    """Whether `actor` may reach `item` as far as offices go (residents and the system always)."""
    if actor is None or actor.kind != "staff":
        return True
    mine = actor_office_id(actor)
    return mine is None or item.office_id is None or item.office_id == mine


def require_same_office(item: Item, actor: Actor) -> None:
    """Refuse (403 `other_office`) a staff member acting on another office's item."""
    if not same_office(item, actor):
        raise Forbidden("该事项属于其他街道，不能办理", code=OTHER_OFFICE)


# What an operation may name (`Operation.params`), the office it belongs to, and its label.
_MEMBER_OFFICE = {"unit": ('SELECT "office_id" FROM "unit" WHERE "id" = {m}', "单位"),
                  "leader": ('SELECT "office_id" FROM "staff_user" WHERE "id" = {m}', "负责领导"),
                  "community": ('SELECT "office_id" FROM "community" WHERE "name" = {m}', "社区")}


def require_office_members(item: Item, params: dict[str, Any]) -> None:
    """Refuse (403 `other_office`) an operation naming a unit, a leader (by id) or a
    community (by name) of another street office than the item's (`params`): units
    claim and lead their own office's items, the office hands them to its own units,
    and an item's community stays within its office."""
    for name, (sql, label) in _MEMBER_OFFICE.items():
        wanted = params.get(name)
        if wanted in (None, "") or item.office_id is None:
            continue
        if name != "community" and not str(wanted).isdigit():
            continue  # the operation refuses it as it stands
        row = db.execute_sql(sql.format(m=db.param), (str(wanted) if name == "community" else int(str(wanted)),))
        found = row.fetchone()
        if found is not None and found[0] is not None and found[0] != item.office_id:
            raise Forbidden(f"该{label}属于其他街道，不能办理本街道的事项", code=OTHER_OFFICE)


def require_office_staff(office_id: int | None, users: Iterable[StaffUser]) -> None:
    """Refuse (403 `other_office`) naming staff of another street office (cadre supervisors
    of an item or a community): each office's supervisors follow its own items."""
    if office_id is None:
        return
    for user in users:
        if user.office_id is not None and user.office_id != office_id:
            raise Forbidden(f"{user.name}属于其他街道，不能督办本街道的事项", code=OTHER_OFFICE)


def offices() -> list[dict[str, Any]]:
    """The district's offices for pickers, in the order they were added."""
    return [{"id": o.id, "name": o.name, "code": o.code, "active": o.active}
            for o in Office.select().order_by(Office.id)]


def picker(actor: Actor | None) -> list[dict[str, Any]]:
    """The offices a console page offers to choose from: the active ones, for the district's
    own staff when there are two or more; nothing otherwise (one office looks as before)."""
    if not district_wide(actor):
        return []
    active = [office for office in offices() if office["active"]]
    return active if len(active) > 1 else []
