"""The jobs that talk to WeChat: the outbox dispatcher, the access-token refresher
and the download of media residents sent by chat."""
import logging
import os
import time
from collections import Counter
from datetime import timedelta
from typing import Any

import requests
from flask import current_app
from wechatpy.exceptions import WeChatClientException
from wechatpy.session import SessionStorage

from config import DEFAULT_TEMPLATES
from pipeline.files import media, uploads
from pipeline.messages import dispatch, templates
from pipeline.rules.errors import DomainError
from wechat.client import TOKEN_ERROR_CODES, make_client
from wechat.outbound import CHANNEL_KINDS, Delivery, deliver, kind_for
from wechat.token_store import refresh_access_token, storage_for

from .transport import use_lean_session

log = logging.getLogger("sixstep.jobs")

BATCH = 50
CLAIM_SECONDS = 120
BUDGET_SECONDS = 50
SEND_TIMEOUT = 5.0
TOKEN_CACHE_SECONDS = 5.0
GONE_MEDIA_CODES = {40007}  # WeChat no longer has this media id
VOICE_TYPES = {"audio/amr": ".amr", "audio/speex": ".speex", "voice/speex": ".speex", "audio/mpeg": ".mp3"}


class CachedTokens(SessionStorage):
    """The shared token store, read at most every few seconds.

    The dispatcher sends hundreds of messages a second and its process is the
    token's one refresher; a token another process replaced keeps working for
    five minutes, and a rejected one makes the dispatcher `forget()` and re-read.
    """

    def __init__(self, store, seconds=TOKEN_CACHE_SECONDS):
        self.store = store
        self.seconds = seconds
        self._cache = {}

    def _hit(self, key):
        hit = self._cache.get(key)
        if hit and time.monotonic() - hit[2] < self.seconds:
            return hit
        value = self.store.get(key)
        if value is None:
            self._cache.pop(key, None)
            return None
        left = self.store.remaining(key) if hasattr(self.store, "remaining") else None
        hit = self._cache[key] = (value, left, time.monotonic())
        return hit

    def get(self, key, default=None):
        hit = self._hit(key)
        return default if hit is None else hit[0]

    def remaining(self, key, now=None):
        hit = self._hit(key)
        if hit is None:
            return 0
        return None if hit[1] is None else max(0, int(hit[1] - (time.monotonic() - hit[2])))

    def set(self, key, value, ttl=None):
        self.store.set(key, value, ttl)
        self._cache.pop(key, None)

    def delete(self, key):
        self.store.delete(key)
        self._cache.pop(key, None)

    def forget(self):
        self._cache.clear()


_clients: dict[Any, Any] = {}


def clients_for(purpose, config):
    """{"oa": client, "mp": client} for one job, kept for the process (keep-alive, token cache)."""
    timeout = float(config.get("JOBS_SEND_TIMEOUT", SEND_TIMEOUT))
    key = (purpose, config["WECHAT_API_BASE"], config["WECHAT_APPID"], config["MINIPROGRAM_APPID"], timeout)
    if key not in _clients:
        store = CachedTokens(storage_for(config))
        _clients[key] = {kind: use_lean_session(make_client(config, kind, session=store, timeout=timeout))
                         for kind in ("oa", "mp")}
    return _clients[key]


def forget_clients():
    """Close and drop the cached clients (tests switching fake servers or databases)."""
    for clients in _clients.values():
        for client in clients.values():
            client._http.close()
    _clients.clear()


def _refresh(client, used_token):
    """A token WeChat rejected: use the store's newer one, or fetch a new one."""
    client.session.forget()
    if client.session.get(client.access_token_key) in (None, used_token):
        client.fetch_access_token()


def _send(row, clients):
    """`deliver` the row; a rejected token is replaced once and the row tried again."""
    client = clients.get(kind_for(row.channel)) if row.channel in CHANNEL_KINDS else None
    used = client.session.get(client.access_token_key) if client else None
    result = deliver(row, clients)
    if result.outcome == "refresh_token":
        try:
            _refresh(client, used)
        except (WeChatClientException, requests.RequestException) as exc:
            return Delivery("retry", error=f"token refresh failed: {exc}", errcode=result.errcode)
        result = deliver(row, clients)
        if result.outcome == "refresh_token":
            return Delivery("retry", error=result.error, errcode=result.errcode)
    return result


def dispatch_outbox(now, budget=BUDGET_SECONDS, keep_going=None):
    """Send due outbox rows, one at a time, recording each result before the next
    send, until none are due, `budget` seconds have passed or `keep_going()` says
    stop (the lease was lost). Failures back off exponentially up to a cap.
    A row whose reason no longer holds (`dispatch.still_holds`) is dropped unsent.
    Returns {"sent": n, "retry": n, "undeliverable": n, "dropped": n}.
    """
    config = current_app.config
    clients = clients_for("dispatch", config)
    hold = int(config.get("JOBS_CLAIM_SECONDS", CLAIM_SECONDS))
    # A row is sent only while its claim outlives two calls (a token refresh makes two).
    needed = 2 * float(config.get("JOBS_SEND_TIMEOUT", SEND_TIMEOUT)) + 1
    started = time.monotonic()
    counts = Counter()

    def clock():  # `now` moved on by the time spent here, in whole seconds like every stored time
        return now + timedelta(seconds=int(time.monotonic() - started))

    while time.monotonic() - started < budget and (keep_going is None or keep_going()):
        batch = dispatch.claim(clock(), BATCH, hold)
        if not batch:
            break
        for index, row in enumerate(batch):
            if (keep_going is not None and not keep_going()) or \
                    (row.locked_until - clock()).total_seconds() < needed:
                dispatch.release(batch[index:])
                return dict(counts)
            if not dispatch.still_holds(row):
                dispatch.record(row, dispatch.DROPPED, clock(), error="its reason no longer holds")
                counts[dispatch.DROPPED] += 1
                continue
            result = _send(row, clients)
            if result.errcode == 47003:
                _rejected(row, result, config)
            dispatch.record(row, result.outcome, clock(), msgid=result.msgid, error=result.error)
            counts[result.outcome] += 1
    return dict(counts)


def _rejected(row, result, config):
    """WeChat refused a message's keys or values: say which setting to fix (the digest counts them)."""
    setting = templates.setting_for(config, row.template_id, DEFAULT_TEMPLATES)
    log.error("WeChat refused a message to template %s (%s) with %s: set %s to the template's keys "
              "(the mapping used: %s)", row.template_id, setting or "unknown setting", result.error,
              templates.keys_setting(setting) if setting else "its key mapping",
              templates.key_map(config, setting) if setting else "unknown")


def _wechat_templates(client, kind):
    """{template id: its keys} of the templates WeChat has for this client's account."""
    if kind == "template":
        answer = client.get("template/get_all_private_template")
        return {t["template_id"]: templates.keys_in(t.get("content")) for t in answer.get("template_list", [])}
    answer = client.get(client.url("wxaapi/newtmpl/gettemplate"))
    return {t["priTmplId"]: templates.keys_in(t.get("content")) for t in answer.get("data", [])}


def check_templates(now):
    """Compare every template setting and its key mapping with the templates WeChat
    has; log each mismatch and keep them for the office's digest. An account whose
    list can't be read is logged and left out (not reported as mismatched)."""
    config = current_app.config
    clients = clients_for("templates", config)
    lists, found = {}, []
    for setting in DEFAULT_TEMPLATES:
        source = templates.source_of(setting)
        if source not in lists:
            try:
                lists[source] = _wechat_templates(clients[source[0]], source[1])
            except (WeChatClientException, requests.RequestException) as exc:
                log.warning("could not read WeChat's %s templates of %s: %s", source[1], source[0], exc)
                lists[source] = None
        if lists[source] is None:
            continue
        template_id = config.get(setting)
        found += templates.compare(setting, template_id, templates.key_map(config, setting),
                                   lists[source].get(template_id))
    for problem in found:
        log.error("template setting does not match WeChat: %s", problem)
    templates.record_check(found, now)
    return {"problems": len(found)}


def refresh_tokens(now):
    """Keep the shared access tokens fresh, so web workers never fetch one.

    Token lifetimes are WeChat's wall-clock time, so the store's own clock
    decides, not `now` (tests move `now` through simulated months).
    """
    try:
        return refresh_access_token(current_app.config)
    except (WeChatClientException, requests.RequestException) as exc:
        log.warning("access token refresh failed, the old token lives on: %s", exc)
        return {"error": str(exc)}


def _store_file(photo, content, content_type, now):
    """Write the media under UPLOAD_DIR; photos re-encoded like uploads (no EXIF, no GPS).
    Returns (relative path, width, height); raises DomainError for a photo that isn't one."""
    kind = (content_type or "").split(";")[0].strip().lower()
    width = height = None
    if kind.startswith("image/"):
        content, suffix, width, height = uploads.reencode(content)
        suffix = f".{suffix}"
    else:
        suffix = VOICE_TYPES.get(kind, ".bin")
    relative = f"wechat/{now:%Y%m}/{photo.id}{suffix}"
    uploads.write_atomically(os.path.join(current_app.config["UPLOAD_DIR"], relative), content)
    return relative, width, height


def fetch_media(now, limit=20):
    """Download photos and voice sent by chat (Photo rows with a media_id and no
    path) from WeChat's media API into UPLOAD_DIR. Returns {"stored": n, "failed": n}."""
    client = clients_for("media", current_app.config)["oa"]
    counts = Counter()
    for photo in media.pending(now, limit):
        try:
            answer = client.get("media/get", params={"media_id": photo.media_id})
        except WeChatClientException as exc:
            if exc.errcode in TOKEN_ERROR_CODES:
                client.session.forget()
            media.failed(photo, now, f"{exc.errcode}: {exc.errmsg}", permanent=exc.errcode in GONE_MEDIA_CODES)
            counts["failed"] += 1
            continue
        except requests.RequestException as exc:
            media.failed(photo, now, f"network: {exc.__class__.__name__}")
            counts["failed"] += 1
            continue
        if isinstance(answer, dict) or not getattr(answer, "content", None):
            media.failed(photo, now, "no media in the answer")
            counts["failed"] += 1
            continue
        try:
            path, width, height = _store_file(photo, answer.content, answer.headers.get("Content-Type"), now)
        except DomainError as exc:
            media.failed(photo, now, f"not a usable image: {exc.code}", permanent=True)
            counts["failed"] += 1
            continue
        media.stored(photo, path, now, width, height)
        counts["stored"] += 1
    return dict(counts)
