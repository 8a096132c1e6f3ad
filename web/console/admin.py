"""Administration pages (系统管理) for the office and the system administrator: units of
every kind the seed names, staff accounts and roles, communities, the category tree
and the office's working-day calendar. Each form calls one pipeline operation; a
refused change shows its Chinese message on the same page (400) and changes nothing."""
from collections.abc import Callable
from typing import Any

from flask import flash, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from pipeline.accounts import admin
from pipeline.accounts.people import PASSWORD_MIN, cadre_choices
from pipeline.office import calendar, categories, communities
from pipeline.rules.boundary import local_now
from pipeline.rules.errors import DomainError
from pipeline.rules.offices import office_in_view
from pipeline.rules.states import ROLE_LABELS, TIERS, UNIT_KINDS
from pipeline.steps import supervising
from web.auth import allow

from . import bp

Page = tuple[str, int]


def _form(*names: str) -> dict[str, str | None]:
    return {name: (request.form.get(name) or "").strip() or None for name in names}


def _number(value: str | None) -> int | str | None:
    """A form's number as an int when it is one (else as typed: the operation refuses it)."""
    return int(value) if value is not None and value.isdigit() and len(value) < 10 else value


def _active(value: str | None) -> bool | None:
    return None if value is None else value == "1"


def _office() -> int | None:
    """The street office whose units, accounts and communities the page lists: the
    reader's own; the district's admin sees all, or the one picked (`?office=`)."""
    return office_in_view(g.actor, request.args.get("office"))


def _attempt(change: Callable[[], Any], done: str, target: str, page: Callable[[str], Page],
             **values: Any) -> BaseResponse | Page:
    """Run one change: on success flash `done` and go to `target`; refused, the page again with the message."""
    try:
        change()
    except DomainError as error:
        if error.status not in (400, 404, 409):
            raise
        return page(error.message)
    flash(done, "success")
    return redirect(url_for(target, **values))


# ---- units (承办单位)

def _units_page(error: str | None = None) -> Page:
    office = _office()
    return render_template("console/admin_units.html", units=admin.all_units(office), kinds=UNIT_KINDS,
                           communities=communities.list_communities(office=office), error=error,
                           failed=request.form if error else {}), 400 if error else 200


@bp.get("/admin/units")
@allow("units.manage")
def admin_units() -> Page:
    return _units_page()


@bp.post("/admin/units")
@allow("units.manage")
def admin_unit_add() -> BaseResponse | Page:
    fields = _form("name", "kind", "community", "office")
    return _attempt(lambda: admin.add_unit(g.actor, **fields), f"已添加单位：{fields['name']}",
                    "console.admin_units", _units_page)


@bp.post("/admin/units/<int:unit_id>")
@allow("units.manage")
def admin_unit_change(unit_id: int) -> BaseResponse | Page:
    fields = _form("name", "community", "active")
    return _attempt(lambda: admin.update_unit(g.actor, unit_id, name=fields["name"], community=fields["community"],
                                              active=_active(fields["active"])),
                    "单位已更新", "console.admin_units", _units_page)


# ---- accounts (账号)

def _users_page(error: str | None = None) -> Page:
    office = _office()
    return render_template("console/admin_users.html", users=admin.all_users(office), roles=ROLE_LABELS,
                           units=[u for u in admin.all_units(office) if u["active"]],
                           communities=communities.list_communities(office=office), password_min=PASSWORD_MIN,
                           error=error, failed=request.form if error else {}), 400 if error else 200


@bp.get("/admin/users")
@allow("users.manage")
def admin_users() -> Page:
    return _users_page()


@bp.post("/admin/users")
@allow("users.manage")
def admin_user_add() -> BaseResponse | Page:
    fields = _form("username", "name", "role", "unit", "area", "office")
    password = request.form.get("password") or ""
    return _attempt(lambda: admin.add_user(g.actor, password=password, **fields),
                    f"已创建账号：{fields['username']}，请将初始密码告知本人并提醒修改", "console.admin_users", _users_page)


@bp.post("/admin/users/<int:user_id>")
@allow("users.manage")
def admin_user_change(user_id: int) -> BaseResponse | Page:
    fields = _form("name", "role", "unit", "area")
    return _attempt(lambda: admin.update_user(g.actor, user_id, name=fields["name"], role=fields["role"],
                                              unit=fields["unit"] or "", area=fields["area"]),
                    "账号已更新", "console.admin_users", _users_page)


@bp.post("/admin/users/<int:user_id>/password")
@allow("users.manage")
def admin_user_password(user_id: int) -> BaseResponse | Page:
    password = request.form.get("password") or ""
    return _attempt(lambda: admin.reset_password(g.actor, user_id, password),
                    "密码已重置，该账号已在各处退出登录", "console.admin_users", _users_page)


@bp.post("/admin/users/<int:user_id>/active")
@allow("users.manage")
def admin_user_active(user_id: int) -> BaseResponse | Page:
    active = _active(request.form.get("active"))
    return _attempt(lambda: admin.set_user_active(g.actor, user_id, active),
                    "账号已启用" if active else "账号已停用，不能再登录", "console.admin_users", _users_page)


# ---- street offices (街道): the district's admin only

def _offices_page(error: str | None = None) -> Page:
    return render_template("console/admin_offices.html", offices=admin.all_offices(g.actor), error=error,
                           failed=request.form if error else {}), 400 if error else 200


@bp.get("/admin/offices")
@allow("offices.manage")
def admin_offices() -> Page:
    return _offices_page()


@bp.post("/admin/offices")
@allow("offices.manage")
def admin_office_add() -> BaseResponse | Page:
    fields = _form("name", "code")
    return _attempt(lambda: admin.add_office(g.actor, name=fields["name"], code=fields["code"], now=local_now()),
                    f"已添加街道：{fields['name']}", "console.admin_offices", _offices_page)


@bp.post("/admin/offices/<int:office_id>")
@allow("offices.manage")
def admin_office_change(office_id: int) -> BaseResponse | Page:
    fields = _form("name", "active")
    return _attempt(lambda: admin.update_office(g.actor, office_id, name=fields["name"],
                                                active=_active(fields["active"])),
                    "街道已更新", "console.admin_offices", _offices_page)


# ---- communities (社区)

def _communities_page(error: str | None = None) -> Page:
    office = _office()
    return render_template("console/admin_communities.html",
                           communities=communities.list_communities(include_inactive=True, office=office),
                           cadres=cadre_choices(office),
                           error=error,
                           failed=request.form if error else {}), 400 if error else 200


def _coordinate(value: str | None) -> float | str | None:
    try:
        return None if value is None else float(value)
    except ValueError:
        return value


@bp.get("/admin/communities")
@allow("communities.manage")
def admin_communities() -> Page:
    return _communities_page()


@bp.post("/admin/communities")
@allow("communities.manage")
def admin_community_add() -> BaseResponse | Page:
    fields = _form("name", "lat", "lng", "office")
    return _attempt(lambda: communities.create_community(g.actor, name=fields["name"], lat=_coordinate(fields["lat"]),
                                                         lng=_coordinate(fields["lng"]), office=fields["office"]),
                    f"已添加社区：{fields['name']}", "console.admin_communities", _communities_page)


@bp.post("/admin/communities/<int:community_id>")
@allow("communities.manage")
def admin_community_change(community_id: int) -> BaseResponse | Page:
    fields = _form("name", "lat", "lng", "active")
    return _attempt(lambda: communities.update_community(
        g.actor, community_id, name=fields["name"], lat=_coordinate(fields["lat"]), lng=_coordinate(fields["lng"]),
        active=_active(fields["active"])), "社区已更新", "console.admin_communities", _communities_page)


@bp.post("/admin/communities/<int:community_id>/supervisors")
@allow("communities.manage")
def admin_community_supervisors(community_id: int) -> BaseResponse | Page:
    """The community's cadre supervisors (督办小组 by area): an item there is theirs too."""
    picked = [_number(value) for value in request.form.getlist("supervisors")]
    return _attempt(lambda: supervising.set_area_supervisors(g.actor, community_id, picked),
                    "社区督办人员已更新", "console.admin_communities", _communities_page)


# ---- the category tree (分类)

def _categories_page(error: str | None = None) -> Page:
    return render_template("console/admin_categories.html", tree=categories.full_tree(), tiers=TIERS, error=error,
                           failed=request.form if error else {}), 400 if error else 200


@bp.get("/admin/categories")
@allow("categories.manage")
def admin_categories() -> Page:
    return _categories_page()


@bp.post("/admin/categories")
@allow("categories.manage")
def admin_category_add() -> BaseResponse | Page:
    fields = _form("name", "parent", "default_tier", "limit_days", "public")
    top = fields["parent"] is None
    return _attempt(lambda: categories.create_category(
        g.actor, name=fields["name"], parent=fields["parent"],
        default_tier=None if top else fields["default_tier"],
        limit_days=None if top else _number(fields["limit_days"]),
        public=_active(fields["public"]) if top else None),
        f"已添加分类：{fields['name']}", "console.admin_categories", _categories_page)


@bp.post("/admin/categories/<code>")
@allow("categories.manage")
def admin_category_change(code: str) -> BaseResponse | Page:
    fields = _form("name", "parent", "default_tier", "limit_days", "active")
    return _attempt(lambda: categories.update_category(
        g.actor, code, name=fields["name"], parent=fields["parent"], default_tier=fields["default_tier"],
        limit_days=_number(fields["limit_days"]), active=_active(fields["active"])),
        "分类已更新", "console.admin_categories", _categories_page)


# ---- the working-day calendar (节假日调整)

def _calendar_page(year: int, error: str | None = None) -> Page:
    return render_template("console/admin_calendar.html", year=year, grid=calendar.year_grid(year),
                           entries=calendar.year_calendar(year)["days"], kinds=calendar.DAY_KINDS,
                           picked=request.values.get("day") or "", error=error,
                           failed=request.form if error else {}), 400 if error else 200


def _year_arg() -> int:
    value = request.args.get("year") or ""
    return int(value) if value.isdigit() and 2000 <= int(value) <= 2099 else local_now().year


@bp.get("/admin/calendar")
@allow("calendar.manage")
def admin_calendar() -> Page:
    return _calendar_page(_year_arg())


@bp.post("/admin/calendar")
@allow("calendar.manage")
def admin_calendar_set() -> BaseResponse | Page:
    fields = _form("date", "kind", "note")
    year = int(fields["date"][:4]) if fields["date"] and fields["date"][:4].isdigit() else local_now().year
    label = calendar.DAY_KINDS.get(fields["kind"] or "", "")
    return _attempt(lambda: calendar.set_day(g.actor, fields["date"], fields["kind"], fields["note"]),
                    f"{fields['date']} 已设为{label}", "console.admin_calendar",
                    lambda message: _calendar_page(year if 2000 <= year <= 2099 else local_now().year, message),
                    year=year)


@bp.post("/admin/calendar/<day>/remove")
@allow("calendar.manage")
def admin_calendar_remove(day: str) -> BaseResponse | Page:
    year = int(day[:4]) if day[:4].isdigit() and 2000 <= int(day[:4]) <= 2099 else local_now().year
    return _attempt(lambda: calendar.remove_day(g.actor, day), f"已取消 {day} 的调整，按国家规定安排",
                    "console.admin_calendar", lambda message: _calendar_page(year, message), year=year)
