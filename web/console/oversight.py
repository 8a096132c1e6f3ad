"""Supervision pages: a supervisor's list, the call-back list (回访), and the
office's badge desk (issue, list, renew, revoke, print cards)."""
from datetime import date

from flask import Response, current_app, flash, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from pipeline.accounts.badges import (
    KINDS,
    STATES,
    badge_json,
    bind_badge_to_staff,
    issue_badge,
    list_badges,
    office_badge,
    renew_badge,
    revoke_badge,
)
from pipeline.accounts.people import active_staff
from pipeline.rules.boundary import local_now
from pipeline.rules.errors import Invalid, WrongState
from pipeline.views.oversight import callback_rows, supervision_list
from web.auth import allow
from web.printing.cards import CARD_TITLES, card_png, require_cjk_font

from . import bp

BADGE_FIELDS = ("name", "phone", "area", "kind", "valid_until")


@bp.get("/supervision")
@allow("supervision.read")
def supervision():
    """督查督办: the items I supervise or follow, and those of my area."""
    today = local_now().date()
    return render_template("console/supervision.html", sections=supervision_list(g.actor, today), today=today)


@bp.get("/callbacks")
@allow("callbacks.read")
def callbacks():
    """回访: resolved items still unrated a week on; each opens the item page to record the call."""
    return render_template("console/callbacks.html", rows=callback_rows(g.actor, request.args.get("office")), today=local_now().date())


def _public_url(path: str) -> str:
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + path


def _badge_page(error: str | None = None, failed: dict | None = None, status: int = 200) -> tuple[str, int]:
    today = local_now().date()
    state = (request.args.get("state") or "").strip() or None
    badges = list_badges(g.actor, state, today)
    return render_template("console/badges.html", badges=[badge_json(b, today) for b in badges], state=state,
                           kinds=KINDS, states=STATES, today=today, error=error, failed=failed or {},
                           staff=active_staff(),
                           renew_default=_a_year_on(today),
                           renew_to={b.id: _a_year_on(max(b.valid_until, today)).isoformat() for b in badges}), status


def _a_year_on(day: date) -> date:
    """The same day a year later (28 February for 29 February): what 续期 offers."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


@bp.get("/badges")
@allow("badges.manage")
def badges():
    return _badge_page()


@bp.post("/badges")
@allow("badges.manage")
def badge_issue() -> BaseResponse | tuple[str, int]:
    fields: dict[str, object] = {name: (request.form.get(name) or "").strip() or None for name in BADGE_FIELDS}
    try:
        badge = issue_badge(g.actor, name=fields["name"], kind=fields["kind"], valid_until=fields["valid_until"],
                            phone=fields["phone"], area=fields["area"])
    except Invalid as error:
        return _badge_page(error.message, fields, 400)
    flash(f"已发放督办证 {badge.number}（{badge.name}），可打印证卡", "success")
    return redirect(url_for("console.badges"))


@bp.post("/badges/<int:badge_id>/renew")
@allow("badges.manage")
def badge_renew(badge_id: int) -> BaseResponse | tuple[str, int]:
    badge = office_badge(g.actor, badge_id)
    try:
        badge = renew_badge(g.actor, badge, request.form.get("valid_until"))
    except (Invalid, WrongState) as error:
        return _badge_page(f"{badge.number}：{error.message}", None, 400)
    flash(f"督办证 {badge.number} 已续期至 {badge.valid_until.isoformat()}，请重新打印证卡", "success")
    return redirect(url_for("console.badges"))


@bp.post("/badges/<int:badge_id>/holder")
@allow("badges.manage")
def badge_holder(badge_id: int) -> BaseResponse | tuple[str, int]:
    """A cadre badge held by a staff account: its expiry warning reaches that person."""
    badge = office_badge(g.actor, badge_id)
    try:
        badge = bind_badge_to_staff(g.actor, badge, request.form.get("staff"))
    except (Invalid, WrongState) as error:
        return _badge_page(f"{badge.number}：{error.message}", None, 400)
    flash(f"督办证 {badge.number} 已绑定工作人员 {badge.staff.name}", "success")
    return redirect(url_for("console.badges"))


@bp.post("/badges/<int:badge_id>/revoke")
@allow("badges.manage")
def badge_revoke(badge_id: int) -> BaseResponse:
    badge = revoke_badge(g.actor, office_badge(g.actor, badge_id))
    flash(f"督办证 {badge.number}（{badge.name}）已撤销", "success")
    return redirect(url_for("console.badges"))


@bp.get("/badges/<int:badge_id>/card.png")
@allow("badges.manage")
def badge_card(badge_id: int) -> Response:
    badge = office_badge(g.actor, badge_id)
    png = card_png(badge, _public_url(f"/b/{badge.token}"), local_now().date(),
                   font_file=current_app.config.get("BADGE_FONT"))
    return Response(png, mimetype="image/png", headers={"Cache-Control": "no-store"})


@bp.get("/badges/cards")
@allow("badges.manage")
def badge_cards() -> str:
    """A printable A4 page of cards: the badges ticked on the list, or every valid one."""
    wanted = {int(i) for i in request.args.getlist("id") if i.isdigit()}
    today = local_now().date()
    found = [b for b in list_badges(g.actor, None if wanted else "valid", today) if not wanted or b.id in wanted]
    require_cjk_font(current_app.config.get("BADGE_FONT"))  # refuse the page, not a sheet of broken images
    return render_template("console/badge_cards.html", badges=[badge_json(b, today) for b in found],
                           titles=CARD_TITLES)
