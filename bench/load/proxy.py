"""A small round-robin HTTP proxy on loopback, standing in for nginx in front of
several web hosts (deploy/nginx/sixstep.conf does the same in production).

A host that refuses the connection is skipped and the request goes to the next
one — nothing reached the refused host, so trying again is safe whatever the
method (nginx's `proxy_next_upstream error`). A host that dies with a request
in flight answers that request 502: it may have been acted on, so it is not
repeated. Counts both, so the load benchmark can tell requests lost to the kill
from any other loss.
"""
import http.client
import itertools
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HOP_HEADERS = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te", "trailer"}


class Proxy:
    """`Proxy(ports).start()` listens on `self.port` and spreads requests over `ports`."""

    def __init__(self, ports, timeout=30.0):
        self.ports = list(ports)
        self.timeout = timeout
        self._next = itertools.cycle(range(len(self.ports)))
        self._lock = threading.Lock()
        self.in_flight = {port: 0 for port in self.ports}
        self.failed_in_flight = {port: 0 for port in self.ports}
        self.skipped_refused = {port: 0 for port in self.ports}
        self.in_flight_at = {}  # snapshot taken by `mark`
        self._local = threading.local()
        proxy = self

        class Handler(_Handler):
            owner = proxy

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]

    def start(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def mark(self):
        """Remember how many requests each host has in flight now (call just before a kill)."""
        with self._lock:
            self.in_flight_at = dict(self.in_flight)

    def _connection(self, port):
        connections = getattr(self._local, "connections", None)
        if connections is None:
            connections = self._local.connections = {}
        if port not in connections:
            connections[port] = http.client.HTTPConnection("127.0.0.1", port, timeout=self.timeout)
        return connections[port]

    def _drop(self, port):
        connection = getattr(self._local, "connections", {}).pop(port, None)
        if connection is not None:
            connection.close()

    def forward(self, method, target, headers, body):
        """(status, headers, body) from the first host that takes the request."""
        with self._lock:
            start = next(self._next)
        for offset in range(len(self.ports)):
            port = self.ports[(start + offset) % len(self.ports)]
            connection = self._connection(port)
            try:
                if connection.sock is None:
                    connection.connect()  # refused here: nothing was sent, the next host may take it
            except OSError:
                self._drop(port)
                with self._lock:
                    self.skipped_refused[port] += 1
                continue
            with self._lock:
                self.in_flight[port] += 1
            try:
                connection.request(method, target, body=body, headers=headers)
                answer = connection.getresponse()
                content = answer.read()
                if answer.will_close:
                    self._drop(port)
                return answer.status, answer.getheaders(), content
            except (OSError, http.client.HTTPException):
                self._drop(port)
                with self._lock:
                    self.failed_in_flight[port] += 1
                return 502, [("Content-Type", "text/plain")], b"upstream died mid-request"
            finally:
                with self._lock:
                    self.in_flight[port] -= 1
        return 502, [("Content-Type", "text/plain")], b"no upstream"


class _Handler(BaseHTTPRequestHandler):
    owner: Proxy
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, format, *args):  # noqa: A002 - quiet
        pass

    def _relay(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_HEADERS}
        headers["X-Forwarded-For"] = self.client_address[0]
        status, answer_headers, content = self.owner.forward(self.command, self.path, headers, body)
        self.send_response(status)
        for name, value in answer_headers:
            if name.lower() not in HOP_HEADERS and name.lower() != "content-length":
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _relay
