"""Lists of items: paging, the residents' own and the public results board, and the
staff work lists with their filters within what each person may see (`staff_scope`).

The single items, who may see them and their views are in `pipeline.views.queries`."""
import base64
import binascii
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from peewee import SQL, Case, Expression, ModelSelect, Tuple, fn

from models import Category, Item, Rating, Resident, Unit, as_local, iso
from models.base import column_list, db, fetch_models, is_postgres, param_marks
from pipeline.rules.actors import Actor
from pipeline.rules.errors import Invalid
from pipeline.rules.offices import office_condition
from pipeline.rules.overdue import overdue_condition
from pipeline.rules.states import CHANNELS, CLOSED, OUTCOMES, OVERSEERS, STATUS_LABELS
from pipeline.rules.supervisors import supervised_by
from pipeline.rules.validate import choice
from pipeline.views import measures
from pipeline.views.privacy import mask_phone
from pipeline.views.queries import (
    SEARCH_MAX,
    category_filter,
    category_json,
    latest_rating,
    on_claim_board,
    public_category_ids,
    summary,
    unit_json,
    unit_reach,
)


def page_args(page: object, per_page: object = 20) -> tuple[int, int]:
    """(page, per_page) as numbers within bounds, or Invalid."""
    try:
        number, size = _whole(page or 1), _whole(per_page or 20)
    except (TypeError, ValueError):
        raise Invalid("页码无效", field="page") from None
    if number < 1 or number > 100000 or size < 1 or size > 100:
        raise Invalid("页码无效", field="page")
    return number, size


def _whole(value: object) -> int:
    if isinstance(value, int | float | str):
        return int(value)
    raise TypeError(f"not a number: {value!r}")


COUNT_EXACT_UP_TO = 10_000  # a list's total is counted exactly up to here (PostgreSQL)
ESTIMATE_TRUSTED_FROM = 50_000  # the planner expecting this many: beyond the exact limit, not counted


def count_of(query: ModelSelect, page_sql: tuple[str, list[Any]] | None = None) -> tuple[int, bool]:
    """(rows `query` matches, whether that is exact). SQLite counts them all: a bare
    COUNT(*) (not peewee's count over a subquery) is answered from an index or the
    table's b-tree in a few milliseconds at 100k. PostgreSQL counts exactly up to
    COUNT_EXACT_UP_TO; beyond it the planner estimates (counting a million rows costs
    more than the page itself), and where the planner already expects
    ESTIMATE_TRUSTED_FROM rows or more, nothing is counted at all. `page_sql`: the
    statement of a page of `query`, whose plan gives the estimate without building
    `query`'s SQL again."""
    if not is_postgres():
        return int(query.select(fn.COUNT(SQL("*"))).order_by().scalar()), True
    ids = query.select(SQL("1")).order_by()
    sql, params = page_sql or ids.sql()
    node = db.execute_sql("EXPLAIN (FORMAT JSON) " + sql, params).fetchone()[0][0]["Plan"]
    if node["Node Type"] == "Limit":  # a page's plan: the rows it would read past the limit
        node = node["Plans"][0]
    estimate = int(node["Plan Rows"])
    if estimate < ESTIMATE_TRUSTED_FROM:
        capped = ids.limit(COUNT_EXACT_UP_TO + 1).count()
        if capped <= COUNT_EXACT_UP_TO:
            return capped, True
    return max(estimate, COUNT_EXACT_UP_TO + 1), False


def _read(query: ModelSelect, per_page: int, attach: bool = True) -> tuple[list[Item], bool, tuple[str, list[Any]]]:
    # `"t1".*` rather than 37 columns by name: peewee spent more building that list than
    # the database spent on the page.
    sql, params = query.select(Item._meta.table.__star__).limit(per_page + 1).sql()
    rows: list[Item] = fetch_models(Item, sql, params)
    more, rows = len(rows) > per_page, rows[:per_page]
    if attach:
        attach_relations(rows)
    return rows, more, (sql, params)


def read_page(query: ModelSelect, per_page: int) -> tuple[list[Item], bool]:
    """Up to `per_page` items of `query` (already offset or keyed) with their relations,
    and whether more follow. The rows come through one hand-run statement: peewee
    turning each row into a model cost several times the query itself."""
    rows, more, _ = _read(query, per_page)
    return rows, more


def first_rows(query: ModelSelect, size: int) -> tuple[list[Item], int, bool]:
    """The first `size` items of `query` without their relations (a page made of
    several lists attaches them once for all), and the count of all it matches
    (`count_of`: exact, or an estimate where counting would cost more than the page)."""
    rows, more, page_sql = _read(query, size, attach=False)
    if not more:
        return rows, len(rows), True
    total, exact = count_of(query, page_sql)
    return rows, total, exact


def paginate(query: ModelSelect, page: int, per_page: int, render: Callable[[Item], dict[str, Any]],
             rows: list[Item] | None = None) -> dict[str, Any]:
    """One page of `query`, with `total` (`total_exact` false when it is an estimate,
    see `count_of`) and `has_more` (a next page exists). `rows`, if given, receives
    the page's items. On the last page the total is what came before it and on it."""
    items, total, exact, more = page_of(query, page, per_page)
    if rows is not None:
        rows.extend(items)
    return {"items": [render(row) for row in items], "page": page, "per_page": per_page, "total": total,
            "total_exact": exact, "has_more": more}


def page_of(query: ModelSelect, page: int, per_page: int) -> tuple[list[Item], int, bool, bool]:
    """(the items of page `page` with their relations, the total `query` matches, whether
    that total is exact, whether more pages follow). On the last page the total is what
    came before it and on it; otherwise `count_of`'s."""
    offset = (page - 1) * per_page
    items, more, page_sql = _read(query.offset(offset), per_page)
    if more or (not items and page > 1):
        total, exact = count_of(query, page_sql)
    else:
        total, exact = offset + len(items), True
    return items, total, exact, more


def attach_relations(items: list[Item]) -> None:
    """Load a page's categories, units and latest ratings in three queries, not 3 per row
    (hand-written: every list page runs them)."""
    if not items:
        return
    categories = {c.id: c for c in fetch_models(Category, f'SELECT {column_list(Category)} FROM "category"', [])}
    for category in categories.values():
        if category.parent_id:
            category.parent = categories[category.parent_id]
    unit_ids = sorted({i.unit_id for i in items if i.unit_id} | {i.claimed_unit_id for i in items if i.claimed_unit_id})
    units: dict[int, Unit] = {}
    if unit_ids:
        units = {u.id: u for u in fetch_models(
            Unit, f'SELECT {column_list(Unit)} FROM "unit" WHERE "id" IN ({param_marks(len(unit_ids))})', unit_ids)}
    item_ids = [i.id for i in items]
    ratings: dict[int, Rating] = {}
    for rating in fetch_models(Rating, f'SELECT {column_list(Rating)} FROM "rating" WHERE "item_id" IN '
                                       f'({param_marks(len(item_ids))}) ORDER BY "at", "id"', item_ids):
        ratings[rating.item_id] = rating
    for item in items:
        if item.category_id:
            item.category = categories[item.category_id]
        if item.unit_id:
            item.unit = units[item.unit_id]
        if item.claimed_unit_id:
            item.claimed_unit = units[item.claimed_unit_id]
        item._latest_rating = ratings.get(item.id)


def list_mine(resident: Resident, page: object = 1, per_page: object = 20, now: datetime | None = None) -> dict[str, Any]:
    now = as_local(now)
    page, per_page = page_args(page, per_page)
    query = Item.select().where(Item.reporter == resident).order_by(Item.created_at.desc(), Item.id.desc())
    return paginate(query, page, per_page, lambda item: summary(item, now.date()))


def board(community: str | None = None, category: str | None = None, page: object = 1, per_page: object = 20,
          now: datetime | None = None) -> dict[str, Any]:
    """Public results (公示): closed items outside the 作风 category."""
    now = as_local(now)
    page, per_page = page_args(page, per_page)
    query = Item.select().where((Item.status == CLOSED) & Item.category.in_(public_category_ids()))
    if community:
        query = query.where(Item.community == community)
    if category:
        query = query.where(category_filter(category))
    query = query.order_by(Item.closed_at.desc(), Item.id.desc())

    def render(item: Item) -> dict[str, Any]:
        return {
            "number": item.number,
            "content": mask_phone(item.content[:200]),
            "category": category_json(item.category),
            "community": item.community,
            "unit": unit_json(item.claimed_unit or item.unit),
            "result": mask_phone(item.result),
            "outcome": item.outcome,
            "outcome_label": OUTCOMES.get(item.outcome),
            "rating": latest_rating(item),
            "round": item.round,
            "closed_at": iso(item.closed_at),
        }
    return paginate(query, page, per_page, render)


WORK_ORDER = (Item.due.is_null(), Item.due, Item.created_at.desc(), Item.id.desc())  # index item_work_order


def work_list(actor: Actor, *, status: str | None = None, overdue: bool = False, unit: int | None = None,
              category: str | None = None, search: str | None = None, page: object = 1, per_page: object = 20,
              now: datetime | None = None, board: bool = False, supervised: bool = False,
              after: str | None = None, office: object = None) -> dict[str, Any]:
    """The staff work list: the actor's items (`staff_scope`), filtered, nearest deadline first;
    `board`: only the public claim board (`on_claim_board`); `supervised`: only the items
    the actor supervises (`pipeline.rules.supervisors.supervised_by`).

    Every answer carries `next`, a cursor to the following page (None on the last).
    With `after` (such a cursor) the page is the items after it (keyset paging: no
    offset to walk, no total to count, an item added in between neither skipped nor
    repeated) and the answer is `{items, per_page, has_more, next, after}`; `page` is
    then not read. `office`: one street office's items, for the district's own staff
    (`pipeline.rules.offices`)."""
    today = as_local(now).date()
    page, per_page = page_args(page if not after else 1, per_page)
    query = staff_items(actor, today, status=status, overdue=overdue, unit=unit, category=category, search=search,
                        supervised=supervised, office=office)
    if board:
        query = query.where(on_claim_board())
    query = query.order_by(*WORK_ORDER)
    if after:
        rows, more = read_page(query.where(_after(_read_cursor(after))), per_page)
        return {"items": [summary(row, today) for row in rows], "per_page": per_page, "has_more": more,
                "next": _cursor(rows[-1]) if more else None, "after": after}
    shown: list[Item] = []
    answer = paginate(query, page, per_page, lambda item: summary(item, today), rows=shown)
    answer["next"] = _cursor(shown[-1]) if answer["has_more"] else None
    return answer


def _cursor(item: Item) -> str:
    """Where `item` stands in WORK_ORDER, as an opaque token for `after`."""
    key = f"{item.due.isoformat() if item.due else ''}|{item.created_at.isoformat()}|{item.id}"
    return base64.urlsafe_b64encode(key.encode()).decode().rstrip("=")


def _read_cursor(token: str) -> tuple[date | None, datetime, int]:
    try:
        due, created, number = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode().split("|")
        return (date.fromisoformat(due) if due else None), datetime.fromisoformat(created), int(number)
    except (ValueError, UnicodeDecodeError, binascii.Error):
        raise Invalid("分页位置无效，请从第一页重新加载", field="after") from None


def _after(key: tuple[date | None, datetime, int]) -> Expression:
    """The items after `key` in WORK_ORDER. The row comparison on the index's leading
    columns starts the scan at the key's deadline instead of the top; the rest sits in a
    CASE so the planner keeps to the ordered index rather than gather and sort."""
    due, created, item_id = key
    later_same = (Item.created_at < created) | ((Item.created_at == created) & (Item.id < item_id))
    if due is None:
        return Item.due.is_null() & Case(None, [(Item.due.is_null(), later_same)], False)
    return ((Tuple(Item.due.is_null(), Item.due) >= Tuple(False, due))
            & Case(None, [(Item.due == due, later_same)], True))


def staff_items(actor: Actor, today: date, *, status: str | None = None, channel: str | None = None,
                community: str | None = None, unit: int | None = None, category: str | None = None,
                overdue: bool = False, search: str | None = None, search_address: bool = False,
                period: tuple[date, date] | None = None, measure: str | None = None,
                accountable: str | None = None,
                supervised: bool = False, office: object = None) -> ModelSelect:
    """The items `actor` may see (`staff_scope`) that pass these filters, unordered: the
    one query behind the API's work list, the console's item list and its export. A
    filter left empty is not applied; a bad one raises Invalid. `search` matches the
    number or the text (and the address with `search_address`). The dashboards' links
    use `period` (collected from..to, as counted by the statistics), `measure` (a key of
    `measures.MEASURES`) and `accountable` (the unit an item counts for, by id); a
    community or category of `measures.NONE_KEY` means none. `office`: one street
    office's (the district's own staff choose; others have only their own)."""
    query = staff_scope(Item.select(), actor, office)
    if period is not None or measure:
        query = query.where(measures.counted())
    if period is not None:
        query = query.where(measures.created_between(*period))
    if measure:
        choice(measure, measures.MEASURES, "measure", "统计口径")
        query = query.where(measures.condition(measure, today))
    if accountable:
        query = query.where(_accountable(accountable))
    if status:
        choice(status, STATUS_LABELS, "status", "状态")
        query = query.where(Item.status == status)
    if channel:
        choice(channel, CHANNELS, "channel", "渠道")
        query = query.where(Item.channel == channel)
    if community:
        query = query.where(Item.community.is_null() if community == measures.NONE_KEY
                            else Item.community == community[:SEARCH_MAX])
    if unit:
        query = query.where((Item.unit == unit) | (Item.claimed_unit == unit))
    if category:
        query = query.where(category_filter(category))
    if overdue:
        query = query.where(overdue_condition(today))
    if supervised and actor.staff is not None:
        query = query.where(supervised_by(actor.staff))
    if search:
        search = search[:SEARCH_MAX]
        matches = Item.number.contains(search) | Item.content.contains(search)
        query = query.where(matches | Item.address.contains(search) if search_address else matches)
    return query


def _accountable(unit: str) -> Expression:
    if unit == measures.NONE_KEY:
        return measures.accountable_unit().is_null()
    if not unit.isdigit() or len(unit) > 9:
        raise Invalid("单位不存在", field="unit")
    return measures.accountable_unit() == int(unit)


def staff_scope(query: ModelSelect, actor: Actor, office: object = None) -> ModelSelect:
    """Staff see their own street office's items only (the district's own staff every
    office's, or the `office` they choose: `pipeline.rules.offices`). Within it, units
    see their own items and the claim board; area supervisors the items they
    supervise (their area's, those assigned to them and those they follow)."""
    offices = office_condition(actor, office)
    if offices is not None:
        query = query.where(offices)
    if actor.role in OVERSEERS:
        return query
    if actor.role == "unit":
        return query.where(unit_reach(actor.unit_id))
    if actor.role == "supervisor" and actor.staff is not None and actor.staff.area:
        return query.where(supervised_by(actor.staff))
    return query
