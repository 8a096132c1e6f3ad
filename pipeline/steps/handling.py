"""Steps 3 and 4: public claiming (公开领办) and solving against the deadline (限时办结):
claim, return, progress, escalate → consult, meetings, resolve."""
from collections.abc import Iterable
from datetime import datetime

from models import Claim, Item, Meeting, Unit, as_local
from pipeline.messages import notify
from pipeline.rules.actors import Actor
from pipeline.rules.core import Operation, operation
from pipeline.rules.errors import Invalid
from pipeline.rules.guards import acting_unit_id
from pipeline.rules.schemas import limit
from pipeline.rules.states import CLAIM_ROLES, MEETING_KINDS, OFFICE_ROLES, OUTCOMES
from pipeline.rules.validate import choice, parse_datetime, required_text
from pipeline.steps import reminders
from pipeline.steps.intake import _attach_photos, active_unit, parse_due
from pipeline.steps.judging import judge_by_meeting


def _acting_unit(op: Operation) -> Unit:
    """The unit the actor claims for (`guards.acting_unit_id`; the table's guards have
    made sure a unit handler acts for their own, or as the lead invites another)."""
    if op.actor.role in OFFICE_ROLES or str(acting_unit_id(op)) != str(op.actor.unit_id):
        unit = active_unit(acting_unit_id(op))
        if unit is None:
            raise Invalid("请选择承办单位", field="unit")
        return unit
    return Unit.get_by_id(op.actor.unit_id)


def claim(item: Item, actor: Actor, *, unit: object = None, role: object = "lead", now: datetime | None = None) -> Item:
    """Step 3: a unit claims the item publicly (or the office assigns it).

    With role="assist" another unit joins an item already claimed as an
    assisting unit (协办); the lead unit stays responsible.
    """
    now = as_local(now)
    choice(role, CLAIM_ROLES, "role", "领办方式")
    if role == "assist":
        return _assist(item, actor, unit, now)
    with operation(item, "claim", actor, now, unit=unit) as op:
        item = op.item
        unit_row = _acting_unit(op)
        event = op.transition(note=f"{unit_row.name}领办", data={"unit": unit_row.name, "role": "lead"},
                              claimed_unit=unit_row, claimed_at=now)
        Claim.create(item=item, unit=unit_row, role="lead", round=item.round, claimed_by=actor.staff, created_at=now)
        reminders.cancel(item, ["unclaimed"], now)
        key = f"claim:{item.number}:{event.id}"
        notify.residents_concerned(item, "claimed", "progress", f"{unit_row.name}已领办", now, key)
        notify.to_staff(notify.leader_of(item), "claimed", "task", item, f"{unit_row.name}已领办", now, key)
    return item


def _assist(item: Item, actor: Actor, unit: object, now: datetime) -> Item:
    """协办: another unit joins a claimed item; the lead unit stays responsible."""
    with operation(item, "assist", actor, now, unit=unit) as op:
        item, unit_row = op.item, _acting_unit(op)
        Claim.create(item=item, unit=unit_row, role="assist", round=item.round, claimed_by=actor.staff,
                     created_at=now)
        op.transition(note=f"{unit_row.name}协办", data={"unit": unit_row.name})
    return item


def return_to_office(item: Item, actor: Actor, *, reason: object, now: datetime | None = None) -> Item:
    """退单: the unit sends a wrongly routed item back to the office for re-triage."""
    now = as_local(now)
    reason = required_text(reason, "reason", "退单理由", max_length=limit("return", "reason"))
    with operation(item, "return", actor, now) as op:
        item = op.item
        event = op.transition(note=reason, claimed_unit=None, claimed_at=None)
        Claim.update(active=False).where((Claim.item == item) & (Claim.round == item.round)).execute()
        reminders.cancel(item, reminders.DEADLINE_KINDS, now)
        notify.to_staff(notify.office_staff(item, "office"), "returned", "task", item, f"被退单：{reason}", now,
                        f"return:{item.number}:{event.id}")
    return item


def progress(item: Item, actor: Actor, *, note: object, photo_ids: Iterable[int | str] = (), now: datetime | None = None) -> Item:
    """The claiming unit reports progress; residents following it hear of it."""
    now = as_local(now)
    note = required_text(note, "note", "进展情况", max_length=limit("progress", "note"))
    with operation(item, "progress", actor, now) as op:
        item = op.item
        _attach_photos(item, actor, photo_ids, "progress")
        event = op.transition(note=note)
        notify.residents_concerned(item, "progress", "progress", note, now, f"progress:{item.number}:{event.id}")
    return item


def escalate(item: Item, actor: Actor, *, reason: object, now: datetime | None = None) -> Item:
    """上报会诊: a problem the unit cannot solve at this stage goes up for consultation."""
    now = as_local(now)
    reason = required_text(reason, "reason", "上报理由", max_length=limit("escalate", "reason"))
    with operation(item, "escalate", actor, now) as op:
        item = op.item
        event = op.transition(note=reason, escalated=True, tier="escalated")
        key = f"escalate:{item.number}:{event.id}"
        notify.to_staff(notify.leader_of(item) + notify.office_staff(item, "office"), "escalated", "task", item,
                        "单位上报，请组织会诊", now, key)
        notify.supervisors_concerned(item, "escalated", f"已上报会诊：{reason}", now, key)
    return item


def consult(item: Item, actor: Actor, *, conclusion: object, due: object, now: datetime | None = None) -> Item:
    """会诊: the answer to residents and a new deadline for an escalated item."""
    now = as_local(now)
    conclusion = required_text(conclusion, "conclusion", "会诊结论", max_length=limit("consult", "conclusion"))
    new_due = parse_due(due, now.date())
    if new_due is None:
        raise Invalid("请填写会诊后的办结时限", field="due")
    with operation(item, "consult", actor, now) as op:
        item = op.item
        Meeting.create(item=item, round=item.round, kind="consultation", held_at=now, minutes=conclusion,
                       recorded_by=actor.staff, created_at=now)
        event = op.transition(note=conclusion, data={"due": new_due.isoformat()}, escalated=False, due=new_due)
        reminders.schedule_deadline(item, now)
        key = f"consult:{item.number}:{event.id}"
        notify.residents_concerned(item, "consulted", "progress", conclusion, now, key)
        notify.to_staff(notify.staff_of_unit(item.claimed_unit_id), "consulted", "task", item,
                        f"会诊完成，新时限{new_due:%m-%d}", now, key)
    return item


def _held_at(value: object, now: datetime) -> datetime:
    held = as_local(parse_datetime(value, "held_at", "会议时间格式应为 YYYY-MM-DDTHH:MM"))
    if held > now:
        raise Invalid("会议时间不能晚于现在", field="held_at")
    return held


def _attendees(value: object) -> list[str]:
    if isinstance(value, str):
        value = [part for part in value.replace("，", ",").split(",") if part.strip()]
    if not isinstance(value, list) or not value or not all(isinstance(a, str) and a.strip() for a in value):
        raise Invalid("请填写参会人员", field="attendees")
    if len(value) > 500 or any(len(a) > 100 for a in value):
        raise Invalid("参会人员过多或过长", code="too_long", field="attendees")
    return [a.strip() for a in value]


def _share(satisfied: object, voters: object, attendance: int) -> float | None:
    """The satisfied share from a count (满意人数) of the voters (default: everyone attending)."""
    if satisfied is None:
        return None
    total = attendance if voters is None else voters
    if not isinstance(satisfied, int) or not isinstance(total, int) or total <= 0 or not 0 <= satisfied <= total:
        raise Invalid("满意人数应在0到参加评议人数之间", field="satisfied")
    return satisfied / total


def record_meeting(item: Item, actor: Actor, *, kind: object, held_at: object, attendees: object, minutes: object,
                   satisfaction: object = None, satisfied: object = None, voters: object = None,
                   now: datetime | None = None) -> Item:
    """情况说明会 (explanation) or 群众评议会 (evaluation, whose result is the residents' rating:
    the satisfied share, given as `satisfaction` or counted — `satisfied` of `voters`, the
    attendance when not given)."""
    now = as_local(now)
    choice(kind, MEETING_KINDS, "kind", "会议类型")
    held = _held_at(held_at, now)
    people = _attendees(attendees)
    minutes = required_text(minutes, "minutes", "会议纪要", max_length=limit("meeting", "minutes"))
    if kind == "evaluation":
        if satisfaction is None:
            satisfaction = _share(satisfied, voters, len(people))
        try:
            if not isinstance(satisfaction, int | float | str):
                raise TypeError
            share = float(satisfaction)
        except (TypeError, ValueError):
            raise Invalid("请填写满意率（0到1之间）", field="satisfaction") from None
        if not 0 <= share <= 1:
            raise Invalid("满意率应在0到1之间", field="satisfaction")
        return judge_by_meeting(item, actor, held, people, minutes, share, now)
    with operation(item, "explanation_meeting", actor, now) as op:
        item = op.item
        Meeting.create(item=item, round=item.round, kind="explanation", held_at=held, attendees=people,
                       minutes=minutes, recorded_by=actor.staff, created_at=now)
        event = op.transition(note=minutes, data={"held_at": held.isoformat(), "attendees": len(people)},
                              explained_at=held)
        notify.residents_concerned(item, "explained", "progress", "已召开情况说明会", now,
                                   f"explain:{item.number}:{event.id}")
    return item


def resolve(item: Item, actor: Actor, *, result: object, photo_ids: Iterable[int | str] = (), outcome: object = None,
            now: datetime | None = None) -> Item:
    """Step 4 done: the unit reports the result; the residents are asked to rate it."""
    now = as_local(now)
    result = required_text(result, "result", "办理结果", max_length=limit("resolve", "result"))
    if outcome is not None:
        choice(outcome, OUTCOMES, "outcome", "办理结果类型")
    with operation(item, "resolve", actor, now) as op:
        item = op.item
        outcome = outcome or ("explained" if item.tier == "long_term" else "solved")
        _attach_photos(item, actor, photo_ids, "result")
        event = op.transition(note=result, data={"outcome": outcome}, result=result, resolved_at=now,
                              outcome=outcome)
        reminders.cancel(item, reminders.DEADLINE_KINDS, now)
        reminders.schedule_rating_followups(item, now)
        key = f"resolve:{item.number}:{event.id}"
        notify.residents_concerned(item, "resolved", "result", "已办理完毕，请您评价", now, key)
        notify.to_staff(notify.leader_of(item), "resolved", "task", item, "已办结待评议", now, key)
    return item
