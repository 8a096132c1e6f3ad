"""`/wechat`: the official account's server URL (WeChat's message push).

GET is WeChat's URL check (echo `echostr` when the signature is right). POST
is a push, in plain mode or safe mode (`encrypt_type=aes`, replies encrypted
back). Forged signatures and timestamps outside ±300 s get 403, bodies we
can't read 400; anything we read gets a reply or `success` — never an error
page, which residents would see as "该公众号暂时无法提供服务".

A push is handled once: its key (MsgId, or sender + time + event for events)
is stored with the reply in the transaction of whatever it did, and WeChat's
retries get the same reply. Nothing here calls WeChat's API (5-second rule).
"""
import hashlib
import logging
import time

from flask import Blueprint, Response, current_app, request

from pipeline.messages import inbound
from pipeline.rules.boundary import IntegrityError, forget_idle_connections, local_now, unavailable
from pipeline.rules.core import transaction

from . import handlers, replies
from .security import BadPush, Refused, SafeMode, check_signature, check_timestamp, parse

log = logging.getLogger("sixstep.wechat")

bp = Blueprint("wechat", __name__)

MAX_PUSH_BYTES = 64 * 1024
SUCCESS = "success"

# Both read through the module so tests can move time.
clock = time.time
local_clock = local_now


def _plain(body, status=200):
    return Response(body, status=status, mimetype="text/plain")


def _safe_mode():
    """The app's SafeMode when WECHAT_AES_KEY is set (built once per app)."""
    key = current_app.config.get("WECHAT_AES_KEY")
    if not key:
        return None
    cached = current_app.extensions.get("sixstep_wechat_crypto")
    if cached is None or cached[0] != key:
        crypto = SafeMode(current_app.config["WECHAT_TOKEN"], key, current_app.config["WECHAT_APPID"])
        cached = current_app.extensions["sixstep_wechat_crypto"] = (key, crypto)
    return cached[1]


@bp.get("/wechat")
def verify_url():
    """WeChat's server-URL check: echo `echostr` if token, timestamp and nonce are signed right."""
    args = request.args
    try:
        check_timestamp(args.get("timestamp"), now=clock())
        check_signature(current_app.config["WECHAT_TOKEN"], args.get("signature"), args.get("timestamp"),
                        args.get("nonce"))
    except Refused as refused:
        log.warning("wechat url check refused: %s", refused)
        return _plain("forbidden", 403)
    return _plain(args.get("echostr", ""))


@bp.post("/wechat")
def receive():
    """One push from WeChat's servers → a reply (encrypted in safe mode) or `success`."""
    args = request.args
    timestamp, nonce = args.get("timestamp"), args.get("nonce")
    if (request.content_length or 0) > MAX_PUSH_BYTES:
        return _plain("too large", 413)
    body = request.get_data(cache=False)
    if len(body) > MAX_PUSH_BYTES:
        return _plain("too large", 413)
    safe = _safe_mode()
    encrypted = args.get("encrypt_type") == "aes"
    try:
        check_timestamp(timestamp, now=clock())
        if encrypted:
            if safe is None:
                raise Refused("encrypted push but no WECHAT_AES_KEY")
            xml = safe.decrypt(body, args.get("msg_signature"), timestamp, nonce)
        else:
            if safe is not None:
                raise Refused("plaintext push while safe mode is on")
            check_signature(current_app.config["WECHAT_TOKEN"], args.get("signature"), timestamp, nonce)
            xml = body.decode("utf-8", errors="replace")
        message = parse(xml)
        reply = handle(message, xml, None if encrypted else (timestamp, nonce))
    except Refused as refused:
        log.warning("wechat push refused: %s", refused)
        return _plain("forbidden", 403)
    except BadPush as bad:
        log.warning("wechat push unreadable: %s", bad)
        return _plain("bad request", 400)
    if not reply:
        return _plain(SUCCESS)
    if encrypted:
        return Response(safe.encrypt(reply, nonce, str(int(clock()))), mimetype="application/xml")
    return Response(reply, mimetype="application/xml")


def dedup_key(message, xml):
    """MsgId for messages; CreateTime + sender + event (+ key, receipt id, scanned code) for events.

    The id or time comes first: WeChat's MsgIds and times grow, so new keys land
    at the end of the unique index, on pages the last pushes already wrote,
    instead of on a random page of it (one more page read and written a push).
    """
    data = message._data
    sender = data.get("FromUserName") or ""
    if data.get("MsgId") and str(data.get("MsgType", "")).lower() != "event":
        parts = ["m", data["MsgId"], sender, data.get("MsgType")]
    elif data.get("CreateTime"):
        scanned = data.get("ScanCodeInfo")
        parts = ["e", data["CreateTime"], sender, data.get("Event"), data.get("EventKey"), data.get("MsgID"),
                 scanned.get("ScanResult") if isinstance(scanned, dict) else None]
    else:
        return "x:" + hashlib.sha1(xml.encode("utf-8")).hexdigest()
    key = ":".join("" if p is None else str(p) for p in parts)
    if len(key) > 191:
        key = key[:140] + ":" + hashlib.sha1(key.encode("utf-8")).hexdigest()
    return key


def handle(message, xml, plain_signature=None):
    """The rendered reply for a parsed push, handled at most once per key.

    `plain_signature` is plain mode's (timestamp, nonce): its signed query
    may carry this push only. When the database is away (stopped, restarting,
    unreachable) the resident is told "系统繁忙，请稍后再试" — a reply WeChat
    shows, instead of an error page — and nothing was kept, so the same
    message sent again once it is back is handled as new.
    """
    key = dedup_key(message, xml)
    openid = str(message._data.get("FromUserName") or "")[:64]
    try:
        return _handle_once(message, key, openid, plain_signature)
    except (Refused, BadPush):
        raise
    except Exception as error:
        if unavailable(error):
            forget_idle_connections()
            log.warning("wechat push %s: database unavailable (%s)", key, error.__class__.__name__)
        else:
            # Nothing was kept (the transaction rolled back): WeChat's retry may succeed.
            log.exception("wechat push %s failed", key)
        return replies.render_text(message, replies.BUSY) if openid else ""


def _handle_once(message, key, openid, plain_signature):
    seen = inbound.recall(key)
    if seen is not None:
        return seen.reply
    now = local_clock()
    ctx = handlers.Context(openid=openid, now=now)
    kind = handlers.handler_key(message)
    signature = inbound.plain_signature(*plain_signature) if plain_signature else None
    try:
        if openid and handlers.HANDLERS.get(kind):
            ctx.prefetch()
        with transaction():
            text = handlers.dispatch(message, ctx)
            reply = replies.render_text(message, text) if text else ""
            inbound.remember(key, openid, kind, reply, signature=signature, now=now)
    except IntegrityError:
        # Both unique keys are checked by the insert, not by a read under the write lock:
        # a retry that raced the first attempt gets the winner's reply; a signed query
        # replayed with another push is refused. Either way nothing here was kept.
        seen = inbound.recall(key)
        if seen is not None:
            return seen.reply
        if signature and inbound.signature_used(signature):
            raise Refused("signature reused for another push") from None
        raise
    return reply
