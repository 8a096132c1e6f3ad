"""Step 6, the residents' verdict (评议考核): a rating in the app or by chat, a
phone call-back (回访), or a public evaluation meeting. 满意/基本满意 closes the
item; 不满意 sends it back to be reassigned (返回重新交办) with round + 1.

An item of wide concern (涉及群众面较广的问题) is announced when resolved
(pipeline/messages/publicity.py) and closes only through a 群众评议会: the
residents' ratings and call-backs are recorded and shown at the meeting, but
do not decide by themselves."""
from datetime import datetime
from typing import Any

from models import Claim, Item, Meeting, Rating, as_local
from pipeline.messages import notify
from pipeline.rules.actors import Actor
from pipeline.rules.core import Operation, operation
from pipeline.rules.errors import Invalid
from pipeline.rules.schemas import limit
from pipeline.rules.settings import settings
from pipeline.rules.states import ACCEPTING_SCORES, RESOLVED, SCORES
from pipeline.rules.validate import choice, optional_text, required_text
from pipeline.rules.workdays import WorkCalendar
from pipeline.steps import reminders
from pipeline.steps.intake import default_due


def _score(score: object) -> str:
    return choice(score, SCORES, "score", "评价")


def _record_rating(op: Operation, score: str, comment: str | None, source: str, **who: Any) -> Rating:
    """The round's rating, and the item's latest rating (models.items.LATEST_VERDICTS) with it."""
    rating = Rating.create(item=op.item, round=op.item.round, score=score, comment=comment, source=source, at=op.now,
                           **who)
    op.update(latest_rating=score)
    return rating


def rate(item: Item, actor: Actor, score: object, comment: object = None, source: str = "app",
         now: datetime | None = None) -> Item:
    """The reporter rates the result of this round; the first rating decides."""
    now = as_local(now)
    score = _score(score)
    comment = optional_text(comment, "comment", "评价意见", limit("rate", "comment"))
    if score == "unsatisfied" and not comment and source == "app":
        raise Invalid("请说明不满意的原因", field="comment")
    with operation(item, "rate", actor, now) as op:
        item = op.item
        _record_rating(op, score, comment, source, resident=actor.resident)
        op.record(note=comment, data={"score": score, "source": source})
        _conclude_unless_wide(op, score)
    return item


def callback(item: Item, actor: Actor, *, score: object, comment: object, now: datetime | None = None) -> Item:
    """回访: the office records a rating the resident gave by phone."""
    now = as_local(now)
    score = _score(score)
    comment = required_text(comment, "comment", "回访记录", max_length=limit("callback", "comment"))
    with operation(item, "callback", actor, now) as op:
        item = op.item
        _record_rating(op, score, comment, "callback", recorded_by=actor.staff)
        op.record(note=comment, data={"score": score})
        _conclude_unless_wide(op, score)
    return item


def judge_by_meeting(item: Item, actor: Actor, held_at: datetime, attendees: list[str], minutes: str,
                     satisfaction: float, now: datetime) -> Item:
    """群众评议会: its satisfaction share counts as the residents' rating."""
    with operation(item, "evaluation_meeting", actor, now) as op:
        item = op.item
        Meeting.create(item=item, round=item.round, kind="evaluation", held_at=held_at, attendees=attendees,
                       minutes=minutes, satisfaction=satisfaction, recorded_by=actor.staff, created_at=now)
        score = "satisfied" if satisfaction >= settings.meeting_satisfaction_threshold else "unsatisfied"
        _record_rating(op, score, f"评议会满意率{satisfaction:.0%}", "meeting", recorded_by=actor.staff)
        op.record(note=minutes, data={"satisfaction": satisfaction, "score": score, "attendees": len(attendees)})
        _conclude(op, score)
    return item


def mark_wide_concern(item: Item, actor: Actor, *, wide_concern: object = False, now: datetime | None = None) -> Item:
    """The office marks (or unmarks) an item as of wide concern after classifying it.

    Marked, a resolved item is announced by the next publication run and waits for
    its evaluation meeting. Unmarked while resolved, the round's first rating by a
    resident (or call-back), if there is one, decides now as it would have.
    """
    now = as_local(now)
    if not isinstance(wide_concern, bool):
        raise Invalid("请说明是否涉及群众面较广", field="wide_concern")
    with operation(item, "wide_concern", actor, now) as op:
        item = op.item
        if item.wide_concern == wide_concern:
            return item
        op.transition(note="标记为涉及群众面较广的问题：办结后公示，召开群众评议会" if wide_concern
                      else "取消群众面较广标记", data={"wide_concern": wide_concern}, wide_concern=wide_concern)
        if item.status != RESOLVED:
            return item
        if wide_concern:
            reminders.cancel(item, ["callback_due"], now)
            return item
        first = (Rating.select().where((Rating.item == item) & (Rating.round == item.round)
                                       & (Rating.source != "meeting")).order_by(Rating.id).first())
        if first is not None:
            _conclude(op, first.score)
    return item


def _conclude_unless_wide(op: Operation, score: str) -> None:
    """A rating decides, unless the item is of wide concern (then the meeting does)."""
    if op.item.wide_concern:
        reminders.cancel(op.item, ["rate_remind"], op.now)
        return
    _conclude(op, score)


def _conclude(op: Operation, score: str) -> None:
    """The first verdict of a round decides: close, or back for a new round."""
    reminders.cancel(op.item, reminders.RATING_KINDS, op.now)
    if score in ACCEPTING_SCORES:
        _close(op, score)
    else:
        _reopen(op)


def _close(op: Operation, score: str) -> None:
    item, now = op.item, op.now
    event = op.transition("close", note=item.result, data={"score": score, "outcome": item.outcome}, closed_at=now)
    key = f"close:{item.number}:{event.id}"
    notify.residents_concerned(item, "closed", "result", f"已办结：{item.result or ''}", now, key)
    notify.to_staff(notify.staff_of_unit(item.claimed_unit_id), "closed", "task", item, "群众满意，已办结", now, key)


def _reopen(op: Operation) -> None:
    """返回重新交办: back on the claim board for a new round with a fresh deadline."""
    item, now = op.item, op.now
    calendar = WorkCalendar()
    previous_unit = item.claimed_unit_id
    new_due = default_due(item.tier if item.tier != "escalated" else "limited", item.category, now, calendar)
    Claim.update(active=False).where((Claim.item == item) & (Claim.round == item.round)).execute()
    event = op.transition(
        "reopen", note="群众不满意，返回重新交办",
        data={"previous_round": item.round, "due": new_due.isoformat()},
        round=item.round + 1, claimed_unit=None, claimed_at=None, escalated=False, explained_at=None,
        result=None, resolved_at=None, outcome=None, due=new_due, classified_at=now,
    )
    reminders.schedule_unclaimed(item, now, calendar)
    reminders.schedule_deadline(item, now, calendar)
    key = f"reopen:{item.number}:{event.id}"
    notify.residents_concerned(item, "reopened", "progress", "已返回重新交办，直至您满意", now, key)
    staff = notify.office_staff(item, "office") + notify.staff_of_unit(previous_unit) + notify.leader_of(item)
    notify.to_staff(staff, "reopened", "task", item, "群众不满意，返回重新交办", now, key)
