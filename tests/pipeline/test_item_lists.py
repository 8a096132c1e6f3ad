"""The API's work list (`lists.work_list`), the console's item list
(`desk.find_items`) and the desk's sections (`desk.waiting`) are one query,
`lists.staff_items`: the same actor and filters find the same items."""
from datetime import timedelta

import pytest

import models
from pipeline.rules.errors import Invalid
from pipeline.rules.offices import default_office_id
from pipeline.rules.states import STATUS_LABELS
from pipeline.views import desk, lists


@pytest.fixture
def items(world, flow, now):
    """Items of every status, due yesterday / today / never, in two communities, plus
    three classified through the operations (a category, a unit, the claim board)."""
    today = now.date()
    made, n = [], 0
    for status in sorted(STATUS_LABELS):
        for due in (today - timedelta(days=1), today, None):
            n += 1
            made.append(models.Item.create(
                number=f"{today:%Y%m%d}-{9000 + n:04d}", status=status, content=f"问题{n}：楼道灯坏了",
                channel="wechat" if n % 2 else "phone", community="全椒路社区" if n % 3 else "花园社区",
                address="幸福路12号" if n % 4 == 0 else None, due=due, created_at=now - timedelta(hours=n),
                updated_at=now, office=default_office_id()))
    made += [flow.classified(), flow.claimed(), flow.classified(unit="shirong")]
    return made


FILTERS = [
    {},
    {"status": "classified"},
    {"status": "claimed"},
    {"overdue": True},
    {"category": "housing"},
    {"search": "问题1"},
    {"search": "楼道灯", "status": "collected"},
]


def numbers(rows):
    return sorted(row["number"] if isinstance(row, dict) else row.number for row in rows)


@pytest.mark.parametrize("who", ["office", "leader", "jianshe", "shirong", "supervisor"])
@pytest.mark.parametrize("filters", FILTERS)
def test_the_api_and_the_console_list_the_same_items(app, world, now, items, who, filters):
    actor = world.actor(who)
    console = {("q" if key == "search" else key): value for key, value in filters.items()}
    listed = lists.work_list(actor, per_page=100, now=now, **filters)["items"]
    found = list(desk.find_items(actor, now.date(), **console))
    assert numbers(listed) == numbers(found)
    # And the filters do filter: a status keeps only that status, overdue only late items.
    if "status" in filters:
        assert {row["status"] for row in listed} <= {filters["status"]}
    if filters.get("overdue"):
        assert all(row["overdue"] for row in listed) and (listed or who not in ("office", "leader"))


def test_each_list_keeps_its_own_order_and_extra_filters(app, world, now, items):
    office, today = world.actor("office"), now.date()
    # The console also searches the address and filters by channel and community; the API does not.
    assert numbers(desk.find_items(office, today, q="幸福路")) == numbers(
        i for i in items if i.address == "幸福路12号")
    assert lists.work_list(office, search="幸福路", per_page=100, now=now)["items"] == []
    assert {i.channel for i in desk.find_items(office, today, channel="phone")} == {"phone"}
    assert {i.community for i in desk.find_items(office, today, community="花园社区")} == {"花园社区"}
    # Both: the nearest deadline first, no deadline last; the API newest first within a day, the console oldest.
    api = [row["number"] for row in lists.work_list(office, per_page=100, now=now)["items"]]
    console = [i.number for i in desk.find_items(office, today)]
    by_number = {i.number: i for i in items}
    for order in (api, console):
        dues = [by_number[number].due for number in order]
        assert dues == sorted(dues, key=lambda due: (due is None, due))
    due_today = [n for n in api if by_number[n].due == today]
    assert due_today == sorted(due_today, key=lambda n: by_number[n].created_at, reverse=True)
    assert [n for n in console if by_number[n].due == today] == list(reversed(due_today))


def test_the_desk_sections_count_what_the_list_finds(app, world, now, items):
    for who in ("office", "jianshe", "supervisor"):
        actor = world.actor(who)
        for key, _label, count, _first in desk.waiting(actor, now.date()):
            if key == "callback":
                continue
            filters = {"overdue": True} if key == "overdue" else {"status": desk.SECTION_STATUS[key]}
            assert count == len(list(desk.find_items(actor, now.date(), **filters)))


@pytest.mark.parametrize("filters, field", [({"status": "done"}, "status"), ({"channel": "fax"}, "channel"),
                                            ({"category": "no-such"}, "category")])
def test_a_bad_filter_is_refused_by_both(app, world, now, filters, field):
    with pytest.raises(Invalid) as console:
        desk.find_items(world.actor("office"), now.date(), **filters)
    assert console.value.field == field
    if "channel" not in filters:
        with pytest.raises(Invalid) as api:
            lists.work_list(world.actor("office"), now=now, **filters)
        assert api.value.field == field


def walk(actor, now, per_page, between=lambda: None, **filters):
    """Every page of the work list by its cursor: the numbers in order, one list per page."""
    pages, answer = [], lists.work_list(actor, per_page=per_page, now=now, **filters)
    pages.append([row["number"] for row in answer["items"]])
    while answer["next"]:
        between()
        answer = lists.work_list(actor, per_page=per_page, now=now, after=answer["next"], **filters)
        assert set(answer) == {"items", "per_page", "has_more", "next", "after"}
        pages.append([row["number"] for row in answer["items"]])
    assert answer["has_more"] is False
    return pages


def test_pages_by_cursor_give_every_item_once_in_order_even_as_items_are_added(app, world, now, items, flow):
    office = world.actor("office")
    for n in range(4):  # equal deadline and creation time: the id decides
        items.append(models.Item.create(number=f"{now:%Y%m%d}-{9500 + n:04d}", status="claimed", content="同时",
                                        channel="phone", due=now.date(), created_at=now, updated_at=now,
                                        office=default_office_id()))
    before = [row["number"] for row in lists.work_list(office, per_page=100, now=now)["items"]]
    assert len(before) == len(items) > 20
    added = []

    def report_one():
        added.append(flow.collected().number)

    pages = walk(office, now, 4, between=report_one)
    seen = [number for page in pages for number in page]
    assert len(seen) == len(set(seen))  # nothing twice
    assert [number for number in seen if number in before] == before  # nothing skipped, in the list's order
    assert set(seen) - set(before) <= set(added) and all(0 < len(page) <= 4 for page in pages)


@pytest.mark.parametrize("who", ["office", "jianshe", "supervisor"])
@pytest.mark.parametrize("filters", [{}, {"status": "claimed"}, {"overdue": True}, {"search": "问题"}])
def test_pages_by_cursor_are_the_pages_by_number(app, world, now, items, who, filters):
    actor = world.actor(who)
    by_cursor = walk(actor, now, 5, **filters)
    by_number, page = [], 1
    while True:
        answer = lists.work_list(actor, per_page=5, page=page, now=now, **filters)
        by_number.append([row["number"] for row in answer["items"]])
        if not answer["has_more"]:
            break
        page += 1
    assert by_cursor == by_number


def test_the_first_page_keeps_its_answer_and_adds_the_cursor(app, world, now, items):
    first = lists.work_list(world.actor("office"), per_page=5, now=now)
    assert set(first) == {"items", "page", "per_page", "total", "total_exact", "has_more", "next"}
    assert (first["page"], first["total"], first["total_exact"], first["has_more"]) == (1, len(items), True, True)
    last = lists.work_list(world.actor("office"), per_page=100, now=now)
    assert last["has_more"] is False and last["next"] is None
    assert (last["total"], last["total_exact"]) == (len(items), True)  # the last page counts what it read
    beyond = lists.work_list(world.actor("office"), per_page=5, page=50, now=now)
    assert (beyond["items"], beyond["total"], beyond["has_more"]) == ([], len(items), False)


@pytest.mark.parametrize("cursor", ["garbage", "!!!", "MjAyNi0xMS0wMXx4fDE", "fHwx"])
def test_a_bad_cursor_is_refused(app, world, now, cursor):
    with pytest.raises(Invalid) as refused:
        lists.work_list(world.actor("office"), now=now, after=cursor)
    assert refused.value.field == "after"
