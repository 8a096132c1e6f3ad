"""Firing reminders, chasing overdue items (超期催办), the daily overdue digest
and the office's call-back list (回访).

The operations schedule Reminder rows (pipeline/steps/reminders.py); `sweep` fires
the due ones, a batch at a time and a kind at a time in SQL (pipeline/steps/firing.py).
Firing re-checks that the item still qualifies (status, round, deadline), writes
the timeline events, queues the pushes and marks the rows done, in one transaction:
a re-run or a second sweeper finds nothing left to do, and the dedup keys (kind,
number, round, due date) could not queue a push twice.
"""
import logging
from collections import Counter
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from peewee import ModelSelect, fn

from models import Item, Office, Reminder, StaffUser, TimelineEvent, Unit
from pipeline.messages import notify, templates
from pipeline.routines.routine import DIGEST_AT, daily_slot, mark, once
from pipeline.rules.core import transaction
from pipeline.rules.overdue import overdue_items
from pipeline.rules.states import RESOLVED
from pipeline.rules.workdays import WorkCalendar
from pipeline.steps.firing import fire, plain_rows
from pipeline.views.lists import attach_relations

log = logging.getLogger("sixstep.jobs")

BATCH = 1000  # reminders fired per transaction: one lock, a few statements per kind, one update


def due(now: datetime, limit: int, passed: Iterable[int] = ()) -> list[tuple[int, int]]:
    """Pending reminders whose time has come, oldest first (an index range scan over the
    partial index on fire_at, in its order), leaving out the ids in `passed`: (id, item id)."""
    query = Reminder.select(Reminder.id, Reminder.item).where(Reminder.done_at.is_null() & (Reminder.fire_at <= now))
    skip = list(passed)
    if skip:
        query = query.where(Reminder.id.not_in(skip))
    return plain_rows(query.order_by(Reminder.fire_at).limit(limit))


def sweep(now: datetime, limit: int | None = None) -> dict[str, int]:
    """Fire every due reminder once, however many, in batches of BATCH (at most
    `limit` in all if given). Returns counts by kind fired ("skipped": the item no
    longer qualified; "failed": an error, tried again on the next sweep). Fired and
    skipped rows are marked done; failed ones are passed over until the next sweep."""
    calendar, counts, seen = WorkCalendar(), Counter[str](), 0
    failed: set[int] = set()
    while limit is None or seen < limit:
        rows = due(now, BATCH if limit is None else min(BATCH, limit - seen), failed)
        if not rows:
            break
        seen += len(rows)
        try:
            with transaction():
                counts.update(fire(rows, now, calendar))
        except Exception:  # one bad row must not hold back the others: fire them one by one
            log.exception("a batch of %d reminders failed; firing them one at a time", len(rows))
            for row in rows:
                try:
                    with transaction():
                        counts.update(fire([row], now, calendar))
                except Exception:
                    log.exception("reminder %s failed", row[0])
                    counts["failed"] += 1
                    failed.add(row[0])
    return dict(counts)


def _unit_id(item: Item) -> int | None:
    return item.claimed_unit_id or item.unit_id


def digest_key(day: date) -> str:
    return f"digest:{day.isoformat()}"


def overdue_digest(now: datetime, calendar: WorkCalendar | None = None) -> dict[str, Any] | None:
    """09:00 on working days: every overdue item, by unit, to the leaders and the
    office — once a day, with who of them and of those units' staff a WeChat
    push can't reach. Returns the digest's data, or None if not due or done.

    In a district (several street offices) each office's leaders and 活动办 get their
    own office's overdue items, and the district's 区级督查 the whole district's; the
    data kept (`digest`) is the district's."""
    calendar = calendar or WorkCalendar()
    if daily_slot(now, calendar, DIGEST_AT) is None or mark(digest_key(now.date())):
        return None
    today = now.date()
    items = overdue_items(today)
    names = {u.id: u.name for u in Unit.select(Unit.id, Unit.name)}
    several = Office.select().count() > 1
    parts = [(None, items, notify.staff_with_role(*(("district",) if several else ("leader", "office"))))]
    if several:
        parts += [(office_id, [i for i in items if i.office_id == office_id],
                   notify.staff_with_role("leader", "office", office=office_id))
                  for office_id in sorted({i.office_id for i in items if i.office_id is not None})]
    reports = [(office_id, _digest_report(part, recipients, names, today, now), recipients)
               for office_id, part, recipients in parts]
    data = reports[0][1]
    if several:  # who would miss it, in every office
        data["unreachable"] = unreachable_staff(
            notify.staff_with_role("leader", "office", "district")
            + [u for staff in staff_of_units({_unit_id(i) for i in items}).values() for u in staff], names)
    with transaction():
        if not once(digest_key(today), now, data):
            return None
        for office_id, report, recipients in reports:
            if report["total"] or report["template_problems"]:
                key = digest_key(today) if office_id is None else f"{digest_key(today)}:office{office_id}"
                notify.staff_notice(recipients, "digest", "overdue", _digest_fields(report, today, now), now, key)
    return data


def _digest_report(items: list[Item], recipients: list[StaffUser], names: dict[Any, str], today: date,
                   now: datetime) -> dict[str, Any]:
    """The digest of these overdue items: by unit, with who of `recipients` and of those
    units' staff a WeChat push can't reach."""
    by_unit: dict[int | None, list[str]] = {}
    for item in items:
        by_unit.setdefault(_unit_id(item), []).append(item.number)
    unit_staff = staff_of_units(by_unit)
    units: list[dict[str, Any]] = [
        {"unit": names.get(unit_id, "未定单位"), "count": len(numbers), "items": numbers,
         "reachable_staff": sum(notify.reachable(u) for u in unit_staff[unit_id]) if unit_id else None}
        for unit_id, numbers in by_unit.items()]
    units.sort(key=lambda u: (-u["count"], u["unit"]))
    return {"date": today.isoformat(), "total": len(items), "units": units,
            "unreachable": unreachable_staff(recipients + [u for staff in unit_staff.values() for u in staff], names),
            "template_problems": templates.office_report(now)}


def _digest_fields(report: dict[str, Any], today: date, now: datetime) -> dict[str, str | None]:
    summary = "，".join(f"{u['unit']}{u['count']}件" for u in report["units"])
    if report["unreachable"]:
        # Said first: the template's field is cut at WeChat's limit.
        summary = f"{len(report['unreachable'])}人收不到微信提醒；" + summary
    if report["template_problems"]:
        summary = f"{len(report['template_problems'])}处消息模板设置有误；" + summary
    return notify.notice_fields(today.strftime("%Y%m%d"), f"超期事项日报：共{report['total']}件", "超期", summary, now)


def staff_of_units(unit_ids: Iterable[int | None]) -> dict[int | None, list[StaffUser]]:
    """{unit id: its active staff} for these units in one query (`notify.staff_of_unit` for each)."""
    staff: dict[int | None, list[StaffUser]] = {unit_id: [] for unit_id in unit_ids}
    for user in StaffUser.select().where(StaffUser.unit.in_([u for u in unit_ids if u]) & StaffUser.active):
        staff[user.unit_id].append(user)
    return staff


def unreachable_staff(users: Iterable[StaffUser], unit_names: dict[int, str]) -> list[dict[str, Any]]:
    """Who among `users` a WeChat push can't reach, and why: the digest shows the
    office who would miss overdue reminders (never bound, or unfollowed)."""
    seen: set[int] = set()
    rows: list[dict[str, Any]] = []
    for user in users:
        if user.id in seen or notify.reachable(user) or not user.active:
            continue
        seen.add(user.id)
        rows.append({"id": user.id, "name": user.name, "role": user.role,
                     "unit": unit_names.get(user.unit_id) if user.unit_id else None,
                     "reason": "未绑定微信" if not user.openid else "已取消关注公众号"})
    return sorted(rows, key=lambda row: row["id"])


def digest(day: date) -> dict[str, Any] | None:
    """The digest recorded for `day` (None if none was made)."""
    row = mark(digest_key(day))
    return row.data if row else None


def callback_query(office: int | None = None) -> ModelSelect:
    """The office's call-back list (回访) as a query: resolved items still unrated 7
    days on, longest waiting first (of one street office when given:
    `pipeline.rules.offices.office_in_view`)."""
    listed = (TimelineEvent.select(TimelineEvent.item)
              .where((TimelineEvent.kind == "callback_listed") & (TimelineEvent.round == Item.round)
                     & (TimelineEvent.item == Item.id)))
    query = Item.select().where((Item.status == RESOLVED) & fn.EXISTS(listed))
    if office is not None:
        query = query.where(Item.office == office)
    return query.order_by(Item.resolved_at, Item.id)


def callback_list(office: int | None = None) -> list[Item]:
    """The office's call-back list (回访), every item on it."""
    items = list(callback_query(office))
    attach_relations(items)  # the list shows each item's category and unit
    return items
