"""Supervision badges (督办证) and the printable codes: the office issues and
revokes badges, a resident binds one to their WeChat (and then acts as a
resident supervisor, see `actors.actor_for_resident`), anyone can check a badge
on its public page; badge cards and item codes are PNGs made here.

A badge's token is the secret in its QR code (`/b/<token>`); the phone number
is stored masked only.
"""
import hashlib
import io
import logging
import os
import re
import secrets
import shutil
import subprocess
from collections.abc import Callable
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

import qrcode
from peewee import IntegrityError, fn
from PIL import Image, ImageDraw, ImageFont

from models import Badge, Item, as_local, db, iso
from models.base import is_postgres
from pipeline.files.uploads import write_atomically
from pipeline.rules.actors import Actor
from pipeline.rules.core import fetch, transaction
from pipeline.rules.errors import DomainError, Forbidden, Invalid, NotFound, UpstreamError, WrongState
from pipeline.rules.permissions import permitted
from pipeline.rules.schemas import limit
from pipeline.rules.validate import optional_text, parse_date, required_text
from pipeline.views.queries import mask_name

log = logging.getLogger("sixstep.badges")

KINDS = {"resident": "群众督办员", "cadre": "督办小组"}
CARD_TITLES = {"resident": "群众督办员证", "cadre": "督办小组督办证"}
STATES = {"valid": "有效", "revoked": "已撤销", "expired": "已过期"}
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
PHONE_RE = re.compile(r"^\+?\d{7,15}$")
MAX_VALIDITY = timedelta(days=5 * 366)
BADGE_NUMBER_LOCK = 0x6A2B0D0B  # advisory lock key for badge numbering
ITEM_PAGE = "pages/item/item"  # the mini-program page an item's code opens
FONT_FILES = (  # tried after fontconfig, in order
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/System/Library/Fonts/PingFang.ttc",
    "C:/Windows/Fonts/msyh.ttc",
)


# -- badges ---------------------------------------------------------------------

def badge_state(badge: Badge, today: date) -> str:
    """valid | revoked | expired."""
    if badge.revoked_at is not None:
        return "revoked"
    if badge.valid_until < today:
        return "expired"
    return "valid"


def mask_phone_number(phone: str) -> str:
    """Keep the first three and last four digits of a mobile number (138****5678)."""
    digits = re.sub(r"[\s()-]", "", phone)
    if not PHONE_RE.match(digits):
        raise Invalid("电话号码格式不正确", field="phone")
    plus = digits.startswith("+")
    digits = digits.lstrip("+")
    if len(digits) >= 11:
        masked = digits[:3] + "*" * (len(digits) - 7) + digits[-4:]
    else:
        masked = digits[:2] + "*" * (len(digits) - 4) + digits[-2:]
    return ("+" if plus else "") + masked


def _next_number(year: int) -> str:
    prefix = f"DB-{year}-"
    last = (Badge.select(Badge.number).where(Badge.number.startswith(prefix))
            .order_by(fn.LENGTH(Badge.number).desc(), Badge.number.desc()).first())
    sequence = int(last.number[len(prefix):]) if last and last.number[len(prefix):].isdigit() else 0
    return f"{prefix}{sequence + 1:04d}"


def _serialise_numbering() -> None:
    """One badge number at a time on PostgreSQL (SQLite's write lock already serialises)."""
    if is_postgres():
        db.execute_sql("SELECT pg_advisory_xact_lock(%s)", (BADGE_NUMBER_LOCK,))


def issue_badge(actor: Actor, *, name: object, kind: object, valid_until: object, phone: object = None,
                area: object = None, now: datetime | None = None) -> Badge:
    """The office issues a badge: number DB-YYYY-NNNN (sequential per year) and a random token."""
    now = as_local(now)
    if not permitted("badges.manage", actor):
        raise Forbidden("只有活动办可以发放督办证", code="forbidden")
    name = required_text(name, "name", "持证人姓名", limit("issue_badge", "name"))
    if kind not in KINDS:
        raise Invalid("督办证类型应为 resident（群众督办员）或 cadre（督办小组）", field="kind")
    until = parse_date(valid_until, "valid_until")
    if until < now.date() or until > now.date() + MAX_VALIDITY:
        raise Invalid("有效期应在今天到五年之内", field="valid_until")
    phone = optional_text(phone, "phone", "电话", limit("issue_badge", "phone"))
    phone_masked = mask_phone_number(phone) if phone else None
    area = optional_text(area, "area", "督办区域", limit("issue_badge", "area"))
    for _ in range(5):  # the unique number is the last word should two clerks ever collide
        try:
            with transaction():
                _serialise_numbering()
                return Badge.create(number=_next_number(now.year), token=secrets.token_urlsafe(24), kind=kind,
                                    name=name, phone_masked=phone_masked, area=area, valid_until=until,
                                    created_at=now)
        except IntegrityError:
            continue
    raise WrongState("督办证编号冲突，请重试", code="conflict")


def get_badge(badge_id: object) -> Badge:
    return fetch(Badge, badge_id, "督办证不存在")


def badge_for_token(token: object) -> Badge | None:
    """The badge behind a QR code's token, or None (unknown or malformed)."""
    if not isinstance(token, str) or not TOKEN_RE.match(token):
        return None
    return Badge.get_or_none(Badge.token == token)


def revoke_badge(actor: Actor, badge: Badge, now: datetime | None = None) -> Badge:
    """The office revokes a badge (its holder stops being a supervisor at once). Idempotent."""
    now = as_local(now)
    if not permitted("badges.manage", actor):
        raise Forbidden("只有活动办可以撤销督办证", code="forbidden")
    with transaction():
        Badge.update(revoked_at=now).where((Badge.id == badge.id) & Badge.revoked_at.is_null()).execute()
    return get_badge(badge.id)


def bind_badge(actor: Actor, token: object, now: datetime | None = None) -> Badge:
    """A logged-in resident binds a valid badge to themselves (scanning it in the mini-program)."""
    now = as_local(now)
    if actor.kind != "resident":
        raise Forbidden("请用微信小程序扫码绑定督办证", code="forbidden")
    badge = badge_for_token(token)
    if badge is None:
        raise NotFound("督办证不存在，请确认扫描的是督办证二维码", code="not_found")
    state = badge_state(badge, now.date())
    if state == "revoked":
        raise WrongState("该督办证已被撤销，不能绑定", code="badge_revoked")
    if state == "expired":
        raise WrongState("该督办证已过有效期，请联系活动办换发", code="badge_expired")
    with transaction():
        taken = (Badge.update(resident=actor.id)
                 .where((Badge.id == badge.id) & Badge.revoked_at.is_null()
                        & (Badge.resident.is_null() | (Badge.resident == actor.id)))
                 .execute())
    if not taken:
        raise WrongState("该督办证已绑定其他微信用户，如有疑问请联系活动办", code="badge_taken")
    return get_badge(badge.id)


def badge_json(badge: Badge, today: date, staff: bool = True) -> dict[str, Any]:
    """A badge for the office (full name) or for its holder and the public (name masked)."""
    state = badge_state(badge, today)
    view = {
        "number": badge.number, "kind": badge.kind, "kind_label": KINDS.get(badge.kind, badge.kind),
        "name": badge.name if staff else mask_name(badge.name), "area": badge.area,
        "valid_until": iso(badge.valid_until), "state": state, "state_label": STATES[state],
        "bound": badge.resident_id is not None,
    }
    if staff:
        view.update(id=badge.id, phone_masked=badge.phone_masked, revoked_at=iso(badge.revoked_at),
                    created_at=iso(badge.created_at), card_url=f"/api/v1/staff/badges/{badge.id}/card.png")
    return view


# -- QR codes and the badge card ---------------------------------------------------

def qr_image(data: str, box_size: int = 10, border: int = 4) -> Image.Image:
    """A black-on-white QR code of `data` as a PIL image."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=box_size, border=border)
    code.add_data(data)
    code.make(fit=True)
    return code.make_image(fill_color="black", back_color="white").get_image().convert("RGB")


def png_bytes(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


@lru_cache(maxsize=4)
def cjk_font(configured: str | None = None) -> tuple[str, int] | None:
    """(path, index) of a font with Simplified Chinese glyphs, or None.

    The setting BADGE_FONT wins; then fontconfig (`fc-list :lang=zh-cn`), then
    the usual places on Debian/Ubuntu (fonts-noto-cjk, fonts-wqy-*), macOS and Windows.
    """
    if configured and os.path.isfile(configured):
        return configured, 0
    if shutil.which("fc-list"):
        try:
            listing = subprocess.run(["fc-list", "-f", "%{file}|%{index}|%{family}|%{style}\n", ":lang=zh-cn"],
                                     capture_output=True, text=True, timeout=5, check=False).stdout
        except (OSError, subprocess.SubprocessError):
            listing = ""
        fonts = [line.split("|") for line in listing.splitlines() if line.count("|") == 3]

        def rank(font: list[str]) -> tuple[bool, bool, bool, str]:
            family, style = font[2], font[3]
            return ("SC" not in family, "Mono" in family, "Regular" not in style, font[0])
        for path, index, _family, _style in sorted(fonts, key=rank):
            if os.path.isfile(path) and index.isdigit():
                return path, int(index)
    for path in FONT_FILES:
        if os.path.isfile(path):
            return path, 2 if "NotoSansCJK" in path else 0  # index 2 is the SC face in Noto's collection
    return None


class FontMissing(DomainError):
    """No font with Chinese glyphs: a card without the holder's name is no card."""

    status = 503
    code = "font_missing"


def _fonts(font_file: str | None) -> list[ImageFont.FreeTypeFont]:
    found = cjk_font(font_file)
    if found is None:
        raise FontMissing("服务器缺少中文字体，无法打印督办证：请安装 fonts-wqy-microhei（apt-get install fonts-wqy-microhei）"
                          "或用 BADGE_FONT 指定字体文件")
    try:
        return [ImageFont.truetype(found[0], size, index=found[1]) for size in (54, 36, 26)]
    except OSError:
        log.error("font %s (index %s) cannot be read", *found)
        raise FontMissing(f"中文字体文件 {found[0]} 无法读取，无法打印督办证：请检查 BADGE_FONT 或重新安装字体") from None


def card_png(badge: Badge, url: str, today: date, font_file: str | None = None) -> bytes:
    """A printable badge card (85.6 × 54 mm at 300 dpi) with the QR code of `url`.

    Drawn in Chinese with the holder's name; without a CJK font it raises
    FontMissing rather than print a card in English with the name left blank.
    """
    title_font, text_font, small_font = _fonts(font_file)
    width, height, band = 1011, 638, 130
    card = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(card)
    draw.rectangle([0, 0, width, band], fill=(26, 79, 160))
    qr = qr_image(url, box_size=1, border=2)
    scale = max(1, 380 // qr.width)  # whole pixels per module, so every module prints the same size
    qr = qr.resize((qr.width * scale, qr.height * scale), Image.Resampling.NEAREST)
    offset = (380 - qr.width) // 2
    card.paste(qr, (width - 420 + offset, band + 40 + offset))
    state = badge_state(badge, today)
    draw.text((40, 36), CARD_TITLES.get(badge.kind, "督办证"), font=title_font, fill="white")
    lines = [f"姓名：{badge.name}", f"编号：{badge.number}", f"区域：{badge.area or '—'}",
             f"电话：{badge.phone_masked or '—'}", f"有效期至：{badge.valid_until.isoformat()}"]
    footer = "扫码核验；群众督办员在小程序“扫码督办”中扫码绑定"
    stamp = STATES[state] if state != "valid" else None
    y = band + 50
    for line in lines:
        draw.text((40, y), line, font=text_font, fill=(30, 30, 30))
        y += 70
    draw.text((40, height - 50), footer, font=small_font, fill=(90, 90, 90))
    if stamp:  # in the band, clear of the QR code
        left, top, right, bottom = draw.textbbox((0, 0), stamp, font=title_font)
        stamp_x, stamp_y = width - 40 - (right - left), (band - (bottom - top)) // 2 - top
        draw.rectangle([stamp_x - 16, stamp_y + top - 10, width - 24, stamp_y + bottom + 10], fill="white")
        draw.text((stamp_x, stamp_y), stamp, font=title_font, fill=(200, 30, 30))
    return png_bytes(card)


def _cached(path: str, make: Callable[[], bytes]) -> bytes:
    if os.path.isfile(path):
        with open(path, "rb") as handle:
            return handle.read()
    content = make()
    write_atomically(path, content)
    return content


def _as_png(content: bytes) -> bytes:
    """WeChat's answer as PNG bytes; anything that is not an image is an upstream error."""
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return content
    try:
        with Image.open(io.BytesIO(content), formats=["JPEG", "PNG"]) as image:
            return png_bytes(image.convert("RGB"))
    except (OSError, SyntaxError, ValueError):
        raise UpstreamError("微信返回的小程序码无法识别", code="wechat_error") from None


def item_code(item: Item, *, base_url: str, cache_dir: str,
              fetch_wxacode: Callable[[str, str], bytes] | None = None) -> tuple[str, bytes]:
    """The item's code as PNG bytes and where it came from: ("wechat" | "url", bytes).

    With `fetch_wxacode(scene, page) -> bytes` (the mini-program is configured)
    it is WeChat's mini-program code for scene `i=<number>`; otherwise, or when
    WeChat fails, a plain QR of `{base_url}/i/<number>`. Both are cached under
    `cache_dir`, so WeChat is asked once per item; a fallback is not cached.
    """
    number = item.number
    url = f"{base_url.rstrip('/')}/i/{number}"
    url_path = os.path.join(cache_dir, f"{number}-url-{hashlib.sha256(url.encode()).hexdigest()[:10]}.png")
    if fetch_wxacode is not None:
        scene = f"i={number}"
        key = hashlib.sha256(f"{getattr(fetch_wxacode, 'cache_key', '')}|{ITEM_PAGE}|{scene}".encode())
        wx_path = os.path.join(cache_dir, f"{number}-wx-{key.hexdigest()[:10]}.png")
        try:
            return "wechat", _cached(wx_path, lambda: _as_png(fetch_wxacode(scene, ITEM_PAGE)))
        except UpstreamError as error:
            log.warning("mini-program code for %s failed, serving the URL QR: %s", number, error.message)
            return "url", png_bytes(qr_image(url))
    return "url", _cached(url_path, lambda: png_bytes(qr_image(url)))
