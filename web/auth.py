"""Bearer tokens → the acting person; `allow(action)`: each route's entry in the permission table."""
import logging
from collections.abc import Callable
from functools import wraps

from flask import g, request

from pipeline.accounts.people import token_actor
from pipeline.rules import permissions
from pipeline.rules.boundary import local_now
from pipeline.rules.errors import Forbidden, Unauthorized

CONSOLE = "console"
log = logging.getLogger("sixstep.web")


def bearer_token():
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def current_actor(required=True):
    """The Actor behind this request's token (None when optional and absent)."""
    if "actor" in g:
        return g.actor
    token = bearer_token()
    if token is None:
        if required:
            raise Unauthorized("请先登录", code="unauthorized")
        return None
    g.token_row, g.actor = token_actor(token, local_now())
    return g.actor


def optional_actor():
    try:
        return current_actor(required=False)
    except Unauthorized:
        return None


# Endpoints Flask makes itself (static files), which no decorator can mark: their actions.
BUILT_IN = {"static": "public", "console.static": "public"}


def endpoint_action(app, endpoint: str, view_args: dict | None) -> str | None:
    """The permission-table action of a route (None: the route declared none)."""
    if endpoint in BUILT_IN:
        return BUILT_IN[endpoint]
    declared = getattr(app.view_functions.get(endpoint), "permission", None)
    if declared is None:
        return None
    return declared(view_args or {}) if callable(declared) else declared


def refuse_undeclared(app) -> None:
    """Fail closed: a route that names no action in the table answers 403 to everyone."""

    @app.before_request
    def _declared():
        endpoint = request.endpoint
        if endpoint is not None and endpoint_action(app, endpoint, request.view_args) is None:
            log.error("route %s names no action in pipeline/rules/permissions.py: refused", endpoint)
            raise Forbidden("您没有此项操作的权限", code="forbidden")


def _requester(rule):
    """Who asks: the console's signed-in staff member (never a token), else the token's owner.

    A token that doesn't check out is refused (401) where a login is needed, and
    counts as nobody where it isn't."""
    if request.blueprint == CONSOLE:
        return g.get("actor")
    if permissions.ANONYMOUS in rule.roles:
        return optional_actor()
    return current_actor()


def authorize(action: str) -> None:
    """Refuse the request unless its person's role may do `action` (pipeline.rules.permissions)."""
    rule = permissions.rule(action)
    if rule.roles >= permissions.ANYONE:
        return
    permissions.require(action, _requester(rule))


def allow(action: str | Callable[[dict], str]):
    """Declare the action a route performs and check the table's roles before it runs.

    `action` is a name in `pipeline.rules.permissions.PERMISSIONS`, or a function
    of the URL's values that returns one (one route, several actions). The
    item's own conditions are checked by the pipeline call the handler makes.
    """
    if isinstance(action, str):
        permissions.rule(action)  # an undeclared action fails at import, not at request time

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            authorize(action(kwargs) if callable(action) else action)
            return view(*args, **kwargs)
        wrapper.permission = action
        return wrapper
    return decorator
