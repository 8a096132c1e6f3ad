"""Resident API: report (step 1), my items, rate (step 6), follow, consents."""
from flask import Blueprint, current_app, jsonify, request

from pipeline.accounts.people import record_subscriptions, update_profile
from pipeline.rules.boundary import local_now
from pipeline.rules.schemas import SCHEMAS
from pipeline.steps.intake import collect
from pipeline.steps.judging import rate
from pipeline.steps.oversight import evaluate, follow, unfollow
from pipeline.views.lists import list_mine
from pipeline.views.oversight import resident_supervised
from pipeline.views.queries import public_view, visible_item
from web.api_public import SUBSCRIBE_TITLES
from web.auth import allow, current_actor
from web.limits import REPORT, limiter
from web.params import arguments, json_body
from web.serialize import user_json

bp = Blueprint("api_resident", __name__, url_prefix="/api/v1")


@bp.post("/items")
@limiter.limit(REPORT)
@allow("item.report")
def report():
    actor = current_actor()
    item = collect(actor, channel="miniprogram", **arguments(json_body(), SCHEMAS["collect_app"]))
    return jsonify(public_view(item, actor)), 201


@bp.get("/items/mine")
@allow("items.mine")
def mine():
    return jsonify(list_mine(current_actor().resident, request.args.get("page"), request.args.get("per_page")))


@bp.post("/items/<number>/rating")
@allow("item.rate")
def rating(number):
    actor = current_actor()
    item = rate(visible_item(number, actor), actor, **arguments(json_body(), SCHEMAS["rate"]), source="app")
    return jsonify(public_view(item, actor))


@bp.post("/items/<number>/evaluation")
@allow("item.supervisor_evaluation")
def supervisor_evaluation(number):
    """A resident supervisor's 督办评议 {score, comment?}: on the sheet beside the cadres'."""
    actor = current_actor()
    body = arguments(json_body(), SCHEMAS["supervisor_evaluation"])
    item = evaluate(visible_item(number, actor), actor, kind="supervisor", **body)
    return jsonify(public_view(item, actor))


@bp.get("/me/supervised")
@allow("items.supervised")
def supervised():
    """The items a resident follows and, holding a badge, those of its area: {supervisor, areas, items}."""
    return jsonify(resident_supervised(current_actor(), local_now().date()))


@bp.post("/items/<number>/follow")
@allow("item.follow")
def follow_item(number):
    actor = current_actor()
    follow(visible_item(number, actor), actor)
    return jsonify(following=True)


@bp.delete("/items/<number>/follow")
@allow("item.unfollow")
def unfollow_item(number):
    actor = current_actor()
    unfollow(visible_item(number, actor), actor)
    return jsonify(following=False)


@bp.patch("/me")
@allow("profile.own")
def profile():
    """A resident sets their community (from GET /communities), name and phone."""
    actor = current_actor()
    update_profile(actor.resident, **arguments(json_body(), SCHEMAS["update_profile"]))
    return jsonify(user=user_json(actor))


@bp.post("/me/subscriptions")
@allow("subscriptions.record")
def subscriptions():
    accepted = arguments(json_body(), SCHEMAS["subscribe"])["accepted"]
    templates = {current_app.config[name] for name in SUBSCRIBE_TITLES}
    granted = record_subscriptions(current_actor().resident, accepted, templates)
    return jsonify(granted=granted)
