"""Cadre visits (密切联系群众: every cadre at least two whole days a month in
communities) in the console: record a visit and see one's own, and for the
organisation the monthly check — each cadre's days against the rule — with the
party–government office's random sample of records to verify.

Thin: recording is `pipeline.routines.visits.record_visit` (who may record for
whom, a checked month closed); the figures are the same `compliance` the
monthly job and the weekly bulletin count with."""
from datetime import date, timedelta
from typing import Any

from flask import flash, g, redirect, render_template, request, url_for

from pipeline.routines import visit_findings, visits
from pipeline.routines.routine import month_start, previous_month
from pipeline.rules.boundary import local_now
from pipeline.rules.errors import DomainError, NotFound
from pipeline.rules.offices import office_in_view
from pipeline.rules.permissions import permitted
from pipeline.rules.schemas import SCHEMAS
from pipeline.rules.settings import settings
from pipeline.rules.states import FINDING_RESULTS
from pipeline.rules.validate import parse_month
from pipeline.views.desk import communities
from web.auth import allow
from web.params import arguments, integer

from . import bp
from .acting import form_body


def _month(default: date) -> date:
    raw = request.args.get("month")
    return parse_month(raw, "month") if raw else default


def render_visits(error: str | None = None, status: int = 200) -> tuple[str, int]:
    today = local_now().date()
    first = _month(month_start(today)) if request.method == "GET" else month_start(today)
    start, end = visits.month_range(first)
    whose, name = _whose()
    records = visits.readable_visits(g.actor, first.strftime("%Y-%m"), whose)
    days = visits.visit_days(start, end).get(whose, 0.0)
    return render_template("console/visits.html", today=today, first=first, visits=records, days=days,
                           whose=whose if name else None, name=name,
                           halves_add_up=settings.visit_half_days_add_up,
                           required=visits.REQUIRED_DAYS, communities=communities(office_in_view(g.actor)),
                           cadres=visits.cadres(office_in_view(g.actor)) if permitted("visits.for_others", g.actor)
                           else None,
                           checks=permitted("visit_checks.read", g.actor),
                           previous=previous_month(first), following=end + timedelta(days=1),
                           error=error, form=request.form if error else {}), status


def _whose() -> tuple[int, str | None]:
    """(cadre id, name) of the records to show: one's own, or for the organisation
    (who reads everyone's) the cadre `?staff=` names — its name then, else None."""
    raw = request.args.get("staff") if request.method == "GET" else None
    if not raw or not permitted("visits.read_all", g.actor):
        return g.actor.id, None
    wanted = integer({"staff": raw}, "staff")
    name = next((cadre.name for cadre in visits.cadres(office_in_view(g.actor)) if cadre.id == wanted), None)
    if name is None:
        raise NotFound("干部不存在", code="not_found")
    return int(wanted), name


@bp.get("/visits")
@allow("visits.own")
def visits_page() -> tuple[str, int]:
    """我的走访: a month's records and days against the rule, and the form to record one
    (the organisation may open any cadre's month, `?staff=`)."""
    return render_visits()


@bp.post("/visits")
@allow("visits.own")
def visit_record() -> Any:
    """Record a visit (the office may record one for any cadre)."""
    body = form_body(SCHEMAS["record_visit"])
    # The opinions heard, one a line (an opinion may hold commas): each becomes an item (走访).
    body.pop("opinions", None)
    if request.form.get("opinions", "").strip():
        body["opinions"] = request.form["opinions"]
    try:
        visit = visits.record_visit(g.actor, **arguments(body, SCHEMAS["record_visit"]))
    except DomainError as exc:
        return render_visits(exc.message, exc.status)
    heard = len([line for line in body.get("opinions", "").splitlines() if line.strip()])
    flash(f"已登记 {visit.visit_date:%m月%d日} {visit.community} 走访{visit.days:g}天"
          + (f"，{heard}条意见已转为事项" if heard else ""), "success")
    return redirect(url_for("console.visits_page", month=visit.visit_date.strftime("%Y-%m")), 303)


def render_check(first: date, error: str | None = None, status: int = 200) -> tuple[str, int]:
    today = local_now().date()
    month = first.strftime("%Y-%m")
    try:
        check: dict[str, Any] | None = visits.checked_month(month)
    except NotFound:
        check = None
    start, end = visits.month_range(first)
    results = check["results"] if check else visits.compliance(start, min(end, today))
    sampled = {row["staff"]["id"]: row["staff"]["name"] for row in check["sample"]} if check else {}
    found = {row["staff"]["id"] for row in check["findings"]} if check else set()
    return render_template("console/visit_check.html", first=first, month=month, check=check, results=results,
                           met=sum(1 for row in results if row["met"]), required=visits.REQUIRED_DAYS,
                           previous=previous_month(first), following=end + timedelta(days=1), today=today,
                           finds=permitted("visit_checks.find", g.actor), outcomes=FINDING_RESULTS,
                           pending={staff: name for staff, name in sampled.items() if staff not in found},
                           error=error, form=request.form if error else {}), status


@bp.get("/visit-checks")
@allow("visit_checks.read")
def visit_check() -> tuple[str, int]:
    """The month's check: every cadre's whole days against the rule; once the monthly
    job has checked the month, its record, the spot-check sample (随机抽查) and what the
    party–government office found."""
    return render_check(_month(previous_month(local_now().date())))


@bp.post("/visit-checks/<month>/findings")
@allow("visit_checks.find")
def visit_finding(month: str) -> Any:
    """The party–government office records what its check of one sampled cadre found
    (属实 / 不属实, with a note); the next weekly bulletin reports it."""
    first = parse_month(month, "month")
    try:
        finding = visit_findings.record_finding(
            g.actor, month, **arguments(form_body(SCHEMAS["record_finding"]), SCHEMAS["record_finding"]))
    except DomainError as exc:
        return render_check(first, exc.message, exc.status)
    flash(f"已登记抽查结果：{finding.staff.name} {FINDING_RESULTS[finding.result]}", "success")
    return redirect(url_for("console.visit_check", month=month), 303)
