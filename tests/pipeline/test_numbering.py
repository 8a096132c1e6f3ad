"""Item numbers: YYYYMMDD-NNNN, unique under concurrent writers, never reused."""
from datetime import timedelta

import pytest

import models
from pipeline.rules.errors import Invalid
from pipeline.steps.intake import collect

from shared_support import run_concurrently

WRITERS = 8
PER_WRITER = 15


def test_eight_concurrent_writers_get_unique_consecutive_numbers(app, world, now):
    reporter = world.actor("zhang")
    numbers = []

    def writer(index):
        for n in range(PER_WRITER):
            item = collect(reporter, f"第{index}号写入者的第{n}条反映：路灯不亮", "wechat", now=now)
            numbers.append(item.number)

    errors = run_concurrently(writer, WRITERS)
    assert errors == []
    total = WRITERS * PER_WRITER
    assert len(numbers) == total == len(set(numbers))
    assert sorted(numbers) == [f"20261123-{n:04d}" for n in range(1, total + 1)]
    assert models.Item.select().count() == total


def test_numbers_restart_each_day_and_a_failed_report_leaves_no_gap(world, now):
    reporter = world.actor("zhang")
    assert collect(reporter, "第一条反映内容", "wechat", now=now).number == "20261123-0001"
    with pytest.raises(Invalid):
        collect(reporter, "第二条", "wechat", photo_ids=[999], now=now)
    assert collect(reporter, "第三条反映内容", "wechat", now=now).number == "20261123-0002"
    assert collect(reporter, "次日的反映", "wechat", now=now + timedelta(days=1)).number == "20261124-0001"


def test_a_day_past_9999_items_goes_on_and_every_number_is_found(client, world, auth, now):
    from pipeline.views import queries
    from wechat.handlers import NUMBER_RE as ASKED

    models.DailySequence.create(day="20261123", last=9999)
    item = collect(world.actor("zhang"), "当天第一万条反映：路灯不亮", "wechat", now=now)
    assert item.number == "20261123-10000"
    assert queries.get_item(item.number).id == item.id
    assert client.get(f"/api/v1/items/{item.number}", headers=auth("zhang")).get_json()["number"] == item.number
    assert client.get(f"/api/v1/staff/items/{item.number}", headers=auth("office")).status_code == 200
    assert ASKED.match(f"查询 {item.number}").group(1) == item.number  # a resident asking in chat
