"""The set-based sweep words every notice byte for byte as the Python path did
(`notify.item_fields` → `templates.build` → the stored JSON): items whose text
has the awkward characters (ideographic spaces, newlines, quotes, backslashes,
control characters, emoji, too long, nothing left), under template mappings with
every kind of key, on SQLite and PostgreSQL alike."""
from datetime import datetime

import models
from pipeline.messages import notify, templates
from pipeline.rules.settings import settings
from pipeline.steps import chasing, oversight

from jobs_support import later, outbox

DAY_BEFORE = datetime(2026, 11, 25, 9, 0)  # the claimed items are due the 26th: half time and the day before
MOMENT = datetime(2026, 11, 27, 9, 0)  # 1 working day late
CONTENTS = [
    "\u3000 小区\n路灯坏了，\"晚上\"很黑\\\t😀 \u3000",
    "路灯" * 30,
    "\x01控制\x1f字符\u2028和😀表情" * 3,
    " \n\t\u3000",
    "ASCII only: <b>&amp;</b> ' \" \\ 123-456+7.8",
    "一二三四五六七八九十一二三四五六七八九十",  # exactly 20: not cut
    "一二三四五六七八九十一二三四五六七八九十一",  # 21: cut to 19 and an ellipsis
]
KEYS = {  # our five fields onto keys of every type WeChat has
    "TEMPLATE_OVERDUE_KEYS": "number:number1,title:character_string2,state:phrase3,time:date4,note:thing5",
    "TEMPLATE_ITEM_PROGRESS_KEYS": "number:keyword1,title:name2,state:symbol3,time:time4,note:car_number5",
    "TEMPLATE_DEADLINE_KEYS": "number:letter1,title:phone_number2,state:amount3,time:time4,note:thing5",
    "TEMPLATE_ITEM_RESULT_KEYS": "number:character_string1,title:thing2,state:phrase3,time:time4,note:remark",
}


def stored(column, where=""):
    """{dedup key: the column's text exactly as stored} of the outbox rows."""
    sql = f'SELECT "dedup_key", "{column}" FROM "outbox" {where}'
    return dict(models.db.execute_sql(sql).fetchall())


def expected_data(item, setting, note, now):
    """What the Python path stored for this notice (`notify.staff_values`, `notify.outbox_row`)."""
    data = templates.build(settings.mapping, setting, notify.item_fields(item, note, now))
    return models.Outbox.data.db_value(data)


def awkward_items(loop, now):
    items = []
    for text in CONTENTS:
        item = loop.claimed(now, category="market_environment")  # due Thursday the 26th
        models.Item.update(content=text).where(models.Item.id == item.id).execute()
        items.append(models.Item.get_by_id(item.id))
    return items


def test_every_chasing_notice_is_worded_as_the_python_path_words_it(app, world, loop, now):
    app.config.update(KEYS)
    items = awkward_items(loop, now)
    oversight.follow(items[0], world.actor("liu"), now=now)  # a resident supervisor: told too
    assert chasing.sweep(DAY_BEFORE) == {"half_time": len(items), "day_before": len(items)}
    assert chasing.sweep(MOMENT) == {"overdue": len(items)}
    data, pages = stored("data", "WHERE kind = 'overdue'"), stored("page", "WHERE kind = 'overdue'")
    staff = [u for u in models.StaffUser.select() if notify.reachable(u)]
    checked = 0
    for item in items:
        key = f"overdue:{item.number}:r1:2026-11-26"
        for user in staff:
            if f"{key}:s{user.id}" in data:
                assert data[f"{key}:s{user.id}"] == expected_data(item, "TEMPLATE_OVERDUE", "已超期1个工作日，请立即办理",
                                                                  MOMENT)
                assert pages[f"{key}:s{user.id}"] == notify.console_item_url(item)
                checked += 1
        [chase] = models.TimelineEvent.select().where((models.TimelineEvent.item == item)
                                                      & (models.TimelineEvent.kind == "overdue"))
        assert chase.note == "催办通知：建设办承办的事项已超过办结时限（2026年11月26日）1个工作日，请立即办理并反馈"
        assert chase.data == {"due": "2026-11-26", "unit": "建设办", "workdays_late": 1, "notice": "催办通知"}
    assert checked == len(items) * 4  # the unit's handler, the leader, the office, the area's cadre
    liu = world.residents["liu"]
    resident_key = f"overdue:{items[0].number}:r1:2026-11-26:r{liu.id}"
    assert data[resident_key] == expected_data(items[0], "TEMPLATE_ITEM_PROGRESS", "事项已超期，已发出催办", MOMENT)
    assert pages[resident_key] == notify.item_page(items[0])
    deadline = stored("data", "WHERE kind IN ('half_time', 'day_before')")
    for item in items:
        for user in (world.staff["jianshe"], world.staff["leader"]):
            assert deadline[f"half_time:{item.number}:r1:2026-11-26:s{user.id}"] == expected_data(
                item, "TEMPLATE_DEADLINE", "办理时限已过半，请于11月26日前办结", DAY_BEFORE)
            assert deadline[f"day_before:{item.number}:r1:2026-11-26:s{user.id}"] == expected_data(
                item, "TEMPLATE_DEADLINE", "距办结时限仅剩1个工作日，请于11月26日前办结", DAY_BEFORE)


def test_values_fitted_in_the_database_match_value_for_for_every_key_type(app, world, loop, now):
    """The SQL rule of each key type against `templates.value_for` itself, text by text."""
    from peewee import Value

    from pipeline.messages import bulk

    keys = ["thing1", "name1", "phrase1", "character_string1", "number1", "letter1", "symbol1", "amount1",
            "phone_number1", "car_number1", "keyword1", "remark"]
    loop.collect(now)  # a row to select the values beside
    for text in CONTENTS + ["", "中", "a\nb"]:
        for key in keys:
            query = models.Item.select(bulk.fit(key, Value(text))).limit(1)
            assert query.scalar() == templates.value_for(key, text), (key, text)
            quoted = models.Item.select(bulk.json_string(Value(text))).limit(1).scalar()
            assert quoted == models.Outbox.data.db_value(text)


def test_the_whitespace_the_database_trims_is_what_str_strip_strips():
    from pipeline.messages import bulk

    assert "".join(c for c in map(chr, range(0x110000)) if c.isspace()) == bulk.WHITESPACE


def test_subscribe_messages_spend_one_consent_each_in_firing_order(app, world, loop, now):
    """A mini-program reporter with one consent left hears of the first item only; the
    consent is spent, as one `notify.to_resident` after another would spend it."""
    first, second = (loop.resolve(loop.claim(loop.classify(loop.collect(at, reporter="mp"), at), at), at)
                     for at in (now, later(now, minutes=1)))
    mp = world.residents["mp"]
    template = notify.template_id("SUBSCRIBE_ITEM_RESULT")
    models.SubscriptionGrant.delete().where(models.SubscriptionGrant.resident == mp).execute()
    models.SubscriptionGrant.create(resident=mp, template_id=template, remaining=1, updated_at=now)
    assert chasing.sweep(later(now, days=3, hours=1))["rate_remind"] == 2
    [row] = outbox(kind="rate_remind")
    assert (row.item_id, row.resident_id, row.channel, row.template_id) == (first.id, mp.id, "mp_subscribe", template)
    assert stored("data", "WHERE kind = 'rate_remind'")[row.dedup_key] == expected_data(
        first, "SUBSCRIBE_ITEM_RESULT", "办理结果已反馈3天，请您评价", later(now, days=3, hours=1))
    assert models.SubscriptionGrant.get(resident=mp, template_id=template).remaining == 0
    assert not models.Outbox.select().where(models.Outbox.item == second.id, models.Outbox.kind == "rate_remind").exists()
