"""Which parts an item has (`pipeline.views.parts`): the views skip the parts it says are
absent, so it must never call a present part absent."""
import pytest

from pipeline.steps import handling, judging, oversight
from pipeline.steps.intake import merge
from pipeline.views.parts import PARTS, item_parts
from pipeline.views.queries import public_view
from pipeline.views.sheet import assignment_sheet

EVERY_PART = frozenset(PARTS)


def test_a_new_item_outside_any_supervisors_area_has_no_parts(flow):
    from pipeline.steps.intake import collect

    item = collect(flow.a("zhang"), "小区3号楼楼道灯坏了", "wechat", community="安居苑社区", now=flow.now)
    assert item_parts(item) == frozenset()


def test_parts_appear_as_the_item_gathers_them(flow):
    item = flow.claimed()  # in 全椒路社区, 吴刚's area: a cadre supervisor from the start
    assert item_parts(item) == {"claims", "cadres"}
    item = _supervised_and_closed(flow, item)
    assert item_parts(item) >= {"claims", "ratings", "cadres", "notes", "followers"}
    merged_into = flow.collected(reporter="li")
    merge(flow.collected(), flow.a("office"), into=merged_into.number, now=flow.now)
    assert "merged" in item_parts(merged_into)


def _supervised_and_closed(flow, item):
    item = oversight.supervise(item, flow.a("supervisor"), note="已到现场查看", now=flow.now)
    item = handling.resolve(item, flow.a("jianshe"), result="已更换楼道灯", now=flow.now)
    return judging.rate(item, flow.a("zhang"), "satisfied", now=flow.now)


@pytest.mark.parametrize("status", ["collected", "claimed", "closed"])
@pytest.mark.parametrize("reader", ["office", "jianshe", "supervisor"])
def test_the_views_read_with_parts_equal_those_read_in_full(flow, status, reader):
    item = _supervised_and_closed(flow, flow.claimed()) if status == "closed" else getattr(flow, status)()
    actor = flow.a(reader)
    assert assignment_sheet(item, actor) == assignment_sheet(item, actor, EVERY_PART)
    for viewer in (actor, flow.a("zhang"), flow.a("li")):
        assert public_view(item, viewer, flow.now) == public_view(item, viewer, flow.now, parts=EVERY_PART)
