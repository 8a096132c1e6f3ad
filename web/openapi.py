"""The OpenAPI 3.1 description of /api/v1, served at /api/v1/openapi.json.

Nothing in it is a second copy: the paths and methods are the app's `url_map`,
each staff action is a path of its own (`ACTIONS`), request bodies come from
the input schemas of `pipeline.rules.schemas` (the very ones `web.params`
enforces; a handler's schema is the `SCHEMAS["…"]` its source names), the
descriptions and the error codes from docs/api-actions.md, and the answers'
shapes from `web.openapi_shapes`. tests/web/test_openapi.py checks it against
the code both ways; scripts/fuzz-api.sh hands it to schemathesis.
"""
import inspect
import re
from pathlib import Path
from typing import Any

from flask import Flask

from pipeline.rules.schemas import SCHEMAS, Field, Schema
from pipeline.rules.validate import MAX_ID
from web.edge import MAX_DEPTH
from web.openapi_shapes import QUERIES, RESPONSES, ref
from web.openapi_shapes import SCHEMAS as SHAPES

DOC = Path(__file__).resolve().parent.parent / "docs" / "api-actions.md"
IGNORED_METHODS = {"HEAD", "OPTIONS"}
CONVERTER = re.compile(r"<(?:(\w+):)?(\w+)>")
SCHEMA_NAMED = re.compile(r"SCHEMAS\[\"(\w+)\"\]")
PATH_PARAMETERS: dict[str, dict[str, Any]] = {
    "number": {"type": "string", "pattern": r"^\d{8}-\d{4,6}$"},
    "month": {"type": "string", "pattern": r"^\d{4}-\d{2}$"},
    "day": {"type": "string", "format": "date"},
    "scene": {"type": "string"},
}


def field_schema(field: Field) -> dict[str, Any]:
    """A body field as JSON Schema: what `web.params` accepts for its kind."""
    if field.kind == "text":
        schema: dict[str, Any] = {"type": "string", "maxLength": field.max_length}
        if field.choices is not None:
            schema["enum"] = sorted(field.choices)
        return schema
    kinds: dict[str, dict[str, Any]] = {
        "integer": {"type": "integer", "minimum": -MAX_ID, "maximum": MAX_ID},
        "number": {"type": "number"},
        "boolean": {"type": "boolean"},
        "ids": {"type": "array", "maxItems": 9, "items": {"type": "integer", "minimum": 1, "maximum": MAX_ID}},
        "fraction": {"type": "number", "minimum": 0, "maximum": 1},
    }
    return kinds.get(field.kind, {})


def body_schema(schema: Schema) -> dict[str, Any]:
    """An operation's input schema as a JSON object schema (unknown fields are refused)."""
    return {"type": "object", "additionalProperties": False,
            "properties": {name: field_schema(field) for name, field in schema.items()},
            "required": [name for name, field in schema.items() if field.required]}


def _schema_names(view: Any) -> list[str]:
    """The input schemas a view reads its body against, named in its source."""
    return SCHEMA_NAMED.findall(inspect.getsource(inspect.unwrap(view)))


def _sections() -> tuple[dict[tuple[str, str], str], dict[str, str]]:
    """Descriptions from docs/api-actions.md: per (method, path) and per staff action."""
    if not DOC.exists():
        return {}, {}
    text = DOC.read_text(encoding="utf-8")
    routes, actions = {}, {}
    parts = re.split(r"^(#{2,4} .+)$", text, flags=re.M)
    for heading, body in zip(parts[1::2], parts[2::2], strict=True):
        for method, path in re.findall(r"`([A-Z]+) (/api/v1/[^`]*)`", heading):
            routes[(method, path)] = body.strip()
        action = re.fullmatch(r"### `([a-z_]+)`", heading)
        if action:
            actions[action.group(1)] = body.strip()
    return routes, actions


def error_codes() -> list[dict[str, str]]:
    """The error table of docs/api-actions.md: code, HTTP status, message."""
    if not DOC.exists():
        return []
    text = DOC.read_text(encoding="utf-8")
    table = re.search(r"^## Errors\n(.*?)^## ", text, re.M | re.S)
    rows = re.findall(r"^\| `([^`]+)` \| ([^|]+) \| ([^|]+) \|", table.group(1) if table else "", re.M)
    return [{"code": code, "status": status.strip(), "message": message.strip()} for code, status, message in rows]


def _parameters(rule: Any, endpoint: str) -> list[dict[str, Any]]:
    parameters = []
    for converter, name in CONVERTER.findall(rule.rule):
        if name == "action":
            continue
        schema = ({"type": "integer", "minimum": 0, "maximum": MAX_ID} if converter == "int"
                  else PATH_PARAMETERS.get(name, {"type": "string"}))
        parameters.append({"name": name, "in": "path", "required": True, "schema": schema})
    for name, schema in QUERIES.get(endpoint, {}).items():
        parameters.append({"name": name, "in": "query", "required": False, "schema": schema})
    return parameters


def _responses(endpoint: str) -> dict[str, Any]:
    status, shape = RESPONSES[endpoint]
    content = ({"image/png": {"schema": {"type": "string", "contentMediaType": "image/png"}}} if shape == "png"
               else {"application/json": {"schema": ref(shape)}})
    error = {"description": "错误：见 x-error-codes", "content": {"application/json": {"schema": ref("Error")}}}
    return {str(status): {"description": "成功", "content": content}, "default": error}


def _operation(app: Flask, rule: Any, method: str, schema_name: str | None, summary: str,
               description: str) -> dict[str, Any]:
    endpoint = rule.endpoint
    operation: dict[str, Any] = {
        "operationId": f"{endpoint}.{method.lower()}" + (f".{schema_name}" if "<action>" in rule.rule else ""),
        "summary": summary, "description": description, "parameters": _parameters(rule, endpoint),
        "responses": _responses(endpoint), "security": [{"bearer": []}, {}],
    }
    if endpoint == "api_uploads.upload":
        operation["requestBody"] = {"required": True, "content": {"multipart/form-data": {"schema": {
            "type": "object", "required": ["file"],
            "properties": {"file": {"type": "string", "contentMediaType": "application/octet-stream"}}}}}}
    elif schema_name is not None:
        operation["requestBody"] = {"required": True, "content": {
            "application/json": {"schema": body_schema(SCHEMAS[schema_name])}}}
    return operation


def api_rules(app: Flask) -> list[Any]:
    return [rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/v1/")]


def openapi_path(rule_path: str) -> str:
    """/api/v1/staff/badges/<int:badge_id> → /api/v1/staff/badges/{badge_id}."""
    return CONVERTER.sub(lambda match: "{" + match.group(2) + "}", rule_path)


def build(app: Flask) -> dict[str, Any]:
    """The whole description, from the app's routes and the code's declarations."""
    from web.api_staff import ACTIONS

    routes, actions = _sections()
    paths: dict[str, dict[str, Any]] = {}
    for rule in sorted(api_rules(app), key=lambda r: r.rule):
        view = app.view_functions[rule.endpoint]
        summary = (inspect.getdoc(view) or rule.endpoint).splitlines()[0]
        documented = CONVERTER.sub(lambda match: f"<{match.group(2)}>", rule.rule)
        for method in sorted(rule.methods - IGNORED_METHODS):
            description = routes.get((method, documented), "")
            if "<action>" in rule.rule:
                for action in ACTIONS:
                    path = openapi_path(rule.rule.replace("<action>", action))
                    paths.setdefault(path, {})[method.lower()] = _operation(
                        app, rule, method, action, f"{summary}：{action}", actions.get(action, ""))
                continue
            names = _schema_names(view)
            schema_name = names[0] if names and method != "GET" else None
            paths.setdefault(openapi_path(rule.rule), {})[method.lower()] = _operation(
                app, rule, method, schema_name, summary, description)
    return {
        "openapi": "3.1.0",
        "info": {"title": "sixstep API（六步工作法）", "version": "1",
                 "description": "街道“六步工作法”的 JSON 接口。Every error is {error: {code, message, field?}}; "
                                f"bodies nested deeper than {MAX_DEPTH} levels, NUL or lone surrogates, numbers "
                                "past 2^53 are refused at the edge (docs/api-actions.md, Conventions)."},
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {"schemas": SHAPES,
                       "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "x-error-codes": error_codes(),
    }


def described(app: Flask) -> dict[str, Any]:
    """`build(app)`, made once per app."""
    spec = app.extensions.get("sixstep_openapi")
    if spec is None:
        spec = app.extensions["sixstep_openapi"] = build(app)
    return spec
