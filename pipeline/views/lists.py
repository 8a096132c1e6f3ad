"""Lists of items: paging, the residents' own and the public results board, and the
staff work lists with their filters within what each person may see (`staff_scope`).

The single items, who may see them and their views are in `pipeline.views.queries`."""
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from peewee import SQL, Expression, ModelSelect

from models import Category, Item, Rating, Resident, Unit, as_local, iso
from models.base import db, is_postgres
from pipeline.rules.actors import Actor
from pipeline.rules.errors import Invalid
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


COUNT_EXACT_UP_TO = 10_000  # a list's total is counted exactly up to here


def count_of(query: ModelSelect) -> tuple[int, bool]:
    """(rows `query` matches, whether that is exact): counted exactly up to
    COUNT_EXACT_UP_TO; beyond it PostgreSQL's planner estimates (counting a million
    rows costs more than the page itself), SQLite counts on."""
    ids = query.select(SQL("1")).order_by()
    capped = ids.limit(COUNT_EXACT_UP_TO + 1).count()
    if capped <= COUNT_EXACT_UP_TO:
        return capped, True
    if not is_postgres():
        return ids.count(clear_limit=True), True
    sql, params = ids.sql()
    plan = db.execute_sql("EXPLAIN (FORMAT JSON) " + sql, params).fetchone()[0]
    return max(int(plan[0]["Plan"]["Plan Rows"]), COUNT_EXACT_UP_TO + 1), False


def paginate(query: ModelSelect, page: int, per_page: int, render: Callable[[Item], dict[str, Any]]) -> dict[str, Any]:
    """One page of `query`, with `total` (`total_exact` false when it is an estimate,
    see `count_of`) and `has_more` (a next page exists)."""
    rows = list(query.offset((page - 1) * per_page).limit(per_page + 1))
    total, exact = count_of(query)
    more, rows = len(rows) > per_page, rows[:per_page]
    attach_relations(rows)
    return {"items": [render(row) for row in rows], "page": page, "per_page": per_page, "total": total,
            "total_exact": exact, "has_more": more}


def attach_relations(items: list[Item]) -> None:
    """Load a page's categories, units and latest ratings in three queries, not 3 per row."""
    if not items:
        return
    categories = {c.id: c for c in Category.select()}
    for category in categories.values():
        if category.parent_id:
            category.parent = categories[category.parent_id]
    unit_ids = {i.unit_id for i in items} | {i.claimed_unit_id for i in items}
    units = {u.id: u for u in Unit.select().where(Unit.id.in_([u for u in unit_ids if u]))}
    ratings: dict[int, Rating] = {}
    for rating in Rating.select().where(Rating.item.in_([i.id for i in items])).order_by(Rating.at, Rating.id):
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


def work_list(actor: Actor, *, status: str | None = None, overdue: bool = False, unit: int | None = None,
              category: str | None = None, search: str | None = None, page: object = 1, per_page: object = 20,
              now: datetime | None = None, board: bool = False, supervised: bool = False) -> dict[str, Any]:
    """The staff work list: the actor's items (`staff_scope`), filtered, nearest deadline first;
    `board`: only the public claim board (`on_claim_board`); `supervised`: only the items
    the actor supervises (`pipeline.rules.supervisors.supervised_by`)."""
    today = as_local(now).date()
    page, per_page = page_args(page, per_page)
    query = staff_items(actor, today, status=status, overdue=overdue, unit=unit, category=category, search=search,
                        supervised=supervised)
    if board:
        query = query.where(on_claim_board())
    query = query.order_by(Item.due.is_null(), Item.due, Item.created_at.desc(), Item.id.desc())
    return paginate(query, page, per_page, lambda item: summary(item, today))


def staff_items(actor: Actor, today: date, *, status: str | None = None, channel: str | None = None,
                community: str | None = None, unit: int | None = None, category: str | None = None,
                overdue: bool = False, search: str | None = None, search_address: bool = False,
                period: tuple[date, date] | None = None, measure: str | None = None,
                accountable: str | None = None,
                supervised: bool = False) -> ModelSelect:
    """The items `actor` may see (`staff_scope`) that pass these filters, unordered: the
    one query behind the API's work list, the console's item list and its export. A
    filter left empty is not applied; a bad one raises Invalid. `search` matches the
    number or the text (and the address with `search_address`). The dashboards' links
    use `period` (collected from..to, as counted by the statistics), `measure` (a key of
    `measures.MEASURES`) and `accountable` (the unit an item counts for, by id); a
    community or category of `measures.NONE_KEY` means none."""
    query = staff_scope(Item.select(), actor)
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


def staff_scope(query: ModelSelect, actor: Actor) -> ModelSelect:
    """Units see their own items and the claim board; area supervisors the items they
    supervise (their area's, those assigned to them and those they follow)."""
    if actor.role in OVERSEERS:
        return query
    if actor.role == "unit":
        return query.where(unit_reach(actor.unit_id))
    if actor.role == "supervisor" and actor.staff is not None and actor.staff.area:
        return query.where(supervised_by(actor.staff))
    return query
