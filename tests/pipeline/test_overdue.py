"""Overdue is one idea: the SQL condition, the predicate, and every place that
counts overdue items (work list, chasing, stats, bulletin, digest) agree."""
from datetime import timedelta

import models
from pipeline.routines import bulletins
from pipeline.rules.core import note_figures_changed
from pipeline.rules.offices import default_office_id
from pipeline.rules.overdue import deadline_running, is_overdue, overdue_condition, overdue_items
from pipeline.rules.states import STATUS_LABELS
from pipeline.steps import firing
from pipeline.views import lists, stats


def every_kind_of_item(now):
    """One item for each status and due date (yesterday, today, none)."""
    today = now.date()
    items, n = [], 0
    for status in sorted(STATUS_LABELS):
        for due in (today - timedelta(days=1), today, None):
            n += 1
            items.append(models.Item.create(number=f"{today:%Y%m%d}-{n:04d}", status=status, content="楼道灯坏了",
                                            channel="wechat", due=due, created_at=now, updated_at=now,
                                            office=default_office_id()))
    note_figures_changed(*items)  # made here, not by an operation: noted as an operation notes them
    return items


def test_every_reader_of_overdue_agrees(app, world, now):
    items = every_kind_of_item(now)
    today = now.date()
    expected = sorted(i.number for i in items if is_overdue(i, today))
    # Past due, in a status whose deadline runs: classified or claimed, due yesterday.
    assert expected == sorted(i.number for i in items if i.status in ("classified", "claimed") and i.due and i.due < today)

    assert sorted(i.number for i in overdue_items(today)) == expected
    assert sorted(i.number for i in models.Item.select().where(overdue_condition(today))) == expected
    listed = lists.work_list(world.actor("office"), overdue=True, per_page=100, now=now)
    assert sorted(row["number"] for row in listed["items"]) == expected
    assert sorted(row["number"] for row in lists.work_list(world.actor("office"), per_page=100, now=now)["items"]
                  if row["overdue"]) == expected
    chased = models.Item.select().where(firing.FAMILIES["overdue"].qualifies(today))
    assert sorted(i.number for i in chased) == expected
    assert sum(row["overdue"] for row in stats.stats(now=now)["by_unit"]) == len(expected)
    figures = bulletins.figures(today - timedelta(days=7), today, today)
    assert sorted(n for row in figures["overdue"] for n in row["items"]) == expected


def test_a_deadline_runs_only_while_the_item_waits_or_is_handled(app, now):
    items = every_kind_of_item(now)
    running = {(i.status, i.due is not None) for i in items if deadline_running(i)}
    assert running == {("classified", True), ("claimed", True)}
    due_today = [i for i in items if i.due == now.date()]
    assert not any(is_overdue(i, now.date()) for i in due_today)  # due today is not yet late
    assert {i.status for i in due_today if is_overdue(i, now.date() + timedelta(days=1))} == {"classified", "claimed"}
