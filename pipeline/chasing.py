"""Firing reminders, chasing overdue items (超期催办), the daily overdue digest
and the office's call-back list (回访).

The operations schedule Reminder rows (pipeline/reminders.py); `sweep` fires
the due ones. Firing re-checks that the item still qualifies (status, round,
deadline), writes the timeline event, queues the pushes and marks the row done,
in one transaction: a re-run or a second sweeper finds nothing left to do, and
the dedup keys (kind, number, round, due date) could not queue a push twice.
"""
import logging
from collections import Counter

from peewee import fn

from models import (
    Follower, Item, Rating, Reminder, Resident, StaffUser, SupervisionNote, TimelineEvent, Unit, db, iso,
)
from models.base import is_postgres

from . import notify
from .actors import SYSTEM_ACTOR, valid_badge
from .core import locked, record, transaction
from .routine import DIGEST_AT, daily_slot, mark, once
from .states import CLAIMABLE, RESOLVED, UNDER_DEADLINE
from .workdays import WorkCalendar

log = logging.getLogger("sixstep.jobs")

CHUNK = 100  # reminders fired per transaction
SYSTEM_AUTHOR = "活动办（超期催办）"


class People:
    """Staff lists looked up once per sweep, not once per reminder."""

    def __init__(self):
        self._units = {}
        self._users = {}
        self._office = None

    def office(self):
        if self._office is None:
            self._office = notify.staff_with_role("office")
        return self._office

    def of_unit(self, unit_id):
        if unit_id not in self._units:
            self._units[unit_id] = notify.staff_of_unit(unit_id)
        return self._units[unit_id]

    def user(self, user_id):
        if not user_id:
            return []
        if user_id not in self._users:
            self._users[user_id] = StaffUser.get_or_none(StaffUser.id == user_id)
        return [self._users[user_id]] if self._users[user_id] else []


def due(now, limit):
    """Pending reminders whose time has come (served by the partial index on fire_at)."""
    return list(Reminder.select().where(Reminder.done_at.is_null() & (Reminder.fire_at <= now))
                .order_by(Reminder.fire_at).limit(limit))


def sweep(now, limit=1000):
    """Fire every due reminder once. Returns counts by kind fired ("skipped": the
    item no longer qualified; "failed": an error, retried on the next sweep)."""
    calendar, people, counts = WorkCalendar(), People(), Counter()
    rows = due(now, limit)
    for start in range(0, len(rows), CHUNK):
        with transaction():
            for row in rows[start:start + CHUNK]:
                try:
                    with db.atomic():
                        counts[fire(row, now, calendar, people)] += 1
                except Exception:  # one bad row must not hold back the others
                    log.exception("reminder %s (%s) failed", row.id, row.kind)
                    counts["failed"] += 1
    counts.pop(None, None)
    return dict(counts)


def fire(row, now, calendar, people):
    """Fire one reminder in the caller's transaction; the kind fired, "skipped", or None if gone."""
    item = locked(Item(id=row.item_id))  # the item first: the operations lock in that order too
    query = Reminder.select().where((Reminder.id == row.id) & Reminder.done_at.is_null() & (Reminder.fire_at <= now))
    fresh = (query.for_update() if is_postgres() else query).first()
    if fresh is None:
        return None
    kind = fresh.kind
    handler = HANDLERS.get(kind)
    fired = handler is not None and fresh.round == item.round and handler[0](item, now)
    if fired:
        handler[1](item, now, calendar, people)
    Reminder.update(done_at=now).where(Reminder.id == fresh.id).execute()
    return kind if fired else "skipped"


def _unit_id(item):
    return item.claimed_unit_id or item.unit_id


def _unit_name(item):
    unit = Unit.get_or_none(Unit.id == _unit_id(item)) if _unit_id(item) else None
    return unit.name if unit else "未定单位"


def _deadline_key(kind, item):
    return f"{kind}:{item.number}:r{item.round}:{item.due.isoformat()}"


def _running(item):
    return item.status in UNDER_DEADLINE and item.due is not None


def _half_time_note(item, days):
    return f"办理时限已过半，请于{item.due:%m月%d日}前办结"


def _day_before_note(item, days):
    if days == 0:  # a late run (the jobs process was down): still worth saying, not yet overdue
        return f"今天（{item.due:%m月%d日}）是办结时限，请今天办结"
    return f"距办结时限仅剩{days}个工作日，请于{item.due:%m月%d日}前办结"


def _deadline_reminder(kind, note):
    def fire_it(item, now, calendar, people):
        text = note(item, calendar.workdays_between(now.date(), item.due))
        record(item, "reminder", SYSTEM_ACTOR, now, note=text, data={"kind": kind, "due": iso(item.due)})
        staff = people.of_unit(_unit_id(item)) + people.user(item.leader_id)
        notify.to_staff(staff, kind, "deadline", item, text, now, _deadline_key(kind, item))
    return fire_it


def supervisors(item, today):
    """Cadre supervisors of the item's area and following it, and badge holders following it."""
    staff = {}
    if item.community:
        for user in StaffUser.select().where((StaffUser.role == "supervisor") & StaffUser.active
                                             & (StaffUser.area == item.community)):
            staff[user.id] = user
    for user in (StaffUser.select().join(Follower, on=(Follower.staff == StaffUser.id))
                 .where((Follower.item == item) & (StaffUser.role == "supervisor") & StaffUser.active)):
        staff[user.id] = user
    residents = [r for r in Resident.select().join(Follower, on=(Follower.resident == Resident.id))
                 .where(Follower.item == item) if valid_badge(r, today)]
    return list(staff.values()), residents


def _chase(item, now, calendar, people):
    """超期催办: the formal chasing notice on the timeline and the sheet, and pushes to
    the unit, its leader, the office and the item's supervisors."""
    late = calendar.workdays_between(item.due, now.date())
    unit = _unit_name(item)
    note = f"催办通知：{unit}承办的事项已超过办结时限（{item.due:%Y年%m月%d日}）{late}个工作日，请立即办理并反馈"
    record(item, "overdue", SYSTEM_ACTOR, now, note=note,
           data={"due": iso(item.due), "unit": unit, "workdays_late": late, "notice": "催办通知"})
    SupervisionNote.create(item=item, round=item.round, author_name=SYSTEM_AUTHOR, note=note, urge=True, at=now)
    key = _deadline_key("overdue", item)
    cadres, badge_holders = supervisors(item, now.date())
    staff = people.of_unit(_unit_id(item)) + people.user(item.leader_id) + people.office() + cadres
    notify.to_staff(staff, "overdue", "overdue", item, f"已超期{late}个工作日，请立即办理", now, key)
    for resident in badge_holders:
        notify.to_resident(resident, "overdue", "progress", item, "事项已超期，已发出催办", now, key)


def _unclaimed(item, now, calendar, people):
    note = "交办超过1个工作日仍无单位领办，请尽快领办"
    record(item, "reminder", SYSTEM_ACTOR, now, note=note, data={"kind": "unclaimed"})
    staff = people.office() + people.of_unit(item.unit_id)
    notify.to_staff(staff, "unclaimed", "task", item, note, now, f"unclaimed:{item.number}:r{item.round}")


def _unrated(item, now):
    return item.status == RESOLVED and not Rating.select().where(
        (Rating.item == item) & (Rating.round == item.round)).exists()


def _rate_remind(item, now, calendar, people):
    note = "办理结果已反馈3天，请您评价"
    record(item, "rate_reminder", SYSTEM_ACTOR, now, note=note)
    key = f"rate_remind:{item.number}:r{item.round}"
    for resident in notify.reporters(item):
        notify.to_resident(resident, "rate_remind", "result", item, note, now, key)


def _callback_due(item, now, calendar, people):
    """7 days unrated: onto the office's call-back list. Never marked satisfied by itself."""
    note = "办结7天群众未评价，列入电话回访"
    record(item, "callback_listed", SYSTEM_ACTOR, now, note=note)
    notify.to_staff(people.office(), "callback_due", "task", item, "7天未评价，请电话回访", now,
                    f"callback_due:{item.number}:r{item.round}")


# kind -> (does the item still qualify?, what firing does)
HANDLERS = {
    "unclaimed": (lambda item, now: item.status in CLAIMABLE, _unclaimed),
    "half_time": (lambda item, now: _running(item) and now.date() <= item.due,
                  _deadline_reminder("half_time", _half_time_note)),
    "day_before": (lambda item, now: _running(item) and now.date() <= item.due,
                   _deadline_reminder("day_before", _day_before_note)),
    "overdue": (lambda item, now: _running(item) and now.date() > item.due, _chase),
    "rate_remind": (_unrated, _rate_remind),
    "callback_due": (_unrated, _callback_due),
}


def overdue_items(today):
    """Items past their deadline and not yet resolved (overdue is derived, never a status)."""
    return list(Item.select().where(Item.status.in_(UNDER_DEADLINE) & (Item.due < today))
                .order_by(Item.due, Item.id))


def digest_key(day):
    return f"digest:{day.isoformat()}"


def overdue_digest(now, calendar=None):
    """09:00 on working days: every overdue item, by unit, to the leaders and the
    office — once a day. Returns the digest's data, or None if not due or done."""
    calendar = calendar or WorkCalendar()
    if daily_slot(now, calendar, DIGEST_AT) is None or mark(digest_key(now.date())):
        return None
    today = now.date()
    items = overdue_items(today)
    names = {u.id: u.name for u in Unit.select(Unit.id, Unit.name)}
    units = {}
    for item in items:
        name = names.get(_unit_id(item), "未定单位")
        units.setdefault(name, []).append(item.number)
    data = {"date": today.isoformat(), "total": len(items),
            "units": [{"unit": name, "count": len(numbers), "items": numbers}
                      for name, numbers in sorted(units.items(), key=lambda pair: (-len(pair[1]), pair[0]))]}
    with transaction():
        if not once(digest_key(today), now, data):
            return None
        if items:
            summary = "，".join(f"{u['unit']}{u['count']}件" for u in data["units"])
            fields = notify.notice_fields(today.strftime("%Y%m%d"), f"超期事项日报：共{len(items)}件", "超期",
                                          summary, now)
            staff = notify.staff_with_role("leader", "office")
            notify.staff_notice(staff, "digest", "overdue", fields, now, digest_key(today))
    return data


def digest(day):
    """The digest recorded for `day` (None if none was made)."""
    row = mark(digest_key(day))
    return row.data if row else None


def callback_list():
    """The office's call-back list (回访): resolved items still unrated 7 days on."""
    listed = (TimelineEvent.select(TimelineEvent.item)
              .where((TimelineEvent.kind == "callback_listed") & (TimelineEvent.round == Item.round)
                     & (TimelineEvent.item == Item.id)))
    return list(Item.select().where((Item.status == RESOLVED) & fn.EXISTS(listed)).order_by(Item.resolved_at, Item.id))
