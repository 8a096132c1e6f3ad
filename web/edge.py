"""The edge: every request's input is checked once, before anything reads it.

Before the rate limiter, the token, the console's CSRF check or any handler
runs, the query string, the path's values, a form's fields and — under
/api/ — the JSON body are refused with 400 when they hold what no field may:

- `too_deep`: JSON nested deeper than `MAX_DEPTH` (Python's parser would
  otherwise recurse until RecursionError);
- `bad_character`: a NUL (PostgreSQL refuses it in text) or a lone surrogate
  such as "\\ud800" (no encoder writes it) in any string, keys included;
- `out_of_range`: a JSON number past 2^53 (where JSON's numbers stop being
  exact) or not finite (`NaN`, `1e400`).

Field-by-field checks (types, lengths, ids within a database integer, dates
within 2000–2099) stay with `web.params` and `pipeline.rules.validate`.
Ids in paths use `BoundedInt`, so an id no database holds is a plain 404.
"""
import math
from typing import Any

from flask import Flask, request
from werkzeug.routing import IntegerConverter

from pipeline.rules.errors import Invalid
from pipeline.rules.validate import BAD_CHARACTER_MESSAGE, MAX_ID, check_characters

MAX_DEPTH = 16
MAX_JSON_INTEGER = 2 ** 53 - 1
FORM_TYPES = {"multipart/form-data", "application/x-www-form-urlencoded"}


class BoundedInt(IntegerConverter):
    """`<int:…>` in a path, at most what a database integer column holds (past it: 404)."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def _check_pairs(pairs: Any) -> None:
    for name, value in pairs:
        if not isinstance(name, str):  # a multipart part whose name werkzeug could not read
            raise Invalid(BAD_CHARACTER_MESSAGE, code="bad_character")
        check_characters(name)
        if isinstance(value, str):
            check_characters(value, name[:64])


def check_json(value: Any, depth: int = 0, field: str | None = None) -> None:
    """Refuse a parsed JSON value holding what no field may (see the module's docstring)."""
    if depth > MAX_DEPTH:
        raise Invalid(f"JSON 嵌套不能超过{MAX_DEPTH}层", code="too_deep")
    if isinstance(value, str):
        check_characters(value, field)
    elif isinstance(value, bool) or value is None:
        return
    elif isinstance(value, int):
        if abs(value) > MAX_JSON_INTEGER:
            raise Invalid("数字超出范围", code="out_of_range", field=field)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise Invalid("数字超出范围", code="out_of_range", field=field)
    elif isinstance(value, dict):
        for key, item in value.items():
            check_characters(key, None)
            check_json(item, depth + 1, field or key[:64])
    elif isinstance(value, list):
        for item in value:
            check_json(item, depth + 1, field)


def _json_body() -> None:
    """Parse the body once (Flask keeps it for `web.params.json_body`) and check it;
    unreadable JSON is left for `json_body` to refuse as `invalid`."""
    if not request.get_data(cache=True):
        return
    try:
        data = request.get_json(force=True, silent=True)
    except RecursionError:
        raise Invalid(f"JSON 嵌套不能超过{MAX_DEPTH}层", code="too_deep") from None
    check_json(data)


def check_request() -> None:
    """The before-request hook: refuse bad input before anything else sees it."""
    _check_pairs(request.args.items(multi=True))
    _check_pairs((request.view_args or {}).items())
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    if request.mimetype in FORM_TYPES:
        _check_pairs(request.form.items(multi=True))
    elif request.path.startswith("/api/"):
        _json_body()


def init_edge(app: Flask) -> None:
    """Bounded path ids, and `check_request` first of every before-request hook."""
    app.url_map.converters["int"] = BoundedInt
    app.before_request_funcs.setdefault(None, []).insert(0, check_request)
