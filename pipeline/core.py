"""The mechanics every operation shares: transactions, the transition check,
guarded status writes and the timeline event."""
from contextlib import contextmanager

from models import Item, TimelineEvent, db
from models.base import PreparedInsert, is_postgres, sqlite_writer_turn

from .errors import Forbidden, NotFound, WrongState
from .states import EVENT_LABELS, STATUS_LABELS, TRANSITIONS


@contextmanager
def transaction():
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


def check(action, item, actor):
    """Raise unless `actor` may do `action` to `item` now; returns the target status."""
    allowed_from, roles, target = TRANSITIONS[action]
    if actor.role not in roles:
        raise Forbidden(f"您没有“{EVENT_LABELS[action]}”的权限", code="forbidden")
    status = item.status if item is not None else None
    if status not in allowed_from:
        raise WrongState(
            f"事项当前为“{STATUS_LABELS.get(status, status)}”，不能进行“{EVENT_LABELS[action]}”",
            code="wrong_state",
        )
    return target


def fetch(model, row_id, message):
    """The row with this id, or NotFound with the given Chinese message."""
    row = model.get_or_none(model.id == row_id)
    if row is None:
        raise NotFound(message, code="not_found")
    return row


def locked(item):
    """Re-read the item inside the transaction (row-locked on PostgreSQL)."""
    query = Item.select().where(Item.id == item.id)
    if is_postgres():
        query = query.for_update()
    fresh = query.first()
    if fresh is None:
        raise NotFound("事项不存在", code="not_found")
    return fresh


def save_changes(item, expected_status, now, **changes):
    """Write `changes` only if the item still has `expected_status` (lost races → 409)."""
    changes["updated_at"] = now
    updated = (
        Item.update(**{name: value for name, value in changes.items()})
        .where((Item.id == item.id) & (Item.status == expected_status))
        .execute()
    )
    if updated != 1:
        raise WrongState("事项状态已被他人更新，请刷新后重试", code="conflict")
    for name, value in changes.items():
        setattr(item, name, value)
    return item


EVENT_INSERT = PreparedInsert(TimelineEvent, "item", "round", "kind", "from_status", "to_status", "actor_kind",
                              "actor_id", "actor_name", "note", "data", "at")


def record(item, kind, actor, now, note=None, data=None, from_status=None, to_status=None):
    """Append one timeline event (who, when, what, round)."""
    values = dict(item=item.id, round=item.round, kind=kind, from_status=from_status, to_status=to_status,
                  actor_kind=actor.kind, actor_id=actor.id, actor_name=actor.name, note=note, data=data, at=now)
    return TimelineEvent(id=EVENT_INSERT.execute(**values), **values)


def transition(item, action, actor, now, note=None, data=None, event_kind=None, **changes):
    """Check the table, write the status (and changes) guardedly, record the event."""
    target = check(action, item, actor)
    before = item.status
    if target is not None:
        changes["status"] = target
    save_changes(item, before, now, **changes)
    return record(
        item,
        event_kind or action,
        actor,
        now,
        note=note,
        data=data,
        from_status=before,
        to_status=item.status,
    )
