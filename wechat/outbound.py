"""Sending one outbox row to WeChat, and what the caller should do next.

`deliver(row, client)` makes exactly one API call for a `models.Outbox` row
and returns a `Delivery` with `outcome`:
- "sent": WeChat took it (`msgid` set; a template send answered without one
  is retried under its `client_msg_id`);
- "refresh_token": 40001/42001/40014 — the caller refreshes the shared token
  once and calls `deliver` again;
- "undeliverable": the user doesn't follow, refused, or the row can never be
  sent (no openid, bad template) — the item stays visible in-app;
- "retry": quota (45009), WeChat busy, network failure or timeout — back-off is
  the caller's job.
It writes nothing to the database: the jobs dispatcher records the outcome.
"""
import hashlib
from dataclasses import dataclass

import requests
from wechatpy.exceptions import WeChatClientException

from pipeline.messages import templates

from .client import TOKEN_ERROR_CODES

# The user doesn't follow (43004), refused (43101), bad openid (40003),
# bad data (47003/47001), bad template or page (40037, 41030, 41028, 41029).
UNDELIVERABLE_CODES = {43004, 43101, 40003, 47003, 47001, 40037, 41030, 41028, 41029, 40036}

CHANNEL_KINDS = {"oa_template": "oa", "oa_subscribe": "oa", "mp_subscribe": "mp"}


@dataclass(frozen=True)
class Delivery:
    """The outcome of one attempt: sent | retry | undeliverable | refresh_token."""

    outcome: str
    msgid: str | None = None
    error: str | None = None
    errcode: int | None = None


def kind_for(channel):
    """Which client ("oa" or "mp") sends rows of `channel`."""
    return CHANNEL_KINDS[channel]


def client_msg_id(row):
    """The row's stable id for WeChat, which sends one template message per openid
    and `client_msg_id`: a retry of a send WeChat took but answered too late is dropped."""
    return "sixstep-" + hashlib.sha256(row.dedup_key.encode("utf-8")).hexdigest()[:32]


def _target(row, client):
    """The template's link: an H5 URL, or the mini-program page."""
    page = row.page or None
    if not page:
        return {}
    if page.startswith(("http://", "https://")):
        return {"url": page}
    appid = getattr(client, "miniprogram_appid", None)
    return {"miniprogram": {"appid": appid, "pagepath": page}} if appid else {}


def _call(row, client):
    data = templates.apply_rules(row.data)
    if row.channel == "oa_template":
        # wechatpy's send_template has no client_msg_id.
        body = {"touser": row.openid, "template_id": row.template_id, "data": data,
                "client_msg_id": client_msg_id(row), **_target(row, client)}
        return client.post("message/template/send", data=body)
    if row.channel == "oa_subscribe":  # 公众号订阅通知: an H5 link goes in `page`
        target = _target(row, client)
        body = {"touser": row.openid, "template_id": row.template_id, "data": data,
                **({"page": target["url"]} if "url" in target else target)}
        return client.post("message/subscribe/bizsend", data=body)
    body = {
        "touser": row.openid,
        "template_id": row.template_id,
        "data": data,
        "miniprogram_state": getattr(client, "miniprogram_state", "formal"),
        "lang": "zh_CN",
    }
    if row.page and not row.page.startswith(("http://", "https://")):
        body["page"] = row.page
    return client.post("message/subscribe/send", data=body)


def deliver(row, client):
    """Send one outbox row with `client` (or a `{"oa": c, "mp": c}` mapping); return a `Delivery`."""
    if row.channel not in CHANNEL_KINDS:
        return Delivery("undeliverable", error=f"unknown channel {row.channel}")
    if isinstance(client, dict):
        client = client[kind_for(row.channel)]
    if not row.openid:
        return Delivery("undeliverable", error="no openid: not bound to WeChat")
    try:
        result = _call(row, client)
    except WeChatClientException as exc:
        code = exc.errcode
        error = f"{code}: {exc.errmsg}"
        if code is None:  # an HTTP error status from WeChat
            return Delivery("retry", error=f"http error: {exc.response.status_code if exc.response is not None else '?'}")
        if code in TOKEN_ERROR_CODES:
            return Delivery("refresh_token", error=error, errcode=code)
        if code in UNDELIVERABLE_CODES:
            return Delivery("undeliverable", error=error, errcode=code)
        return Delivery("retry", error=error, errcode=code)
    except requests.Timeout:
        return Delivery("retry", error="timeout")
    except requests.RequestException as exc:
        return Delivery("retry", error=f"network: {exc.__class__.__name__}")
    msgid = result.get("msgid") if isinstance(result, dict) else None
    if msgid is None and row.channel == "oa_template":
        # WeChat always gives a template send its msgid, and delivery receipts are
        # matched by it. An answer without one (garbled, or cut off) says nothing
        # certain; the client_msg_id makes asking again safe: a repeat of a send
        # WeChat took is answered with the first msgid and delivered only once.
        return Delivery("retry", error=f"answer without msgid: {_preview(result)}")
    return Delivery("sent", msgid=None if msgid is None else str(msgid))


def _preview(result):
    content = getattr(result, "content", result)
    return repr(content)[:200]
