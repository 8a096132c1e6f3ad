"""The office's routines over JSON: public notices (公示), the weekly work-style
bulletin and disciplinary entries, cadre visits and the monthly check, the
call-back list and the overdue digest. Thin: parse, call one pipeline function."""
from flask import Blueprint, jsonify, request

from pipeline.messages import publicity
from pipeline.routines import bulletins, gatherings, visit_findings, visits
from pipeline.rules.boundary import local_now
from pipeline.rules.errors import NotFound
from pipeline.rules.offices import office_in_view
from pipeline.rules.schemas import SCHEMAS
from pipeline.rules.validate import parse_date
from pipeline.steps import chasing, opinions
from pipeline.views.queries import summary
from web.auth import allow, current_actor
from web.params import arguments, integer, json_body

bp = Blueprint("api_routines", __name__, url_prefix="/api/v1")



def _date_arg(name, default):
    return parse_date(request.args.get(name), name, default)


@bp.get("/notices")
@allow("public")
def public_notices():
    args = request.args
    return jsonify(publicity.notices(args.get("community"), args.get("page"), args.get("per_page")))


@bp.get("/staff/bulletins")
@allow("bulletins.list")
def bulletin_list():
    return jsonify(bulletins.listing(current_actor(), request.args.get("page"), request.args.get("per_page")))


@bp.get("/staff/bulletins/<int:bulletin_id>")
@allow("bulletins.read")
def bulletin_detail(bulletin_id):
    return jsonify(bulletins.bulletin_json(bulletins.readable(bulletin_id, current_actor())))


@bp.patch("/staff/bulletins/<int:bulletin_id>")
@allow("bulletins.edit")
def bulletin_edit(bulletin_id):
    changes = arguments(json_body(), SCHEMAS["edit_bulletin"])
    bulletin = bulletins.edit(bulletins.get(bulletin_id), current_actor(), **changes)
    return jsonify(bulletins.bulletin_json(bulletin))


@bp.post("/staff/bulletins/<int:bulletin_id>/publish")
@allow("bulletins.edit")
def bulletin_publish(bulletin_id):
    return jsonify(bulletins.bulletin_json(bulletins.publish(bulletins.get(bulletin_id), current_actor())))


@bp.get("/staff/discipline")
@allow("discipline.read")
def discipline_list():
    today = local_now().date()
    start = _date_arg("from", today.replace(day=1))
    return jsonify(bulletins.entries(start, _date_arg("to", today)))


@bp.post("/staff/discipline")
@allow("discipline.record")
def discipline_record():
    entry = bulletins.record_discipline(current_actor(), **arguments(json_body(), SCHEMAS["record_discipline"]))
    return jsonify(bulletins.entry_json(entry)), 201


@bp.get("/staff/visits")
@allow("visits.own")
def visit_list():
    return jsonify(visits.readable_visits(current_actor(), request.args.get("month"),
                                          integer(dict(request.args), "staff")))


@bp.post("/staff/visits")
@allow("visits.own")
def visit_record():
    visit = visits.record_visit(current_actor(), **arguments(json_body(), SCHEMAS["record_visit"]))
    return jsonify({**visits.visit_json(visit), "items": opinions.numbers_heard(visit=visit)}), 201


@bp.get("/staff/gatherings")
@allow("gatherings.read")
def gathering_list():
    return jsonify(gatherings.readable_gatherings(current_actor(), request.args.get("month")))


@bp.post("/staff/gatherings")
@allow("gatherings.record")
def gathering_record():
    gathering, items = gatherings.record_gathering(current_actor(),
                                                   **arguments(json_body(), SCHEMAS["record_gathering"]))
    return jsonify(gatherings.gathering_json(gathering, [item.number for item in items])), 201


@bp.get("/staff/visit-checks/<month>")
@allow("visit_checks.read")
def visit_check(month):
    return jsonify(visits.checked_month(month))


@bp.post("/staff/visit-checks/<month>/findings")
@allow("visit_checks.find")
def visit_finding(month):
    finding = visit_findings.record_finding(current_actor(), month,
                                            **arguments(json_body(), SCHEMAS["record_finding"]))
    return jsonify(visit_findings.finding_json(finding)), 201


@bp.get("/staff/callbacks")
@allow("callbacks.read")
def callback_list():
    today = local_now().date()
    office = office_in_view(current_actor(), request.args.get("office"))
    return jsonify([summary(item, today) for item in chasing.callback_list(office)])


@bp.get("/staff/digests/<day>")
@allow("digests.read")
def overdue_digest(day):
    data = chasing.digest(parse_date(day, "day"))
    if data is None:
        raise NotFound("该日没有超期日报", code="not_found")
    return jsonify(data)
