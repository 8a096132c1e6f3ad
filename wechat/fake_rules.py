"""What the fake WeChat server checks in a template or subscribe message, as WeChat does.

Written from WeChat's documentation of the key types, not from
`pipeline.messages.templates`, so a test can catch that module getting a rule wrong.
A template the fake was told about (`FakeWeChat.define_template`) must get
exactly its keys, each value within its type's rule; otherwise 47003.
"""
import re

CHINESE = re.compile(r"^[\u4e00-\u9fff]+$")
TIME = re.compile(r"^((\d{4}年\d{1,2}月\d{1,2}日|\d{4}-\d{2}-\d{2}) )?\d{1,2}:\d{2}$")
DATE = re.compile(r"^(\d{4}年\d{1,2}月\d{1,2}日|\d{4}-\d{2}-\d{2})$")
VISIBLE_ASCII = re.compile(r"^[\x21-\x7e]+$")


def _fits(kind, value):
    checks = {
        "thing": lambda v: len(v) <= 20,
        "name": lambda v: len(v) <= 10,
        "phrase": lambda v: len(v) <= 5 and CHINESE.match(v),
        "character_string": lambda v: len(v) <= 32 and VISIBLE_ASCII.match(v),
        "number": lambda v: len(v) <= 32 and re.match(r"^[0-9.]+$", v),
        "letter": lambda v: len(v) <= 32 and v.isalpha() and v.isascii(),
        "symbol": lambda v: len(v) <= 5,
        "phone_number": lambda v: len(v) <= 17 and re.match(r"^[0-9+\-]+$", v),
        "car_number": lambda v: len(v) <= 8,
        "amount": lambda v: len(v) <= 32,
        "time": lambda v: TIME.match(v),
        "date": lambda v: DATE.match(v),
    }
    check = checks.get(kind)
    return bool(value) and (check is None or bool(check(value)))


def refusal(keys, data):
    """WeChat's 47003 message for `data` sent to a template with `keys`, or None if it fits."""
    if set(data) != set(keys):
        wrong = sorted(set(data) ^ set(keys))
        return f"argument invalid! data.{wrong[0]} does not match the template"
    for key, entry in data.items():
        value = str(entry.get("value", "") if isinstance(entry, dict) else entry)
        kind = re.sub(r"\d+$", "", key)
        if not _fits(kind, value):
            return f"argument invalid! data.{key}.value invalid"
    return None


def template(keys, kind="subscribe", appid=None, title="模板"):
    return {"keys": list(keys), "kind": kind, "appid": appid, "title": title}


def demo_templates():
    """The demo's templates (config.DEFAULT_TEMPLATES) with the demo's keys."""
    from config import DEFAULT_TEMPLATES
    from pipeline.messages.templates import DEFAULT_KEYS, parse_keys, source_of

    keys = list(parse_keys(DEFAULT_KEYS).values())
    return {template_id: template(keys, source_of(setting)[1], title=setting)
            for setting, template_id in DEFAULT_TEMPLATES.items()}


def content(keys):
    """WeChat's description of a template: one line per key."""
    return "\n".join(f"{key}:{{{{{key}.DATA}}}}" for key in keys)
