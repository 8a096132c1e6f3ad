"""Firing a batch of due reminders in SQL, a kind at a time (the sweep's work,
pipeline/steps/chasing.py).

For each kind (family) in the batch, one statement finds the reminders whose item
still qualifies — its round, its status, its deadline, the same conditions the rest
of the pipeline asks (pipeline.rules) — then one `INSERT … SELECT` each writes the
timeline events, the 催办 notes and the pushes to every recipient for all of them
(pipeline/messages/bulk.py). Wording that depends on working days is computed in
Python once per distinct date and joined in as a small table of values; wording
that depends on the item (its unit's name, a milestone's text) is put together in
SQL around the same f-strings (`_around`).
"""
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from peewee import JOIN, Node, Select, Value, ValuesList, fn

from models import Item, Milestone, Rating, Reminder, Resident, StaffUser, SupervisionNote, TimelineEvent, Unit
from models.base import among, db, is_postgres
from pipeline.messages import bulk
from pipeline.messages.bulk import Raw, concat, text
from pipeline.rules.actors import SYSTEM_ACTOR
from pipeline.rules.overdue import before_due_condition, overdue_condition
from pipeline.rules.states import CLAIMABLE, RESOLVED, UNDER_DEADLINE
from pipeline.rules.supervisors import cadre_of, resident_supervisor_of
from pipeline.rules.workdays import WorkCalendar
from pipeline.steps import milestones

SYSTEM_AUTHOR = "活动办（超期催办）"
NO_UNIT = "未定单位"
_SLOT = "\ufffe"  # where an SQL value goes in a sentence made in Python (never in our texts)
EVENT_COLUMNS = [TimelineEvent.item, TimelineEvent.round, TimelineEvent.kind, TimelineEvent.from_status,
                 TimelineEvent.to_status, TimelineEvent.actor_kind, TimelineEvent.actor_id, TimelineEvent.actor_name,
                 TimelineEvent.note, TimelineEvent.data, TimelineEvent.at]
NOTE_COLUMNS = [SupervisionNote.item, SupervisionNote.round, SupervisionNote.author_name, SupervisionNote.note,
                SupervisionNote.urge, SupervisionNote.at]


@dataclass
class Batch:
    """The reminders of one family that fire (their items locked and still qualifying)."""

    now: datetime
    calendar: WorkCalendar
    family: "Family"
    ids: list[int]
    dates: set[Any]  # the distinct values of the family's `date` column among them
    values: Any = field(default=None)  # the per-date table (`per_date`), joined to `rows`

    @property
    def today(self) -> date:
        return self.now.date()

    def per_date(self, columns: Sequence[str], make: Callable[[Any], tuple[object, ...]]) -> Any:
        """A table of values computed once per distinct date (`make(date)`), joined to `rows` on
        the family's date column; returns it (its columns: `.c.<name>`)."""
        rows = [(day, *make(day)) for day in sorted(self.dates)]
        self.values = ValuesList(rows).cte("per_date", columns=("day", *columns))
        return self.values

    def rows(self) -> Select:
        """The batch's reminders joined to their items (and the family's joins), in firing order."""
        query = self.family.source(Reminder.select().join(Item, on=(Reminder.item == Item.id)))
        if self.values is not None:
            query = query.join(self.values, on=(self.family.date == self.values.c.day)).with_cte(self.values)
        return query.where(among(Reminder.id, self.ids)).order_by(Reminder.fire_at, Reminder.id)

    def event(self, kind: str, note: str | Node, data: Any = None) -> int:
        """A system timeline event on each item; returns how many were written."""
        query = self.rows().select(
            Item.id, Item.round, text(kind), fn.NULLIF("", ""), fn.NULLIF("", ""), text(SYSTEM_ACTOR.kind),
            fn.NULLIF(0, 0) if SYSTEM_ACTOR.id is None else SYSTEM_ACTOR.id, text(SYSTEM_ACTOR.name),
            text(note) if isinstance(note, str) else note, fn.NULLIF("", "") if data is None else bulk.json_text(data),
            Value(self.now))
        return int(TimelineEvent.insert_from(query, EVENT_COLUMNS).as_rowcount().execute())

    def urge(self, note: Node) -> None:
        """A 催办 note on each item's sheet."""
        query = self.rows().select(Item.id, Item.round, text(SYSTEM_AUTHOR), note, Value(True), Value(self.now))
        SupervisionNote.insert_from(query, NOTE_COLUMNS).as_rowcount().execute()

    def to_staff(self, recipients: Any, kind: str, notice: str, note: str | Node, key: Node) -> None:
        bulk.queue_staff(self.rows(), recipients, kind, notice, note, key, self.now)

    def to_residents(self, who: Any, kind: str, notice: str, note: str, key: Node) -> None:
        bulk.queue_residents(self.rows(), who, kind, notice, note, key, self.now)


@dataclass(frozen=True)
class Family:
    """A family of reminders: when one still applies to its item, and what firing it writes."""

    qualifies: Callable[[date], Any]  # a condition on Item (and the family's joins)
    fire: Callable[[Batch], int]  # writes everything; returns how many fired
    date: Any = Item.due  # the column its wording's dates come from
    source: Callable[[Select], Select] = lambda query: query  # joins its conditions need


def plain_rows(query: Select) -> list[tuple[Any, ...]]:
    """The rows of `query` as the driver gives them, for ids and texts: peewee's
    conversion of each row cost more than the query did."""
    return db.execute_sql(*query.sql()).fetchall()


def fire(rows: Sequence[tuple[int, int]], now: datetime, calendar: WorkCalendar) -> Counter[str]:
    """Fire these reminders ((id, item id) pairs) in the caller's transaction: lock their
    items (in id order, as the operations lock an item before its reminders), re-read the
    rows still pending and due, fire each family's in a few statements, and mark them all
    done (fired, or skipped: the item no longer qualifies). Returns counts by family."""
    if is_postgres():
        # Not waiting for the flush to disk: only a crash of the database server itself could
        # then forget a batch, which the next sweep fires again (its pushes may go out twice),
        # the bargain the dispatcher's marks make (pipeline.messages.dispatch).
        db.execute_sql("SET LOCAL synchronous_commit TO OFF")
        db.execute_sql(*Item.select(Item.id).where(among(Item.id, sorted({item for _, item in rows})))
                       .order_by(Item.id).for_update().sql())
    query = Reminder.select(Reminder.id, Reminder.kind).where(
        among(Reminder.id, [row_id for row_id, _ in rows]) & Reminder.done_at.is_null() & (Reminder.fire_at <= now))
    fresh = plain_rows(query.for_update() if is_postgres() else query)
    by_family: dict[str, list[int]] = defaultdict(list)
    for row_id, kind in fresh:
        by_family[kind.partition(":")[0]].append(row_id)  # `milestone:<id>` is one of the milestone reminders
    counts = Counter[str]()
    for name, ids in by_family.items():
        family = FAMILIES.get(name)
        fired = _fire_family(family, ids, now, calendar) if family is not None else 0
        counts[name] += fired
        counts["skipped"] += len(ids) - fired
    if fresh:
        Reminder.update(done_at=now).where(among(Reminder.id, [row_id for row_id, _ in fresh])).execute()
    return +counts


def _fire_family(family: Family, ids: list[int], now: datetime, calendar: WorkCalendar) -> int:
    query = (family.source(Reminder.select(Reminder.id, family.date).join(Item, on=(Reminder.item == Item.id)))
             .where(among(Reminder.id, ids) & (Reminder.round == Item.round) & family.qualifies(now.date())))
    qualifying = list(query.tuples())
    if not qualifying:
        return 0
    batch = Batch(now, calendar, family, [row_id for row_id, _ in qualifying], {day for _, day in qualifying})
    return family.fire(batch)


def _round_key(kind: str) -> Node:
    return concat(kind, ":", Item.number, ":r", Item.round.cast("TEXT"))


def _unit_staff(unit: Any) -> Any:
    """`notify.staff_of_unit` as a condition on StaffUser."""
    return (StaffUser.unit == unit) & StaffUser.active


def _office() -> Any:
    """`notify.office_staff(item, "office")` as a condition on StaffUser: the item's street office's."""
    return (StaffUser.role == "office") & StaffUser.active & ((StaffUser.office == Item.office) | Item.office.is_null())


def _handling_unit() -> Node:
    """The unit on the item: the one that claimed it, else the one on the sheet."""
    return fn.COALESCE(Item.claimed_unit, Item.unit)


def _unclaimed(batch: Batch) -> int:
    note = "交办超过1个工作日仍无单位领办，请尽快领办"
    fired = batch.event("reminder", note, {"kind": "unclaimed"})
    batch.to_staff(_office() | _unit_staff(Item.unit), "unclaimed", "task", note, _round_key("unclaimed"))
    return fired


def _half_time_note(due: date, days: int) -> str:
    return f"办理时限已过半，请于{due:%m月%d日}前办结"


def _day_before_note(due: date, days: int) -> str:
    if days == 0:  # a late run (the jobs process was down): still worth saying, not yet overdue
        return f"今天（{due:%m月%d日}）是办结时限，请今天办结"
    return f"距办结时限仅剩{days}个工作日，请于{due:%m月%d日}前办结"


def _deadline_reminder(kind: str, note: Callable[[date, int], str]) -> Callable[[Batch], int]:
    def fire_all(batch: Batch) -> int:
        day = batch.per_date(("iso", "note"), lambda due: (
            due.isoformat(), note(due, batch.calendar.workdays_between(batch.today, due))))
        fired = batch.event("reminder", day.c.note, {"due": day.c.iso, "kind": kind})
        batch.to_staff(_unit_staff(_handling_unit()) | (StaffUser.id == Item.leader), kind, "deadline", day.c.note,
                       concat(_round_key(kind), ":", day.c.iso))
        return fired
    return fire_all


def _chase_note(unit: str, due: date, late: int) -> str:
    return f"催办通知：{unit}承办的事项已超过办结时限（{due:%Y年%m月%d日}）{late}个工作日，请立即办理并反馈"


def _chase(batch: Batch) -> int:
    """超期催办: the formal chasing notice on the timeline and the sheet, and pushes to the
    unit, its leader, the office and the item's supervisors (cadres, and residents
    following it with a valid badge)."""
    def per_day(due: date) -> tuple[object, ...]:
        late = batch.calendar.workdays_between(due, batch.today)
        before, _, after = _chase_note(_SLOT, due, late).partition(_SLOT)
        return due.isoformat(), late, before, after, f"已超期{late}个工作日，请立即办理"

    day = batch.per_date(("iso", "late", "before", "after", "push"), per_day)
    unit = fn.COALESCE(Unit.name, NO_UNIT)
    note = concat(day.c.before, unit, day.c.after)
    fired = batch.event("overdue", note, {"due": day.c.iso, "unit": unit, "workdays_late": Raw(day.c.late.cast("TEXT")),
                                          "notice": "催办通知"})
    batch.urge(note)
    key = concat(_round_key("overdue"), ":", day.c.iso)
    staff = (_unit_staff(_handling_unit()) | (StaffUser.id == Item.leader) | _office()
             | cadre_of(Item.id, Item.community))
    batch.to_staff(staff, "overdue", "overdue", day.c.push, key)
    batch.to_residents(resident_supervisor_of(Item.id, batch.today), "overdue", "progress", "事项已超期，已发出催办",
                       key)
    return fired


def _with_unit(query: Select) -> Select:
    return query.join(Unit, JOIN.LEFT_OUTER, on=(Unit.id == _handling_unit()))


def _unrated(today: date) -> Any:
    """Resolved, and no rating for its current round."""
    rated = Rating.select(Rating.id).where((Rating.item == Item.id) & (Rating.round == Item.round))
    return (Item.status == RESOLVED) & ~fn.EXISTS(rated)


def _rate_remind(batch: Batch) -> int:
    note = "办理结果已反馈3天，请您评价"
    fired = batch.event("rate_reminder", note)
    merged = Item.alias("merged")
    reporters = (Resident.id == Item.reporter) | Resident.id.in_(
        merged.select(merged.reporter).where(merged.merged_into == Item.id))  # `views.queries.reporters`
    batch.to_residents(reporters, "rate_remind", "result", note, _round_key("rate_remind"))
    return fired


def _callback_due(batch: Batch) -> int:
    """7 days unrated: onto the office's call-back list. Never marked satisfied by itself."""
    fired = batch.event("callback_listed", "办结7天群众未评价，列入电话回访")
    batch.to_staff(_office(), "callback_due", "task", "7天未评价，请电话回访", _round_key("callback_due"))
    return fired


def _with_milestone(query: Select) -> Select:
    """The open milestone a `milestone:<id>` reminder names."""
    return query.join(Milestone, on=((Milestone.item == Item.id) & Milestone.done_at.is_null()
                                     & (Reminder.kind == concat(milestones.KIND + ":", Milestone.id.cast("TEXT")))))


def _milestone(batch: Batch) -> int:
    """The unit on the item (its claiming unit, else the one on the sheet) hears of the milestone."""
    day = batch.per_date(("iso", "before", "after"), lambda due: (
        due.date().isoformat(), *milestones.reminder_note(due, _SLOT).split(_SLOT)))  # around its title
    note = concat(day.c.before, Milestone.title, day.c.after)
    fired = batch.event("reminder", note, {"kind": milestones.KIND, "date": day.c.iso})
    key = concat(milestones.KIND, ":", Item.number, ":", Milestone.id.cast("TEXT"), ":r", Item.round.cast("TEXT"))
    batch.to_staff(_unit_staff(_handling_unit()), milestones.KIND, "deadline", note, key)
    return fired


FAMILIES: dict[str, Family] = {
    "unclaimed": Family(lambda today: Item.status.in_(CLAIMABLE), _unclaimed),
    "half_time": Family(before_due_condition, _deadline_reminder("half_time", _half_time_note)),
    "day_before": Family(before_due_condition, _deadline_reminder("day_before", _day_before_note)),
    "overdue": Family(overdue_condition, _chase, source=_with_unit),
    "rate_remind": Family(_unrated, _rate_remind),
    "callback_due": Family(_unrated, _callback_due),
    milestones.KIND: Family(lambda today: Item.status.in_(UNDER_DEADLINE) & Milestone.due.is_null(False), _milestone,
                            date=Milestone.due, source=_with_milestone),
}
