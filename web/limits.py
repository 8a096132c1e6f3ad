"""Rate limits (Flask-Limiter): per person when logged in, else per address.

Counters live in Redis when REDIS_URL is set, so every web worker shares them;
in memory otherwise (one process, the demo).
"""
import hashlib

from flask import request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

LOGIN = "20/minute"
REPORT = "30/hour"
UPLOAD = "60/hour"


def _who():
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return "t:" + hashlib.sha256(header[7:].strip().encode()).hexdigest()[:32]
    return "a:" + (get_remote_address() or "unknown")


limiter = Limiter(key_func=_who, strategy="moving-window")


def init_limits(app):
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "memory://")
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    limiter.init_app(app)
