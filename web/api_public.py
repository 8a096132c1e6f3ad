"""Public API: auth, categories, an item's public view, the results board."""
from flask import Blueprint, current_app, jsonify, request

from pipeline.accounts.people import check_staff_password, resident_for_openid, revoke_token
from pipeline.office.catalog import category_tree
from pipeline.office.communities import list_communities
from pipeline.rules.errors import Forbidden, Invalid, NotFound, TooMany, UpstreamError
from pipeline.rules.schemas import SCHEMAS
from pipeline.views.lists import board
from pipeline.views.queries import public_view, visible_item
from web.auth import allow, current_actor, optional_actor
from web.limits import LOGIN, anonymous_reads, client_key, limiter, login_limits
from web.params import arguments, json_body
from web.serialize import token_response, user_json

bp = Blueprint("api_public", __name__, url_prefix="/api/v1")

# code2session errors: a bad or used code is the caller's, a busy WeChat is upstream.
LOGIN_ERRORS = {40029: Invalid, 40163: Invalid, 45011: TooMany, 40226: Forbidden}

SUBSCRIBE_TITLES = {
    "SUBSCRIBE_ITEM_PROGRESS": "办理进度通知",
    "SUBSCRIBE_ITEM_RESULT": "办理结果通知",
}


@bp.post("/auth/wxlogin")
@allow("sign_in")
@limiter.limit(LOGIN, key_func=client_key)
def wxlogin():
    """Mini-program login: code2session via WeChat, then our own token (never session_key)."""
    from wechat.logins import WeChatAPIError, code_to_session

    code = arguments(json_body(), SCHEMAS["wxlogin"])["code"]
    try:
        session = code_to_session(current_app.config, code, timeout=current_app.config["WECHAT_WEB_TIMEOUT"])
    except WeChatAPIError as error:
        failure = LOGIN_ERRORS.get(error.errcode, UpstreamError)
        code = "wechat_unreachable" if error.errcode is None else f"wechat_{error.errcode}".replace("-", "")
        raise failure(error.message, code=code) from error
    resident = resident_for_openid(session["openid"], source="mp", unionid=session.get("unionid"))
    lifetime = current_app.config["RESIDENT_TOKEN_DAYS"]
    return token_response(resident=resident, lifetime_days=lifetime)


@bp.post("/auth/staff")
@allow("sign_in")
@login_limits
def staff_login():
    user = check_staff_password(**arguments(json_body(), SCHEMAS["staff_login"]))
    return token_response(staff=user, lifetime_hours=current_app.config["STAFF_TOKEN_HOURS"])


@bp.post("/auth/logout")
@allow("sign_out")
def logout():
    from flask import g

    current_actor()
    revoke_token(g.token_row)
    return jsonify(ok=True)


@bp.get("/me")
@allow("me.read")
def me():
    return jsonify(user=user_json(current_actor()))


@bp.get("/categories")
@allow("public")
def categories():
    return jsonify(category_tree())


@bp.get("/communities")
@allow("public")
def communities():
    """The office's communities, for pickers: [{id, name, lat, lng, active}]."""
    return jsonify(list_communities())


@bp.get("/items/<number>")
@allow("item.read")
@anonymous_reads
def item_view(number):
    viewer = optional_actor()
    return jsonify(public_view(visible_item(number, viewer), viewer))


@bp.get("/board")
@allow("public")
def results_board():
    args = request.args
    return jsonify(board(community=args.get("community") or None, category=args.get("category") or None,
                         page=args.get("page"), per_page=args.get("per_page")))


@bp.get("/scenes/<scene>")
@allow("item.read")
def scene(scene):
    """Resolve a mini-program code's scene (`i=<number>`) to what it points at (an item
    the asker may see: a 作风 item's code tells nobody else it exists)."""
    kind, _, value = scene.partition("=")
    if kind != "i":
        raise NotFound("无法识别的二维码", code="not_found")
    item = visible_item(value, optional_actor())
    return jsonify(type="item", number=item.number)


@bp.get("/openapi.json")
@allow("public")
def openapi_description():
    """This API described in OpenAPI 3.1 (built from the routes and schemas the code declares)."""
    from web.openapi import described

    return jsonify(described(current_app))


@bp.get("/subscriptions/templates")
@allow("public")
def subscription_templates():
    config = current_app.config
    return jsonify([{"id": config[name], "title": title} for name, title in SUBSCRIBE_TITLES.items()])
