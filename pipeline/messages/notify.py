"""Queue notifications as outbox rows, in the caller's transaction.

Who hears of what is decided here; how it reaches them (official-account
template message, or mini-program subscribe message within the consent the
resident granted) is decided per recipient. A recipient with no channel still
sees everything in the mini-program or console: the timeline is the record.
"""
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from peewee import Expression

from models import Follower, Item, Outbox, Resident, StaffUser
from models.base import PreparedInsert, db, is_postgres
from pipeline.messages import templates
from pipeline.messages.templates import cut  # noqa: F401 - the one cut, also for the chat replies
from pipeline.rules.settings import settings
from pipeline.rules.states import STATUS_LABELS
from pipeline.rules.supervisors import cadre_supervisors
from pipeline.views.queries import reporters

# kind of notice -> (official-account template setting, mini-program subscribe setting)
RESIDENT_TEMPLATES = {
    "received": ("TEMPLATE_ITEM_RECEIVED", "SUBSCRIBE_ITEM_PROGRESS"),
    "progress": ("TEMPLATE_ITEM_PROGRESS", "SUBSCRIBE_ITEM_PROGRESS"),
    "result": ("TEMPLATE_ITEM_RESULT", "SUBSCRIBE_ITEM_RESULT"),
}
# kind of notice -> official-account subscribe notice (订阅通知) setting, for a resident
# who consented in the popup but can't get template messages (no longer follows).
OA_SUBSCRIBE_TEMPLATES = {
    "received": "OA_SUBSCRIBE_ITEM_RECEIVED",
    "progress": "OA_SUBSCRIBE_ITEM_PROGRESS",
    "result": "OA_SUBSCRIBE_ITEM_RESULT",
}
STAFF_TEMPLATES = {
    "task": "TEMPLATE_TASK_ASSIGNED",
    "deadline": "TEMPLATE_DEADLINE",
    "overdue": "TEMPLATE_OVERDUE",
}


def _settings() -> Mapping[str, Any]:
    return settings.mapping


def template_id(setting: str) -> str:
    return settings.template_id(setting)


def item_fields(item: Item, note: str | None, now: datetime) -> dict[str, str | None]:
    """A notice's fields about one item (`templates.FIELDS`), before any template's keys."""
    return notice_fields(item.number, item.content, STATUS_LABELS[item.status], note, now)


ITEM_PAGE = "pages/item/item?number="  # + the item's number: where a resident's notice opens


def item_page(item: Item) -> str:
    return ITEM_PAGE + item.number


def console_url_pattern() -> str:
    """Where a staff push opens, `{number}` standing for the item's (setting CONSOLE_ITEM_URL)."""
    pattern = settings.mapping.get("CONSOLE_ITEM_URL")
    base = (settings.mapping.get("PUBLIC_BASE_URL") or "http://127.0.0.1:5000").rstrip("/")
    return str(pattern or base + "/items/{number}")


def console_item_url(item: Item) -> str:
    """Where a staff push opens: the item's page in the console."""
    return console_url_pattern().format(number=item.number)


def outbox_row(dedup_key: str, kind: str, channel: str, setting: str, item: Item | None, data: Mapping[str, object],
               now: datetime, resident: Resident | None = None, staff: StaffUser | None = None,
               openid: str | None = None, page: str | None = None) -> dict[str, Any]:
    """The Outbox row a notice (`data`: our fields) becomes, as a dict, with the data
    in the keys of the template of `setting` (`_queue` writes them; a sweep batches its own)."""
    return dict(
        dedup_key=dedup_key[:191],
        kind=kind,
        channel=channel,
        template_id=template_id(setting),
        item=item,
        resident=resident,
        staff=staff,
        openid=openid,
        data=templates.build(_settings(), setting, data),
        page=page or (item_page(item) if item else None),
        next_attempt_at=now,
        created_at=now,
    )


def _queue(rows: list[dict[str, Any]]) -> None:
    """Insert a notice's rows in one statement; a row whose dedup key exists is skipped."""
    if rows:
        Outbox.insert_many(rows).on_conflict_ignore().execute()


# Hand-written: every resident's report spends one, and peewee building the
# statement cost more than running it.
TAKE_CONSENT = ('UPDATE "subscription_grant" SET "remaining" = "remaining" - 1 WHERE "resident_id" = {mark} '
                'AND "template_id" = {mark} AND "remaining" > 0')


def _take_consent(resident: Resident, setting: str) -> bool:
    """Spend one one-time subscribe consent for this template; False if none left."""
    sql = TAKE_CONSENT.format(mark="%s" if is_postgres() else "?")
    return db.execute_sql(sql, [resident.id, template_id(setting)]).rowcount > 0


def to_resident(resident: Resident | None, kind: str, notice: str, item: Item, note: str | None, now: datetime,
                key: str) -> None:
    """Queue one notice to a resident through the channel they can receive."""
    if resident is not None:
        resident_notice(resident, kind, notice, item_fields(item, note, now), now, key, item=item)


def reachable(user: StaffUser) -> bool:
    """An active staff member whose WeChat is bound and still follows the official account."""
    return bool(user.openid and user.active and user.following)


def reachable_condition() -> Expression:
    """`reachable` as a condition on StaffUser (notices queued in SQL, pipeline/messages/bulk.py)."""
    return StaffUser.openid.is_null(False) & (StaffUser.openid != "") & StaffUser.active & StaffUser.following


def _staff_rows(users: Iterable[StaffUser], kind: str, notice: str, item: Item | None, data: Mapping[str, object],
                now: datetime, key: str) -> list[dict[str, Any]]:
    page = console_item_url(item) if item else None
    return [outbox_row(f"{key}:s{user.id}", kind, "oa_template", STAFF_TEMPLATES[notice], item, data, now,
                       staff=user, openid=user.openid, page=page) for user in users if reachable(user)]


def staff_rows(users: Iterable[StaffUser], kind: str, notice: str, item: Item, note: str | None, now: datetime,
               key: str) -> list[dict[str, Any]]:
    """The rows `to_staff` would queue, for a caller that inserts a batch of them at once."""
    return _staff_rows(users, kind, notice, item, item_fields(item, note, now), now, key)


OUTBOX_INSERT = PreparedInsert(Outbox, "dedup_key", "kind", "channel", "template_id", "item", "resident", "staff",
                               "openid", "data", "page", "status", "attempts", "next_attempt_at", "created_at")


def staff_values(users: Iterable[StaffUser], kind: str, notice: str, item: Item, note: str | None, now: datetime,
                 key: str) -> list[tuple[object, ...]]:
    """The rows `staff_rows` makes, as stored values in OUTBOX_INSERT's order (for
    `OUTBOX_INSERT.execute_many`): the template's data is built and serialised once
    for all the recipients, not once each."""
    reachable_users = [user for user in users if reachable(user)]
    if not reachable_users:
        return []
    setting = STAFF_TEMPLATES[notice]
    data = templates.build(_settings(), setting, item_fields(item, note, now))
    shared = list(OUTBOX_INSERT.values(kind=kind, channel="oa_template", template_id=template_id(setting), item=item.id,
                                       data=data, page=console_item_url(item), status="queued", attempts=0,
                                       next_attempt_at=now, created_at=now))
    rows = []
    for user in reachable_users:
        shared[0], shared[6], shared[7] = f"{key}:s{user.id}"[:191], user.id, user.openid
        rows.append(tuple(shared))
    return rows


def to_staff(users: Iterable[StaffUser], kind: str, notice: str, item: Item, note: str | None, now: datetime,
             key: str) -> None:
    """Queue one notice to every bound staff member in `users`."""
    _queue(staff_rows(users, kind, notice, item, note, now, key))


def followers(item: Item) -> list[Resident]:
    return list(
        Resident.select().join(Follower, on=(Follower.resident == Resident.id)).where(Follower.item == item)
    )


def staff_of_unit(unit_id: int | None) -> list[StaffUser]:
    if not unit_id:
        return []
    return list(StaffUser.select().where((StaffUser.unit == unit_id) & (StaffUser.active == True)))  # noqa: E712


def staff_with_role(*roles: str, office: int | None = None) -> list[StaffUser]:
    """The active staff of these roles (of one street office, when given)."""
    query = StaffUser.select().where(StaffUser.role.in_(roles) & (StaffUser.active == True))  # noqa: E712
    return list(query if office is None else query.where(StaffUser.office == office))


def office_staff(item: Item, *roles: str) -> list[StaffUser]:
    """The staff of these roles in the item's own street office (活动办 of its 街道):
    who hears of an item "the office" must act on."""
    return staff_with_role(*roles, office=item.office_id)


def leader_of(item: Item) -> list[StaffUser]:
    return [item.leader] if item.leader_id else []


def residents_concerned(item: Item, kind: str, notice: str, note: str | None, now: datetime, key: str,
                        include_followers: bool = True) -> None:
    """The reporter(s) and, usually, followers of the item — and with the followers its
    cadre supervisors (`supervisors_concerned`), who hear of every step as they do."""
    seen: set[int] = set()
    people = reporters(item) + (followers(item) if include_followers else [])
    data = item_fields(item, note, now)
    rows: list[dict[str, Any]] = []
    for resident in people:
        if resident.id in seen:
            continue
        seen.add(resident.id)
        rows += _resident_rows(resident, kind, notice, data, now, key, item)
    _queue(rows)
    if include_followers:
        supervisors_concerned(item, kind, note, now, key)


def supervisors_concerned(item: Item, kind: str, note: str | None, now: datetime, key: str) -> None:
    """The item's cadre supervisors (`pipeline.rules.supervisors`), by a task push that opens
    the item in the console. Where residents are asked to rate (请您评价), a cadre
    supervisor is asked for their own verdict, the 督办评议."""
    if note is not None:
        note = note.replace("请您评价", "请进行督办评议")
    to_staff(cadre_supervisors(item), kind, "task", item, note, now, key)


def notice_fields(code: str, title: str, state: str, note: str | None, now: datetime) -> dict[str, str | None]:
    """A notice's fields (`templates.FIELDS`); each template's mapping and WeChat's
    value rules turn them into its data when the row is made (`outbox_row`)."""
    return {"number": code, "title": title, "state": state, "time": now.strftime(templates.OUR_TIME), "note": note}


def staff_notice(users: Iterable[StaffUser], kind: str, notice: str, data: Mapping[str, object], now: datetime,
                 key: str) -> None:
    """Queue a notice that is not about one item to every bound staff member in `users`."""
    _queue(_staff_rows(users, kind, notice, None, data, now, key))


def resident_notice(resident: Resident | None, kind: str, notice: str, data: Mapping[str, object], now: datetime,
                    key: str, item: Item | None = None) -> None:
    """Queue a notice to a resident through the channel they can receive: the official
    account while they follow it, else a mini-program message within their consent."""
    if resident is not None:
        _queue(_resident_rows(resident, kind, notice, data, now, key, item))


def _resident_rows(resident: Resident, kind: str, notice: str, data: Mapping[str, object], now: datetime, key: str,
                   item: Item | None) -> list[dict[str, Any]]:
    """The row (none or one) for this resident. An official-account resident gets a
    template message while following, else a subscribe notice if they consented to
    one; a mini-program resident a subscribe message within their consent. A
    subscribe message or notice spends one consent."""
    oa_setting, mp_setting = RESIDENT_TEMPLATES[notice]
    dedup = f"{key}:r{resident.id}"
    if resident.source == "oa":
        if resident.subscribed:
            return [outbox_row(dedup, kind, "oa_template", oa_setting, item, data, now, resident=resident,
                               openid=resident.openid)]
        if _take_consent(resident, OA_SUBSCRIBE_TEMPLATES[notice]):
            return [outbox_row(dedup, kind, "oa_subscribe", OA_SUBSCRIBE_TEMPLATES[notice], item, data, now,
                               resident=resident, openid=resident.openid)]
    elif _take_consent(resident, mp_setting):
        return [outbox_row(dedup, kind, "mp_subscribe", mp_setting, item, data, now, resident=resident,
                           openid=resident.openid)]
    return []
