"""Public notice (公示) of the results of items of wide concern, and notices to
supervision-badge holders before their badge expires.

When an item of wide concern (Item.wide_concern) is resolved, its result is
announced to every resident of its community at once (the job runs every
minute), before the residents' evaluation meeting that alone may close it; a
PublicNotice row records it, once per round (a round sent back by the meeting
is announced again when resolved anew). The reporter and followers already had
the "resolved" notice from pipeline/steps/handling.py and are not told twice.
作风 items are never announced.
"""
from datetime import datetime, timedelta
from typing import Any

from peewee import JOIN

from models import Badge, Item, PublicNotice, Resident, as_local, iso
from pipeline.messages import notify
from pipeline.routines.routine import daily_slot, once, page_of
from pipeline.rules.actors import SYSTEM_ACTOR
from pipeline.rules.core import Operation, operation, transaction
from pipeline.rules.errors import WrongState
from pipeline.rules.states import WITH_RESULT
from pipeline.rules.workdays import WorkCalendar
from pipeline.views.lists import page_args
from pipeline.views.queries import is_public, mask_phone

CATCH_UP = timedelta(days=30)  # items resolved longer ago than this are not announced late
BADGE_NOTICE_DAYS = 7


def unpublished(now: datetime, limit: int = 100) -> list[Item]:
    """Resolved (or since closed) items of wide concern without a public notice for their round yet."""
    return list(
        Item.select()
        .join(PublicNotice, JOIN.LEFT_OUTER, on=((PublicNotice.item == Item.id) & (PublicNotice.round == Item.round)))
        .where(Item.status.in_(WITH_RESULT) & Item.wide_concern & (Item.resolved_at >= now - CATCH_UP)
               & (Item.resolved_at <= now) & PublicNotice.id.is_null())
        .order_by(Item.resolved_at, Item.id)
        .limit(limit)
    )


def publish(item: Item, now: datetime | None = None) -> PublicNotice | None:
    """公示 one resolved item of wide concern (this round's result): the notice record, the timeline event and
    a push to each resident of its community. Returns the notice, or None if done."""
    now = as_local(now)
    try:
        with operation(item, "publish", SYSTEM_ACTOR, now) as op:
            return _publish(op)
    except WrongState:  # not resolved, or this round published already
        return None


def _publish(op: Operation) -> PublicNotice:
    """The notice, the event (a public item only) and the pushes, under the operation's lock."""
    item, now = op.item, op.now
    public = is_public(item)
    told = {r.id for r in notify.reporters(item) + notify.followers(item)}
    audience = []
    if public and item.community:
        audience = [r for r in Resident.select().where(Resident.community == item.community).order_by(Resident.id)
                    if r.id not in told]
    again = f"（第{item.round}轮）" if item.round > 1 else ""
    notice = PublicNotice.create(item=item, round=item.round, community=item.community,
                                 title=f"{item.number} 办理结果公示{again}", result=item.result, public=public,
                                 recipients=len(audience), published_at=now)
    if public:
        op.record(note=f"办理结果向{item.community or '群众'}公示，待召开群众评议会",
                  data={"community": item.community, "recipients": len(audience)})
        for resident in audience:
            notify.to_resident(resident, "published", "result", item, f"结果公示：{item.result or ''}", now,
                               f"publish:{item.number}:r{item.round}")
    # The office organises the 群众评议会 that alone may close it.
    notify.to_staff(notify.office_staff(item, "office"), "published", "task", item, "结果已公示，请组织召开群众评议会", now,
                    f"publish:{item.number}:r{item.round}")
    return notice


def publish_results(now: datetime, limit: int = 100) -> int:
    """The job: publish every resolved item of wide concern whose round is not yet published. Returns how many."""
    return sum(1 for item in unpublished(now, limit) if publish(item, now) is not None)


def notices(community: str | None = None, page: int = 1, per_page: int = 20) -> dict[str, Any]:
    """Public notices, newest first (the 公示 board)."""
    page, per_page = page_args(page, per_page)
    query = (PublicNotice.select(PublicNotice, Item).join(Item)
             .where(PublicNotice.public).order_by(PublicNotice.published_at.desc(), PublicNotice.id.desc()))
    if community:
        query = query.where(PublicNotice.community == community)

    def render(notice: PublicNotice) -> dict[str, Any]:
        return {"number": notice.item.number, "title": notice.title, "community": notice.community,
                "content": mask_phone(notice.item.content[:200]), "result": mask_phone(notice.result),
                "published_at": iso(notice.published_at)}
    return page_of(query, page, per_page, render)


def badge_expiry(now: datetime, calendar: WorkCalendar | None = None) -> int:
    """From 09:00 on a working day, tell holders whose badge expires within 7 days —
    once per badge and expiry date (a renewed badge is told again before its new date)."""
    calendar = calendar or WorkCalendar()
    if daily_slot(now, calendar) is None:
        return 0
    today = now.date()
    soon = (Badge.select().where(Badge.revoked_at.is_null() & (Badge.valid_until >= today)
                                 & (Badge.valid_until <= today + timedelta(days=BADGE_NOTICE_DAYS)))
            .order_by(Badge.id))
    told = 0
    for badge in soon:
        key = f"badge:{badge.number}:{badge.valid_until.isoformat()}"
        with transaction():
            if not once(key, now):
                continue
            fields = notify.notice_fields(badge.number, f"督办证将于{badge.valid_until:%m月%d日}到期", "即将到期",
                                          "到期后不能督办，请联系活动办续期", now)
            if badge.resident_id:
                notify.resident_notice(badge.resident, "badge_expiry", "progress", fields, now, key)
            if badge.staff_id:
                notify.staff_notice([badge.staff], "badge_expiry", "deadline", fields, now, key)
            told += 1
    return told
