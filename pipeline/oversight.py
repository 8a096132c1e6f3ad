"""Step 5, supervision (督查督办) — orthogonal to the status — plus following
and the organisation's and supervisors' evaluations (组织评议 / 督办评议)."""
from models import Evaluation, Follower, SupervisionNote, as_local

from . import notify
from .core import check, locked, record, transaction
from .errors import Forbidden, Invalid, WrongState
from .states import MERGED, OVERSEERS, REJECTED, SCORES
from .validate import optional_text, required_text


def supervise(item, actor, *, note, urge=False, now=None):
    """A cadre or resident supervisor notes or urges (催办) an open item, and follows it."""
    now = as_local(now)
    note = required_text(note, "note", "督办意见", max_length=2000)
    with transaction():
        item = locked(item)
        check("supervise", item, actor)
        SupervisionNote.create(item=item, round=item.round, resident=actor.resident, staff=actor.staff,
                               author_name=actor.name, note=note, urge=bool(urge), at=now)
        event = record(item, "urge" if urge else "supervise", actor, now, note=note, data={"urge": bool(urge)})
        _add_follower(item, actor, now)
        if urge:
            unit_id = item.claimed_unit_id or item.unit_id
            notify.to_staff(notify.staff_of_unit(unit_id) + notify.leader_of(item), "urged", "overdue", item,
                            f"督办：{note}", now, f"urge:{item.number}:{event.id}")
    return item


def _add_follower(item, actor, now):
    column = Follower.resident if actor.kind == "resident" else Follower.staff
    if Follower.get_or_none((Follower.item == item) & (column == actor.id)):
        return False
    Follower.create(item=item, resident=actor.resident, staff=actor.staff, created_at=now)
    return True


def follow(item, actor, now=None):
    """Follow an item (a merged duplicate: its target). Idempotent."""
    now = as_local(now)
    if actor.kind == "system":
        raise Forbidden("系统不能关注事项", code="forbidden")
    with transaction():
        item = locked(item)
        if item.status == MERGED and item.merged_into_id:
            item = locked(item.merged_into)
        if item.status == REJECTED:
            raise WrongState("不予受理的事项不能关注", code="wrong_state")
        if _add_follower(item, actor, now):
            record(item, "follow", actor, now)
    return item


def unfollow(item, actor, now=None):
    now = as_local(now)
    with transaction():
        if item.status == MERGED and item.merged_into_id:
            item = item.merged_into
        column = Follower.resident if actor.kind == "resident" else Follower.staff
        removed = Follower.delete().where((Follower.item == item) & (column == actor.id)).execute()
        if removed:
            record(item, "unfollow", actor, now)
    return item


def evaluate(item, actor, *, kind, score, comment=None, now=None):
    """组织评议 (office, leaders) or 督办评议 (supervisors), recorded on the sheet."""
    now = as_local(now)
    if kind not in ("org", "supervisor"):
        raise Invalid("评议类型无效", field="kind")
    if score not in SCORES:
        raise Invalid("评议结果应为满意、基本满意或不满意", field="score")
    comment = optional_text(comment, "comment", "评议意见", 2000)
    with transaction():
        item = locked(item)
        check("evaluate", item, actor)
        if (kind == "org") != (actor.role in OVERSEERS):
            raise Forbidden("组织评议由活动办或领导填写，督办评议由督办员填写", code="forbidden")
        Evaluation.create(item=item, round=item.round, kind=kind, score=score, comment=comment,
                          resident=actor.resident, staff=actor.staff, at=now)
        record(item, "evaluate", actor, now, note=comment, data={"kind": kind, "score": score})
    return item
