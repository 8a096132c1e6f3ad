"""Resident API: report (step 1), my items, rate (step 6), follow, consents."""
from flask import Blueprint, current_app, jsonify, request

from pipeline.accounts.people import record_subscriptions, update_profile
from pipeline.rules.schemas import SCHEMAS
from pipeline.steps.intake import collect
from pipeline.steps.judging import rate
from pipeline.steps.oversight import follow, unfollow
from pipeline.views.queries import list_mine, public_view, visible_item
from web.api_public import SUBSCRIBE_TITLES
from web.auth import current_actor, login_required
from web.limits import REPORT, limiter
from web.params import arguments, json_body
from web.serialize import user_json

bp = Blueprint("api_resident", __name__, url_prefix="/api/v1")


@bp.post("/items")
@limiter.limit(REPORT)
@login_required(kind="resident")
def report():
    actor = current_actor()
    item = collect(actor, channel="miniprogram", **arguments(json_body(), SCHEMAS["collect_app"]))
    return jsonify(public_view(item, actor)), 201


@bp.get("/items/mine")
@login_required(kind="resident")
def mine():
    return jsonify(list_mine(current_actor().resident, request.args.get("page"), request.args.get("per_page")))


@bp.post("/items/<number>/rating")
@login_required(kind="resident")
def rating(number):
    actor = current_actor()
    item = rate(visible_item(number, actor), actor, **arguments(json_body(), SCHEMAS["rate"]), source="app")
    return jsonify(public_view(item, actor))


@bp.route("/items/<number>/follow", methods=["POST", "DELETE"])
@login_required()
def follow_item(number):
    actor = current_actor()
    item = visible_item(number, actor)
    if request.method == "POST":
        follow(item, actor)
        return jsonify(following=True)
    unfollow(item, actor)
    return jsonify(following=False)


@bp.patch("/me")
@login_required(kind="resident")
def profile():
    """A resident sets their community (from GET /communities), name and phone."""
    actor = current_actor()
    update_profile(actor.resident, **arguments(json_body(), SCHEMAS["update_profile"]))
    return jsonify(user=user_json(actor))


@bp.post("/me/subscriptions")
@login_required(kind="resident")
def subscriptions():
    accepted = arguments(json_body(), SCHEMAS["subscribe"])["accepted"]
    templates = {current_app.config[name] for name in SUBSCRIBE_TITLES}
    granted = record_subscriptions(current_actor().resident, accepted, templates)
    return jsonify(granted=granted)
