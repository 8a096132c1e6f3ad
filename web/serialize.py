"""JSON for people and tokens (items are rendered by pipeline.views.queries)."""
from datetime import timedelta

from flask import jsonify

from pipeline.accounts.people import issue_token, profile_json
from pipeline.rules.actors import actor_for_resident, actor_for_staff
from pipeline.rules.boundary import iso


def user_json(actor):
    if actor.kind == "resident":
        resident = actor.resident
        return {"kind": "resident", "id": resident.id, "nickname": resident.nickname,
                "is_supervisor": actor.is_supervisor, **profile_json(resident)}
    user = actor.staff
    return {"kind": "staff", "id": user.id, "username": user.username, "name": user.name, "role": user.role,
            "unit": {"id": user.unit.id, "name": user.unit.name} if user.unit_id else None}


def token_response(resident=None, staff=None, lifetime_days=0, lifetime_hours=0):
    lifetime = timedelta(days=lifetime_days, hours=lifetime_hours)
    token, row = issue_token(resident=resident, staff=staff, lifetime=lifetime)
    actor = actor_for_staff(staff) if staff else actor_for_resident(resident)
    return jsonify(token=token, expires_at=iso(row.expires_at), user=user_json(actor))
