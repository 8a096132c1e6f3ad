"""Firing reminders, chasing overdue items (超期催办), the daily overdue digest
and the office's call-back list (回访).

The operations schedule Reminder rows (pipeline/steps/reminders.py); `sweep` fires
the due ones. Firing re-checks that the item still qualifies (status, round,
deadline), writes the timeline event, queues the pushes and marks the row done,
in one transaction: a re-run or a second sweeper finds nothing left to do, and
the dedup keys (kind, number, round, due date) could not queue a push twice.
"""
import logging
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from typing import Any

from peewee import JOIN, fn

from models import (
    Badge,
    Follower,
    Item,
    Rating,
    Reminder,
    Resident,
    StaffUser,
    SupervisionNote,
    TimelineEvent,
    Unit,
    iso,
)
from models.base import PreparedInsert, is_postgres
from pipeline.messages import notify, templates
from pipeline.routines.routine import DIGEST_AT, daily_slot, mark, once
from pipeline.rules.actors import SYSTEM_ACTOR
from pipeline.rules.core import EVENT_INSERT, event_row, lock_items, transaction
from pipeline.rules.overdue import deadline_running, is_overdue, overdue_items
from pipeline.rules.states import CLAIMABLE, RESOLVED
from pipeline.rules.supervisors import cadre_supervisors
from pipeline.rules.workdays import WorkCalendar
from pipeline.steps import milestones
from pipeline.views.lists import attach_relations

log = logging.getLogger("sixstep.jobs")

BATCH = 1000  # reminders fired per transaction: one lock, one insert per kind of row, one update
NOTE_INSERT = PreparedInsert(SupervisionNote, "item", "round", "author_name", "note", "urge", "at")
SYSTEM_AUTHOR = "活动办（超期催办）"


class Firing:
    """One sweep's lookups (staff lists, unit names) made once, and what the batch
    being fired writes — timeline events, 催办 notes, staff pushes — kept as stored
    values and inserted by one multi-row statement each when the batch is done."""

    def __init__(self, now: datetime, calendar: WorkCalendar) -> None:
        self.now = now
        self.calendar = calendar
        self.events: list[tuple[Any, ...]] = []
        self.notes: list[tuple[Any, ...]] = []
        self.rows: dict[object, tuple[object, ...]] = {}
        self._units: dict[int | None, list[StaffUser]] = {}
        self._users: dict[int, StaffUser | None] = {}
        self._followers: dict[int, list[Follower]] | None = None
        self._rated: set[tuple[int, int]] | None = None
        self._badge_holders: set[int] | None = None
        self._office: list[StaffUser] | None = None
        self._names: dict[int | None, str] | None = None
        self.item_ids: list[int] = []
        self.reminder_kind = ""  # the kind of the reminder being fired (`milestone:<id>` names its row)

    def begin(self, item_ids: list[int]) -> None:
        self.item_ids, self._followers, self._rated, self._badge_holders = item_ids, None, None, None
        self.events, self.notes, self.rows = [], [], {}

    def office(self) -> list[StaffUser]:
        if self._office is None:
            self._office = notify.staff_with_role("office")
        return self._office

    def of_unit(self, unit_id: int | None) -> list[StaffUser]:
        if unit_id not in self._units:
            self._units[unit_id] = notify.staff_of_unit(unit_id)
        return self._units[unit_id]

    def user(self, user_id: int | None) -> list[StaffUser]:
        if not user_id:
            return []
        if user_id not in self._users:
            self._users[user_id] = StaffUser.get_or_none(StaffUser.id == user_id)
        user = self._users[user_id]
        return [user] if user else []

    def followers(self, item_id: int) -> list[Follower]:
        """The item's followers (staff and residents), loaded for the whole chunk at once."""
        if self._followers is None:
            self._followers = {}
            query = (Follower.select(Follower, StaffUser, Resident)
                     .join(StaffUser, JOIN.LEFT_OUTER, on=(Follower.staff == StaffUser.id))
                     .switch(Follower).join(Resident, JOIN.LEFT_OUTER, on=(Follower.resident == Resident.id))
                     .where(Follower.item.in_(self.item_ids)).order_by(Follower.id))
            for follower in query:
                self._followers.setdefault(follower.item_id, []).append(follower)
        return self._followers.get(item_id, [])

    def holds_badge(self, resident_id: int) -> bool:
        """Whether a following resident holds a valid badge (the chunk's followers' badges read at once)."""
        if self._badge_holders is None:
            following = {f.resident_id for item_id in self.item_ids for f in self.followers(item_id) if f.resident_id}
            self._badge_holders = {resident for (resident,) in Badge.select(Badge.resident).where(
                Badge.resident.in_(following) & Badge.revoked_at.is_null()
                & (Badge.valid_until >= self.now.date())).tuples()}
        return resident_id in self._badge_holders

    def rated(self, item: Item) -> bool:
        """Whether the item has a rating for its current round (the chunk's ratings read at once)."""
        if self._rated is None:
            self._rated = set(Rating.select(Rating.item, Rating.round).where(Rating.item.in_(self.item_ids))
                              .tuples())
        return (item.id, item.round) in self._rated

    def unit_name(self, unit_id: int | None) -> str:
        if self._names is None:
            self._names = {u.id: u.name for u in Unit.select(Unit.id, Unit.name)}
        return self._names.get(unit_id, "未定单位")

    def event(self, item: Item, kind: str, note: str, data: dict[str, Any] | None = None) -> None:
        """A system timeline event on an item `fire` has locked, inserted with the batch's."""
        self.events.append(EVENT_INSERT.values(**event_row(item, kind, SYSTEM_ACTOR, self.now, note, data)))

    def urge(self, item: Item, note: str) -> None:
        self.notes.append(NOTE_INSERT.values(item=item.id, round=item.round, author_name=SYSTEM_AUTHOR, note=note,
                                             urge=True, at=self.now))

    def to_staff(self, users: Iterable[StaffUser], kind: str, notice: str, item: Item, note: str, key: str) -> None:
        for row in notify.staff_values(users, kind, notice, item, note, self.now, key):
            self.rows.setdefault(row[0], row)

    def flush(self) -> None:
        EVENT_INSERT.execute_many(self.events)
        NOTE_INSERT.execute_many(self.notes)
        notify.OUTBOX_INSERT.execute_many(list(self.rows.values()), ignore_conflicts=True)
        self.begin(self.item_ids)

    def discard(self) -> None:
        """Forget what a failed batch had gathered (its transaction rolled back)."""
        self.begin(self.item_ids)


def due(now: datetime, limit: int, passed: Iterable[int] = ()) -> list[Reminder]:
    """Pending reminders whose time has come, oldest first (an index range scan over the
    partial index on fire_at, in its order), leaving out the ids in `passed`."""
    query = Reminder.select().where(Reminder.done_at.is_null() & (Reminder.fire_at <= now))
    skip = list(passed)
    if skip:
        query = query.where(Reminder.id.not_in(skip))
    return list(query.order_by(Reminder.fire_at).limit(limit))


def sweep(now: datetime, limit: int | None = None) -> dict[str, int]:
    """Fire every due reminder once, however many, in batches of BATCH (at most
    `limit` in all if given). Returns counts by kind fired ("skipped": the item no
    longer qualified; "failed": an error, tried again on the next sweep). Fired and
    skipped rows are marked done; failed ones are passed over until the next sweep."""
    firing, counts, seen = Firing(now, WorkCalendar()), Counter[str](), 0
    failed: set[int] = set()
    while limit is None or seen < limit:
        rows = due(now, BATCH if limit is None else min(BATCH, limit - seen), failed)
        if not rows:
            break
        seen += len(rows)
        try:
            with transaction():
                counts.update(fire(rows, firing))
        except Exception:  # one bad row must not hold back the others: fire them one by one
            firing.discard()
            log.exception("a batch of %d reminders failed; firing them one at a time", len(rows))
            for row in rows:
                try:
                    with transaction():
                        counts.update(fire([row], firing))
                except Exception:
                    firing.discard()
                    log.exception("reminder %s (%s) failed", row.id, row.kind)
                    counts["failed"] += 1
                    failed.add(row.id)
    return dict(counts)


def fire(rows: Sequence[Reminder], firing: Firing) -> Counter[str]:
    """Fire these reminders in the caller's transaction: lock their items (in id order,
    as the operations lock an item before its reminders), re-read the rows, and for
    each one still pending and due either fire it or skip it; then write what firing
    gathered (one multi-row insert each for events, notes and pushes) and mark the
    rows done in one update."""
    now = firing.now
    ids = sorted({r.item_id for r in rows})
    firing.begin(ids)
    items = lock_items(ids)
    query = (Reminder.select(Reminder.id, Reminder.item, Reminder.kind, Reminder.round)
             .where(Reminder.id.in_([r.id for r in rows]) & Reminder.done_at.is_null() & (Reminder.fire_at <= now))
             .order_by(Reminder.fire_at, Reminder.id))
    fresh: list[tuple[int, int, str, int]] = list((query.for_update() if is_postgres() else query).tuples())
    counts = Counter[str]()
    for _row_id, item_id, kind, round_ in fresh:
        item = items.get(item_id)
        family = kind.partition(":")[0]  # `milestone:<id>` is one of the milestone reminders
        handler = HANDLERS.get(family)
        firing.reminder_kind = kind
        fired = False
        if item is not None and handler is not None and round_ == item.round:
            fired = handler[0](item, firing)
            if fired:
                handler[1](item, firing)
        counts[family if fired else "skipped"] += 1
    firing.flush()
    if fresh:
        Reminder.update(done_at=now).where(Reminder.id.in_([row[0] for row in fresh])).execute()
    return counts


def _unit_id(item: Item) -> int | None:
    return item.claimed_unit_id or item.unit_id


def _deadline_key(kind: str, item: Item) -> str:
    return f"{kind}:{item.number}:r{item.round}:{item.due.isoformat()}"


def _half_time_note(item: Item, days: int) -> str:
    return f"办理时限已过半，请于{item.due:%m月%d日}前办结"


def _day_before_note(item: Item, days: int) -> str:
    if days == 0:  # a late run (the jobs process was down): still worth saying, not yet overdue
        return f"今天（{item.due:%m月%d日}）是办结时限，请今天办结"
    return f"距办结时限仅剩{days}个工作日，请于{item.due:%m月%d日}前办结"


def _deadline_reminder(kind: str, note: Callable[[Item, int], str]) -> Callable[[Item, Firing], None]:
    def fire_it(item: Item, firing: Firing) -> None:
        text = note(item, firing.calendar.workdays_between(firing.now.date(), item.due))
        firing.event(item, "reminder", text, {"kind": kind, "due": iso(item.due)})
        staff = firing.of_unit(_unit_id(item)) + firing.user(item.leader_id)
        firing.to_staff(staff, kind, "deadline", item, text, _deadline_key(kind, item))
    return fire_it


def supervisors(item: Item, firing: Firing) -> tuple[list[StaffUser], list[Resident]]:
    """The item's supervisors (`pipeline.rules.supervisors`): its cadre supervisors, and
    resident supervisors following it with a valid badge."""
    residents = [follower.resident for follower in firing.followers(item.id)
                 if follower.resident_id and firing.holds_badge(follower.resident_id)]
    return cadre_supervisors(item), residents


def _chase(item: Item, firing: Firing) -> None:
    """超期催办: the formal chasing notice on the timeline and the sheet, and pushes to
    the unit, its leader, the office and the item's supervisors."""
    now = firing.now
    late = firing.calendar.workdays_between(item.due, now.date())
    unit = firing.unit_name(_unit_id(item))
    note = f"催办通知：{unit}承办的事项已超过办结时限（{item.due:%Y年%m月%d日}）{late}个工作日，请立即办理并反馈"
    firing.event(item, "overdue", note,
                 {"due": iso(item.due), "unit": unit, "workdays_late": late, "notice": "催办通知"})
    firing.urge(item, note)
    key = _deadline_key("overdue", item)
    cadres, badge_holders = supervisors(item, firing)
    staff = firing.of_unit(_unit_id(item)) + firing.user(item.leader_id) + firing.office() + cadres
    firing.to_staff(staff, "overdue", "overdue", item, f"已超期{late}个工作日，请立即办理", key)
    for resident in badge_holders:
        notify.to_resident(resident, "overdue", "progress", item, "事项已超期，已发出催办", now, key)


def _unclaimed(item: Item, firing: Firing) -> None:
    note = "交办超过1个工作日仍无单位领办，请尽快领办"
    firing.event(item, "reminder", note, {"kind": "unclaimed"})
    staff = firing.office() + firing.of_unit(item.unit_id)
    firing.to_staff(staff, "unclaimed", "task", item, note, f"unclaimed:{item.number}:r{item.round}")


def _before_due(item: Item, firing: Firing) -> bool:
    return deadline_running(item) and not is_overdue(item, firing.now.date())


def _unrated(item: Item, firing: Firing) -> bool:
    return item.status == RESOLVED and not firing.rated(item)


def _rate_remind(item: Item, firing: Firing) -> None:
    note = "办理结果已反馈3天，请您评价"
    firing.event(item, "rate_reminder", note)
    key = f"rate_remind:{item.number}:r{item.round}"
    for resident in notify.reporters(item):
        notify.to_resident(resident, "rate_remind", "result", item, note, firing.now, key)


def _callback_due(item: Item, firing: Firing) -> None:
    """7 days unrated: onto the office's call-back list. Never marked satisfied by itself."""
    firing.event(item, "callback_listed", "办结7天群众未评价，列入电话回访")
    firing.to_staff(firing.office(), "callback_due", "task", item, "7天未评价，请电话回访",
                    f"callback_due:{item.number}:r{item.round}")


# kind -> (does the item still qualify?, what firing does)
HANDLERS: dict[str, tuple[Callable[[Item, Firing], bool], Callable[[Item, Firing], None]]] = {
    "unclaimed": (lambda item, firing: item.status in CLAIMABLE, _unclaimed),
    "half_time": (_before_due, _deadline_reminder("half_time", _half_time_note)),
    "day_before": (_before_due, _deadline_reminder("day_before", _day_before_note)),
    "overdue": (lambda item, firing: is_overdue(item, firing.now.date()), _chase),
    "rate_remind": (_unrated, _rate_remind),
    "callback_due": (_unrated, _callback_due),
    milestones.KIND: (milestones.due_tomorrow, milestones.remind),
}


def digest_key(day: date) -> str:
    return f"digest:{day.isoformat()}"


def overdue_digest(now: datetime, calendar: WorkCalendar | None = None) -> dict[str, Any] | None:
    """09:00 on working days: every overdue item, by unit, to the leaders and the
    office — once a day, with who of them and of those units' staff a WeChat
    push can't reach. Returns the digest's data, or None if not due or done."""
    calendar = calendar or WorkCalendar()
    if daily_slot(now, calendar, DIGEST_AT) is None or mark(digest_key(now.date())):
        return None
    today = now.date()
    items = overdue_items(today)
    names = {u.id: u.name for u in Unit.select(Unit.id, Unit.name)}
    by_unit: dict[int | None, list[str]] = {}
    for item in items:
        by_unit.setdefault(_unit_id(item), []).append(item.number)
    recipients = notify.staff_with_role("leader", "office")
    unit_staff = staff_of_units(by_unit)
    units = [{"unit": names.get(unit_id, "未定单位"), "count": len(numbers), "items": numbers,
              "reachable_staff": sum(notify.reachable(u) for u in unit_staff[unit_id]) if unit_id else None}
             for unit_id, numbers in by_unit.items()]
    units.sort(key=lambda u: (-u["count"], u["unit"]))
    data: dict[str, Any] = {
        "date": today.isoformat(), "total": len(items), "units": units,
        "unreachable": unreachable_staff(recipients + [u for staff in unit_staff.values() for u in staff], names),
        "template_problems": templates.office_report(now)}
    with transaction():
        if not once(digest_key(today), now, data):
            return None
        if items or data["template_problems"]:
            summary = "，".join(f"{u['unit']}{u['count']}件" for u in data["units"])
            if data["unreachable"]:
                # Said first: the template's field is cut at WeChat's limit.
                summary = f"{len(data['unreachable'])}人收不到微信提醒；" + summary
            if data["template_problems"]:
                summary = f"{len(data['template_problems'])}处消息模板设置有误；" + summary
            fields = notify.notice_fields(today.strftime("%Y%m%d"), f"超期事项日报：共{len(items)}件", "超期",
                                          summary, now)
            notify.staff_notice(recipients, "digest", "overdue", fields, now, digest_key(today))
    return data


def staff_of_units(unit_ids: Iterable[int | None]) -> dict[int | None, list[StaffUser]]:
    """{unit id: its active staff} for these units in one query (`notify.staff_of_unit` for each)."""
    staff: dict[int | None, list[StaffUser]] = {unit_id: [] for unit_id in unit_ids}
    for user in StaffUser.select().where(StaffUser.unit.in_([u for u in unit_ids if u]) & StaffUser.active):
        staff[user.unit_id].append(user)
    return staff


def unreachable_staff(users: Iterable[StaffUser], unit_names: dict[int, str]) -> list[dict[str, Any]]:
    """Who among `users` a WeChat push can't reach, and why: the digest shows the
    office who would miss overdue reminders (never bound, or unfollowed)."""
    seen: set[int] = set()
    rows: list[dict[str, Any]] = []
    for user in users:
        if user.id in seen or notify.reachable(user) or not user.active:
            continue
        seen.add(user.id)
        rows.append({"id": user.id, "name": user.name, "role": user.role,
                     "unit": unit_names.get(user.unit_id) if user.unit_id else None,
                     "reason": "未绑定微信" if not user.openid else "已取消关注公众号"})
    return sorted(rows, key=lambda row: row["id"])


def digest(day: date) -> dict[str, Any] | None:
    """The digest recorded for `day` (None if none was made)."""
    row = mark(digest_key(day))
    return row.data if row else None


def callback_list() -> list[Item]:
    """The office's call-back list (回访): resolved items still unrated 7 days on."""
    listed = (TimelineEvent.select(TimelineEvent.item)
              .where((TimelineEvent.kind == "callback_listed") & (TimelineEvent.round == Item.round)
                     & (TimelineEvent.item == Item.id)))
    items = list(Item.select().where((Item.status == RESOLVED) & fn.EXISTS(listed)).order_by(Item.resolved_at, Item.id))
    attach_relations(items)  # the list shows each item's category and unit
    return items
