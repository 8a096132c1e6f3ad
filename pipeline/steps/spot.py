"""Collection by every cadre, and 现场答复、立时办结: a cadre who answers a problem on
the spot records it in one call — the item is created classified with tier
`on_spot`, claimed by the cadre's own unit and resolved with the answer, in one
transaction with one timeline (意见收集 → 梳理分类 → 公开领办 → 办理完成, the same
actor). The reporter, when known, is asked to rate it as usual."""
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from models import Category, Claim, Item, Resident, as_local
from pipeline.messages import notify
from pipeline.rules.actors import Actor
from pipeline.rules.core import Operation
from pipeline.rules.errors import Invalid
from pipeline.rules.schemas import limit
from pipeline.rules.states import CLAIMED, CLASSIFIED, COLLECTED, RESOLVED, TIERS
from pipeline.rules.validate import required_text
from pipeline.rules.workdays import WorkCalendar
from pipeline.steps import reminders
from pipeline.steps.intake import active_unit, collect, default_due, subcategory

ON_SPOT = "on_spot"
ON_SPOT_ROADMAP = TIERS[ON_SPOT]


def collect_offline(actor: Actor, *, on_spot: object = None, now: datetime | None = None, **fields: Any) -> Item:
    """POST /staff/items: any cadre records an opinion heard offline (step 1); with
    `on_spot: {result}` it is answered on the spot and resolved in the same call.

    The on-the-spot path needs a category (the sheet's) and the cadre's unit: a
    cadre without one is refused (403 `no_unit`) and nothing is written.
    """
    now = as_local(now)
    if on_spot is None:
        return collect(actor, now=now, **fields)
    if not isinstance(on_spot, Mapping):
        raise Invalid("现场答复应为 {result: 答复内容}", field="on_spot")
    unknown = set(on_spot) - {"result"}
    if unknown:
        raise Invalid(f"现场答复不接受字段：{'、'.join(sorted(map(str, unknown)))}", field="on_spot")
    result = required_text(on_spot.get("result"), "on_spot.result", "现场答复内容",
                           max_length=limit("resolve", "result"))
    if not fields.get("category"):
        raise Invalid("现场答复请选择问题分类", field="category")
    category = subcategory(fields["category"])
    return collect(actor, now=now, then=lambda op: _answer_on_spot(op, category, result), **fields)


def known_reporter(phone: str | None) -> Resident | None:
    """The one resident who gave this phone number (PATCH /me), if exactly one did."""
    if not phone:
        return None
    found = list(Resident.select().where(Resident.phone == phone).limit(2))
    return found[0] if len(found) == 1 else None


def _answer_on_spot(op: Operation, category: Category, result: str) -> None:
    """Inside `collect`'s operation: classify, claim for the cadre's unit and resolve,
    each step its own timeline event, as the table's `on_spot` entry allows."""
    op.check(ON_SPOT)
    item, actor, now = op.item, op.actor, op.now
    unit = active_unit(actor.unit_id)
    if unit is None:
        raise Invalid("您所在的单位已停用，不能现场答复办结", code="no_unit", field="on_spot")
    calendar = WorkCalendar()
    due = default_due(ON_SPOT, category, now, calendar)
    reporter = item.reporter if item.reporter_id else known_reporter(item.reporter_phone)
    op.update(status=RESOLVED, category=category, tier=ON_SPOT, unit=unit, due=due, roadmap=ON_SPOT_ROADMAP,
              classified_at=now, claimed_unit=unit, claimed_at=now, result=result, resolved_at=now,
              outcome="solved", reporter=reporter)
    op.record("classify", note=ON_SPOT_ROADMAP, from_status=COLLECTED, to_status=CLASSIFIED,
              data={"category": category.code, "unit": unit.name, "tier": ON_SPOT, "due": due.isoformat(),
                    "on_spot": True})
    Claim.create(item=item, unit=unit, role="lead", round=item.round, claimed_by=actor.staff, created_at=now)
    op.record("claim", note=f"{unit.name}现场领办", from_status=CLASSIFIED, to_status=CLAIMED,
              data={"unit": unit.name, "role": "lead", "on_spot": True})
    event = op.record("resolve", note=result, from_status=CLAIMED, to_status=RESOLVED,
                      data={"outcome": "solved", "on_spot": True})
    reminders.schedule_rating_followups(item, now)
    notify.residents_concerned(item, "resolved", "result", "已现场答复办结，请您评价", now,
                               f"resolve:{item.number}:{event.id}")
