"""A lean HTTP transport for the jobs process's WeChat clients.

The dispatcher sends one message at a time (so a kill leaves at most one in
flight), which makes the per-call overhead its throughput: `requests` spends
about a millisecond of CPU per call on things a JSON POST to one host doesn't
need. `LeanSession` offers the part of `requests.Session` that wechatpy uses
(`request`, `get`, `post`; responses with `status_code`, `headers`, `content`,
`json()`, `raise_for_status()`) on a urllib3 pool, and raises `requests`'
exceptions, so wechatpy and `wechat.outbound.deliver` behave exactly as before.
It never retries: a request that may have reached WeChat is not repeated here.
"""
import json as jsonlib
import urllib.request
from urllib.parse import urlencode

import certifi
import requests
import urllib3
from requests.structures import CaseInsensitiveDict


class LeanResponse:
    """What wechatpy reads from a `requests.Response`."""

    def __init__(self, method, url, status, headers, content):
        self.status_code = status
        self.headers = CaseInsensitiveDict(headers)
        self.content = content
        self.url = url
        self.request = requests.Request(method, url)
        self.encoding = "utf-8"
        self.reason = ""

    @property
    def ok(self):
        return self.status_code < 400

    @property
    def text(self):
        return self.content.decode("utf-8", "replace")

    def json(self, **kwargs):
        return jsonlib.loads(self.content.decode("utf-8"), **kwargs)

    def raise_for_status(self):
        if self.status_code >= 400:
            raise requests.HTTPError(f"{self.status_code} error for url: {self.url}", response=self)


class LeanSession:
    """`requests.Session` for wechatpy's calls, on one keep-alive urllib3 pool with a timeout."""

    def __init__(self, timeout):
        self.timeout = timeout
        self.pool = urllib3.PoolManager(num_pools=4, maxsize=2, retries=False,
                                        cert_reqs="CERT_REQUIRED", ca_certs=certifi.where())

    def request(self, method, url, params=None, data=None, json=None, headers=None, timeout=None, **unused):
        if unused.get("files"):
            raise ValueError("LeanSession does not upload files")
        if params:
            url += ("&" if "?" in url else "?") + urlencode(params)
        body = data
        headers = dict(headers or {})
        if json is not None:
            body = jsonlib.dumps(json, ensure_ascii=False)
            headers.setdefault("Content-Type", "application/json")
        if isinstance(body, str):
            body = body.encode("utf-8")
        if body is not None:
            headers.setdefault("Content-Type", "application/json")
        seconds = timeout or self.timeout
        try:
            answer = self.pool.request(method.upper(), url, body=body, headers=headers, retries=False,
                                       redirect=False, timeout=urllib3.Timeout(connect=seconds, read=seconds))
        except urllib3.exceptions.TimeoutError as exc:
            if isinstance(exc, urllib3.exceptions.NewConnectionError):
                raise requests.ConnectionError(str(exc)) from exc
            raise requests.Timeout(str(exc)) from exc
        except urllib3.exceptions.HTTPError as exc:
            raise requests.ConnectionError(str(exc)) from exc
        return LeanResponse(method.upper(), url, answer.status, answer.headers, answer.data)

    def get(self, url, **kwargs):
        return self.request("GET", url, **kwargs)

    def post(self, url, **kwargs):
        return self.request("POST", url, **kwargs)

    def close(self):
        self.pool.clear()


def use_lean_session(client):
    """Put a `LeanSession` under a wechatpy client, unless traffic must go through a proxy."""
    base = getattr(client, "api_base", "")
    loopback = base.startswith(("http://127.", "http://localhost"))
    if loopback or not urllib.request.getproxies():
        # wechatpy keeps its HTTP session in `_http`; nothing else about the client changes.
        client._http = LeanSession(client.timeout)
    return client
