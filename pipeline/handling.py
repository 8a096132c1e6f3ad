"""Steps 3 and 4: public claiming (公开领办) and solving against the deadline (限时办结):
claim, return, progress, escalate → consult, meetings, resolve."""
from datetime import datetime

from models import Claim, Meeting, Unit, as_local

from . import notify, reminders
from .core import check, locked, transaction, transition
from .errors import Forbidden, Invalid, WrongState
from .intake import _attach_photos, parse_due
from .judging import judge_by_meeting
from .schemas import limit
from .states import CLAIMED, OFFICE_ROLES
from .validate import required_text


def _acting_unit(item, actor, unit_id=None):
    """The unit an actor works for here: a unit handler's own, or the office's pick."""
    if actor.role in OFFICE_ROLES:
        target = unit_id or item.unit_id
        unit = Unit.get_or_none((Unit.id == target) & Unit.active) if target else None
        if unit is None:
            raise Invalid("请选择承办单位", field="unit")
        return unit
    if actor.role == "unit" and actor.unit_id:
        if unit_id not in (None, "", actor.unit_id) and str(unit_id) != str(actor.unit_id):
            raise Forbidden("只能为本单位领办", code="forbidden")
        return Unit.get_by_id(actor.unit_id)
    raise Forbidden("您不属于任何承办单位", code="forbidden")


def _require_claiming_unit(item, actor):
    if actor.role in OFFICE_ROLES:
        return
    if actor.role != "unit" or actor.unit_id != item.claimed_unit_id:
        raise Forbidden("只有领办单位可以办理此事项", code="forbidden")


def claim(item, actor, *, unit=None, role="lead", now=None):
    """Step 3: a unit claims the item publicly (or the office assigns it).

    With role="assist" another unit joins an item already claimed as an
    assisting unit (协办); the lead unit stays responsible.
    """
    now = as_local(now)
    if role not in ("lead", "assist"):
        raise Invalid("领办方式无效", field="role")
    with transaction():
        item = locked(item)
        unit_row = _acting_unit(item, actor, unit)
        if role == "assist":
            check("assist", item, actor)
            if unit_row.id == item.claimed_unit_id or Claim.get_or_none(
                    (Claim.item == item) & (Claim.unit == unit_row) & (Claim.round == item.round) & Claim.active):
                raise WrongState("该单位已参与办理", code="wrong_state")
            Claim.create(item=item, unit=unit_row, role="assist", round=item.round, claimed_by=actor.staff,
                         created_at=now)
            transition(item, "assist", actor, now, note=f"{unit_row.name}协办", data={"unit": unit_row.name})
            return item
        event = transition(item, "claim", actor, now, note=f"{unit_row.name}领办",
                           data={"unit": unit_row.name, "role": "lead"},
                           claimed_unit=unit_row, claimed_at=now)
        Claim.create(item=item, unit=unit_row, role="lead", round=item.round, claimed_by=actor.staff, created_at=now)
        reminders.cancel(item, ["unclaimed"], now)
        key = f"claim:{item.number}:{event.id}"
        notify.residents_concerned(item, "claimed", "progress", f"{unit_row.name}已领办", now, key)
        notify.to_staff(notify.leader_of(item), "claimed", "task", item, f"{unit_row.name}已领办", now, key)
    return item


def return_to_office(item, actor, *, reason, now=None):
    """退单: the unit sends a wrongly routed item back to the office for re-triage."""
    now = as_local(now)
    reason = required_text(reason, "reason", "退单理由", max_length=limit("return", "reason"))
    with transaction():
        item = locked(item)
        check("return", item, actor)
        mine = item.claimed_unit_id if item.status == CLAIMED else item.unit_id
        if actor.unit_id is None or actor.unit_id != mine:
            raise Forbidden("只能退回交给本单位的事项", code="forbidden")
        event = transition(item, "return", actor, now, note=reason, claimed_unit=None, claimed_at=None)
        Claim.update(active=False).where((Claim.item == item) & (Claim.round == item.round)).execute()
        reminders.cancel(item, reminders.DEADLINE_KINDS, now)
        notify.to_staff(notify.staff_with_role("office"), "returned", "task", item, f"被退单：{reason}", now,
                        f"return:{item.number}:{event.id}")
    return item


def progress(item, actor, *, note, photo_ids=(), now=None):
    """The claiming unit reports progress; residents following it hear of it."""
    now = as_local(now)
    note = required_text(note, "note", "进展情况", max_length=limit("progress", "note"))
    with transaction():
        item = locked(item)
        check("progress", item, actor)
        _require_claiming_unit(item, actor)
        _attach_photos(item, actor, photo_ids, "progress")
        event = transition(item, "progress", actor, now, note=note)
        notify.residents_concerned(item, "progress", "progress", note, now, f"progress:{item.number}:{event.id}")
    return item


def escalate(item, actor, *, reason, now=None):
    """上报会诊: a problem the unit cannot solve at this stage goes up for consultation."""
    now = as_local(now)
    reason = required_text(reason, "reason", "上报理由", max_length=limit("escalate", "reason"))
    with transaction():
        item = locked(item)
        check("escalate", item, actor)
        _require_claiming_unit(item, actor)
        if item.escalated:
            raise WrongState("已上报，等待会诊", code="wrong_state")
        event = transition(item, "escalate", actor, now, note=reason, escalated=True, tier="escalated")
        key = f"escalate:{item.number}:{event.id}"
        notify.to_staff(notify.leader_of(item) + notify.staff_with_role("office"), "escalated", "task", item,
                        "单位上报，请组织会诊", now, key)
    return item


def consult(item, actor, *, conclusion, due, now=None):
    """会诊: the answer to residents and a new deadline for an escalated item."""
    now = as_local(now)
    conclusion = required_text(conclusion, "conclusion", "会诊结论", max_length=limit("consult", "conclusion"))
    new_due = parse_due(due, now.date())
    if new_due is None:
        raise Invalid("请填写会诊后的办结时限", field="due")
    with transaction():
        item = locked(item)
        check("consult", item, actor)
        if not item.escalated:
            raise WrongState("事项未上报会诊", code="wrong_state")
        Meeting.create(item=item, round=item.round, kind="consultation", held_at=now, minutes=conclusion,
                       recorded_by=actor.staff, created_at=now)
        event = transition(item, "consult", actor, now, note=conclusion, data={"due": new_due.isoformat()},
                           escalated=False, due=new_due)
        reminders.schedule_deadline(item, now)
        key = f"consult:{item.number}:{event.id}"
        notify.residents_concerned(item, "consulted", "progress", conclusion, now, key)
        notify.to_staff(notify.staff_of_unit(item.claimed_unit_id), "consulted", "task", item,
                        f"会诊完成，新时限{new_due:%m-%d}", now, key)
    return item


def _held_at(value, now):
    if isinstance(value, datetime):
        return as_local(value)
    try:
        held = as_local(datetime.fromisoformat(str(value)))
    except (TypeError, ValueError):
        raise Invalid("会议时间格式应为 YYYY-MM-DDTHH:MM", field="held_at") from None
    if held > now:
        raise Invalid("会议时间不能晚于现在", field="held_at")
    return held


def _attendees(value):
    if isinstance(value, str):
        value = [part for part in value.replace("，", ",").split(",") if part.strip()]
    if not isinstance(value, list) or not value or not all(isinstance(a, str) and a.strip() for a in value):
        raise Invalid("请填写参会人员", field="attendees")
    if len(value) > 500 or any(len(a) > 100 for a in value):
        raise Invalid("参会人员过多或过长", code="too_long", field="attendees")
    return [a.strip() for a in value]


def record_meeting(item, actor, *, kind, held_at, attendees, minutes, satisfaction=None, now=None):
    """情况说明会 (explanation) or 群众评议会 (evaluation, whose result is the residents' rating)."""
    now = as_local(now)
    if kind not in ("explanation", "evaluation"):
        raise Invalid("会议类型无效", field="kind")
    held = _held_at(held_at, now)
    people = _attendees(attendees)
    minutes = required_text(minutes, "minutes", "会议纪要", max_length=limit("meeting", "minutes"))
    if kind == "evaluation":
        try:
            share = float(satisfaction)
        except (TypeError, ValueError):
            raise Invalid("请填写满意率（0到1之间）", field="satisfaction") from None
        if not 0 <= share <= 1:
            raise Invalid("满意率应在0到1之间", field="satisfaction")
        return judge_by_meeting(item, actor, held, people, minutes, share, now)
    with transaction():
        item = locked(item)
        Meeting.create(item=item, round=item.round, kind="explanation", held_at=held, attendees=people,
                       minutes=minutes, recorded_by=actor.staff, created_at=now)
        event = transition(item, "explanation_meeting", actor, now, note=minutes,
                           data={"held_at": held.isoformat(), "attendees": len(people)}, explained_at=held)
        notify.residents_concerned(item, "explained", "progress", "已召开情况说明会", now,
                                   f"explain:{item.number}:{event.id}")
    return item


def resolve(item, actor, *, result, photo_ids=(), outcome=None, now=None):
    """Step 4 done: the unit reports the result; the residents are asked to rate it."""
    now = as_local(now)
    result = required_text(result, "result", "办理结果", max_length=limit("resolve", "result"))
    if outcome not in (None, "solved", "explained"):
        raise Invalid("办理结果类型无效", field="outcome")
    with transaction():
        item = locked(item)
        check("resolve", item, actor)
        _require_claiming_unit(item, actor)
        if item.escalated:
            raise WrongState("已上报会诊，须先完成会诊", code="consultation_required")
        if item.tier == "long_term" and item.explained_at is None:
            raise WrongState("长期事项须先召开情况说明会", code="explanation_required")
        outcome = outcome or ("explained" if item.tier == "long_term" else "solved")
        _attach_photos(item, actor, photo_ids, "result")
        event = transition(item, "resolve", actor, now, note=result, data={"outcome": outcome},
                           result=result, resolved_at=now, outcome=outcome)
        reminders.cancel(item, reminders.DEADLINE_KINDS, now)
        reminders.schedule_rating_followups(item, now)
        key = f"resolve:{item.number}:{event.id}"
        notify.residents_concerned(item, "resolved", "result", "已办理完毕，请您评价", now, key)
        notify.to_staff(notify.leader_of(item), "resolved", "task", item, "已办结待评议", now, key)
    return item
