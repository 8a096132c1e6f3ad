"""Handlers for subscribe-message events and the menu's scan buttons (registered in `handlers.HANDLERS`).

- `subscribe_msg_popup_event` / `subscribe_msg_change_event` /
  `subscribe_msg_sent_event`: a resident answered the official account's
  subscribe popup, changed their notice settings, or a subscribe message was
  delivered. wechatpy has no class for these (they arrive as `UnknownMessage`):
  the entries are read from `msg._data`, where one `<List>` is a dict and
  several are a list. Answered with `success`.
- `scancode_push` / `scancode_waitmsg`: a menu scan button read a code
  (`ScanCodeInfo.ScanResult`). An item's code follows the item and answers its
  status, exactly as scanning its parametric QR code does.
"""
import re
from urllib.parse import urlsplit

from flask import current_app

from pipeline.messages import oa_consents

from . import replies

# The item page a URL QR code opens (web/api_badges.py: /i/<number>), under PUBLIC_BASE_URL.
ITEM_URL_PATH = r"/i/(\d{8}-\d{4})/?"


def subscribe_entries(msg, *containers):
    """The `<List>` entries of the first of `containers` the push has, always as a list of dicts."""
    for container in containers:
        block = msg._data.get(container)
        if isinstance(block, dict):
            entries = block.get("List")
            entries = [entries] if isinstance(entries, dict) else entries
            return [e for e in entries if isinstance(e, dict)] if isinstance(entries, list) else []
    return []


def _pairs(entries, field):
    """(template_id, value of `field`) per entry, stripped; entries without a template id are dropped."""
    pairs = []
    for entry in entries:
        template_id = str(entry.get("TemplateId") or "").strip()
        if template_id:
            pairs.append((template_id, str(entry.get(field) or "").strip().lower()))
    return pairs


def on_subscribe_popup(msg, ctx):
    """The resident answered the subscribe popup: each accept of one of our templates is one consent."""
    choices = _pairs(subscribe_entries(msg, "SubscribeMsgPopupEvent"), "SubscribeStatusString")
    oa_consents.accept_popup(ctx.resident, choices, now=ctx.now)
    return None


def on_subscribe_change(msg, ctx):
    """The resident turned notices off in WeChat's settings: a reject clears that template's consents."""
    # WeChat's own documentation shows this event wrapped in SubscribeMsgPopupEvent.
    entries = subscribe_entries(msg, "SubscribeMsgChangeEvent", "SubscribeMsgPopupEvent")
    oa_consents.settings_changed(ctx.resident, _pairs(entries, "SubscribeStatusString"), now=ctx.now)
    return None


def on_subscribe_sent(msg, ctx):
    """Receipts of subscribe messages: a template the resident blocked keeps no consents."""
    receipts = _pairs(subscribe_entries(msg, "SubscribeMsgSentEvent"), "ErrorStatus")
    oa_consents.delivery_receipts(ctx.resident, receipts, now=ctx.now)
    return None


def scan_result(msg):
    """What the scan button read (text of a QR code or barcode), or ''."""
    info = msg._data.get("ScanCodeInfo")
    return str(info.get("ScanResult") or "").strip() if isinstance(info, dict) else ""


def _number_in_url(url, base_url):
    """The item number of a URL of our `/i/<number>` page (same host and path as PUBLIC_BASE_URL), else None."""
    parts, base = urlsplit(url), urlsplit(base_url or "")
    if not base.netloc or parts.netloc.lower() != base.netloc.lower():
        return None
    match = re.fullmatch(re.escape(base.path.rstrip("/")) + ITEM_URL_PATH, parts.path)
    return match.group(1) if match else None


def item_number_scanned(result, base_url):
    """The item number in a scanned code: our item URL, a scene (`item-…`, `i=…`) or a bare number."""
    from .handlers import item_number_in  # wechat.handlers imports this module for its table

    if result.lower().startswith(("http://", "https://")):
        return _number_in_url(result, base_url)
    return item_number_in(result)


def on_scancode(msg, ctx):
    """A menu scan button read a code: an item's code follows the item and answers its status.

    For `scancode_waitmsg` (WeChat shows “消息接收中” until we answer) any
    other code gets a short explanation; for `scancode_push` WeChat has already
    shown or opened what was scanned, so only an item's status is sent.
    """
    from .handlers import follow_item  # see item_number_scanned

    number = item_number_scanned(scan_result(msg), current_app.config.get("PUBLIC_BASE_URL"))
    if number is None:
        return replies.NOT_ITEM_CODE if msg.event == "scancode_waitmsg" else None
    return follow_item(number, ctx)
