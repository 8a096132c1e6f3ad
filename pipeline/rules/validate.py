"""Small checks on people's input, raising Invalid with the field and a Chinese message."""
import re
from collections.abc import Mapping
from datetime import date

from pipeline.rules.errors import Invalid

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_date(value: object, field: str, default: date | None = None) -> date:
    """A date given as a `date` or "YYYY-MM-DD"; `default` when absent."""
    if value in (None, ""):
        if default is None:
            raise Invalid("请填写日期（YYYY-MM-DD）", field=field)
        return default
    if isinstance(value, date):
        return value
    if isinstance(value, str) and ISO_DATE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise Invalid("日期格式应为 YYYY-MM-DD", field=field)


def required_text(value: object, field: str, label: str, max_length: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise Invalid(f"请填写{label}", field=field)
    return _within(value.strip(), field, label, max_length)


def optional_text(value: object, field: str, label: str, max_length: int) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise Invalid(f"{label}应为文字", field=field)
    return _within(value.strip(), field, label, max_length) or None


def _within(text: str, field: str, label: str, max_length: int) -> str:
    if len(text) > max_length:
        raise Invalid(f"{label}不能超过{max_length}字", code="too_long", field=field)
    return text


def choice_message(label: str, choices: Mapping[str, str]) -> str:
    """The message for a value outside `choices` (code -> Chinese label): it names
    the labels of the valid values, never the codes."""
    return f"{label}无效，应为：{'、'.join(choices.values())}"


def choice(value: object, choices: Mapping[str, str], field: str, label: str) -> str:
    """`value` if it is one of `choices`' codes, else Invalid naming the valid labels."""
    if not isinstance(value, str) or value not in choices:
        raise Invalid(choice_message(label, choices), field=field)
    return value
