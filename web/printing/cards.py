"""The printable badge card (督办证): a PNG in Chinese with the holder's name and
the QR code of the badge's public page; the CJK font it needs."""
import logging
import os
import shutil
import subprocess
from datetime import date
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

from pipeline.accounts.badges import STATES, Badge, badge_state
from pipeline.rules.errors import DomainError

from .codes import png_bytes, qr_image

log = logging.getLogger("sixstep.badges")

CARD_TITLES = {"resident": "群众督办员证", "cadre": "督办小组督办证"}
FONT_FILES = (  # tried after fontconfig, in order
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/System/Library/Fonts/PingFang.ttc",
    "C:/Windows/Fonts/msyh.ttc",
)


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


def require_cjk_font(font_file: str | None, what: str = "督办证") -> tuple[str, int]:
    """(path, index) of the CJK font that prints `what`, or FontMissing: never English instead."""
    found = cjk_font(font_file)
    if found is None:
        raise FontMissing(f"服务器缺少中文字体，无法打印{what}：请安装 fonts-wqy-microhei（apt-get install fonts-wqy-microhei）"
                          "或用 BADGE_FONT 指定字体文件")
    return found


def _fonts(font_file: str | None) -> list[ImageFont.FreeTypeFont]:
    found = require_cjk_font(font_file)
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
