"""The party–government office's spot-check findings (随机抽查结果): after the monthly
check draws its sample of visit records (pipeline.routines.visits.monthly_check), the
party–government office checks them with the communities and records, for each
sampled cadre, whether the visits were confirmed. The next weekly bulletin reports
every finding recorded in its period."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from models import StaffUser, Visit, VisitCheck, VisitFinding, as_local, iso
from pipeline.rules.actors import Actor
from pipeline.rules.core import transaction
from pipeline.rules.errors import Invalid, NotFound, WrongState
from pipeline.rules.permissions import require
from pipeline.rules.schemas import limit
from pipeline.rules.states import FINDING_RESULTS
from pipeline.rules.validate import choice, optional_text, parse_month


def finding_json(finding: VisitFinding) -> dict[str, Any]:
    return {"id": finding.id, "month": finding.check.month,
            "staff": {"id": finding.staff_id, "name": finding.staff.name},
            "result": finding.result, "label": FINDING_RESULTS[finding.result], "note": finding.note,
            "recorded_at": iso(finding.created_at)}


def sampled_staff(check: VisitCheck) -> dict[int, str]:
    """{staff id: name} of the cadres whose visit records the month's draw sampled."""
    rows = (StaffUser.select(StaffUser.id, StaffUser.name).join(Visit, on=(Visit.staff == StaffUser.id))
            .where(Visit.id.in_(check.sample or [0])).distinct())
    return {row.id: row.name for row in rows}


def record_finding(actor: Actor, month: str, *, staff: object, result: object, note: object = None,
                   now: datetime | None = None) -> VisitFinding:
    """The party–government office records what its spot check of `month` found about
    one sampled cadre (`confirmed` or `not_confirmed`, with a note). Once per cadre
    and month; only for cadres in that month's sample."""
    now = as_local(now)
    require("visit_checks.find", actor)
    first = parse_month(month, "month")
    choice(result, FINDING_RESULTS, "result", "抽查结果")
    text = optional_text(note, "note", "说明", limit("record_finding", "note"))
    if result == "not_confirmed" and not text:
        raise Invalid("抽查结果不属实时请写明情况", field="note")
    with transaction():
        check = VisitCheck.get_or_none(VisitCheck.month == first.strftime("%Y-%m"))
        if check is None:
            raise NotFound("该月尚未核查，没有抽查名单", code="not_found")
        sampled = sampled_staff(check)
        if isinstance(staff, bool) or not isinstance(staff, int) or staff not in sampled:
            listed = "、".join(sampled.values()) or "（本月无抽查记录）"
            raise Invalid(f"该干部不在{first.month}月的抽查名单中，名单为：{listed}", code="not_sampled",
                          field="staff")
        if VisitFinding.select().where((VisitFinding.check == check) & (VisitFinding.staff == staff)).exists():
            raise WrongState(f"{sampled[staff]}{first.month}月的抽查结果已登记", code="finding_exists")
        return VisitFinding.create(check=check, staff=staff, result=result, note=text, recorded_by=actor.staff,
                                   created_at=now)


def month_findings(check: VisitCheck) -> list[dict[str, Any]]:
    """The findings recorded for one checked month."""
    query = (VisitFinding.select(VisitFinding, VisitCheck, StaffUser).join(VisitCheck)
             .switch(VisitFinding).join(StaffUser, on=(VisitFinding.staff == StaffUser.id))
             .where(VisitFinding.check == check).order_by(VisitFinding.id))
    return [finding_json(f) for f in query]


def findings_between(start: date, end: date) -> list[dict[str, Any]]:
    """The findings recorded in [start, end] (what a bulletin of that period reports)."""
    since, until = datetime.combine(start, time.min), datetime.combine(end + timedelta(days=1), time.min)
    query = (VisitFinding.select(VisitFinding, VisitCheck, StaffUser).join(VisitCheck)
             .switch(VisitFinding).join(StaffUser, on=(VisitFinding.staff == StaffUser.id))
             .where((VisitFinding.created_at >= as_local(since)) & (VisitFinding.created_at < as_local(until)))
             .order_by(VisitFinding.created_at, VisitFinding.id))
    return [finding_json(f) for f in query]
