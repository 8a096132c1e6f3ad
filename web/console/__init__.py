"""The office console: server-rendered pages for staff, signed in by session
cookie (password or WeChat OAuth), every form guarded by a CSRF token."""
from urllib.parse import urlsplit

from flask import Blueprint, current_app, g, redirect, render_template, request, session, url_for
from flask_wtf.csrf import CSRFError, CSRFProtect

from pipeline.accounts.people import active_staff_user
from pipeline.rules import offices, permissions
from pipeline.rules.actors import actor_for_staff
from pipeline.rules.errors import DomainError
from pipeline.rules.settings import settings
from pipeline.rules.states import OFFICE_ROLES, ROLE_LABELS, STATUS_LABELS
from pipeline.rules.workdays import WorkCalendar
from pipeline.views.actions import overdue_label
from pipeline.views.queries import is_overdue, mask_phone
from web.auth import endpoint_action

bp = Blueprint("console", __name__, template_folder="../templates", static_folder="../static",
               static_url_path="/console-static")
csrf = CSRFProtect()


def in_wechat():
    return "MicroMessenger" in request.headers.get("User-Agent", "")


def local_target(target: str | None, default: str) -> str:
    """`target` if it is a path on this site, else `default`: never an open redirect.
    A backslash counts as a slash, as browsers read it (`/\\evil.com` is `//evil.com`)."""
    target = (target or "").replace("\\", "/")
    parts = urlsplit(target)
    if target.startswith("/") and not target.startswith("//") and not parts.scheme and not parts.netloc:
        return target
    return default


def sign_in(user):
    """Start a fresh session for `user` (a new session id on every sign-in)."""
    session.clear()
    session.permanent = True
    session["staff_id"] = user.id
    # A password change ends every other session: they carry the old hash's tail.
    session["pw"] = user.password_hash[-16:]


def session_user():
    staff_id = session.get("staff_id")
    if not staff_id:
        return None
    user = active_staff_user(staff_id)
    if user is None or session.get("pw") != user.password_hash[-16:]:
        session.clear()
        return None
    return user


@bp.before_app_request
def _console_guard():
    if request.blueprint != "console":
        return None
    # `g` outlives a request where an app context was already pushed (tests, CLI):
    # nothing from an earlier request may count as this one's.
    for name in ("console_user", "actor", current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")):
        g.pop(name, None)
    if request.method == "POST":
        csrf.protect()
    user = session_user()
    if user is not None:
        g.actor = actor_for_staff(user)
        g.console_user = user
        return None
    if request.endpoint is None:
        return None
    action = endpoint_action(current_app, request.endpoint, request.view_args)
    if action is not None and permissions.permitted(action, None):
        return None  # a page anyone may open (signing in)
    target = "console.wechat_login" if in_wechat() else "console.login"
    return redirect(url_for(target, next=request.full_path.rstrip("?")))


@bp.app_context_processor
def _layout_values():
    if request.blueprint != "console":
        return {}
    user = g.get("console_user")
    choices = offices.picker(g.get("actor"))
    return {"me": user, "role_name": ROLE_LABELS.get(user.role, "工作人员") if user else None,
            "statuses": STATUS_LABELS, "is_overdue": is_overdue, "overdue_label": _overdue_label,
            "office_name": settings.office_name,
            # The district's street offices to pick from (none for one office, or for an office's staff).
            "office_choices": choices, "chosen_office": request.args.get("office") or "",
            # Rows name their street office where the reader sees several (the district).
            "office_names": {office["id"]: office["name"] for office in offices.offices()} if choices else {}}


def _overdue_label(due, today):
    """`overdue_label` with one working calendar per request (lists show many rows)."""
    if "work_calendar" not in g:
        g.work_calendar = WorkCalendar()
    return overdue_label(due, today, g.work_calendar)


@bp.app_template_filter("when")
def _when(value):
    """An ISO time as people read it: "2026-11-23 10:00"."""
    return (value or "")[:16].replace("T", " ")


@bp.app_template_filter("for_reader")
def _for_reader(text):
    """An item's free text as the signed-in reader may see it: phone and ID numbers
    in full for the office only (the rule the sheet's content follows)."""
    user = g.get("console_user")
    return text if user is not None and user.role in OFFICE_ROLES else mask_phone(text)


@bp.errorhandler(DomainError)
def _domain_error(error):
    return render_template("console/error.html", message=error.message), error.status


@bp.errorhandler(CSRFError)
def _csrf_error(error):
    return render_template("console/error.html", message="页面已过期或来源不明，请刷新后重试"), 400


def register_console(app):
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)  # only the console's forms; the API uses tokens
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # valid for the session's life
    csrf.init_app(app)
    from web.console import account, acting, admin, bulletins, dashboards, oversight, pages, papers, public, visits  # noqa: F401 - they add their routes to bp
    app.register_blueprint(bp)
