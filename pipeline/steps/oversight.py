"""Step 5, supervision (督查督办) — orthogonal to the status — plus following
and the organisation's and supervisors' evaluations (组织评议 / 督办评议)."""
from datetime import datetime

from models import Evaluation, Follower, Item, SupervisionNote, as_local
from pipeline.messages import notify
from pipeline.rules.actors import Actor
from pipeline.rules.core import operation
from pipeline.rules.guards import followed
from pipeline.rules.schemas import limit
from pipeline.rules.states import EVALUATION_KINDS, MERGED, SCORES
from pipeline.rules.validate import choice, optional_text, required_text


def supervise(item: Item, actor: Actor, *, note: object, urge: object = False, now: datetime | None = None) -> Item:
    """A cadre or resident supervisor notes or urges (催办) an open item, and follows it."""
    now = as_local(now)
    note = required_text(note, "note", "督办意见", max_length=limit("supervise", "note"))
    with operation(item, "supervise", actor, now, urge=bool(urge)) as op:
        item = op.item
        SupervisionNote.create(item=item, round=item.round, resident=actor.resident, staff=actor.staff,
                               author_name=actor.name, note=note, urge=bool(urge), at=now)
        event = op.record("urge" if urge else "supervise", note=note, data={"urge": bool(urge)})
        _add_follower(item, actor, now)
        if urge:
            unit_id = item.claimed_unit_id or item.unit_id
            notify.to_staff(notify.staff_of_unit(unit_id) + notify.leader_of(item), "urged", "overdue", item,
                            f"督办：{note}", now, f"urge:{item.number}:{event.id}")
    return item


def _add_follower(item: Item, actor: Actor, now: datetime) -> bool:
    column = Follower.resident if actor.kind == "resident" else Follower.staff
    if Follower.get_or_none((Follower.item == item) & (column == actor.id)):
        return False
    Follower.create(item=item, resident=actor.resident, staff=actor.staff, created_at=now)
    return True


def _merged_target(item: Item) -> int | None:
    """A merged item's followers follow its target: the operation's second item."""
    return item.merged_into_id if item.status == MERGED else None


def follow(item: Item, actor: Actor, now: datetime | None = None) -> Item:
    """Follow an item (a merged duplicate: its target). Idempotent."""
    now = as_local(now)
    with operation(item, "follow", actor, now, other=_merged_target) as op:
        item = followed(op)
        if _add_follower(item, actor, now):
            op.record(item=item)
    return item


def unfollow(item: Item, actor: Actor, now: datetime | None = None) -> Item:
    """Stop following an item (a merged duplicate: its target). Idempotent."""
    now = as_local(now)
    with operation(item, "unfollow", actor, now, other=_merged_target) as op:
        item = followed(op)
        column = Follower.resident if actor.kind == "resident" else Follower.staff
        removed = Follower.delete().where((Follower.item == item) & (column == actor.id)).execute()
        if removed:
            op.record(item=item)
    return item


def evaluate(item: Item, actor: Actor, *, kind: object, score: object, comment: object = None,
             now: datetime | None = None) -> Item:
    """组织评议 (office, leaders) or 督办评议 (supervisors), recorded on the sheet."""
    now = as_local(now)
    choice(kind, EVALUATION_KINDS, "kind", "评议类型")
    choice(score, SCORES, "score", "评议结果")
    comment = optional_text(comment, "comment", "评议意见", limit("evaluate", "comment"))
    with operation(item, "evaluate", actor, now, kind=kind) as op:
        item = op.item
        Evaluation.create(item=item, round=item.round, kind=kind, score=score, comment=comment,
                          resident=actor.resident, staff=actor.staff, at=now)
        op.update(**{f"latest_{kind}_evaluation": score})  # models.items.LATEST_VERDICTS
        op.record(note=comment, data={"kind": kind, "score": score})
    return item
