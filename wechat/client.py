"""The one factory for outbound WeChat API clients.

`make_client(config, kind)` gives a wechatpy `WeChatClient` for the official
account ("oa") or the mini-program ("mp") that:
- talks to `WECHAT_API_BASE` (WeChat itself, or the fake server in tests and
  the demo) for every endpoint, the token URL and `client.wxa` included;
- always has a timeout;
- keeps its access token in the shared store (`wechat.token_store`), so every
  process uses one token, and never retries on 40001 by itself unless asked
  (`auto_retry=True` makes every worker refetch: the jobs process refreshes).
"""
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import requests
from wechatpy import WeChatClient
from wechatpy.client.api.base import BaseWeChatAPI
from wechatpy.exceptions import WeChatClientException

from pipeline.rules.errors import UpstreamError

from .token_store import storage_for

DEFAULT_TIMEOUT = 5.0
OFFICIAL_BASE = "https://api.weixin.qq.com/"
# Below this many seconds left, a stored token is not handed out: fetch anew.
TOKEN_MIN_REMAINING = 60
# WeChat's answers that the access token used is bad: invalid (40001), not a
# token at all (40014), expired (42001). The stored token is forgotten and fetched anew.
TOKEN_ERROR_CODES = frozenset({40001, 40014, 42001})
# The mini-program version WeChat's codes open, by MINIPROGRAM_STATE.
ENV_VERSIONS = {"formal": "release", "trial": "trial", "developer": "develop"}


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


class _TimeoutSession(requests.Session):
    """A requests session that never waits forever (wechatpy passes no timeout to the token URL)."""

    def __init__(self, timeout):
        super().__init__()
        self.default_timeout = timeout

    def request(self, method, url, **kwargs):
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.default_timeout
        return super().request(method, url, **kwargs)


def _normalise_base(base):
    base = base or OFFICIAL_BASE
    return base if base.endswith("/") else base + "/"


def _http_session(base, timeout):
    """A session with a default timeout; loopback bases never go through an environment proxy."""
    http = _TimeoutSession(timeout)
    if base.startswith(("http://127.", "http://localhost")):
        http.trust_env = False
    return http


class SixstepWeChatClient(WeChatClient):
    """`WeChatClient` pointed at `api_base`, with a timeout and the shared token store."""

    def __init__(self, appid, secret, *, api_base=OFFICIAL_BASE, session=None,
                 timeout=DEFAULT_TIMEOUT, auto_retry=False, miniprogram_appid=None, miniprogram_state="formal"):
        super().__init__(appid, secret, session=session, timeout=timeout, auto_retry=auto_retry)
        self.api_base = _normalise_base(api_base)
        self.API_BASE_URL = self.api_base + "cgi-bin/"
        self.miniprogram_appid = miniprogram_appid
        self.miniprogram_state = miniprogram_state
        self._http = _http_session(self.api_base, timeout)
        # Endpoint groups with their own base (wxa, card, datacube, ...) are
        # separate objects that __new__ put on the instance: repoint every one.
        for api in list(vars(self).values()):
            if isinstance(api, BaseWeChatAPI):
                own = getattr(api, "API_BASE_URL", None)
                if own and own.startswith(OFFICIAL_BASE):
                    api.API_BASE_URL = self.api_base + own[len(OFFICIAL_BASE):]

    def fetch_access_token(self):
        """Fetch a new token from `api_base` and put it in the shared store."""
        return self._fetch_access_token(
            url=self.api_base + "cgi-bin/token",
            params={"grant_type": "client_credential", "appid": self.appid, "secret": self.secret},
        )

    @property
    def access_token(self):
        # wechatpy trusts its in-memory `expires_at`, which another process's
        # refresh makes stale; the shared store's expiry is the truth.
        key = self.access_token_key
        token = self.session.get(key)
        if token:
            left = self.session.remaining(key) if hasattr(self.session, "remaining") else None
            if left is None or left > TOKEN_MIN_REMAINING:
                return token
        self.fetch_access_token()
        return self.session.get(key)

    def url(self, endpoint):
        """The full URL of an endpoint under this client's base (e.g. 'cgi-bin/showqrcode')."""
        return self.api_base + endpoint

    def qrcode_image_url(self, ticket):
        """Where a parametric QR code's image is shown (WeChat serves it from mp.weixin.qq.com)."""
        base = "https://mp.weixin.qq.com/" if self.api_base == OFFICIAL_BASE else self.api_base
        return base + "cgi-bin/showqrcode?ticket=" + quote(ticket, safe="")


def _credentials(config, kind):
    if kind == "oa":
        return config["WECHAT_APPID"], config["WECHAT_SECRET"]
    if kind == "mp":
        return config["MINIPROGRAM_APPID"], config["MINIPROGRAM_SECRET"]
    raise ValueError(f"unknown client kind {kind!r} (expected 'oa' or 'mp')")


def make_client(config, kind="oa", session=None, *, timeout=DEFAULT_TIMEOUT, auto_retry=False):
    """A WeChat API client for the official account (`oa`) or the mini-program (`mp`).

    `config` is a mapping of settings (Flask's `app.config` or `load_config()`);
    `session` is a wechatpy `SessionStorage` (default: the shared store for
    `config`). Web processes keep `auto_retry=False`.
    """
    appid, secret = _credentials(config, kind)
    return SixstepWeChatClient(
        appid,
        secret,
        api_base=config.get("WECHAT_API_BASE") or OFFICIAL_BASE,
        session=session if session is not None else storage_for(config),
        timeout=timeout,
        auto_retry=auto_retry,
        miniprogram_appid=config.get("MINIPROGRAM_APPID"),
        miniprogram_state=miniprogram_state(config),
    )


def miniprogram_state(config: Mapping[str, Any]) -> str:
    """Which mini-program version messages and codes open: formal | trial | developer."""
    return config.get("MINIPROGRAM_STATE") or ("formal" if config.get("SIXSTEP_ENV") == "production" else "developer")


def forget_token(client: SixstepWeChatClient) -> None:
    """Drop the client's stored access token, so the next call fetches a new one."""
    client.session.delete(client.access_token_key)


class WxacodeFetcher:
    """`fetch(scene, page) -> PNG bytes`: the mini-program's code (getwxacodeunlimit).

    A failure is an `UpstreamError`; a token WeChat rejects is forgotten first.
    `cache_key` names what the code depends on besides scene and page (app and version).
    """

    def __init__(self, config: Mapping[str, Any]) -> None:
        self.config = config
        self.env_version = ENV_VERSIONS.get(miniprogram_state(config), "develop")
        self.cache_key = f"{config['MINIPROGRAM_APPID']}|{self.env_version}"

    def __call__(self, scene: str, page: str) -> bytes:
        client = make_client(self.config, "mp", timeout=self.config.get("WECHAT_WEB_TIMEOUT", DEFAULT_TIMEOUT))
        body = {"scene": scene, "page": page, "width": 430, "check_path": self.env_version == "release",
                "env_version": self.env_version}
        try:
            answer = client.post(client.url("wxa/getwxacodeunlimit"), data=body)
        except WeChatClientException as error:
            if error.errcode in TOKEN_ERROR_CODES:
                forget_token(client)
            raise UpstreamError(f"微信小程序码生成失败（{error.errcode}）", code="wechat_error") from error
        except requests.RequestException as error:
            raise UpstreamError("微信服务暂时不可用", code="wechat_error") from error
        if isinstance(answer, dict) or not getattr(answer, "content", None):
            raise UpstreamError("微信未返回小程序码", code="wechat_error")
        return answer.content


def wxacode_fetcher(config: Mapping[str, Any]) -> WxacodeFetcher | None:
    """The mini-program code fetcher, or None when the mini-program isn't
    configured for item codes (ITEM_QR_SOURCE=wechat, its appid and secret)."""
    if config.get("ITEM_QR_SOURCE") != "wechat" or not (config.get("MINIPROGRAM_APPID")
                                                         and config.get("MINIPROGRAM_SECRET")):
        return None
    return WxacodeFetcher(config)


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
    appid, secret = _credentials(config, kind)
    base = _normalise_base(config.get("WECHAT_API_BASE"))
    http = _http_session(base, timeout)
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
