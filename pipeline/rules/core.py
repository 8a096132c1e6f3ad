"""The one guarded path every change to an item takes.

`operation(item, action, actor, now)` opens the transaction, locks the item
(and a second item, the two in id order), checks the action's entry in the
transition table (role, status, guards) on the rows it just locked, and hands
back an `Operation` whose `transition` and `record` write the status and the
timeline event. Operations decide only on what they read under that lock.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from models import FigureChange, Item, TimelineEvent, db
from models.base import PreparedInsert, is_postgres, sqlite_writer_turn
from pipeline.rules.actors import Actor, current_actor
from pipeline.rules.errors import Forbidden, NotFound, WrongState
from pipeline.rules.guards import GUARDS
from pipeline.rules.offices import require_office_members, require_same_office
from pipeline.rules.states import EVENT_LABELS, RESIDENT, RESIDENT_SUPERVISOR, STATUS_LABELS, TRANSITIONS


@contextmanager
def transaction() -> Iterator[None]:
    """A write transaction (a savepoint inside one already open).

    On SQLite it is taken IMMEDIATE, in this writer's turn (see
    `models.base.sqlite_writer_turn`), so writers queue instead of failing
    when a read snapshot goes stale.
    """
    if is_postgres() or db.in_transaction():
        with db.atomic():
            yield
        return
    with sqlite_writer_turn(), db.atomic(lock_type="IMMEDIATE"):
        yield


def serialise_writers(key: str) -> None:
    """Inside a write transaction: one writer of `key` at a time until it ends
    (a PostgreSQL advisory lock; SQLite's write transaction already serialises)."""
    if is_postgres():
        db.execute_sql("SELECT pg_advisory_xact_lock(hashtext(%s))", (key,))


def fetch(model: Any, row_id: object, message: str) -> Any:
    """The row with this id, or NotFound with the given Chinese message."""
    row = model.get_or_none(model.id == row_id)
    if row is None:
        raise NotFound(message, code="not_found")
    return row


def lock_items(ids: Iterable[int]) -> dict[int, Item]:
    """Re-read these items inside the transaction, row-locked in id order on PostgreSQL
    (SQLite's IMMEDIATE transaction already holds the database's write lock)."""
    query = Item.select().where(Item.id.in_(sorted(set(ids)))).order_by(Item.id)
    return {item.id: item for item in (query.for_update() if is_postgres() else query)}


FIGURE_CHANGE_INSERT = PreparedInsert(FigureChange, "day")


def note_figures_changed(*items: Item | None) -> None:
    """Inside the transaction that changed them: the assessment's figures kept for these
    items' collection days are out of date (pipeline.views.figures recounts those days
    before they are next read). An insert, never an update, so operations on items of
    the same day do not wait for each other."""
    days = sorted({item.created_at.date() for item in items if item is not None})
    FIGURE_CHANGE_INSERT.execute_many([FIGURE_CHANGE_INSERT.values(day=day) for day in days])


EVENT_INSERT = PreparedInsert(TimelineEvent, "item", "round", "kind", "from_status", "to_status", "actor_kind",
                              "actor_id", "actor_name", "note", "data", "at")


def event_row(item: Item, kind: str, actor: Actor, now: datetime, note: str | None = None, data: Any = None,
              from_status: str | None = None, to_status: str | None = None) -> dict[str, Any]:
    """One timeline event (who, when, what, round) as the row it is stored as."""
    return dict(item=item.id, round=item.round, kind=kind, from_status=from_status, to_status=to_status,
                actor_kind=actor.kind, actor_id=actor.id, actor_name=actor.name, note=note, data=data, at=now)


@dataclass
class Operation:
    """One checked change under way: the locked item (and second item), who acts,
    when, and the request's values the guards read."""

    action: str
    actor: Actor
    now: datetime
    item: Item  # None only while `collect` has yet to insert it (see `created`)
    other: Item | None = None
    params: dict[str, Any] = field(default_factory=dict)

    def check(self, action: str | None = None) -> str | None:
        """Raise unless the actor may do `action` (default: this operation's) to the item
        now; returns the status it leads to (None keeps the status)."""
        action = action or self.action
        rule = TRANSITIONS[action]
        if self.actor.role not in rule.roles:
            raise Forbidden(f"您没有“{EVENT_LABELS[action]}”的权限", code="forbidden")
        for subject in (self.item, self.other):
            if subject is not None:
                require_same_office(subject, self.actor)
        if self.item is not None:
            require_office_members(self.item, self.params)
        status = self.item.status if self.item is not None else None
        if status not in rule.sources:
            raise WrongState(
                f"事项当前为“{STATUS_LABELS.get(status, status)}”，不能进行“{EVENT_LABELS[action]}”",
                code="wrong_state",
            )
        for name in rule.guards:
            GUARDS[name].check(self)
        return rule.target

    def created(self, item: Item) -> Item:
        """The item this operation (collect) has just inserted."""
        self.item = item
        return item

    def record(self, kind: str | None = None, note: str | None = None, data: Any = None, item: Item | None = None,
               from_status: str | None = None, to_status: str | None = None) -> TimelineEvent:
        """Append one timeline event to the item (or to the locked second item)."""
        subject = item or self.item
        if subject.id not in (self.item.id, self.other.id if self.other else None):
            raise ValueError("an operation writes events only on the items it locked")
        values = event_row(subject, kind or self.action, self.actor, self.now, note, data, from_status, to_status)
        return TimelineEvent(id=EVENT_INSERT.execute(**values), **values)

    def update(self, **changes: Any) -> Item:
        """Write `changes` (and the time) onto the locked item, keeping its status."""
        changes["updated_at"] = self.now
        Item.update(**changes).where(Item.id == self.item.id).execute()
        for name, value in changes.items():
            setattr(self.item, name, value)
        return self.item

    def transition(self, action: str | None = None, note: str | None = None, data: Any = None,
                   event_kind: str | None = None, **changes: Any) -> TimelineEvent:
        """Check `action` (default: this operation's), write the status it leads to and
        `changes` onto the locked item, and record the event."""
        action = action or self.action
        target = self.check(action) if action != self.action else TRANSITIONS[action].target
        before = self.item.status
        if target is not None:
            changes["status"] = target
        self.update(**changes)
        return self.record(event_kind or action, note=note, data=data, from_status=before, to_status=self.item.status)


def _needs_badge(action: str) -> bool:
    """Whether holding a badge changes what a resident may do here."""
    roles = TRANSITIONS[action].roles
    return (RESIDENT in roles) != (RESIDENT_SUPERVISOR in roles)


@contextmanager
def operation(item: Item | None, action: str, actor: Actor, now: datetime, *,
              other: Item | Callable[[Item], int | None] | None = None, **params: Any) -> Iterator[Operation]:
    """Do `action` to `item` as `actor`: the one way to change an item or write its timeline.

    `other` is the second item the operation decides on or writes to: an item (a
    merge's target), or a function of the locked item giving its id (a merged
    item's target). Both are locked in id order; should the locked item name a
    second item not locked yet, the transaction ends unwritten and both are
    locked afresh. `params` are the request's values the guards read. The
    assessment's kept figures of both items' collection days are marked out of date.
    """
    second = other if callable(other) else (lambda fresh: other.id if other is not None else None)
    wanted = {item.id} if item is not None else set()
    if item is not None and second(item) is not None:
        wanted.add(second(item))
    while True:
        with transaction():
            rows = lock_items(wanted) if wanted else {}
            fresh = rows.get(item.id) if item is not None else None
            if item is not None and fresh is None:
                raise NotFound("事项不存在", code="not_found")
            other_id = second(fresh) if fresh is not None else None
            if other_id is None or other_id in wanted:  # (locked, or no longer there)
                if _needs_badge(action):
                    actor = current_actor(actor, now.date())
                op = Operation(action, actor, now, cast(Item, fresh), rows.get(other_id) if other_id else None, params)
                op.check()
                yield op
                note_figures_changed(op.item, op.other)
                return
        wanted.add(other_id)
