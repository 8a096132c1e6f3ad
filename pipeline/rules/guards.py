"""The rules of the transition table that depend on the item, the actor or the
request (`Transition.guards` in pipeline/rules/states.py names them): each a predicate
on the operation under way, and the error it raises when it fails.

`pipeline.rules.core.operation` checks them after the role and the status, in the
order the table lists them, on the rows it has just locked.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time
from typing import TYPE_CHECKING

from models import Claim, Item, PublicNotice, SupervisionNote
from pipeline.rules.errors import DomainError, Forbidden, TooMany, WrongState
from pipeline.rules.settings import settings
from pipeline.rules.states import (
    CLAIMED,
    DETAIL_WINDOW,
    MERGED,
    OFFICE_ROLES,
    OPEN,
    OVERSEERS,
    REJECTED,
    SYSTEM,
    TRIAGE,
)

if TYPE_CHECKING:
    from pipeline.rules.core import Operation


@dataclass(frozen=True)
class Guard:
    holds: Callable[[Operation], bool]
    error: type[DomainError]
    code: str
    message: str

    def check(self, op: Operation) -> None:
        """Raise this guard's error unless it holds for `op`."""
        if not self.holds(op):
            raise self.error(self.message, code=self.code)


def _office(op: Operation) -> bool:
    return op.actor.role in OFFICE_ROLES


def _own_unit(op: Operation) -> bool:
    """A unit handler acts for their own unit only (the office picks any)."""
    wanted = op.params.get("unit")
    return _office(op) or wanted in (None, "", op.actor.unit_id) or str(wanted) == str(op.actor.unit_id)


def _leads(op: Operation) -> bool:
    """The actor works for the unit leading the item (its claiming unit)."""
    return op.actor.role == "unit" and op.actor.unit_id is not None and op.actor.unit_id == op.item.claimed_unit_id


def acting_unit_id(op: Operation) -> int | str | None:
    """The unit the actor works for here: a unit handler's own, the office's pick
    (the item's unit unless the request names another), or for 协办 the unit the
    lead unit invites."""
    if _office(op):
        return op.params.get("unit") or op.item.unit_id
    if op.action == "assist" and _leads(op) and op.params.get("unit") not in (None, ""):
        return op.params["unit"]
    return op.actor.unit_id


def _invited_unit(op: Operation) -> bool:
    """协办 is by invitation (the seed: units are brought in 通过沟通协调): the office
    adds any unit, the lead unit invites another; a unit joins by itself only when
    the office named it on the assignment sheet (the item's unit) and another leads."""
    if _office(op) or _leads(op):
        return True
    return _own_unit(op) and op.actor.unit_id is not None and op.actor.unit_id == op.item.unit_id


def urges_today(item: Item, resident_id: int | None, staff_id: int | None, now: datetime) -> int:
    """How many times this person has urged (催办) this item since midnight of `now`."""
    author = SupervisionNote.resident == resident_id if resident_id is not None else SupervisionNote.staff == staff_id
    return SupervisionNote.select().where(
        (SupervisionNote.item == item.id) & SupervisionNote.urge & author
        & (SupervisionNote.at >= datetime.combine(now.date(), time.min))).count()


def _urge_allowance(op: Operation) -> bool:
    """A supervisor urges one item at most URGE_DAILY_LIMIT times a day: each urge
    pushes to the unit's staff, so a flood of them would drown the unit's WeChat."""
    if not op.params.get("urge"):
        return True
    actor = op.actor
    resident_id = actor.id if actor.kind == "resident" else None
    staff_id = actor.id if actor.kind == "staff" else None
    return urges_today(op.item, resident_id, staff_id, op.now) < settings.urge_daily_limit


def _public(item: Item) -> bool:
    from pipeline.views.queries import is_public  # the views read the states too

    return bool(is_public(item))


def _lead_unit(op: Operation) -> bool:
    """公开领办 follows the sheet: an item the office gave a unit is led by that unit (or
    assigned by the office); one classified without a unit is open to every unit,
    unless it is a 作风 item, which goes only to the unit the office names."""
    if _office(op):
        return True
    if op.item.unit_id is None:
        return _public(op.item)
    return op.item.unit_id == op.actor.unit_id


def _offered_help(op: Operation) -> bool:
    """Any unit may offer to assist on a public item; a 作风 item gets assisting units
    only from the office."""
    return _office(op) or _public(op.item)


def _new_unit(op: Operation) -> bool:
    """The assisting unit isn't on the item yet (as its lead or as an assisting unit)."""
    unit_id = acting_unit_id(op)
    if unit_id is None:
        return True  # no unit at all: the operation says so
    return str(unit_id) != str(op.item.claimed_unit_id) and not Claim.select().where(
        (Claim.item == op.item.id) & (Claim.unit == unit_id) & (Claim.round == op.item.round) & Claim.active
    ).exists()


def _assigned_unit(op: Operation) -> bool:
    """退单 is for the unit the item was handed to (claimed: the claiming unit)."""
    mine = op.item.claimed_unit_id if op.item.status == CLAIMED else op.item.unit_id
    return op.actor.unit_id is not None and op.actor.unit_id == mine


def _claiming_unit(op: Operation) -> bool:
    return _office(op) or (op.actor.role == "unit" and op.actor.unit_id == op.item.claimed_unit_id)


def _reporter(op: Operation) -> bool:
    from pipeline.messages.notify import reporters  # notify reads the states too

    return op.actor.kind == "resident" and op.actor.id in {r.id for r in reporters(op.item)}


def _evaluator_kind(op: Operation) -> bool:
    """组织评议 by the organisation, 督办评议 by supervisors."""
    return (op.params["kind"] == "org") == (op.actor.role in OVERSEERS)


def _open_target(op: Operation) -> bool:
    return op.other is not None and op.other.id != op.item.id and op.other.status in OPEN


def _own_report(op: Operation) -> bool:
    return op.actor.kind == "resident" and op.item.reporter_id == op.actor.id


def _detail_window(op: Operation) -> bool:
    return op.item.status in TRIAGE and op.now - op.item.created_at <= DETAIL_WINDOW


def followed(op: Operation) -> Item:
    """The item a follow or unfollow applies to: a merged item's target, else the item."""
    return op.other if op.item.status == MERGED and op.other is not None else op.item


def _unpublished(op: Operation) -> bool:
    """This round's result has not been announced yet."""
    return not PublicNotice.select().where((PublicNotice.item == op.item.id)
                                           & (PublicNotice.round == op.item.round)).exists()


def _first_rating(op: Operation) -> bool:
    """A resident rates a round once: on a wide-concern item a rating leaves it resolved
    (the evaluation meeting decides), so a second one would count the same person twice."""
    from pipeline.views.queries import rated_this_round  # the views read the states too

    return not rated_this_round(op.item, op.actor.id)


GUARDS = {
    "unit_member": Guard(lambda op: _office(op) or op.actor.unit_id is not None, Forbidden, "forbidden",
                         "您不属于任何承办单位"),
    "own_unit": Guard(_own_unit, Forbidden, "forbidden", "只能为本单位领办"),
    "invited_unit": Guard(_invited_unit, Forbidden, "not_invited",
                          "只有活动办指定或牵头单位邀请的单位可以协办"),
    "urge_allowance": Guard(_urge_allowance, TooMany, "urge_limit", "今天催办该事项的次数已达上限，请明天再试"),
    "new_unit": Guard(_new_unit, WrongState, "wrong_state", "该单位已参与办理"),
    "lead_unit": Guard(_lead_unit, Forbidden, "assigned_elsewhere",
                       "该事项已由活动办交办给其他单位领办；如需协办，请与牵头单位或活动办沟通，由其邀请本单位协办"),
    "offered_help": Guard(_offered_help, Forbidden, "forbidden", "作风类事项的协办单位由活动办指定"),
    "assigned_unit": Guard(_assigned_unit, Forbidden, "forbidden", "只能退回交给本单位的事项"),
    "claiming_unit": Guard(_claiming_unit, Forbidden, "forbidden", "只有领办单位可以办理此事项"),
    "not_escalated": Guard(lambda op: not op.item.escalated, WrongState, "wrong_state", "已上报，等待会诊"),
    "escalated": Guard(lambda op: bool(op.item.escalated), WrongState, "wrong_state", "事项未上报会诊"),
    "consulted": Guard(lambda op: not op.item.escalated, WrongState, "consultation_required",
                       "已上报会诊，须先完成会诊"),
    "explained": Guard(lambda op: op.item.tier != "long_term" or op.item.explained_at is not None, WrongState,
                       "explanation_required", "长期事项须先召开情况说明会"),
    "reporter": Guard(_reporter, Forbidden, "forbidden", "只有反映人可以评价"),
    "evaluator_kind": Guard(_evaluator_kind, Forbidden, "forbidden",
                            "组织评议由活动办或领导填写，督办评议由督办员填写"),
    "open_target": Guard(_open_target, WrongState, "wrong_state", "只能合并到另一个未办结的事项"),
    "own_report": Guard(_own_report, Forbidden, "forbidden", "只能补充自己反映的问题"),
    "detail_window": Guard(_detail_window, WrongState, "wrong_state", "该问题已不能补充材料，请重新反映"),
    "not_system": Guard(lambda op: op.actor.role != SYSTEM, Forbidden, "forbidden", "系统不能关注事项"),
    "followable": Guard(lambda op: followed(op).status != REJECTED, WrongState, "wrong_state",
                        "不予受理的事项不能关注"),
    "unpublished": Guard(_unpublished, WrongState, "wrong_state", "该事项的结果已公示"),
    "first_rating": Guard(_first_rating, WrongState, "already_rated", "您已评价过本轮办理结果"),
    "own_unit_set": Guard(lambda op: op.actor.unit_id is not None, Forbidden, "no_unit",
                          "您不属于任何承办单位，不能现场答复办结；请按一般问题录入，由活动办交办"),
}
