"""Small checks on people's input, raising Invalid with the field and a Chinese message."""
from .errors import Invalid


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
