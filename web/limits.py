"""Rate limits (Flask-Limiter), keyed on who is really asking.

- A request whose token checks out counts against that person (`staff:<id>`,
  `resident:<id>`): logging in again, or sending another token, starts no fresh
  allowance. A missing or invalid token counts as anonymous, by client address.
- Logins count per client address and per target account, so neither many
  addresses against one account nor one address against many accounts gets far.
- Counters are shared by every web worker: in Redis when REDIS_URL is set,
  else in the database (`pipeline.accounts.ratelimits`). Only while Redis is
  unreachable does each worker count on its own (Flask-Limiter's in-memory
  fallback, logged as a warning on `sixstep.web.limits`), so an outage never
  turns logging in, reporting or uploading into a 500; it checks Redis again
  with back-off and goes back to it when it answers.

The allowances are settings (RATELIMIT_LOGIN, RATELIMIT_LOGIN_ACCOUNT,
RATELIMIT_REPORT, RATELIMIT_UPLOAD, RATELIMIT_PUBLIC_READ), defaults in `config.RATE_LIMIT_DEFAULTS`;
a malformed one stops the app at start-up rather than failing each request.
"""
import logging

from flask import current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from limits import parse_many

from config import RATE_LIMIT_DEFAULTS
from pipeline.accounts.ratelimits import SCHEME
from web.auth import optional_actor


def client_key() -> str:
    return "addr:" + (get_remote_address() or "unknown")


def identity_key() -> str:
    """The verified person behind the request, or the client address."""
    actor = optional_actor()
    if actor is None or actor.id is None:
        return client_key()
    return f"{actor.kind}:{actor.id}"


def login_account_key() -> str:
    """The account a login names (lower-cased), whoever tries it."""
    body = request.get_json(silent=True)
    username = body.get("username") if isinstance(body, dict) else None
    if not isinstance(username, str) or not username.strip():
        return client_key()
    return "account:" + username.strip().lower()[:64]


def _setting(name: str):
    return lambda: current_app.config.get(name) or RATE_LIMIT_DEFAULTS[name]


limiter = Limiter(key_func=identity_key, strategy="moving-window")
limiter.logger = logging.getLogger("sixstep.web.limits")  # its fallback warnings in our logs

LOGIN = _setting("RATELIMIT_LOGIN")
LOGIN_ACCOUNT = _setting("RATELIMIT_LOGIN_ACCOUNT")
REPORT = _setting("RATELIMIT_REPORT")
UPLOAD = _setting("RATELIMIT_UPLOAD")
PUBLIC_READ = _setting("RATELIMIT_PUBLIC_READ")


def login_limits(view):
    """Both login limits: per client address and per target account."""
    view = limiter.limit(LOGIN_ACCOUNT, key_func=login_account_key)(view)
    return limiter.limit(LOGIN, key_func=client_key)(view)


def anonymous_reads(view):
    """Item numbers are sequential: reading them without logging in is limited per
    address, so nobody walks the whole register; logged-in readers aren't counted."""
    return limiter.shared_limit(PUBLIC_READ, scope="public_read", key_func=client_key,
                                exempt_when=lambda: optional_actor() is not None)(view)


def init_limits(app) -> None:
    for name, default in RATE_LIMIT_DEFAULTS.items():
        value = app.config.get(name) or default
        try:
            parse_many(value)
        except ValueError:
            raise ValueError(f"{name}={value!r} is not a rate limit such as '20/minute' or '30/hour;200/day'") from None
        app.config[name] = value
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or f"{SCHEME}://")
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    # Redis away: count in process rather than fail. The database store needs no
    # fallback: without the database the request can't be served anyway (503).
    redis = str(app.config["RATELIMIT_STORAGE_URI"]).startswith(("redis", "rediss"))
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", redis)
    if redis:  # an unreachable host must fail in a second, not hold the request for the OS's timeout
        app.config.setdefault("RATELIMIT_STORAGE_OPTIONS", {"socket_connect_timeout": 1, "socket_timeout": 1})
    limiter._in_memory_fallback_enabled = app.config["RATELIMIT_IN_MEMORY_FALLBACK_ENABLED"]
    limiter._storage_dead = False  # one limiter for every app built in a process: a fresh start each
    limiter.init_app(app)
