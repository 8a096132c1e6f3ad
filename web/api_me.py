"""A resident's rights over their data (个人信息保护法), and the office's log of
who saw residents' phone numbers: `pipeline.accounts.personal_data`."""
from flask import Blueprint, jsonify, request

from pipeline.accounts.personal_data import delete_resident, export_resident, phone_views
from pipeline.views.lists import page_args
from web.auth import allow, current_actor
from web.params import allowed, json_body

bp = Blueprint("api_me", __name__, url_prefix="/api/v1")


@bp.get("/me/export")
@allow("personal_data.export")
def export():
    """Everything kept about the signed-in resident, as one JSON download."""
    response = jsonify(export_resident(current_actor().resident))
    response.headers["Content-Disposition"] = 'attachment; filename="my-data.json"'
    return response


@bp.delete("/me")
@allow("personal_data.delete")
def delete_me():
    """{confirm: true} → the account is deleted; reports stay, de-identified."""
    data = json_body()
    allowed(data, {"confirm"})
    kept = delete_resident(current_actor().resident, confirm=data.get("confirm"))
    return jsonify(deleted=True, reports_kept=kept)


@bp.get("/staff/phone-views")
@allow("phone_views.read")
def phone_view_log():
    """Who in the office saw which reporter's phone number, and when (newest first)."""
    page, per_page = page_args(request.args.get("page"), request.args.get("per_page") or 50)
    return jsonify(phone_views(current_actor(), page=page, per_page=per_page))
