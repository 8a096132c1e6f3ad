"""Queue notifications as outbox rows, in the caller's transaction.

Who hears of what is decided here; how it reaches them (official-account
template message, or mini-program subscribe message within the consent the
resident granted) is decided per recipient. A recipient with no channel still
sees everything in the mini-program or console: the timeline is the record.
"""
from flask import current_app, has_app_context

from config import DEFAULT_TEMPLATES
from models import Follower, Item, Outbox, Resident, StaffUser, SubscriptionGrant, iso

from .states import STATUS_LABELS

# kind of notice -> (official-account template setting, mini-program subscribe setting)
RESIDENT_TEMPLATES = {
    "received": ("TEMPLATE_ITEM_RECEIVED", "SUBSCRIBE_ITEM_PROGRESS"),
    "progress": ("TEMPLATE_ITEM_PROGRESS", "SUBSCRIBE_ITEM_PROGRESS"),
    "result": ("TEMPLATE_ITEM_RESULT", "SUBSCRIBE_ITEM_RESULT"),
}
STAFF_TEMPLATES = {
    "task": "TEMPLATE_TASK_ASSIGNED",
    "deadline": "TEMPLATE_DEADLINE",
    "overdue": "TEMPLATE_OVERDUE",
}


def template_id(setting):
    if has_app_context():
        return current_app.config.get(setting, DEFAULT_TEMPLATES[setting])
    return DEFAULT_TEMPLATES[setting]


def cut(text, limit):
    text = (text or "").replace("\n", " ").strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def item_fields(item, note, now):
    """Template fields in WeChat's keyword naming, cut to its field limits."""
    return {
        "character_string1": {"value": item.number},
        "thing2": {"value": cut(item.content, 20)},
        "phrase3": {"value": cut(STATUS_LABELS[item.status], 5)},
        "time4": {"value": now.strftime("%Y-%m-%d %H:%M")},
        "thing5": {"value": cut(note, 20)},
    }


def item_page(item):
    return f"pages/item/item?number={item.number}"


def console_item_url(item):
    """Where a staff push opens: the item's page in the console (setting CONSOLE_ITEM_URL)."""
    pattern = current_app.config.get("CONSOLE_ITEM_URL") if has_app_context() else None
    return (pattern or "http://127.0.0.1:5000/items/{number}").format(number=item.number)


def outbox_row(dedup_key, kind, channel, setting, item, data, now, resident=None, staff=None, openid=None,
               page=None):
    """The Outbox row a notice becomes, as a dict (`_queue` writes them; a sweep batches its own)."""
    return dict(
        dedup_key=dedup_key[:191],
        kind=kind,
        channel=channel,
        template_id=template_id(setting),
        item=item,
        resident=resident,
        staff=staff,
        openid=openid,
        data=data,
        page=page or (item_page(item) if item else None),
        next_attempt_at=now,
        created_at=now,
    )


def _queue(rows):
    """Insert a notice's rows in one statement; a row whose dedup key exists is skipped."""
    if rows:
        Outbox.insert_many(rows).on_conflict_ignore().execute()


def _take_consent(resident, setting):
    """Spend one one-time subscribe consent for this template; False if none left."""
    tid = template_id(setting)
    updated = (
        SubscriptionGrant.update(remaining=SubscriptionGrant.remaining - 1)
        .where(
            (SubscriptionGrant.resident == resident)
            & (SubscriptionGrant.template_id == tid)
            & (SubscriptionGrant.remaining > 0)
        )
        .execute()
    )
    return updated > 0


def to_resident(resident, kind, notice, item, note, now, key):
    """Queue one notice to a resident through the channel they can receive."""
    if resident is not None:
        resident_notice(resident, kind, notice, item_fields(item, note, now), now, key, item=item)


def reachable(user):
    """An active staff member whose WeChat is bound and still follows the official account."""
    return bool(user.openid and user.active and user.following)


def _staff_rows(users, kind, notice, item, data, now, key):
    page = console_item_url(item) if item else None
    return [outbox_row(f"{key}:s{user.id}", kind, "oa_template", STAFF_TEMPLATES[notice], item, data, now,
                       staff=user, openid=user.openid, page=page) for user in users if reachable(user)]


def staff_rows(users, kind, notice, item, note, now, key):
    """The rows `to_staff` would queue, for a caller that inserts a batch of them at once."""
    return _staff_rows(users, kind, notice, item, item_fields(item, note, now), now, key)


def to_staff(users, kind, notice, item, note, now, key):
    """Queue one notice to every bound staff member in `users`."""
    _queue(staff_rows(users, kind, notice, item, note, now, key))


def reporters(item):
    """The reporter and the reporters of items merged into this one."""
    people = []
    if item.reporter_id:
        people.append(item.reporter)
    merged = (
        Resident.select()
        .join(Item, on=(Item.reporter == Resident.id))
        .where(Item.merged_into == item)
    )
    for resident in merged:
        if all(p.id != resident.id for p in people):
            people.append(resident)
    return people


def followers(item):
    return list(
        Resident.select().join(Follower, on=(Follower.resident == Resident.id)).where(Follower.item == item)
    )


def staff_of_unit(unit_id):
    if not unit_id:
        return []
    return list(StaffUser.select().where((StaffUser.unit == unit_id) & (StaffUser.active == True)))  # noqa: E712


def staff_with_role(*roles):
    return list(StaffUser.select().where(StaffUser.role.in_(roles) & (StaffUser.active == True)))  # noqa: E712


def leader_of(item):
    return [item.leader] if item.leader_id else []


def residents_concerned(item, kind, notice, note, now, key, include_followers=True):
    """The reporter(s) and, usually, followers of the item."""
    seen = set()
    people = reporters(item) + (followers(item) if include_followers else [])
    data = item_fields(item, note, now)
    rows = []
    for resident in people:
        if resident.id in seen:
            continue
        seen.add(resident.id)
        rows += _resident_rows(resident, kind, notice, data, now, key, item)
    _queue(rows)


def describe(item):
    return {"number": item.number, "status": item.status, "due": iso(item.due)}


def notice_fields(code, title, state, note, now):
    """Template fields for a notice that is not about one item (a digest, a badge), cut to WeChat's limits."""
    return {
        "character_string1": {"value": cut(code, 32)},
        "thing2": {"value": cut(title, 20)},
        "phrase3": {"value": cut(state, 5)},
        "time4": {"value": now.strftime("%Y-%m-%d %H:%M")},
        "thing5": {"value": cut(note, 20)},
    }


def staff_notice(users, kind, notice, data, now, key):
    """Queue a notice that is not about one item to every bound staff member in `users`."""
    _queue(_staff_rows(users, kind, notice, None, data, now, key))


def resident_notice(resident, kind, notice, data, now, key, item=None):
    """Queue a notice to a resident through the channel they can receive: the official
    account while they follow it, else a mini-program message within their consent."""
    if resident is not None:
        _queue(_resident_rows(resident, kind, notice, data, now, key, item))


def _resident_rows(resident, kind, notice, data, now, key, item):
    """The row (none or one) for this resident; a mini-program row spends one consent."""
    oa_setting, mp_setting = RESIDENT_TEMPLATES[notice]
    dedup = f"{key}:r{resident.id}"
    if resident.source == "oa":
        if resident.subscribed:
            return [outbox_row(dedup, kind, "oa_template", oa_setting, item, data, now, resident=resident,
                               openid=resident.openid)]
    elif _take_consent(resident, mp_setting):
        return [outbox_row(dedup, kind, "mp_subscribe", mp_setting, item, data, now, resident=resident,
                           openid=resident.openid)]
    return []
