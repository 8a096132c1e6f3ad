"""Staff API: offline intake, work lists, the sheet, one transition per action."""
from flask import Blueprint, jsonify, request

from pipeline.accounts import people
from pipeline.office import communities
from pipeline.rules.errors import NotFound
from pipeline.rules.offices import office_in_view
from pipeline.rules.permissions import item_action as table_action
from pipeline.rules.schemas import SCHEMAS
from pipeline.steps import handling, intake, judging, oversight, spot, supervising
from pipeline.views import lists
from pipeline.views.queries import public_view, staff_item, visible_item
from pipeline.views.sheet import staff_view
from pipeline.views.stats import stats
from web.auth import allow, current_actor
from web.params import arguments, integer, json_body

bp = Blueprint("api_staff", __name__, url_prefix="/api/v1/staff")


# action -> the operation it calls; each takes the fields of its schema (`pipeline.rules.schemas`).
ACTIONS = {
    "classify": intake.classify,
    "wide_concern": judging.mark_wide_concern,
    "claim": handling.claim,
    "return": handling.return_to_office,
    "progress": handling.progress,
    "escalate": handling.escalate,
    "consult": handling.consult,
    "meeting": handling.record_meeting,
    "resolve": handling.resolve,
    "supervise": oversight.supervise,
    "assign_supervisor": supervising.assign_supervisor,
    "evaluate": oversight.evaluate,
    "callback": judging.callback,
    "merge": intake.merge,
    "reject": intake.reject,
}


@bp.post("/items")
@allow("item.collect_offline")
def create_item():
    actor = current_actor()
    item = spot.collect_offline(actor, **arguments(json_body(), SCHEMAS["collect_offline"]))
    return jsonify(staff_view(item, actor)), 201


@bp.get("/items")
@allow("items.work_list")
def work_list():
    args = request.args
    return jsonify(lists.work_list(
        current_actor(), status=args.get("status"), overdue=args.get("overdue") in ("1", "true"),
        unit=integer(dict(args), "unit") if args.get("unit") else None, category=args.get("category"),
        search=args.get("q"), page=args.get("page"), per_page=args.get("per_page"),
        board=args.get("board") in ("1", "true"), supervised=args.get("supervised") in ("1", "true"),
        after=args.get("after"), office=args.get("office")))


@bp.get("/items/<number>")
@allow("item.staff_view")
def item_detail(number):
    actor = current_actor()
    return jsonify(staff_view(staff_item(number, actor), actor))


@bp.post("/items/<number>/<action>")
@allow(lambda args: table_action(args["action"]))
def item_action(number, action):
    """One transition per action; resident supervisors may only `supervise` and `evaluate`."""
    if action not in ACTIONS:
        raise NotFound("未知的操作", code="unknown_action")
    actor = current_actor()
    item = staff_item(number, actor) if actor.kind == "staff" else visible_item(number, actor)
    item = ACTIONS[action](item, actor, **arguments(json_body(), SCHEMAS[action]))
    if actor.kind != "staff":
        return jsonify(public_view(item, actor))
    return jsonify(staff_view(item, actor))


@bp.get("/units")
@allow("units.list")
def units():
    return jsonify(people.active_units(office_in_view(current_actor(), request.args.get("office"))))


@bp.get("/users")
@allow("users.list")
def users():
    return jsonify(people.active_staff(request.args.get("role"),
                                       office_in_view(current_actor(), request.args.get("office"))))


@bp.get("/communities")
@allow("communities.read")
def community_list():
    """Every community, retired ones too (`active`), for the office's page."""
    return jsonify(communities.list_communities(include_inactive=True,
                                                office=office_in_view(current_actor(), request.args.get("office"))))


@bp.post("/communities")
@allow("communities.manage")
def add_community():
    row = communities.create_community(current_actor(), **arguments(json_body(), SCHEMAS["create_community"]))
    return jsonify(communities.community_json(row)), 201


@bp.patch("/communities/<int:community_id>")
@allow("communities.manage")
def change_community(community_id):
    row = communities.update_community(current_actor(), community_id,
                                       **arguments(json_body(), SCHEMAS["update_community"]))
    return jsonify(communities.community_json(row))


@bp.put("/communities/<int:community_id>/supervisors")
@allow("communities.manage")
def community_supervisors(community_id):
    """{supervisors: [staff id]} → the cadre supervisors whose area the community now is."""
    users = supervising.set_area_supervisors(current_actor(), community_id,
                                             **arguments(json_body(), SCHEMAS["area_supervisors"]))
    return jsonify([{"id": user.id, "name": user.name, "role": user.role, "area": user.area,
                     "bound": bool(user.openid)} for user in users])


@bp.get("/stats")
@allow("stats.read")
def rates():
    actor = current_actor()
    return jsonify(stats(request.args.get("from"), request.args.get("to"),
                         office=office_in_view(actor, request.args.get("office"))))


