"""One log line per request, and the request id that ties it to what the caller saw.

The id comes from the proxy's `X-Request-Id` when it sends a sane one, else a
new one; it is echoed in the response's `X-Request-Id` header and in every
JSON error body (`error.request_id`), so a resident's screenshot or an
integrator's bug report leads to the line. The line has the route (the URL
rule, `/api/v1/items/<number>`, never the raw path), method, status, duration
and the kind of caller — no query string, body, phone number or message text.
"""
import logging
import re
import time
import uuid

from flask import g, request

log = logging.getLogger("sixstep.request")

HEADER = "X-Request-Id"
_ENVIRON_ID = "sixstep.request_id"
_ENVIRON_ROUTE = "sixstep.route"
_ENVIRON_ACTOR = "sixstep.actor"
_SANE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


def request_id():
    """This request's id (inside a request)."""
    return request.environ.get(_ENVIRON_ID)


class RequestLog:
    """WSGI middleware around the whole site (API, pages and the webhook)."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        given = environ.get("HTTP_X_REQUEST_ID", "")
        rid = given if _SANE_ID.match(given) else uuid.uuid4().hex
        environ[_ENVIRON_ID] = rid
        started = time.perf_counter()
        seen = {}

        def start(status, headers, exc_info=None):
            seen["status"] = int(status.split(" ", 1)[0])
            headers = [(name, value) for name, value in headers if name.lower() != HEADER.lower()]
            headers.append((HEADER, rid))
            return start_response(status, headers, exc_info)

        try:
            return self.wsgi_app(environ, start)
        finally:
            fields = {
                "request_id": rid,
                "method": environ.get("REQUEST_METHOD"),
                "route": environ.get(_ENVIRON_ROUTE, "<unmatched>"),
                "status": seen.get("status", 500),
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                "actor": environ.get(_ENVIRON_ACTOR, "anonymous"),
            }
            log.info("%(method)s %(route)s %(status)s %(duration_ms)sms %(actor)s %(request_id)s", fields,
                     extra=fields)


def init_request_log(flask_app, caller="anonymous"):
    """Let `flask_app` tell the middleware its route and who called (`caller` when nobody logged in)."""

    @flask_app.before_request
    def _route():
        if request.url_rule is not None:
            request.environ[_ENVIRON_ROUTE] = request.url_rule.rule

    @flask_app.teardown_request
    def _actor(exc):
        actor = g.get("actor")
        request.environ[_ENVIRON_ACTOR] = actor.kind if actor is not None else caller
