"""Item numbers: YYYYMMDD-NNNN, unique under concurrent writers, never reused."""
import threading
from datetime import timedelta

import models
from pipeline.errors import Invalid
from pipeline.intake import collect

WRITERS = 8
PER_WRITER = 15


def test_eight_concurrent_writers_get_unique_consecutive_numbers(app, world, now):
    reporter = world.actor("zhang")
    numbers, errors = [], []
    start = threading.Barrier(WRITERS)

    def writer(index):
        try:
            start.wait()
            for n in range(PER_WRITER):
                item = collect(reporter, f"第{index}号写入者的第{n}条反映：路灯不亮", "wechat", now=now)
                numbers.append(item.number)
        except Exception as error:  # noqa: BLE001 - reported below, the test fails on any
            errors.append(repr(error))
        finally:
            models.db.close()

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    total = WRITERS * PER_WRITER
    assert len(numbers) == total == len(set(numbers))
    assert sorted(numbers) == [f"20261123-{n:04d}" for n in range(1, total + 1)]
    assert models.Item.select().count() == total


def test_numbers_restart_each_day_and_a_failed_report_leaves_no_gap(world, now):
    reporter = world.actor("zhang")
    assert collect(reporter, "第一条反映内容", "wechat", now=now).number == "20261123-0001"
    try:
        collect(reporter, "第二条", "wechat", photo_ids=[999], now=now)
    except Invalid:
        pass
    assert collect(reporter, "第三条反映内容", "wechat", now=now).number == "20261123-0002"
    assert collect(reporter, "次日的反映", "wechat", now=now + timedelta(days=1)).number == "20261124-0001"
