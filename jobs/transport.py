"""A lean HTTP transport for the jobs process's WeChat clients.

The dispatcher sends one message at a time (so a kill leaves at most one in
flight), which makes the per-call overhead its throughput: `requests` spends
about a millisecond of CPU per call on things a JSON POST to one host doesn't
need, and sends headers and body in two packets. `LeanSession` offers the part
of `requests.Session` that wechatpy uses (`request`, `get`, `post`; responses
with `status_code`, `headers`, `content`, `json()`, `raise_for_status()`) on
one keep-alive `http.client` connection per host, and raises `requests`'
exceptions, so wechatpy and `wechat.outbound.deliver` behave exactly as before.
It never retries: a request that may have reached WeChat is not repeated here.
Each thread has its own connections: the scheduler runs jobs in several threads,
and two requests on one HTTP/1.1 connection at once can read each other's answers.
"""
import http.client
import json as jsonlib
import select
import ssl
import threading
import urllib.request
from urllib.parse import urlencode, urlsplit

import certifi
import requests
from requests.structures import CaseInsensitiveDict

SMALL_BODY = 16 * 1024  # a template message is well under this


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


class _OnePacket:
    """Headers and a small body in one send: split in two, every call costs the
    receiver an extra wake-up (http.client sends them separately)."""

    def _send_output(self, message_body=None, encode_chunked=False):
        if isinstance(message_body, bytes) and len(message_body) <= SMALL_BODY:
            self._buffer.extend((b"", b""))
            message = b"\r\n".join(self._buffer) + message_body
            del self._buffer[:]
            self.send(message)
            return
        super()._send_output(message_body, encode_chunked=encode_chunked)


class _HTTPConnection(_OnePacket, http.client.HTTPConnection):
    pass


class _HTTPSConnection(_OnePacket, http.client.HTTPSConnection):
    pass


def _closed_by_peer(sock):
    """An idle keep-alive socket with something to read has been closed by the server."""
    try:
        readable, _, _ = select.select([sock], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(readable)


class LeanSession:
    """`requests.Session` for wechatpy's calls: one keep-alive connection per host, always a timeout."""

    def __init__(self, timeout):
        self.timeout = timeout
        self._local = threading.local()
        self._every = []  # every thread's connections, for close()
        self._every_lock = threading.Lock()
        self._tls = None

    @property
    def _connections(self):
        """This thread's connections, by (scheme, host, port)."""
        connections = getattr(self._local, "connections", None)
        if connections is None:
            connections = self._local.connections = {}
            with self._every_lock:
                self._every.append(connections)
        return connections

    def _connection(self, scheme, host, port):
        key = (scheme, host, port)
        connection = self._connections.get(key)
        if connection is not None and (connection.sock is None or _closed_by_peer(connection.sock)):
            connection.close()  # reconnect before sending, never after: nothing is sent twice
        if connection is None:
            if scheme == "https":
                if self._tls is None:
                    self._tls = ssl.create_default_context(cafile=certifi.where())
                connection = _HTTPSConnection(host, port, timeout=self.timeout, context=self._tls)
            else:
                connection = _HTTPConnection(host, port, timeout=self.timeout)
            self._connections[key] = connection
        return connection

    def request(self, method, url, params=None, data=None, json=None, headers=None, timeout=None, **unused):
        if unused.get("files"):
            raise ValueError("LeanSession does not upload files")
        parts = urlsplit(url)
        query = "&".join(q for q in (parts.query, urlencode(params) if params else "") if q)
        target = (parts.path or "/") + (f"?{query}" if query else "")
        body = data
        headers = dict(headers or {})
        if json is not None:
            body = jsonlib.dumps(json, ensure_ascii=False)
        if isinstance(body, str):
            body = body.encode("utf-8")
        if body is not None:
            headers.setdefault("Content-Type", "application/json")
        connection = self._connection(parts.scheme, parts.hostname, parts.port)
        connection.timeout = timeout or self.timeout
        if connection.sock is not None:
            connection.sock.settimeout(connection.timeout)
        try:
            connection.request(method.upper(), target, body=body, headers=headers)  # one packet for a small body
            answer = connection.getresponse()
            content = answer.read()
        except TimeoutError as exc:
            connection.close()
            raise requests.Timeout(f"{url}: {exc}") from exc
        except (OSError, http.client.HTTPException) as exc:
            connection.close()
            raise requests.ConnectionError(f"{url}: {exc.__class__.__name__}: {exc}") from exc
        if answer.will_close:
            connection.close()
        return LeanResponse(method.upper(), url, answer.status, answer.getheaders(), content)

    def get(self, url, **kwargs):
        return self.request("GET", url, **kwargs)

    def post(self, url, **kwargs):
        return self.request("POST", url, **kwargs)

    def close(self):
        with self._every_lock:
            for connections in self._every:
                for connection in list(connections.values()):
                    connection.close()
                connections.clear()


def use_lean_session(client):
    """Put a `LeanSession` under a wechatpy client, unless traffic must go through a proxy."""
    base = getattr(client, "api_base", "")
    if base.startswith(("http://127.", "http://localhost")) or not urllib.request.getproxies():
        # wechatpy keeps its HTTP session in `_http`; nothing else about the client changes.
        client._http = LeanSession(client.timeout)
    return client

