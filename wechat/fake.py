"""A fake WeChat API server on loopback, for the tests and the demo.

    python -m wechat.fake [--port 8081]

then run the app with `WECHAT_API_BASE=http://127.0.0.1:8081/`. Open
http://127.0.0.1:8081/ in a browser to see every push the app sent
(`/_calls` gives the same as JSON, `POST /_reset` forgets them).

In tests: `fake = FakeWeChat().start()`; `fake.base_url`, `fake.calls`,
`fake.reset()`, `fake.stop()`; inject trouble with
`fake.fail_next("template/send", 45009 | "drop" | "timeout" | "http500", count)`,
`fake.send_failure_ratio = 0.3`, `fake.invalidate_tokens()`, and users who
don't follow or refused subscriptions (`fake.unfollowed`, `fake.refused`).
Tell it a template's keys with `fake.define_template(template_id, keys)`: sends
to it must then fit them (47003 otherwise, see `fake_rules`), and WeChat's
template lists show it.
"""
import argparse
import io
import json
import random
import secrets
import socket
import threading
import time
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from . import fake_rules

SCENE_CHARS = set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz!#$&'()*+,/:;=?@-._~")
CLIENT_MSG_ID_SECONDS = 600  # how long WeChat remembers a client_msg_id
SEND_PATHS = ("cgi-bin/message/template/send", "cgi-bin/message/subscribe/send", "cgi-bin/message/subscribe/bizsend",
              "cgi-bin/message/custom/send")


def _png(text):
    import qrcode

    buf = io.BytesIO()
    qrcode.make(text, box_size=4, border=2).save(buf, format="PNG")
    return buf.getvalue()


_jpeg_cache: dict[str, bytes] = {}


def _jpeg():
    if "photo" not in _jpeg_cache:
        from PIL import Image

        buf = io.BytesIO()
        Image.new("RGB", (32, 24), (90, 140, 200)).save(buf, format="JPEG", quality=80)
        _jpeg_cache["photo"] = buf.getvalue()
    return _jpeg_cache["photo"]


class _Drop(Exception):
    """Close the connection without answering (a network failure)."""


class FakeWeChat:
    """The fake API: tokens, template/subscribe/custom sends, QR codes, code2session, media, menu."""

    def __init__(self, host="127.0.0.1", port=0, apps=None, token_ttl=7200, slow_seconds=6.0, seed=None,
                 templates=None):
        self.host = host
        self.port = port
        self.apps = dict(apps) if apps else None  # {appid: secret}; None accepts any
        self.token_ttl = token_ttl
        self.slow_seconds = slow_seconds
        self.send_failure_ratio = 0.0
        self.send_failure_errcode = 45009
        self.unfollowed = set()  # openids: template sends answer 43004
        self.refused = set()  # openids: subscribe sends answer 43101
        self.calls = []
        self.menu = None
        # template_id -> {"keys", "kind", "appid", "title"}; the demo's by default.
        self._default_templates = fake_rules.demo_templates() if templates is None else dict(templates)
        self.templates = dict(self._default_templates)
        self.client_msg_ids = {}  # (openid, client_msg_id) -> (msgid, monotonic time sent)
        self.tickets = {}  # ticket -> scene
        self._tokens = {}  # token -> (appid, expires monotonic)
        self._failures = []  # [fragment, action, remaining]
        self._msgid = 1000
        self._lock = threading.Lock()
        self._local = threading.local()
        self._random = random.Random(seed)
        self._server = None
        self._thread = None

    # -- control -------------------------------------------------------------

    def start(self):
        fake = self

        class Handler(_Handler):
            server_fake = fake

        self._server = ThreadingHTTPServer((self.host, self.port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-wechat", daemon=True)
        self._thread.start()
        return self

    def stop(self):
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def base_url(self):
        return f"http://{self.host}:{self.port}/"

    def reset(self):
        """Forget calls, failures, tokens and user states."""
        with self._lock:
            self.calls.clear()
            self._failures.clear()
            self._tokens.clear()
            self.unfollowed.clear()
            self.refused.clear()
            self.send_failure_ratio = 0.0
            self.menu = None
            self.templates = dict(self._default_templates)
            self.client_msg_ids.clear()

    def define_template(self, template_id, keys, kind="subscribe", appid=None, title="模板"):
        """A template WeChat knows: `kind` "template" (official-account template
        message) or "subscribe" (subscribe message / notice of `appid`, any if None)."""
        with self._lock:
            self.templates[template_id] = fake_rules.template(keys, kind, appid, title)

    def fail_next(self, path_fragment, action, count=1):
        """The next `count` calls whose path contains `path_fragment` fail with `action`:
        an errcode (int), "drop" (connection closed), "timeout" (answer after
        `slow_seconds`) or "http500"."""
        with self._lock:
            self._failures.append([path_fragment, action, count])

    def invalidate_tokens(self):
        """Every issued access token becomes invalid (40001), as after a secret reset."""
        with self._lock:
            self._tokens.clear()

    def expire_tokens(self):
        """Every issued token is past its lifetime (42001)."""
        with self._lock:
            for token, (appid, _) in list(self._tokens.items()):
                self._tokens[token] = (appid, time.monotonic() - 1)

    def calls_to(self, fragment):
        with self._lock:
            return [c for c in self.calls if fragment in c["path"]]

    def sends(self, openid=None):
        """Template and subscribe messages delivered (a repeated `client_msg_id` is
        not delivered again), optionally to one openid, in order."""
        with self._lock:
            return [
                c for c in self.calls
                if c["path"] in SEND_PATHS[:3] and c["errcode"] == 0 and not c.get("duplicate")
                and (openid is None or (c["json"] or {}).get("touser") == openid)
            ]

    # -- request handling (called from the handler threads) ------------------

    def _take_failure(self, path):
        with self._lock:
            for failure in self._failures:
                if failure[0] in path and failure[2] > 0:
                    failure[2] -= 1
                    if failure[2] == 0:
                        self._failures.remove(failure)
                    return failure[1]
            if path in SEND_PATHS[:3] and self.send_failure_ratio and self._random.random() < self.send_failure_ratio:
                return self.send_failure_errcode
        return None

    def _check_token(self, query):
        token = query.get("access_token")
        with self._lock:
            entry = self._tokens.get(token)
        if entry is None:
            return {"errcode": 40001, "errmsg": "invalid credential, access_token is invalid or not latest"}
        if entry[1] < time.monotonic():
            return {"errcode": 42001, "errmsg": "access_token expired"}
        return None

    def _next_msgid(self):
        with self._lock:
            self._msgid += 1
            return self._msgid

    def handle(self, method, path, query, body, call=None):
        """Answer one call: (status, content_type, bytes, errcode). `call` is its record."""
        self._local.call = {} if call is None else call
        failure = self._take_failure(path)
        if failure == "drop":
            raise _Drop()
        if failure == "timeout":
            time.sleep(self.slow_seconds)
        elif failure == "http500":
            return 500, "text/plain", b"internal error", None
        elif failure is not None:
            return self._json({"errcode": int(failure), "errmsg": "injected failure"})
        route = ROUTES.get(path)
        if route is None:
            return self._json({"errcode": 40066, "errmsg": f"invalid url {path}"}) \
                if path.startswith(("cgi-bin/", "wxa/", "wxaapi/", "sns/")) \
                else (404, "text/plain", b"not found", None)
        needs_token, func = route
        if needs_token:
            error = self._check_token(query)
            if error:
                return self._json(error)
        try:
            data = json.loads(body.decode("utf-8")) if body else None
        except (UnicodeDecodeError, ValueError):
            return self._json({"errcode": 47001, "errmsg": "data format error"})
        return func(self, query, data)

    @staticmethod
    def _json(payload, status=200):
        return status, "application/json", json.dumps(payload, ensure_ascii=False).encode("utf-8"), payload.get("errcode", 0)

    # -- endpoints -------------------------------------------------------------

    def _token(self, query, data):
        appid, secret = query.get("appid"), query.get("secret")
        if query.get("grant_type") != "client_credential" or not appid:
            return self._json({"errcode": 40002, "errmsg": "invalid grant_type"})
        if self.apps is not None and appid not in self.apps:
            return self._json({"errcode": 40013, "errmsg": "invalid appid"})
        if self.apps is not None and self.apps[appid] != secret:
            return self._json({"errcode": 40125, "errmsg": "invalid appsecret"})
        token = "fake-" + secrets.token_urlsafe(24)
        with self._lock:
            self._tokens[token] = (appid, time.monotonic() + self.token_ttl)
        return self._json({"access_token": token, "expires_in": self.token_ttl})

    def _send(self, query, data, refused_set, refused_code):
        if not isinstance(data, dict) or not data.get("touser") or not data.get("template_id"):
            return self._json({"errcode": 40003, "errmsg": "invalid openid or template"})
        if not isinstance(data.get("data"), dict):
            return self._json({"errcode": 47001, "errmsg": "data format error"})
        if data["touser"] in refused_set:
            return self._json({"errcode": refused_code, "errmsg": "user refused or not following"})
        template = self.templates.get(data["template_id"])
        refusal = template and fake_rules.refusal(template["keys"], data["data"])
        if refusal:
            return self._json({"errcode": 47003, "errmsg": refusal})
        return self._json({"errcode": 0, "errmsg": "ok", "msgid": self._deliver(data)})

    def _deliver(self, data):
        """A new msgid, or the first one's for a `client_msg_id` seen within WeChat's 10 minutes."""
        key = (data["touser"], data.get("client_msg_id"))
        with self._lock:
            seen = self.client_msg_ids.get(key) if key[1] else None
            if seen and time.monotonic() - seen[1] < CLIENT_MSG_ID_SECONDS:
                self._local.call["duplicate"] = True
                return seen[0]
            self._msgid += 1
            if key[1]:
                self.client_msg_ids[key] = (self._msgid, time.monotonic())
            return self._msgid

    def _template_send(self, query, data):
        return self._send(query, data, self.unfollowed, 43004)

    def _subscribe_send(self, query, data):
        return self._send(query, data, self.refused, 43101)

    def _defined(self, kind, query):
        with self._lock:
            appid = (self._tokens.get(query.get("access_token")) or (None,))[0]
            return [(tid, t) for tid, t in self.templates.items()
                    if t["kind"] == kind and t["appid"] in (None, appid)]

    def _template_list(self, query, data):
        return self._json({"template_list": [
            {"template_id": tid, "title": t["title"], "content": fake_rules.content(t["keys"])}
            for tid, t in self._defined("template", query)]})

    def _subscribe_templates(self, query, data):
        return self._json({"errcode": 0, "errmsg": "ok", "data": [
            {"priTmplId": tid, "title": t["title"], "content": fake_rules.content(t["keys"]), "type": 2}
            for tid, t in self._defined("subscribe", query)]})

    def _custom_send(self, query, data):
        if not isinstance(data, dict) or not data.get("touser") or not data.get("msgtype"):
            return self._json({"errcode": 40003, "errmsg": "invalid openid"})
        return self._json({"errcode": 0, "errmsg": "ok"})

    def _qrcode_create(self, query, data):
        data = data or {}
        action = data.get("action_name")
        scene = (data.get("action_info") or {}).get("scene") or {}
        if action not in ("QR_SCENE", "QR_STR_SCENE", "QR_LIMIT_SCENE", "QR_LIMIT_STR_SCENE"):
            return self._json({"errcode": 40053, "errmsg": "invalid action_name"})
        value = scene.get("scene_str") if action.endswith("STR_SCENE") else scene.get("scene_id")
        if value in (None, "") or (isinstance(value, str) and not 1 <= len(value) <= 64):
            return self._json({"errcode": 40097, "errmsg": "invalid scene"})
        ticket = "gQ" + secrets.token_urlsafe(30)
        with self._lock:
            self.tickets[ticket] = str(value)
        payload = {"ticket": ticket, "url": f"http://weixin.qq.com/q/{ticket[:22]}"}
        if not action.startswith("QR_LIMIT"):
            payload["expire_seconds"] = min(int(data.get("expire_seconds") or 60), 2592000)
        return self._json(payload)

    def _showqrcode(self, query, data):
        with self._lock:
            scene = self.tickets.get(query.get("ticket"))
        if scene is None:
            return 404, "text/plain", b"ticket not found", None
        return 200, "image/png", _png(f"fake-wechat-qrscene:{scene}"), 0

    def _jscode2session(self, query, data):
        code = query.get("js_code") or ""
        if self.apps is not None and self.apps.get(query.get("appid")) != query.get("secret"):
            return self._json({"errcode": 40125, "errmsg": "invalid appsecret"})
        errors = {"bad-code": 40029, "rate-limited": 45011, "blocked": 40226}
        if not code or code in errors:
            return self._json({"errcode": errors.get(code, 40029), "errmsg": "code error"})
        return self._json({"openid": "mp-" + code, "unionid": "un-" + code, "session_key": secrets.token_hex(8)})

    def _oauth_token(self, query, data):
        """Web-page OAuth: code "<x>" answers openid "<x>" (so tests pick who is in the browser)."""
        code = query.get("code") or ""
        if self.apps is not None and self.apps.get(query.get("appid")) != query.get("secret"):
            return self._json({"errcode": 40125, "errmsg": "invalid appsecret"})
        if query.get("grant_type") != "authorization_code":
            return self._json({"errcode": 40002, "errmsg": "invalid grant_type"})
        if not code or code == "bad-code":
            return self._json({"errcode": 40029, "errmsg": "invalid code"})
        return self._json({"access_token": "page-" + secrets.token_urlsafe(12), "expires_in": 7200,
                           "refresh_token": "refresh-" + secrets.token_urlsafe(12), "openid": code,
                           "scope": "snsapi_base"})

    def _media_get(self, query, data):
        media_id = query.get("media_id") or ""
        if not media_id or media_id.startswith("missing"):
            return self._json({"errcode": 40007, "errmsg": "invalid media_id"})
        return 200, "image/jpeg", _jpeg(), 0

    def _wxacode(self, query, data):
        data = data or {}
        scene = data.get("scene") or ""
        if not scene or len(scene) > 32 or not set(scene) <= SCENE_CHARS:
            return self._json({"errcode": 40169, "errmsg": "invalid length for scene, or the data is not json string"})
        page = data.get("page")
        if page and page.startswith("/"):
            return self._json({"errcode": 41030, "errmsg": "invalid page"})
        return 200, "image/png", _png(f"fake-wxacode:{page or ''}?scene={scene}"), 0

    def _menu_create(self, query, data):
        if not isinstance(data, dict) or not isinstance(data.get("button"), list) or not 1 <= len(data["button"]) <= 3:
            return self._json({"errcode": 40016, "errmsg": "invalid button size"})
        self.menu = data
        return self._json({"errcode": 0, "errmsg": "ok"})

    def _menu_get(self, query, data):
        if self.menu is None:
            return self._json({"errcode": 46003, "errmsg": "menu no exist"})
        return self._json({"menu": self.menu})


ROUTES = {
    "cgi-bin/token": (False, FakeWeChat._token),
    "cgi-bin/message/template/send": (True, FakeWeChat._template_send),
    "cgi-bin/message/subscribe/send": (True, FakeWeChat._subscribe_send),
    "cgi-bin/message/subscribe/bizsend": (True, FakeWeChat._subscribe_send),
    "cgi-bin/message/custom/send": (True, FakeWeChat._custom_send),
    "cgi-bin/template/get_all_private_template": (True, FakeWeChat._template_list),
    "wxaapi/newtmpl/gettemplate": (True, FakeWeChat._subscribe_templates),
    "cgi-bin/qrcode/create": (True, FakeWeChat._qrcode_create),
    "cgi-bin/showqrcode": (False, FakeWeChat._showqrcode),
    "sns/jscode2session": (False, FakeWeChat._jscode2session),
    "sns/oauth2/access_token": (False, FakeWeChat._oauth_token),
    "cgi-bin/media/get": (True, FakeWeChat._media_get),
    "wxa/getwxacodeunlimit": (True, FakeWeChat._wxacode),
    "cgi-bin/menu/create": (True, FakeWeChat._menu_create),
    "cgi-bin/menu/get": (True, FakeWeChat._menu_get),
}


class _Handler(BaseHTTPRequestHandler):
    server_fake = None
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes: without TCP_NODELAY every keep-alive
    # call waits ~40 ms for the client's delayed ACK.
    disable_nagle_algorithm = True

    def log_message(self, format, *args):  # noqa: A002 - quiet: the calls list is the log
        pass

    def _answer(self, status, content_type, body):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _dispatch(self, method):
        fake = self.server_fake
        parts = urlsplit(self.path)
        path = parts.path.lstrip("/")
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if path in ("", "_calls", "_calls.json") or path == "_reset":
            return self._control(method, path)
        # Recorded on arrival, so a slow answer finishing after `reset()` leaves no trace.
        call = self._record(method, path, query, body)
        try:
            status, content_type, payload, errcode = fake.handle(method, path, query, body, call)
        except _Drop:
            call["status"] = "drop"
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        call.update(status=status, errcode=errcode)
        try:
            self._answer(status, content_type, payload)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up (its timeout)

    def _record(self, method, path, query, body):
        try:
            parsed = json.loads(body.decode("utf-8")) if body else None
        except (UnicodeDecodeError, ValueError):
            parsed = None
        call = {"method": method, "path": path, "query": query, "json": parsed,
                "time": time.time(), "errcode": None, "status": None}
        fake = self.server_fake
        with fake._lock:
            fake.calls.append(call)
        return call

    def _control(self, method, path):
        fake = self.server_fake
        if path == "_reset" and method == "POST":
            fake.reset()
            return self._answer(200, "application/json", b'{"ok": true}')
        with fake._lock:
            calls = list(fake.calls)
        if path.startswith("_calls"):
            return self._answer(200, "application/json; charset=utf-8",
                                json.dumps(calls, ensure_ascii=False, indent=1).encode("utf-8"))
        return self._answer(200, "text/html; charset=utf-8", _html(calls).encode("utf-8"))

    def do_GET(self):
        self._dispatch("GET")

    def do_POST(self):
        self._dispatch("POST")


def _html(calls):
    rows = []
    for call in reversed(calls):
        body = call["json"] or {}
        if call["path"] in SEND_PATHS[:3]:
            fields = "<br>".join(
                f"{escape(k)}: {escape(str(v.get('value') if isinstance(v, dict) else v))}"
                for k, v in (body.get("data") or {}).items()
            )
            what = f"<b>{escape(str(body.get('template_id')))}</b> → {escape(str(body.get('touser')))}<br>{fields}"
        else:
            what = escape(json.dumps(body, ensure_ascii=False)[:300]) if body else ""
        stamp = time.strftime("%H:%M:%S", time.localtime(call["time"]))
        rows.append(
            f"<tr><td>{stamp}</td><td>{escape(call['path'])}</td><td>{escape(str(call['errcode']))}</td><td>{what}</td></tr>"
        )
    return (
        "<!doctype html><meta charset=utf-8><title>模拟微信 · 推送记录</title>"
        "<meta http-equiv=refresh content=5>"
        "<style>body{font-family:sans-serif}td{border-bottom:1px solid #ddd;padding:4px 8px;vertical-align:top}</style>"
        f"<h1>模拟微信服务器：已收到 {len(calls)} 次调用</h1>"
        "<p>最新的在最上面；<a href=/_calls>JSON</a>。每 5 秒刷新。</p>"
        "<table><tr><th>时间</th><th>接口</th><th>errcode</th><th>内容</th></tr>" + "".join(rows) + "</table>"
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description="模拟微信 API 服务器（测试与演示用）")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    args = parser.parse_args(argv)
    fake = FakeWeChat(host=args.host, port=args.port).start()
    print(f"fake WeChat API on {fake.base_url} — set WECHAT_API_BASE={fake.base_url}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        fake.stop()


if __name__ == "__main__":
    main()
