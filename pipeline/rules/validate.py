"""Small checks on people's input, raising Invalid with the field and a Chinese message.

What no field may hold, whatever it is, is decided here once: text with a NUL
(PostgreSQL refuses it) or a lone surrogate (no encoder writes it), an id past
a database integer column, a date outside 2000–2099. The web edge
(`web/edge.py`, `web/params.py`) applies these before anything is looked up.
"""
import re
from collections.abc import Mapping
from datetime import date, datetime

from pipeline.rules.errors import Invalid

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
ISO_MONTH = re.compile(r"\d{4}-\d{2}")
EARLIEST_DATE = date(2000, 1, 1)
LATEST_DATE = date(2099, 12, 31)
DATE_RANGE_MESSAGE = "日期超出范围，应在2000-01-01至2099-12-31之间"
MAX_ID = 2 ** 31 - 1  # the largest value a database integer column (and so any id) holds
UNWRITABLE = re.compile("[\x00\ud800-\udfff]")
BAD_CHARACTER_MESSAGE = "内容不能包含空字符或无效的Unicode字符"


def unwritable(text: str) -> bool:
    """Whether `text` holds a NUL or a lone surrogate: characters no database column stores."""
    return UNWRITABLE.search(text) is not None


def check_characters(text: str, field: str | None = None) -> str:
    if unwritable(text):
        raise Invalid(BAD_CHARACTER_MESSAGE, code="bad_character", field=field)
    return text


def within_dates(day: date, field: str) -> date:
    """`day` if it is between 2000 and 2099, else 400 `out_of_range`."""
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        raise Invalid(DATE_RANGE_MESSAGE, code="out_of_range", field=field)
    return day


def parse_date(value: object, field: str, default: date | None = None) -> date:
    """A date given as a `date` or "YYYY-MM-DD"; `default` when absent."""
    if value in (None, ""):
        if default is None:
            raise Invalid("请填写日期（YYYY-MM-DD）", field=field)
        return default
    if isinstance(value, date):
        return within_dates(value, field)
    if isinstance(value, str) and ISO_DATE.fullmatch(value):
        try:
            return within_dates(date.fromisoformat(value), field)
        except ValueError:
            pass
    raise Invalid("日期格式应为 YYYY-MM-DD", field=field)


def parse_month(value: object, field: str) -> date:
    """The first day of a month given as "YYYY-MM"."""
    if isinstance(value, str) and ISO_MONTH.fullmatch(value):
        try:
            return within_dates(date.fromisoformat(value + "-01"), field)
        except ValueError:
            pass
    raise Invalid("月份格式应为 YYYY-MM", field=field)


def parse_datetime(value: object, field: str, message: str) -> datetime:
    """A time given as ISO 8601 ("YYYY-MM-DDTHH:MM", an offset allowed), between 2000 and 2099;
    `message` when it isn't one."""
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(str(value))
        except (TypeError, ValueError):
            raise Invalid(message, field=field) from None
    within_dates(moment.date(), field)
    return moment


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
