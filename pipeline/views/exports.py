"""Excel exports (openpyxl, write-only): the console's item list with its own filters,
the unit assessment table and the call-back list, with Chinese headers.

Memory stays flat however many rows: items are read in batches by id (keyset, one
batch in memory at a time), openpyxl's write-only sheet spools each row to disk as
it comes, and the finished workbook is a temporary file the web layer streams out.
Reporters' contacts follow the one masking rule (`sheet.reporter_contact`: in full
for the office only), and the office's sight of a phone number is logged as on the sheet.
"""
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from typing import IO, Any

from peewee import ModelSelect

from models import Item, PhoneView, Resident, as_local
from pipeline.rules.actors import Actor
from pipeline.rules.overdue import is_overdue
from pipeline.rules.states import CHANNELS, OFFICE_ROLES, SCORES, STATUS_LABELS, TIERS
from pipeline.views.lists import attach_relations
from pipeline.views.oversight import callback_rows
from pipeline.views.privacy import mask_phone
from pipeline.views.sheet import reporter_contact

BATCH = 2000
ITEM_HEADERS = ("编号", "状态", "轮次", "问题内容", "渠道", "社区", "地址", "分类", "承办单位", "办理方式", "办结时限",
                "是否超期", "收集时间", "领办时间", "办结时间", "群众评价", "反映人", "联系电话")
ASSESSMENT_HEADERS = ("排名", "单位", "事项数", "响应率", "按期办结率", "办结率", "群众满意率", "组织评议满意率",
                      "督办评议满意率", "退单率", "返工率", "超期件数", "综合得分")
ASSESSMENT_RATES = ("response_rate", "on_time_rate", "resolution_rate", "satisfaction_rate", "org_satisfaction_rate",
                    "supervisor_satisfaction_rate", "return_rate", "redo_rate")
CALLBACK_HEADERS = ("编号", "问题内容", "社区", "承办单位", "办理完成时间", "反映人", "联系电话")


def workbook(title: str, headers: Sequence[str], rows: Iterable[Sequence[Any]],
             widths: Sequence[int] = ()) -> IO[bytes]:
    """A one-sheet .xlsx written row by row into a temporary file, rewound for reading."""
    # Imported here: openpyxl (with lxml) is 13 MB in every web worker that loads it,
    # and exports are a few staff requests a day.
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title)
    for column, width in enumerate(widths):
        sheet.column_dimensions[chr(ord("A") + column)].width = width
    bold = Font(bold=True)
    header_cells = []
    for text in headers:
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in rows:
        sheet.append(list(row))
    output = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - handed to the caller, who streams and closes it
    book.save(output)
    output.seek(0)
    return output


def _batches(query: ModelSelect) -> Iterator[list[Item]]:
    """The query's items by id, BATCH at a time (keyset: each batch starts after the last id)."""
    last = 0
    while True:
        rows = list(query.where(Item.id > last).order_by(Item.id).limit(BATCH))
        if not rows:
            return
        yield rows
        last = rows[-1].id


def _when(value: datetime | date | None) -> str:
    if value is None:
        return ""
    return value.strftime("%Y-%m-%d %H:%M") if isinstance(value, datetime) else value.isoformat()


def item_rows(query: ModelSelect, actor: Actor, now: datetime | None = None) -> Iterator[list[Any]]:
    """The rows of the item export for `query` (the item list's own query), as `actor` may see them."""
    now = as_local(now)
    office = actor.role in OFFICE_ROLES
    for rows in _batches(query):
        attach_relations(rows)
        reporter_ids = {item.reporter_id for item in rows if item.reporter_id}
        residents = {r.id: r for r in Resident.select().where(Resident.id.in_(list(reporter_ids)))} if reporter_ids else {}
        sights = []
        for item in rows:
            if item.reporter_id:
                item.reporter = residents[item.reporter_id]
            contact = reporter_contact(item, actor)
            unit = item.claimed_unit if item.claimed_unit_id else (item.unit if item.unit_id else None)
            rating = item._latest_rating
            if office and contact and contact.get("phone") and not item.reporter_id:
                sights.append({"staff": actor.staff, "staff_name": actor.name, "item_number": item.number,
                               "resident": None, "at": now})
            yield [item.number, STATUS_LABELS[item.status], item.round,
                   item.content if office else mask_phone(item.content), CHANNELS.get(item.channel, item.channel),
                   item.community or "", item.address or "",
                   item.category.name if item.category_id else "", unit.name if unit else "",
                   TIERS.get(item.tier or "", ""), _when(item.due), "是" if is_overdue(item, now.date()) else "",
                   _when(item.created_at), _when(item.claimed_at), _when(item.resolved_at),
                   SCORES[rating.score] if rating is not None else "",
                   (contact or {}).get("name") or ("不公开" if contact is None else ""),
                   (contact or {}).get("phone") or ""]
        if sights:
            PhoneView.insert_many(sights).execute()


def items_workbook(query: ModelSelect, actor: Actor, now: datetime | None = None) -> IO[bytes]:
    return workbook("事项清单", ITEM_HEADERS, item_rows(query, actor, now),
                    widths=(15, 9, 6, 50, 12, 14, 20, 12, 16, 16, 12, 8, 17, 17, 17, 10, 12, 15))


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def assessment_workbook(table: dict[str, Any]) -> IO[bytes]:
    """The assessment table (`office.assessment.assessment`) with its weights below it."""
    def rows() -> Iterator[list[Any]]:
        for unit in table["units"]:
            yield [unit["rank"], unit["name"], unit["total"], *(_percent(unit[m]) for m in ASSESSMENT_RATES),
                   unit["overdue"], "—" if unit["score"] is None else unit["score"]]
        yield []
        yield [f"统计期间：{table['from']} 至 {table['to']}"]
        yield ["权重（合计100）：" + "，".join(f"{table['labels'][m]}{w}" for m, w in table["weights"].items())]
    return workbook("单位考核", ASSESSMENT_HEADERS, rows(), widths=(6, 20, 8, 10, 12, 10, 12, 15, 15, 9, 9, 9, 10))


def callbacks_workbook(actor: Actor, street_office: object = None) -> IO[bytes]:
    """The call-back list (回访名单) with each reporter's contact as `actor` may see it
    (`street_office`: the district's pick of one office)."""
    def rows() -> Iterator[list[Any]]:
        office = actor.role in OFFICE_ROLES
        for entry in callback_rows(actor, street_office):
            item, who = entry["item"], entry["reporter"]
            unit = item.claimed_unit if item.claimed_unit_id else (item.unit if item.unit_id else None)
            yield [item.number, item.content if office else mask_phone(item.content), item.community or "",
                   unit.name if unit else "", _when(item.resolved_at),
                   (who or {}).get("name") or ("不公开" if who is None else ""), (who or {}).get("phone") or ""]
    return workbook("回访名单", CALLBACK_HEADERS, rows(), widths=(15, 50, 14, 16, 17, 12, 15))
