"""Our notice fields → each WeChat template's own keys, with WeChat's value rules.

A notice is built from five fields of ours: `number` (item number or code),
`title`, `state`, `time` and `note`. A template picked from WeChat's library
has keys of its own (`character_string1`, `thing3`, `time7`, …), whose type
prefix sets what WeChat accepts; a message whose keys or values don't fit is
refused with 47003 and never arrives. So every template setting (`TEMPLATE_*`,
`SUBSCRIBE_*`, `OA_SUBSCRIBE_*`) has a key mapping beside it, `<SETTING>_KEYS`,
e.g. `number:character_string1,title:thing2,state:phrase3,time:time4,note:thing5`
(a field may be left out when the template has no key for it), and every value
is made to fit its key's type when the message is built.

Mismatches are reported, never swallowed: a malformed mapping stops start-up
(`problems`), the jobs process compares each mapping with the template WeChat
actually has (`compare`, recorded with `record_check`), and a 47003 answer is
logged by the dispatcher; the office's daily digest lists both (`office_report`).
"""
import re
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from models import Outbox, RoutineMark
from pipeline.rules.core import transaction

FIELDS = ("number", "title", "state", "time", "note")
# The demo's and the fake server's templates.
DEFAULT_KEYS = "number:character_string1,title:thing2,state:phrase3,time:time4,note:thing5"
CHECK_KEY = "template_check"
REJECTED = "47003"

# WeChat's rules by key type (the key's name without its number): (most characters, characters allowed).
ASCII = re.compile(r"[^\x21-\x7e]")
RULES = {
    "thing": (20, None),
    "name": (10, None),
    "phrase": (5, re.compile(r"[^\u4e00-\u9fff]")),  # Chinese characters only
    "character_string": (32, ASCII),
    "number": (32, re.compile(r"[^0-9.]")),
    "letter": (32, re.compile(r"[^A-Za-z]")),
    "symbol": (5, None),
    "amount": (32, None),
    "phone_number": (17, re.compile(r"[^0-9+\-]")),
    "car_number": (8, None),
    "time": (None, None),
    "date": (None, None),
}
# Keys of the official account's old-style templates, which have no type.
UNTYPED = re.compile(r"^(first|remark|keyword\d+)$")
KEY = re.compile(r"^([a-z_]+?)(\d+)$")
TIME_FIELDS = {"time", "date"}
# WeChat refuses an empty value: what a key of these types gets instead.
EMPTY = {"thing": "无", "name": "无", "phrase": "无", "character_string": "-", "number": "0", "symbol": "-"}
# Where each kind of template setting lives: (client, WeChat's kind of template).
SOURCES = (("TEMPLATE_", "oa", "template"), ("SUBSCRIBE_", "mp", "subscribe"), ("OA_SUBSCRIBE_", "oa", "subscribe"))
OUR_TIME = "%Y-%m-%d %H:%M"


class TemplateSettingError(ValueError):
    """A `<SETTING>_KEYS` value that can't be read."""


def cut(text: str | None, limit: int) -> str:
    """`text` on one line, cut to `limit` characters with an ellipsis."""
    text = (text or "").replace("\n", " ").strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def key_type(key: str) -> str | None:
    """The type of a template key (`thing`, `time`, …), None for an old-style untyped key."""
    if UNTYPED.match(key):
        return None
    match = KEY.match(key)
    if not match or match.group(1) not in RULES:
        raise TemplateSettingError(f"未知的模板字段 {key!r}（应为 thing1、time2 这类 WeChat 模板关键词）")
    return match.group(1)


def parse_keys(text: object) -> dict[str, str]:
    """`"number:character_string1,title:thing2"` (or a dict) → {our field: template key}."""
    if isinstance(text, dict):
        return _mapping(tuple(text.items()))
    return dict(_parse_text(str(text or "")))


@lru_cache(maxsize=64)
def _parse_text(text: str) -> tuple[tuple[str, str], ...]:
    pairs = []
    for part in text.split(","):
        if not part.strip():
            continue
        field, sep, key = part.partition(":")
        if not sep:
            raise TemplateSettingError(f"{part.strip()!r} 应写成 字段:模板关键词，例如 title:thing2")
        pairs.append((field.strip(), key.strip()))
    return tuple(_mapping(tuple(pairs)).items())


def _mapping(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for field, key in pairs:
        if field not in FIELDS:
            raise TemplateSettingError(f"未知的字段 {field!r}，可用：{', '.join(FIELDS)}")
        kind = key_type(key)
        if kind is not None and (kind in TIME_FIELDS) != (field == "time"):
            raise TemplateSettingError(f"{field}:{key} 不匹配：time 字段只能对应 time/date 类关键词")
        mapping[field] = key
    if not mapping:
        raise TemplateSettingError("至少要对应一个字段")
    if len(set(mapping.values())) != len(mapping):
        raise TemplateSettingError("两个字段对应了同一个模板关键词")
    return mapping


def source_of(setting: str) -> tuple[str, str]:
    """(client kind "oa"/"mp", "template" or "subscribe") of a template setting."""
    return next((client, kind) for prefix, client, kind in SOURCES if setting.startswith(prefix))


def keys_setting(setting: str) -> str:
    return f"{setting}_KEYS"


def key_map(config: Mapping[str, Any], setting: str) -> dict[str, str]:
    """The mapping configured for a template setting (the demo's when none is set)."""
    return parse_keys(config.get(keys_setting(setting)) or DEFAULT_KEYS)


def value_for(key: str, value: object) -> str:
    """`value` made to fit WeChat's rule for `key`'s type."""
    text = "" if value is None else str(value)
    kind = key_type(key)
    if kind in TIME_FIELDS:
        try:
            moment = datetime.strptime(text.strip(), OUR_TIME)
        except ValueError:
            return text.strip()
        day = f"{moment.year}年{moment.month}月{moment.day}日"
        return day if kind == "date" else f"{day} {moment:%H:%M}"
    limit, refused = RULES.get(kind or "", (None, None))
    if refused is not None:
        text = refused.sub("", text)
    text = text.replace("\n", " ").strip() or EMPTY.get(kind or "", "")
    if limit is None:
        return text
    return cut(text, limit) if limit > 5 else text[:limit]


def build(config: Mapping[str, Any], setting: str, fields: Mapping[str, object]) -> dict[str, dict[str, str]]:
    """WeChat's `data` for the template of `setting`, from our `fields` ({field: value})."""
    return {key: {"value": value_for(key, fields.get(field))} for field, key in key_map(config, setting).items()}


def apply_rules(data: Mapping[str, Any] | None) -> dict[str, dict[str, Any]]:
    """Template `data` (`{key: {"value": v}}` or `{key: v}`) with every value made to fit its key."""
    fitted = {}
    for key, value in (data or {}).items():
        entry = dict(value) if isinstance(value, dict) else {"value": value}
        try:
            entry["value"] = value_for(key, entry.get("value"))
        except TemplateSettingError:
            entry["value"] = "" if entry.get("value") is None else str(entry["value"])
        fitted[key] = entry
    return fitted


def problems(config: Mapping[str, Any], settings: Iterable[str]) -> list[str]:
    """What is wrong with the key mappings of `settings` (a list of Chinese sentences)."""
    found = []
    for setting in settings:
        try:
            key_map(config, setting)
        except TemplateSettingError as error:
            found.append(f"{keys_setting(setting)}：{error}")
    return found


def keys_in(content: str | None) -> list[str]:
    """The keys of a template from WeChat's description of it (`"事项：{{thing2.DATA}}"`)."""
    return re.findall(r"\{\{\s*([A-Za-z_]+\d*)\.DATA\s*\}\}", content or "")


def compare(setting: str, template_id: str, mapping: Mapping[str, str], wechat_keys: Iterable[str] | None) -> list[str]:
    """Sentences for each difference between our mapping and the template WeChat has."""
    if wechat_keys is None:
        return [f"{setting}：模板 {template_id} 不在微信后台的模板列表中"]
    theirs = set(wechat_keys) - {"first", "remark"}  # ignored by WeChat since 2023
    ours = set(mapping.values())
    found = []
    if ours - theirs:
        found.append(f"{keys_setting(setting)}：模板 {template_id} 没有关键词 {', '.join(sorted(ours - theirs))}")
    if theirs - ours:
        found.append(f"{keys_setting(setting)}：模板 {template_id} 的关键词 {', '.join(sorted(theirs - ours))} 没有对应字段")
    return found


def setting_for(config: Mapping[str, Any], template_id: str, settings: Iterable[str]) -> str | None:
    """The template setting whose id is `template_id` (None if none)."""
    return next((s for s in settings if config.get(s) == template_id), None)


def record_check(found: list[str], now: datetime) -> None:
    """Keep the latest comparison with WeChat's templates for the digest (replacing the last)."""
    with transaction():
        RoutineMark.delete().where(RoutineMark.key == CHECK_KEY).execute()
        RoutineMark.create(key=CHECK_KEY, data={"problems": found}, done_at=now)


def rejections(since: datetime) -> dict[str, int]:
    """{template id: messages WeChat refused with 47003} since `since`."""
    rows = (Outbox.select(Outbox.template_id).where((Outbox.status == "undeliverable")
                                                    & Outbox.last_error.startswith(REJECTED)
                                                    & (Outbox.created_at >= since)))
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.template_id] = counts.get(row.template_id, 0) + 1
    return counts


def office_report(now: datetime) -> list[str]:
    """What the office must fix in the templates: the last check's findings and the
    templates WeChat refused messages for in the last day."""
    check = RoutineMark.get_or_none(RoutineMark.key == CHECK_KEY)
    found = list((check.data or {}).get("problems", [])) if check else []
    for template_id, count in sorted(rejections(now - timedelta(days=1)).items()):
        found.append(f"模板 {template_id}：微信拒收{count}条消息（47003，关键词或取值不符）")
    return found
