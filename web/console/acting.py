"""Acting on items from the console: one POST endpoint for every action (the
staff API's operations and schemas), the classify form's working-day deadline,
and recording opinions from offline channels.

A form is read into the same JSON-like body the staff API takes and checked by
the same schema (`web.params.arguments`); a DomainError shows its Chinese
message on the page and changes nothing (the operation's transaction is rolled back).
"""
from collections.abc import Callable
from typing import Any, BinaryIO, cast

from flask import current_app, flash, g, redirect, render_template, request, url_for

from pipeline.files.uploads import store_upload
from pipeline.office.catalog import category_tree
from pipeline.routines import gatherings
from pipeline.rules.boundary import local_now
from pipeline.rules.errors import DomainError, Invalid, NotFound
from pipeline.rules.permissions import item_action
from pipeline.rules.schemas import SCHEMAS, Schema
from pipeline.rules.states import CHANNELS, EVENT_LABELS, GATHERING_KINDS, OFFLINE_CHANNELS, TIERS
from pipeline.steps import intake, spot
from pipeline.views.desk import communities
from pipeline.views.queries import staff_item
from web.api_staff import ACTIONS
from web.auth import allow
from web.params import arguments

from . import bp, local_target
from .pages import render_item

DONE = {"classify": "已分类交办", "claim": "已领办", "return": "已退单", "progress": "已记录进展",
        "escalate": "已上报会诊", "consult": "已记录会诊结论", "meeting": "已记录会议", "resolve": "已报告办理结果",
        "supervise": "已记录督办意见", "evaluate": "已记录评议", "callback": "已记录回访", "merge": "已合并",
        "reject": "已不予受理", "assign_supervisor": "已指定督办人员", "wide_concern": "已更新群众面较广标记"}


def _photo_ids(name: str) -> list[int]:
    """Photos picked in the form, stored through the upload checks (type, size, pixels, daily limit)."""
    ids = []
    config = current_app.config
    for file in request.files.getlist(name):
        if file and file.filename:
            photo = store_upload(g.actor, cast(BinaryIO, file.stream), config["UPLOAD_DIR"], limit=config.get("UPLOAD_DAILY_LIMIT", 30))
            ids.append(photo.id)
    return ids


def _number(value: str, field: str) -> float:
    try:
        return float(value)
    except ValueError:
        raise Invalid("请填写数字", field=field) from None


def _satisfaction(form: Any) -> float | None:
    """An evaluation meeting's count of satisfied people out of those who voted, as a share."""
    satisfied, voters = (form.get(name, "").strip() for name in ("satisfied", "voters"))
    if not satisfied and not voters:
        return None
    if not (satisfied.isdigit() and voters.isdigit()) or int(voters) == 0 or int(satisfied) > int(voters):
        raise Invalid("请填写满意人数和参加评议人数（满意人数不能多于评议人数）", field="satisfaction")
    return int(satisfied) / int(voters)


def _milestones(form: Any) -> list[dict[str, str]] | None:
    """The classify form's timetable rows as `[{date, text}]` (blank rows left out); None
    when the form didn't show them (the timetable then stays as it is)."""
    if not form.get("milestones_shown"):
        return None
    dates, texts = form.getlist("milestone_date"), form.getlist("milestone_text")
    rows = [{"date": day.strip(), "text": text.strip()} for day, text in zip(dates, texts, strict=False)
            if day.strip() or text.strip()]
    return rows


def form_body(schema: Schema) -> dict[str, Any]:
    """The posted form as the JSON body the staff API takes for this schema."""
    form, body = request.form, {}  # type: Any, dict[str, Any]
    for name, field in schema.items():
        if name == "milestones":
            rows = _milestones(form)
            if rows is not None:
                body[name] = rows
        elif field.kind == "ids" and field.argument != "photo_ids":
            picked = [value for value in form.getlist(name) if value.strip()]
            if picked:
                body[name] = [int(value) if value.strip().isdigit() else value for value in picked]
        elif field.kind == "ids":
            ids = _photo_ids(name)
            if ids:
                body[name] = ids
        elif field.kind == "boolean":
            if form.get(name):
                body[name] = True
        elif field.kind == "fraction":
            share = _satisfaction(form)
            if share is not None:
                body[name] = share
        elif field.kind == "number":
            if form.get(name, "").strip():
                body[name] = _number(form[name], name)
        elif field.kind == "any":
            lines = [part.strip() for part in form.get(name, "").replace("\n", ",").split(",")]
            if any(lines):
                body[name] = [part for part in lines if part]
        elif form.get(name, "").strip():
            body[name] = form[name].strip()
    return body


def _back(default: str) -> str:
    """Where to go after acting: a page on this site the form names, else `default`."""
    return local_target(request.form.get("next"), default)


@bp.post("/items/<number>/do/<action>")
@allow(lambda args: item_action(args["action"]))
def act(number: str, action: str) -> Any:
    """One transition from a console form: the staff API's operation for `action`."""
    if action not in ACTIONS:
        raise NotFound("未知的操作", code="unknown_action")
    item = staff_item(number, g.actor)
    try:
        operation = cast(Callable[..., Any], ACTIONS[action])
        operation(item, g.actor, **arguments(form_body(SCHEMAS[action]), SCHEMAS[action]))
    except DomainError as error:
        if request.form.get("next"):
            flash(error.message, "error")
            return redirect(_back(url_for("console.item", number=number)), 303)
        return render_item(staff_item(number, g.actor), error=error.message, failed=action), error.status
    label = DONE.get(action) or EVENT_LABELS.get(action, action)
    flash(f"{number}：{label}", "success")
    return redirect(_back(url_for("console.item", number=number)), 303)


@bp.get("/due")
@allow("items.work_list")
def due_preview() -> Any:
    """The classify form's deadline: the tier's default in working days for the category."""
    now = local_now()
    today = now.date()
    try:
        category = intake.subcategory(request.args.get("category", ""))
        tier = request.args.get("tier", "")
        due = intake.default_due(tier, category, now) if tier in TIERS else None
    except DomainError:
        due = None
    return render_template("console/_due.html", due=due, today=today)


# The ways /items/new records what cadres heard: one opinion, one answered on the spot
# (现场答复、立时办结), or a symposium or survey with all its opinions.
INTAKE_MODES = {"one": "一般意见", "on_spot": "现场答复", "gathering": "座谈会、书面调查"}


def _gathering_body() -> dict[str, Any]:
    """The symposium/survey form as POST /api/v1/staff/gatherings's body: attendees at
    commas and lines, opinions one per line (an opinion may hold commas)."""
    body = form_body(SCHEMAS["record_gathering"])
    body.pop("opinions", None)
    attendees = request.form.get("attendees", "").replace("\r", "").replace("\n", ",").strip()
    if attendees:
        body["attendees"] = attendees  # split at commas (，too) by the operation
    lines = [line.strip() for line in request.form.get("opinions", "").splitlines() if line.strip()]
    if lines:
        body["opinions"] = lines
    return body


def _record(mode: str) -> list[str]:
    """Record the posted form in its mode; the numbers of the items made."""
    if mode == "gathering":
        _gathering, items = gatherings.record_gathering(g.actor, **arguments(_gathering_body(),
                                                                            SCHEMAS["record_gathering"]))
        return [item.number for item in items]
    body = form_body(SCHEMAS["collect_offline"])
    body.pop("on_spot", None)
    if mode == "on_spot":
        body["on_spot"] = {"result": request.form.get("result", "").strip()}
    return [spot.collect_offline(g.actor, **arguments(body, SCHEMAS["collect_offline"])).number]


@bp.route("/items/new", methods=["GET", "POST"])
@allow("item.collect_offline")
def record_opinions() -> Any:
    """What any cadre heard, typed in (`?mode=`): one opinion from an offline channel
    (访谈, 意见箱, 电话, ...); one answered on the spot, recorded resolved; or a
    symposium or survey recorded once with its date, place, attendees and opinions
    (one per line), each opinion an item linked to it — one transaction either way."""
    mode = request.values.get("mode", "one")
    mode = mode if mode in INTAKE_MODES else "one"
    error, status = None, 200
    if request.method == "POST":
        try:
            numbers = _record(mode)
        except DomainError as exc:
            error, status = exc.message, exc.status
        else:
            flash(f"已录入{len(numbers)}条意见：{'、'.join(numbers)}", "success")
            if len(numbers) == 1:
                return redirect(url_for("console.item", number=numbers[0]), 303)
            return redirect(url_for("console.items", status="collected"), 303)
    channels = {code: label for code, label in CHANNELS.items() if code in OFFLINE_CHANNELS and code != "visit"}
    return render_template("console/new.html", channels=channels, communities=communities(), error=error,
                           form=request.form, mode=mode, modes=INTAKE_MODES, kinds=GATHERING_KINDS,
                           categories=category_tree() if mode == "on_spot" else [],
                           today=local_now().date().isoformat()), status
