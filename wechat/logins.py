"""Logging in with WeChat: a login code exchanged for an openid at WeChat's `sns/`
endpoints (the mini-program's `wx.login()`, the console's web-page OAuth).

These need no access token and no wechatpy: a web worker that serves logins loads
`requests` alone, not wechatpy and `cryptography` (see `serving`). The clients
for everything else are `wechat.client`'s.
"""
import requests

DEFAULT_TIMEOUT = 5.0
OFFICIAL_BASE = "https://api.weixin.qq.com/"


class WeChatAPIError(Exception):
    """A WeChat API call failed: `errcode` (None for network failures) and `errmsg`.

    `message` is a Chinese explanation fit for people.
    """

    MESSAGES = {
        40029: "登录凭证无效或已过期，请重新打开小程序",
        40163: "登录凭证已被使用，请重新打开小程序",
        45011: "登录过于频繁，请稍后再试",
        40226: "该微信账号存在风险，暂时无法登录",
        40013: "小程序 AppID 配置有误",
        40125: "小程序 AppSecret 配置有误",
        -1: "微信系统繁忙，请稍后再试",
    }

    def __init__(self, errcode, errmsg):
        super().__init__(f"{errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg
        self.message = self.MESSAGES.get(errcode, "微信服务暂时不可用，请稍后再试")


class TimeoutSession(requests.Session):
    """A requests session that never waits forever (wechatpy passes no timeout to the token URL)."""

    def __init__(self, timeout):
        super().__init__()
        self.default_timeout = timeout

    def request(self, method, url, **kwargs):
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.default_timeout
        return super().request(method, url, **kwargs)


def normalise_base(base):
    base = base or OFFICIAL_BASE
    return base if base.endswith("/") else base + "/"


def http_session(base, timeout):
    """A session with a default timeout; loopback bases never go through an environment proxy."""
    http = TimeoutSession(timeout)
    if base.startswith(("http://127.", "http://localhost")):
        http.trust_env = False
    return http


def credentials(config, kind):
    if kind == "oa":
        return config["WECHAT_APPID"], config["WECHAT_SECRET"]
    if kind == "mp":
        return config["MINIPROGRAM_APPID"], config["MINIPROGRAM_SECRET"]
    raise ValueError(f"unknown client kind {kind!r} (expected 'oa' or 'mp')")


def code_to_session(config, js_code, *, timeout=DEFAULT_TIMEOUT):
    """Exchange a mini-program `wx.login()` code for `{"openid", "unionid"?}`.

    Calls `sns/jscode2session` directly (it needs no access token, unlike
    wechatpy's `wxa.code_to_session`). The `session_key` is dropped here: it
    must never reach the client. Raises `WeChatAPIError` on WeChat errors
    (40029 bad code, 45011 too frequent, 40226 blocked) and network failures.
    """
    if not js_code or not isinstance(js_code, str):
        raise WeChatAPIError(40029, "invalid code")
    result = _exchange_code(config, "mp", "sns/jscode2session", {"js_code": js_code}, timeout)
    session = {"openid": result["openid"]}
    if result.get("unionid"):
        session["unionid"] = result["unionid"]
    return session


def oauth_openid(config, code, *, timeout=DEFAULT_TIMEOUT):
    """Exchange a web-page OAuth `code` (scope snsapi_base) for the visitor's
    official-account openid, at `sns/oauth2/access_token`.

    The page access token that comes with it is dropped: snsapi_base gives
    nothing more to ask for. Raises `WeChatAPIError` (40029 bad or used code,
    network failures).
    """
    if not code or not isinstance(code, str) or len(code) > 256:
        raise WeChatAPIError(40029, "invalid code")
    return _exchange_code(config, "oa", "sns/oauth2/access_token", {"code": code}, timeout)["openid"]


def _exchange_code(config, kind, endpoint, params, timeout):
    """GET an `sns/` endpoint that turns a login code into an openid (no access token needed)."""
    appid, secret = credentials(config, kind)
    base = normalise_base(config.get("WECHAT_API_BASE"))
    http = http_session(base, timeout)
    try:
        with http:
            res = http.get(base + endpoint, params={"appid": appid, "secret": secret, **params,
                                                    "grant_type": "authorization_code"})
            res.raise_for_status()
            result = res.json()
    except requests.RequestException as exc:
        raise WeChatAPIError(None, f"network: {exc.__class__.__name__}") from exc
    except ValueError as exc:
        raise WeChatAPIError(None, "not json") from exc
    errcode = int(result.get("errcode") or 0)
    if errcode or not result.get("openid"):
        raise WeChatAPIError(errcode or -1, result.get("errmsg", "no openid"))
    return result
