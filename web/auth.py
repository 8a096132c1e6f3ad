"""Bearer tokens → the acting person; decorators for who may call what."""
from functools import wraps

from flask import g, request

from pipeline.accounts.people import token_owner
from pipeline.rules.actors import actor_for_resident, actor_for_staff
from pipeline.rules.boundary import local_now
from pipeline.rules.errors import Forbidden, Unauthorized


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
    row = token_owner(token)
    g.token_row = row
    g.actor = actor_for_staff(row.staff) if row.staff_id else actor_for_resident(row.resident, local_now().date())
    return g.actor


def optional_actor():
    try:
        return current_actor(required=False)
    except Unauthorized:
        return None


def login_required(kind=None, roles=None):
    """Require a token; `kind` "resident"/"staff", `roles` a set of staff roles."""
    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            actor = current_actor()
            if kind and actor.kind != kind:
                raise Forbidden("该功能仅限{}使用".format("群众" if kind == "resident" else "工作人员"), code="forbidden")
            if roles and actor.role not in roles:
                raise Forbidden("您没有此项操作的权限", code="forbidden")
            return view(*args, **kwargs)
        return wrapper
    return decorator
