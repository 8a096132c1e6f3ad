"""Notices for many items at once, built by the database: `INSERT … SELECT`.

The sweep fires every due reminder of a kind with a few statements
(pipeline/steps/firing.py). What each recipient gets must be byte for byte what
`notify.staff_rows` / `notify.resident_notice` would queue, so this module is
their SQL counterpart: `fit` is `templates.value_for` as an SQL expression (on
SQLite, value_for itself, registered as an SQL function),
`json_text` is `JSONField.db_value`, and a notice's template data is built from
the same fields (`notify.notice_fields`) and the same key mapping. Values known
in Python (the time, a kind's fixed note) are fitted in Python; values that
differ per item (its number, its content, its status label) are fitted in SQL.
"""
import re
from collections import Counter
from collections.abc import Mapping
from datetime import datetime
from typing import Any, NamedTuple
from weakref import WeakSet

from peewee import SQL, Case, ColumnBase, Expression, Node, Select, Tuple, Value, fn

from models import Item, Outbox, Resident, StaffUser, SubscriptionGrant
from models.base import JSONField, db, is_postgres
from pipeline.messages import notify, templates
from pipeline.rules.settings import settings
from pipeline.rules.states import STATUS_LABELS

_LEAF = "\uffff"  # marks where an SQL value goes in JSON built in Python (never in our texts)
_LEAF_SPLIT = re.compile(f'"{_LEAF}(\\d+){_LEAF}"')  # a marked place, as JSONField writes it
OUTBOX_COLUMNS = [Outbox.dedup_key, Outbox.kind, Outbox.channel, Outbox.template_id, Outbox.item, Outbox.resident,
                  Outbox.staff, Outbox.openid, Outbox.data, Outbox.page, Outbox.status, Outbox.attempts,
                  Outbox.next_attempt_at, Outbox.created_at]


class Raw(NamedTuple):
    """An SQL expression that is JSON text already (a number), placed in `json_text` as it is."""

    sql: Node


# What Python's str.strip() strips (templates.value_for strips with it), written out:
# finding it among every code point cost each sweeping process 0.12 s (a test checks it).
WHITESPACE = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007"
              "\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")
_WITH_VALUE_FOR: "WeakSet[Any]" = WeakSet()  # SQLite databases that know value_for


def text(value: str) -> Node:
    """A text constant (typed, so that PostgreSQL can concatenate two of them)."""
    return Value(value).cast("TEXT")


def concat(*parts: Node | str) -> Node:
    """The parts joined, in SQL (`||`); str parts are constants."""
    nodes = [text(part) if isinstance(part, str) else part for part in parts if part != ""]
    result = nodes[0]
    for node in nodes[1:]:
        result = result.concat(node)
    return result


def json_string(value: Node) -> Node:
    """`value` as a JSON string literal, escaped exactly as json.dumps(ensure_ascii=False) does."""
    if is_postgres():
        return fn.to_json(value.cast("TEXT")).cast("TEXT")
    return fn.json_quote(value)


def json_text(value: Any) -> Node:
    """`JSONField.db_value(value)` as an SQL expression: `value` may hold SQL expressions
    (stored as JSON strings) and `Raw` ones (stored as they are)."""
    leaves: list[Node] = []

    def mark(part: Any) -> Any:
        if isinstance(part, dict):
            return {key: mark(inner) for key, inner in part.items()}
        if isinstance(part, (Node, Raw)):
            leaves.append(part.sql if isinstance(part, Raw) else json_string(part))
            return f"{_LEAF}{len(leaves) - 1}{_LEAF}"
        return part

    pieces = _LEAF_SPLIT.split(JSONField().db_value(mark(value)) or "null")
    parts: list[Node | str] = [pieces[0]]
    for index in range(1, len(pieces), 2):
        parts += [leaves[int(pieces[index])], pieces[index + 1]]
    return concat(*parts)


def fit(key: str, value: Node) -> Node:
    """`templates.value_for(key, value)` for a value the database holds: WeChat's rule for
    the key's type (characters refused, one line, stripped, never empty, cut)."""
    kind = templates.key_type(key)
    if kind in templates.TIME_FIELDS:
        raise ValueError(f"{key}: a time value is fitted in Python")
    if not is_postgres():  # the rule itself, one call a value (SQLite has no regexp_replace of its own)
        if db.obj not in _WITH_VALUE_FOR:
            db.obj.register_function(templates.value_for, "value_for", 2, deterministic=True)
            _WITH_VALUE_FOR.add(db.obj)
        return fn.value_for(key, value)
    limit, refused = templates.RULES.get(kind or "", (None, None))
    fitted: Node = fn.COALESCE(value.cast("TEXT"), text(""))
    if refused is not None:
        fitted = fn.regexp_replace(fitted, refused.pattern, "", "g")
    fitted = fn.TRIM(fn.REPLACE(fitted, "\n", " "), WHITESPACE)
    empty = templates.EMPTY.get(kind or "", "")
    if empty:
        fitted = Case(None, [(fitted == "", text(empty))], fitted)
    if limit is None:
        return fitted
    if limit <= 5:
        return fn.SUBSTR(fitted, 1, limit)
    return Case(None, [(fn.LENGTH(fitted) <= limit, fitted)], concat(fn.SUBSTR(fitted, 1, limit - 1), "…"))


def template_data(setting: str, fields: Mapping[str, object]) -> Node:
    """`templates.build(settings, setting, fields)` as stored, where a field may be an SQL value."""
    data = {}
    for field, key in templates.key_map(settings.mapping, setting).items():
        value = fields.get(field)
        data[key] = {"value": fit(key, value) if isinstance(value, Node) else templates.value_for(key, value)}
    return json_text(data)


def item_fields(note: str | Node | None, now: datetime) -> dict[str, Any]:
    """`notify.item_fields` for the item in the query (`Item`)."""
    state = Case(Item.status, list(STATUS_LABELS.items()), None)
    return notify.notice_fields(Item.number, Item.content, state, note, now)


def console_item_url() -> Node:
    """`notify.console_item_url` for the item in the query."""
    before, _, after = notify.console_url_pattern().format(number=_LEAF).partition(_LEAF)
    return concat(before, Item.number, after)


def dedup_key(key: Node, suffix: str, person: ColumnBase) -> Node:
    """A notice's key for one person (`{key}:s{staff id}` / `{key}:r{resident id}`), cut as stored."""
    return fn.SUBSTR(concat(key, suffix, person.cast("TEXT")), 1, 191)


def _insert_new(query: Select, key: Node) -> int:
    """Insert the outbox rows `query` selects (OUTBOX_COLUMNS; `key` its dedup key) whose
    key is not queued yet; returns how many. On PostgreSQL not `ON CONFLICT DO NOTHING`:
    its speculative insert cost a fifth of a sweep's statement, and a key these notices
    carry is written only by the sweep, which holds its items' locks
    (pipeline.steps.firing), so no other transaction can be inserting it meanwhile. On
    SQLite `OR IGNORE`: the unique index checks as it inserts (a probe first cost 15%)."""
    if not is_postgres():
        return int(Outbox.insert_from(query, OUTBOX_COLUMNS).on_conflict_ignore().as_rowcount().execute())
    queued = Outbox.alias("queued")
    query = query.where(~fn.EXISTS(queued.select(SQL("1")).where(queued.dedup_key == key)))
    return int(Outbox.insert_from(query, OUTBOX_COLUMNS).returning().as_rowcount().execute())


def queue_staff(rows: Select, recipients: Expression, kind: str, notice: str, note: str | Node, key: Node,
                now: datetime) -> int:
    """`notify.to_staff` for every item in `rows` (a query on Item): one row per reachable
    staff member matching `recipients` (a condition on StaffUser and Item), duplicates
    skipped by their key. Returns how many were queued."""
    setting = notify.STAFF_TEMPLATES[notice]
    # Each item's notice is worded once (a materialised CTE), not once per recipient.
    notices = rows.select(Item.id.alias("item_id"), key.alias("key"),
                          template_data(setting, item_fields(note, now)).alias("data"),
                          console_item_url().alias("page")).cte("notice", materialized=True)
    person_key = dedup_key(notices.c.key, ":s", StaffUser.id)
    query = (Item.select(person_key, text(kind), text("oa_template"),
                         text(notify.template_id(setting)), Item.id, Value(None), StaffUser.id, StaffUser.openid,
                         notices.c.data, notices.c.page, text("queued"), Value(0), Value(now), Value(now))
             .join(notices, on=(notices.c.item_id == Item.id))
             .join(StaffUser, on=recipients & notify.reachable_condition())
             .with_cte(*(rows._cte_list or ()), notices))  # a CTE's own WITH goes to the top
    return _insert_new(query, person_key)


def queue_residents(rows: Select, who: Expression, kind: str, notice: str, note: str, key: Node,
                    now: datetime) -> int:
    """`notify.to_resident` for every item in `rows` (a query on Item, in firing order) and
    each resident matching `who` (a condition on Resident and Item): a template message
    while they follow the official account, else a subscribe message or notice within
    their consent, spending one consent each (in firing order, as one by one would)."""
    oa_setting, mp_setting = notify.RESIDENT_TEMPLATES[notice]
    oa_subscribe = notify.OA_SUBSCRIBE_TEMPLATES[notice]
    pairs = rows.join(Resident, on=who)
    found = list(pairs.select(Item.id, Resident.id, Resident.source, Resident.subscribed).tuples())
    following = any(source == "oa" and subscribed for _, _, source, subscribed in found)
    queued = _insert_residents(pairs.where((Resident.source == "oa") & Resident.subscribed), "oa_template",
                               oa_setting, kind, notice, note, key, now) if following else 0
    wanted = [(item_id, resident_id, oa_subscribe if source == "oa" else mp_setting)
              for item_id, resident_id, source, subscribed in found if not (source == "oa" and subscribed)]
    if not wanted:
        return queued
    grants = (SubscriptionGrant.select(SubscriptionGrant.resident, SubscriptionGrant.template_id,
                                       SubscriptionGrant.remaining)
              .where(SubscriptionGrant.resident.in_({resident for _, resident, _ in wanted})
                     & SubscriptionGrant.template_id.in_([notify.template_id(oa_subscribe),
                                                          notify.template_id(mp_setting)])
                     & (SubscriptionGrant.remaining > 0)))
    left = {(resident, template): remaining for resident, template, remaining
            in (grants.for_update() if is_postgres() else grants).tuples()}
    spent: Counter[tuple[int, str]] = Counter()
    allowed: dict[str, list[tuple[int, int]]] = {oa_subscribe: [], mp_setting: []}
    for item_id, resident_id, setting in wanted:
        consent = (resident_id, notify.template_id(setting))
        if spent[consent] < left.get(consent, 0):
            spent[consent] += 1
            allowed[setting].append((item_id, resident_id))
    for setting, channel in ((oa_subscribe, "oa_subscribe"), (mp_setting, "mp_subscribe")):
        if allowed[setting]:
            chosen = pairs.where(Tuple(Item.id, Resident.id).in_(allowed[setting]))
            queued += _insert_residents(chosen, channel, setting, kind, notice, note, key, now)
    for (resident_id, template_id), count in spent.items():
        (SubscriptionGrant.update(remaining=SubscriptionGrant.remaining - count)
         .where((SubscriptionGrant.resident == resident_id) & (SubscriptionGrant.template_id == template_id))
         .execute())
    return queued


def _insert_residents(pairs: Select, channel: str, setting: str, kind: str, notice: str, note: str, key: Node,
                      now: datetime) -> int:
    person_key = dedup_key(key, ":r", Resident.id)
    query = pairs.select(
        person_key, text(kind), text(channel), text(notify.template_id(setting)), Item.id,
        Resident.id, Value(None), Resident.openid, template_data(setting, item_fields(note, now)),
        concat(notify.ITEM_PAGE, Item.number), text("queued"), Value(0), Value(now), Value(now))
    return _insert_new(query, person_key)
