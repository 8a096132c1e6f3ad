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

from .logins import (  # noqa: F401 (code_to_session, oauth_openid: re-exported)
    DEFAULT_TIMEOUT,
    OFFICIAL_BASE,
    WeChatAPIError,
    code_to_session,
    credentials,
    http_session,
    normalise_base,
    oauth_openid,
)
from .token_store import storage_for

# Below this many seconds left, a stored token is not handed out: fetch anew.
TOKEN_MIN_REMAINING = 60
# WeChat's answers that the access token used is bad: invalid (40001), not a
# token at all (40014), expired (42001). The stored token is forgotten and fetched anew.
TOKEN_ERROR_CODES = frozenset({40001, 40014, 42001})
# The mini-program version WeChat's codes open, by MINIPROGRAM_STATE.
ENV_VERSIONS = {"formal": "release", "trial": "trial", "developer": "develop"}





class SixstepWeChatClient(WeChatClient):
    """`WeChatClient` pointed at `api_base`, with a timeout and the shared token store."""

    def __init__(self, appid, secret, *, api_base=OFFICIAL_BASE, session=None,
                 timeout=DEFAULT_TIMEOUT, auto_retry=False, miniprogram_appid=None, miniprogram_state="formal"):
        super().__init__(appid, secret, session=session, timeout=timeout, auto_retry=auto_retry)
        self.api_base = normalise_base(api_base)
        self.API_BASE_URL = self.api_base + "cgi-bin/"
        self.miniprogram_appid = miniprogram_appid
        self.miniprogram_state = miniprogram_state
        self._http = http_session(self.api_base, timeout)
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


def make_client(config, kind="oa", session=None, *, timeout=DEFAULT_TIMEOUT, auto_retry=False):
    """A WeChat API client for the official account (`oa`) or the mini-program (`mp`).

    `config` is a mapping of settings (Flask's `app.config` or `load_config()`);
    `session` is a wechatpy `SessionStorage` (default: the shared store for
    `config`). Web processes keep `auto_retry=False`.
    """
    appid, secret = credentials(config, kind)
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
