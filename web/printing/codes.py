"""QR codes as PNGs, and an item's printable code: WeChat's mini-program code
(fetched by `wechat.client.wxacode_fetcher`, passed in) or a plain QR of the
item's public page, cached on disk."""
import hashlib
import io
import logging
import os
from collections.abc import Callable
from typing import Protocol

from PIL import Image

from pipeline.files.uploads import write_atomically
from pipeline.rules.errors import UpstreamError

log = logging.getLogger("sixstep.badges")

ITEM_PAGE = "pages/item/item"  # the mini-program page an item's code opens


class NumberedItem(Protocol):
    """What `item_code` reads of an item: its number (an `Item` row will do)."""

    number: str


def qr_image(data: str, box_size: int = 10, border: int = 4) -> Image.Image:
    """A black-on-white QR code of `data` as a PIL image."""
    import qrcode  # here: 4.5 MB in every web worker, for a few codes printed a day

    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=box_size, border=border)
    code.add_data(data)
    code.make(fit=True)
    return code.make_image(fill_color="black", back_color="white").get_image().convert("RGB")


def png_bytes(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


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


def item_code(item: NumberedItem, *, base_url: str, cache_dir: str,
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
