"""Staff API: offline intake, work lists, the sheet, one transition per action."""
from flask import Blueprint, jsonify, request

from models import Item, StaffUser, Unit, local_now
from pipeline import handling, intake, judging, notify, oversight
from pipeline.errors import Invalid, NotFound
from pipeline.queries import category_filter, page_args, paginate, public_view, staff_scope, summary, visible_item
from pipeline.sheet import staff_view
from pipeline.states import OFFLINE_CHANNELS, STATUS_LABELS, UNDER_DEADLINE
from pipeline.stats import stats
from web.auth import current_actor, login_required
from web.params import allowed, boolean, id_list, integer, json_body, text

bp = Blueprint("api_staff", __name__, url_prefix="/api/v1/staff")


def req(max_length):
    return lambda d, name: text(d, name, True, max_length)


def opt(max_length):
    return lambda d, name: text(d, name, False, max_length)


def fraction(d, name):
    value = d.get(name)
    if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
        raise Invalid("满意率应为0到1之间的数字", field=name)
    return value


def attendees(d, name):
    return d.get(name)


# action -> (operation, {body field: (keyword argument, parser)})
ACTIONS = {
    "classify": (intake.classify, {
        "category": ("category", req(32)), "leader": ("leader", lambda d, n: integer(d, n, True)),
        "unit": ("unit", lambda d, n: integer(d, n, True)), "tier": ("tier", req(16)), "due": ("due", opt(10)),
        "roadmap": ("roadmap", req(2000)), "wide_concern": ("wide_concern", boolean)}),
    "claim": (handling.claim, {"unit": ("unit", integer), "role": ("role", lambda d, n: opt(8)(d, n) or "lead")}),
    "return": (handling.return_to_office, {"reason": ("reason", req(1000))}),
    "progress": (handling.progress, {"note": ("note", req(2000)), "photos": ("photo_ids", id_list)}),
    "escalate": (handling.escalate, {"reason": ("reason", req(2000))}),
    "consult": (handling.consult, {"conclusion": ("conclusion", req(4000)), "due": ("due", req(10))}),
    "meeting": (handling.record_meeting, {
        "kind": ("kind", req(16)), "held_at": ("held_at", req(40)), "attendees": ("attendees", attendees),
        "minutes": ("minutes", req(10000)), "satisfaction": ("satisfaction", fraction)}),
    "resolve": (handling.resolve, {"result": ("result", req(4000)), "photos": ("photo_ids", id_list),
                                   "outcome": ("outcome", opt(16))}),
    "supervise": (oversight.supervise, {"note": ("note", req(2000)), "urge": ("urge", boolean)}),
    "evaluate": (oversight.evaluate, {"kind": ("kind", req(16)), "score": ("score", req(32)),
                                      "comment": ("comment", opt(2000))}),
    "callback": (judging.callback, {"score": ("score", req(32)), "comment": ("comment", req(1000))}),
    "merge": (intake.merge, {"into": ("into", req(16))}),
    "reject": (intake.reject, {"reason": ("reason", req(1000))}),
}


@bp.post("/items")
@login_required(kind="staff")
def create_item():
    data = json_body()
    allowed(data, {"content", "channel", "reporter_name", "reporter_phone", "community", "address", "category"})
    channel = text(data, "channel", True, 16)
    if channel not in OFFLINE_CHANNELS:
        raise Invalid("渠道应为线下渠道之一：" + "、".join(sorted(OFFLINE_CHANNELS)), field="channel")
    actor = current_actor()
    item = intake.collect(actor, text(data, "content", True, 2000), channel,
                          category=text(data, "category", max_length=32),
                          community=text(data, "community", max_length=100),
                          address=text(data, "address", max_length=255),
                          reporter_name=text(data, "reporter_name", max_length=64),
                          reporter_phone=text(data, "reporter_phone", max_length=32))
    return jsonify(staff_view(item, actor)), 201


@bp.get("/items")
@login_required(kind="staff")
def work_list():
    args = request.args
    actor = current_actor()
    today = local_now().date()
    page, per_page = page_args(args.get("page"), args.get("per_page"))
    query = staff_scope(Item.select(), actor)
    if args.get("status"):
        if args["status"] not in STATUS_LABELS:
            raise Invalid("状态无效", field="status")
        query = query.where(Item.status == args["status"])
    if args.get("overdue") in ("1", "true"):
        query = query.where(Item.status.in_(UNDER_DEADLINE) & (Item.due < today))
    if args.get("unit"):
        unit_id = integer(dict(args), "unit")
        query = query.where((Item.unit == unit_id) | (Item.claimed_unit == unit_id))
    if args.get("category"):
        query = query.where(category_filter(args["category"]))
    if args.get("q"):
        q = args["q"][:100]
        query = query.where(Item.number.contains(q) | Item.content.contains(q))
    query = query.order_by(Item.due.is_null(), Item.due, Item.created_at.desc(), Item.id.desc())
    return jsonify(paginate(query, page, per_page, lambda item: summary(item, today)))


@bp.get("/items/<number>")
@login_required(kind="staff")
def item_detail(number):
    actor = current_actor()
    return jsonify(staff_view(visible_item(number, actor), actor))


@bp.post("/items/<number>/<action>")
@login_required()
def item_action(number, action):
    """One transition per action; resident supervisors may only `supervise` and `evaluate`."""
    if action not in ACTIONS:
        raise NotFound("未知的操作", code="unknown_action")
    operation, fields = ACTIONS[action]
    actor = current_actor()
    item = visible_item(number, actor)
    data = json_body()
    allowed(data, fields)
    arguments = {keyword: parse(data, name) for name, (keyword, parse) in fields.items()}
    item = operation(item, actor, **arguments)
    if actor.kind != "staff":
        return jsonify(public_view(item, actor))
    return jsonify(staff_view(item, actor))


@bp.get("/units")
@login_required(kind="staff")
def units():
    rows = Unit.select().where(Unit.active).order_by(Unit.kind, Unit.name)
    return jsonify([{"id": u.id, "name": u.name, "kind": u.kind, "community": u.community} for u in rows])


@bp.get("/users")
@login_required(kind="staff")
def users():
    query = StaffUser.select().where(StaffUser.active).order_by(StaffUser.role, StaffUser.name)
    role = request.args.get("role")
    if role:
        query = query.where(StaffUser.role == role)
    return jsonify([{"id": u.id, "name": u.name, "role": u.role, "unit": u.unit_id, "bound": bool(u.openid),
                     "receives_pushes": notify.reachable(u)} for u in query])


@bp.get("/stats")
@login_required(kind="staff")
def rates():
    return jsonify(stats(request.args.get("from"), request.args.get("to")))


