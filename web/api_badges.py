"""Supervision badges (督办证) and codes: the office issues, revokes and prints
badges; residents bind them; public H5 pages for a badge (`/b/<token>`) and for
an item scanned with a plain camera (`/i/<number>`); an item's QR code PNG."""
import os

import requests
from flask import Blueprint, Response, current_app, jsonify, render_template

from models import local_now
from pipeline.actors import actor_for_resident
from pipeline.badges import (
    badge_for_token,
    badge_json,
    badge_state,
    bind_badge,
    card_png,
    get_badge,
    issue_badge,
    item_code,
    revoke_badge,
)
from pipeline.errors import NotFound, UpstreamError
from pipeline.queries import public_view, visible_item
from pipeline.states import OFFICE_ROLES
from web.auth import current_actor, login_required, optional_actor
from web.params import allowed, json_body, text
from web.serialize import user_json

bp = Blueprint("api_badges", __name__, template_folder="templates")

TOKEN_CODES = (40001, 42001)  # the stored access token is stale: forget it so the next call refetches
H5_HEADERS = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex", "Referrer-Policy": "no-referrer",
              "X-Content-Type-Options": "nosniff",
              "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; "
                                         "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"}


def _public_url(path):
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + path


@bp.post("/api/v1/staff/badges")
@login_required(kind="staff", roles=OFFICE_ROLES)
def issue():
    """{name, phone?, area?, kind, valid_until} → 201 {id, number, token, card_url, ...}."""
    data = json_body()
    allowed(data, {"name", "phone", "area", "kind", "valid_until"})
    badge = issue_badge(current_actor(), name=text(data, "name", True, 64), phone=text(data, "phone", False, 32),
                        area=text(data, "area", False, 100), kind=text(data, "kind", True, 16),
                        valid_until=text(data, "valid_until", True, 10))
    body = badge_json(badge, local_now().date())
    body.update(token=badge.token, url=_public_url(f"/b/{badge.token}"))
    return jsonify(body), 201


@bp.delete("/api/v1/staff/badges/<int:badge_id>")
@login_required(kind="staff", roles=OFFICE_ROLES)
def revoke(badge_id):
    badge = revoke_badge(current_actor(), get_badge(badge_id))
    return jsonify(badge_json(badge, local_now().date()))


@bp.get("/api/v1/staff/badges/<int:badge_id>/card.png")
@login_required(kind="staff", roles=OFFICE_ROLES)
def card(badge_id):
    badge = get_badge(badge_id)
    png = card_png(badge, _public_url(f"/b/{badge.token}"), local_now().date(),
                   font_file=current_app.config.get("BADGE_FONT"))
    return Response(png, mimetype="image/png", headers={"Cache-Control": "no-store"})


@bp.post("/api/v1/badges/bind")
@login_required(kind="resident")
def bind():
    """{token} (from the badge's QR code) → {badge, user}; the resident is now a supervisor."""
    data = json_body()
    allowed(data, {"token"})
    actor = current_actor()
    badge = bind_badge(actor, text(data, "token", True, 64))
    today = local_now().date()
    return jsonify(badge=badge_json(badge, today, staff=False), user=user_json(actor_for_resident(actor.resident,
                                                                                                  today)))


@bp.get("/b/<token>")
def badge_page(token):
    """The public check of a badge: valid, revoked or expired (holder's name masked)."""
    badge = badge_for_token(token)
    if badge is None:
        return render_template("badge.html", badge=None), 404, H5_HEADERS
    today = local_now().date()
    return render_template("badge.html", badge=badge_json(badge, today, staff=False),
                           state=badge_state(badge, today)), 200, H5_HEADERS


def _wxacode_fetcher(config):
    """`fetch(scene, page) -> PNG bytes` via getwxacodeunlimit, or None when the
    mini-program isn't configured for item codes (ITEM_QR_SOURCE=wechat)."""
    if config.get("ITEM_QR_SOURCE") != "wechat" or not (config.get("MINIPROGRAM_APPID")
                                                         and config.get("MINIPROGRAM_SECRET")):
        return None
    from wechatpy.exceptions import WeChatClientException

    from wechat.client import make_client

    state = config.get("MINIPROGRAM_STATE") or ("formal" if config.get("SIXSTEP_ENV") == "production" else "developer")
    env_version = {"formal": "release", "trial": "trial"}.get(state, "develop")

    def fetch(scene, page):
        client = make_client(config, "mp", timeout=config["WECHAT_WEB_TIMEOUT"])
        body = {"scene": scene, "page": page, "width": 430, "check_path": env_version == "release",
                "env_version": env_version}
        try:
            answer = client.post(client.url("wxa/getwxacodeunlimit"), data=body)
        except WeChatClientException as error:
            if error.errcode in TOKEN_CODES:
                client.session.delete(client.access_token_key)
            raise UpstreamError(f"微信小程序码生成失败（{error.errcode}）", code="wechat_error") from error
        except requests.RequestException as error:
            raise UpstreamError("微信服务暂时不可用", code="wechat_error") from error
        if isinstance(answer, dict) or not getattr(answer, "content", None):
            raise UpstreamError("微信未返回小程序码", code="wechat_error")
        return answer.content

    fetch.cache_key = f"{config['MINIPROGRAM_APPID']}|{env_version}"
    return fetch


@bp.get("/api/v1/items/<number>/qrcode.png")
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
def item_page(number):
    """For a URL QR scanned with a plain camera: the item's public view as a small page."""
    try:
        item = visible_item(number, None)
    except NotFound:
        return render_template("badge_item.html", item=None), 404, H5_HEADERS
    return render_template("badge_item.html", item=public_view(item)), 200, H5_HEADERS
