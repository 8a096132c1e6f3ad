"""`/healthz` and `/readyz` for load balancers and monitoring (no login, no rate limit)."""
from flask import Blueprint, current_app, jsonify, request

from ops.health import readiness
from web.auth import allow
from web.limits import limiter

bp = Blueprint("health", __name__)

NO_STORE = {"Cache-Control": "no-store"}


@bp.get("/healthz")
@limiter.exempt
@allow("public")
def healthz():
    """The process is alive and answering; touches nothing else (not the database)."""
    return jsonify(status="ok"), 200, NO_STORE


@bp.get("/readyz")
@limiter.exempt
@allow("public")
def readyz():
    """200 when this host can serve (database up, schema current); 503 otherwise.

    The jobs leader and the push backlog are reported; with `?strict=1`
    (monitoring) their failure is a 503 too.
    """
    ready, report = readiness(current_app.config, strict=request.args.get("strict") == "1")
    return jsonify(report), 200 if ready else 503, NO_STORE
