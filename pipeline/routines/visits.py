"""The cadre contact rule (密切联系群众工作制度): every cadre spends at least two
full days a month in communities. Cadres record their visits; on the first
working day of each month the jobs process checks last month, lists who fell
short and draws a random spot-check sample (随机抽查) of visit records for the
party–government office (党政办).

The draw's seed is made at check time and recorded with the sample: nobody can
know beforehand which records will be checked, and anyone can re-draw the same
sample afterwards from the seed and the month's visit ids (`draw_sample`).
"""
import math
import random
import secrets
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from peewee import JOIN

from models import StaffUser, Unit, Visit, VisitCheck, as_local, iso
from pipeline.messages import notify
from pipeline.routines.routine import monthly_slot, once, previous_month
from pipeline.routines.visit_findings import month_findings
from pipeline.rules.actors import Actor
from pipeline.rules.core import transaction
from pipeline.rules.errors import Forbidden, Invalid, NotFound, WrongState
from pipeline.rules.offices import DISTRICT_ROLES, office_in_view, require_own_record
from pipeline.rules.permissions import permitted, require
from pipeline.rules.schemas import limit
from pipeline.rules.settings import settings
from pipeline.rules.validate import optional_text, parse_date, parse_month, required_text
from pipeline.rules.workdays import WorkCalendar
from pipeline.steps.opinions import opinion_texts, record_opinion

REQUIRED_DAYS = 2.0
CADRE_ROLES = ("leader", "office", "supervisor", "party_office")
CADRE_UNIT_KINDS = ("department", "leadership")  # street-office units; communities are visited, not visiting
SAMPLE_SHARE = 0.1
SAMPLE_MIN = 3


def cadres(office: int | None = None) -> list[StaffUser]:
    """Street-office cadres bound by the rule: leaders, office, supervisors, party
    office, and the staff of street departments (of one street office, when given)."""
    query = (StaffUser.select(StaffUser).join(Unit, JOIN.LEFT_OUTER, on=(StaffUser.unit == Unit.id))
             .where(StaffUser.active & (StaffUser.role.in_(CADRE_ROLES)
                                        | ((StaffUser.role == "unit") & Unit.kind.in_(CADRE_UNIT_KINDS)))))
    if office is not None:
        query = query.where(StaffUser.office == office)
    return list(query.order_by(StaffUser.id))


def record_visit(actor: Actor, *, community: object, visit_date: object, days: object, content: object,
                 people: object = None, staff: object = None, opinions: object = None,
                 now: datetime | None = None) -> Visit:
    """A cadre records a day (1) or half day (0.5) in a community; the office may
    record one for any cadre. A month already checked is closed to new records.

    Each of the `opinions` heard on the visit becomes an item (channel 走访) collected
    by the visiting cadre and linked to the visit, in the same transaction."""
    now = as_local(now)
    if not permitted("visits.own", actor):
        raise Forbidden("只有干部可以登记走访", code="forbidden")
    who = actor.staff
    if staff not in (None, "", actor.id):
        require("visits.for_others", actor)
        who = StaffUser.get_or_none((StaffUser.id == staff) & StaffUser.active)
        if who is None:
            raise NotFound("干部不存在", code="not_found")
        require_own_record(who.office_id, actor, "干部", district_account=who.role in DISTRICT_ROLES)
    community = required_text(community, "community", "走访社区", limit("record_visit", "community"))
    content = required_text(content, "content", "走访内容", limit("record_visit", "content"))
    people = optional_text(people, "people", "走访对象", limit("record_visit", "people"))
    day = parse_date(visit_date, "date")
    if day > now.date():
        raise Invalid("走访日期不能晚于今天", field="date")
    if days not in (1, 1.0, 0.5):
        raise Invalid("走访时长应为1天或0.5天", field="days")
    heard = opinion_texts(opinions)
    with transaction():
        if VisitCheck.select().where(VisitCheck.month == day.strftime("%Y-%m")).exists():
            raise WrongState("该月走访已核查，不能再补登", code="month_checked")
        if Visit.select().where((Visit.staff == who) & (Visit.visit_date == day)
                                & (Visit.community == community)).exists():
            raise WrongState("该日已登记过此社区的走访", code="duplicate")
        visit = Visit.create(staff=who, community=community, visit_date=day, days=float(days), content=content,
                             people=people, recorded_by=actor.staff, created_at=now)
        for text in heard:
            record_opinion(actor, text, "visit", collector=who, community=community, visit=visit, now=now)
        return visit


def _per_day(start: date, end: date) -> dict[tuple[int, date], float]:
    """{(staff id, date): time in communities that date, at most a day}: a morning in
    one community and an afternoon in another make that date a whole day."""
    per_day: dict[tuple[int, date], float] = {}
    for visit in Visit.select(Visit.staff, Visit.visit_date, Visit.days).where(
            (Visit.visit_date >= start) & (Visit.visit_date <= end)):
        key = (visit.staff_id, visit.visit_date)
        per_day[key] = min(1.0, per_day.get(key, 0.0) + visit.days)
    return per_day


def visit_days(start: date, end: date, half_days_add_up: bool | None = None) -> dict[int, float]:
    """{staff id: whole days in communities in [start, end]} (每月不少于2整天): a date
    counts once, and only a whole day counts — half days on different dates add up only
    when the office's setting says so (`VISIT_HALF_DAYS_ADD_UP`)."""
    add_up = settings.visit_half_days_add_up if half_days_add_up is None else half_days_add_up
    totals: dict[int, float] = {}
    for (staff_id, _), days in _per_day(start, end).items():
        counted = days if add_up or days >= 1.0 else 0.0
        totals[staff_id] = totals.get(staff_id, 0.0) + counted
    return totals


def compliance(start: date, end: date) -> list[dict[str, Any]]:
    """Every cadre with their whole days in [start, end], the dates they spent only half a
    day in a community (`half_days`), and whether the days reach the rule."""
    totals = visit_days(start, end)
    halves: dict[int, int] = {}
    for (staff_id, _), days in _per_day(start, end).items():
        if days < 1.0:
            halves[staff_id] = halves.get(staff_id, 0) + 1
    return [{"staff": user.id, "name": user.name, "days": totals.get(user.id, 0.0),
             "half_days": halves.get(user.id, 0), "met": totals.get(user.id, 0.0) >= REQUIRED_DAYS}
            for user in cadres()]


def sample_size(count: int) -> int:
    return min(count, max(SAMPLE_MIN, math.ceil(count * SAMPLE_SHARE)))


def draw_sample(visit_ids: Iterable[int], seed: str, size: int) -> list[int]:
    """The spot-check draw: the same ids, seed and size always give the same sample."""
    ids = sorted(visit_ids)
    return sorted(random.Random(seed).sample(ids, min(size, len(ids))))


def month_range(first: date) -> tuple[date, date]:
    following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return first, following - timedelta(days=1)


def monthly_check(now: datetime, calendar: WorkCalendar | None = None, seed: str | None = None) -> VisitCheck | None:
    """On the first working day of the month (09:00): check last month's visits and
    send the shortfall and the spot-check sample to the party–government office.
    Once per month; returns the VisitCheck, or None if not due or done."""
    calendar = calendar or WorkCalendar()
    slot = monthly_slot(now, calendar)
    if slot is None:
        return None
    start, end = month_range(previous_month(slot[0]))
    month = start.strftime("%Y-%m")
    if VisitCheck.select().where(VisitCheck.month == month).exists():
        return None
    results = compliance(start, end)
    shortfall = [row for row in results if not row["met"]]
    ids = [v.id for v in Visit.select(Visit.id).where((Visit.visit_date >= start) & (Visit.visit_date <= end))]
    seed = seed or secrets.token_hex(8)
    sample = draw_sample(ids, seed, sample_size(len(ids)))
    with transaction():
        if not once(f"visit-check:{month}", now):
            return None
        check = VisitCheck.create(month=month, required_days=REQUIRED_DAYS, results=results, shortfall=shortfall,
                                  seed=seed, sample=sample, created_at=now)
        fields = notify.notice_fields(month, f"{start.month}月干部走访核查", "待抽查",
                                      f"{len(shortfall)}人未满2天，抽查{len(sample)}条记录", now)
        notify.staff_notice(notify.staff_with_role("party_office"), "visit_check", "task", fields, now,
                            f"visit-check:{month}")
    return check


def visit_json(visit: Visit) -> dict[str, Any]:
    return {"id": visit.id, "staff": {"id": visit.staff_id, "name": visit.staff.name}, "community": visit.community,
            "date": iso(visit.visit_date), "days": visit.days, "content": visit.content, "people": visit.people}


def readable_visits(actor: Actor, month: str | None = None, staff: int | None = None) -> list[dict[str, Any]]:
    """The visit records `actor` may read, for a month and/or one cadre: the
    organisation reads anyone's of its street office (all, or `staff`'s; the district's
    own staff every office's), every other cadre their own."""
    if not permitted("visits.read_all", actor):
        return visits(month, actor.id)
    return visits(month, staff, office=office_in_view(actor))


def checked_month(month: str) -> dict[str, Any]:
    """The monthly check of `month` (YYYY-MM; a longer date is cut to its month), or NotFound."""
    check = VisitCheck.get_or_none(VisitCheck.month == month[:7])
    if check is None:
        raise NotFound("该月尚未核查", code="not_found")
    return check_json(check)


def visits(month: str | None = None, staff: int | None = None, office: int | None = None) -> list[dict[str, Any]]:
    """Visit records, for a month (YYYY-MM) and/or one cadre (and of one street office's cadres)."""
    query = Visit.select(Visit, StaffUser).join(StaffUser, on=(Visit.staff == StaffUser.id))
    if office is not None:
        query = query.where(StaffUser.office == office)
    if month:
        start, end = month_range(parse_month(month, "month"))
        query = query.where((Visit.visit_date >= start) & (Visit.visit_date <= end))
    if staff:
        query = query.where(Visit.staff == staff)
    return [visit_json(v) for v in query.order_by(Visit.visit_date, Visit.id)]


def check_json(check: VisitCheck) -> dict[str, Any]:
    sampled = Visit.select(Visit, StaffUser).join(StaffUser, on=(Visit.staff == StaffUser.id)).where(
        Visit.id.in_(check.sample or [0])).order_by(Visit.id)
    return {"month": check.month, "required_days": check.required_days, "results": check.results,
            "shortfall": check.shortfall, "seed": check.seed, "sample": [visit_json(v) for v in sampled],
            "checked_at": iso(check.created_at), "findings": month_findings(check)}
