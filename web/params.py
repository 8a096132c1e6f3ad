"""Reading request bodies: a JSON object or a clear 400, and typed fields."""
from collections.abc import Callable
from typing import Any

from flask import request

from pipeline.rules.errors import Invalid
from pipeline.rules.schemas import Field, Schema
from pipeline.rules.validate import MAX_ID


def json_body():
    """The request's JSON object; anything else is a 400 with a Chinese message."""
    data = request.get_json(silent=True, force=True) if request.data else {}
    if not isinstance(data, dict):
        raise Invalid("请求体应为 JSON 对象", code="invalid")
    return data


def _given(data, name, required):
    """The field's value, or None when absent (a 400 if it was required)."""
    value = data.get(name)
    if value is None or value == "":
        if required:
            raise Invalid(f"缺少字段 {name}", field=name)
        return None
    return value


def text(data, name, required=False, max_length=2000):
    value = _given(data, name, required)
    if value is None:
        return None
    if not isinstance(value, str):
        raise Invalid(f"字段 {name} 应为文字", field=name)
    if len(value) > max_length:
        raise Invalid(f"字段 {name} 不能超过{max_length}字", code="too_long", field=name)
    return value


def number(data, name, required=False):
    value = _given(data, name, required)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise Invalid(f"字段 {name} 应为数字", field=name)
    return value


def integer(data, name, required=False):
    value = _given(data, name, required)
    if value is None:
        return None
    if isinstance(value, bool):
        raise Invalid(f"字段 {name} 应为整数", field=name)
    if isinstance(value, str) and value.isdigit() and value.isascii():
        value = int(value) if len(value) <= 12 else MAX_ID + 1
    if not isinstance(value, int):
        raise Invalid(f"字段 {name} 应为整数", field=name)
    return _in_range(value, name)


def _in_range(value: int, name: str) -> int:
    """An integer a database integer column holds (every id, count and issue number here)."""
    if not -MAX_ID <= value <= MAX_ID:
        raise Invalid(f"字段 {name} 超出范围", code="out_of_range", field=name)
    return value


def boolean(data, name):
    value = data.get(name, False)
    if not isinstance(value, bool):
        raise Invalid(f"字段 {name} 应为 true 或 false", field=name)
    return value


def id_list(data, name, max_count=9):
    value = data.get(name) or []
    if not isinstance(value, list) or not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        raise Invalid(f"字段 {name} 应为编号列表", field=name)
    if len(value) > max_count:
        raise Invalid(f"最多{max_count}个", field=name)
    return [_in_range(v, name) for v in value]


def allowed(data, names):
    """Refuse unknown fields: a typo should not silently do nothing."""
    unknown = sorted(set(data) - set(names))
    if unknown:
        raise Invalid(f"未知字段：{', '.join(unknown)[:100]}", code="unknown_field", field=unknown[0][:64])


def fraction(data: dict, name: str) -> int | float | None:
    """A share from 0 to 1 (the operation checks the range)."""
    value = data.get(name)
    if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
        raise Invalid("满意率应为0到1之间的数字", field=name)
    return value


def _text_field(data: dict, name: str, field: Field) -> str | None:
    value = text(data, name, field.required, field.max_length)
    if field.choices is not None and value is not None and value not in field.choices:
        raise Invalid(field.choices_message or f"字段 {name} 的值无效", field=name)
    return value


PARSERS: dict[str, Callable[[dict, str, Field], Any]] = {
    "text": _text_field,
    "integer": lambda data, name, field: integer(data, name, field.required),
    "number": lambda data, name, field: number(data, name, field.required),
    "boolean": lambda data, name, field: boolean(data, name),
    "ids": lambda data, name, field: id_list(data, name),
    "fraction": lambda data, name, field: fraction(data, name),
    "any": lambda data, name, field: data.get(name),
}


def arguments(data: dict, schema: Schema) -> dict[str, Any]:
    """An operation's keyword arguments from a JSON body, checked against the
    operation's schema (`pipeline.rules.schemas`); unknown fields are refused."""
    allowed(data, schema)
    values = {}
    for name, field in schema.items():
        value = PARSERS[field.kind](data, name, field)
        values[field.argument or name] = field.default if value is None else value
    return values
