"""Supervision badges (督办证) and codes: the office issues, revokes and prints
badges; residents bind them; public H5 pages for a badge (`/b/<token>`) and for
an item scanned with a plain camera (`/i/<number>`); an item's QR code PNG."""
import os

from flask import Blueprint, Response, current_app, jsonify, render_template

from pipeline.accounts.badges import (
    badge_for_token,
    badge_json,
    badge_state,
    bind_badge,
    bind_badge_to_staff,
    get_badge,
    issue_badge,
    revoke_badge,
)
from pipeline.rules.actors import actor_for_resident
from pipeline.rules.boundary import local_now
from pipeline.rules.errors import NotFound
from pipeline.rules.schemas import SCHEMAS
from pipeline.views.queries import public_view, visible_item
from web.auth import allow, current_actor, optional_actor
from web.limits import anonymous_reads
from web.params import arguments, json_body
from web.printing.cards import card_png
from web.printing.codes import item_code
from web.serialize import user_json

bp = Blueprint("api_badges", __name__, template_folder="templates")

H5_HEADERS = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex", "Referrer-Policy": "no-referrer",
              "X-Content-Type-Options": "nosniff",
              "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; "
                                         "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"}


def _public_url(path):
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + path


@bp.post("/api/v1/staff/badges")
@allow("badges.manage")
def issue():
    """{name, phone?, area?, kind, valid_until} → 201 {id, number, token, card_url, ...}."""
    badge = issue_badge(current_actor(), **arguments(json_body(), SCHEMAS["issue_badge"]))
    body = badge_json(badge, local_now().date())
    body.update(token=badge.token, url=_public_url(f"/b/{badge.token}"))
    return jsonify(body), 201


@bp.delete("/api/v1/staff/badges/<int:badge_id>")
@allow("badges.manage")
def revoke(badge_id):
    badge = revoke_badge(current_actor(), get_badge(badge_id))
    return jsonify(badge_json(badge, local_now().date()))


@bp.post("/api/v1/staff/badges/<int:badge_id>/holder")
@allow("badges.manage")
def bind_to_staff(badge_id):
    """{staff} → the cadre badge is held by that staff account (its expiry warning reaches them)."""
    badge = bind_badge_to_staff(current_actor(), get_badge(badge_id), **arguments(json_body(), SCHEMAS["badge_holder"]))
    return jsonify(badge_json(badge, local_now().date()))


@bp.get("/api/v1/staff/badges/<int:badge_id>/card.png")
@allow("badges.manage")
def card(badge_id):
    badge = get_badge(badge_id)
    png = card_png(badge, _public_url(f"/b/{badge.token}"), local_now().date(),
                   font_file=current_app.config.get("BADGE_FONT"))
    return Response(png, mimetype="image/png", headers={"Cache-Control": "no-store"})


@bp.post("/api/v1/badges/bind")
@allow("badge.bind")
def bind():
    """{token} (from the badge's QR code) → {badge, user}; the resident is now a supervisor."""
    actor = current_actor()
    badge = bind_badge(actor, **arguments(json_body(), SCHEMAS["bind_badge"]))
    today = local_now().date()
    return jsonify(badge=badge_json(badge, today, staff=False), user=user_json(actor_for_resident(actor.resident,
                                                                                                  today)))


@bp.get("/b/<token>")
@allow("public")
def badge_page(token):
    """The public check of a badge: valid, revoked or expired (holder's name masked)."""
    badge = badge_for_token(token)
    if badge is None:
        return render_template("badge.html", badge=None), 404, H5_HEADERS
    today = local_now().date()
    return render_template("badge.html", badge=badge_json(badge, today, staff=False),
                           state=badge_state(badge, today)), 200, H5_HEADERS


@bp.get("/api/v1/items/<number>/qrcode.png")
@allow("item.read")
def item_qrcode(number):
    """WeChat's mini-program code when configured, else a QR of the public /i/<number> page."""
    item = visible_item(number, optional_actor())
    config = current_app.config
    source, png = item_code(item, base_url=config["PUBLIC_BASE_URL"],
                            cache_dir=os.path.join(config["UPLOAD_DIR"], "codes"),
                            fetch_wxacode=_wxacode_fetcher(config))
    return Response(png, mimetype="image/png", headers={"Cache-Control": "private, max-age=3600",
                                                        "X-Code-Source": source})


@bp.get("/i/<number>")
@allow("item.public_page")
@anonymous_reads
def item_page(number):
    """For a URL QR scanned with a plain camera: the item's public view as a small page."""
    try:
        item = visible_item(number, None)
    except NotFound:
        return render_template("badge_item.html", item=None), 404, H5_HEADERS
    return render_template("badge_item.html", item=public_view(item)), 200, H5_HEADERS


def _wxacode_fetcher(config):
    """wechat.client's, imported when a code is first made: WeChat's libraries stay out of workers that make none."""
    from wechat.client import wxacode_fetcher

    return wxacode_fetcher(config)
