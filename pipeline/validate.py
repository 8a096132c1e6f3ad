"""Small checks on people's input, raising Invalid with the field and a Chinese message."""
import re
from datetime import date

from .errors import Invalid

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_date(value, field, default=None):
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


def required_text(value, field, label, max_length):
    if not isinstance(value, str) or not value.strip():
        raise Invalid(f"请填写{label}", field=field)
    return optional_text(value, field, label, max_length)


def optional_text(value, field, label, max_length):
    if value is None:
        return None
    if not isinstance(value, str):
        raise Invalid(f"{label}应为文字", field=field)
    value = value.strip()
    if len(value) > max_length:
        raise Invalid(f"{label}不能超过{max_length}字", code="too_long", field=field)
    return value or None
