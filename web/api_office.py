"""The office's own data over JSON: the category tree and the working-day calendar.
Thin: parse, call one pipeline function."""
from flask import Blueprint, jsonify

from pipeline.office import calendar, categories
from pipeline.rules.schemas import SCHEMAS
from web.auth import allow, current_actor
from web.params import arguments, json_body

bp = Blueprint("api_office", __name__, url_prefix="/api/v1/staff")


@bp.get("/categories")
@allow("categories.read")
def category_list():
    """Every category, retired ones too (`active`), as top categories with their `children`."""
    return jsonify(categories.full_tree())


@bp.post("/categories")
@allow("categories.manage")
def add_category():
    row = categories.create_category(current_actor(), **arguments(json_body(), SCHEMAS["create_category"]))
    return jsonify(categories.category_json(row)), 201


@bp.patch("/categories/<code>")
@allow("categories.manage")
def change_category(code):
    row = categories.update_category(current_actor(), code, **arguments(json_body(), SCHEMAS["update_category"]))
    return jsonify(categories.category_json(row))


@bp.get("/calendar/<year>")
@allow("calendar.read")
def calendar_year(year):
    return jsonify(calendar.year_calendar(year))


@bp.put("/calendar/<year>")
@allow("calendar.manage")
def replace_calendar_year(year):
    body = arguments(json_body(), SCHEMAS["replace_calendar"])
    return jsonify(calendar.replace_year(current_actor(), year, body["days"]))
