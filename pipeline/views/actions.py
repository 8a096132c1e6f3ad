"""What a staff member may do to an item now, read from the transition table and
its guards (`pipeline.rules.core.Operation.check`, the very check every
operation runs under its lock), and the lists the console's working pages show:
likely duplicates, the public claim board and a unit's own work.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from models import Claim, Item, as_local
from pipeline.rules.actors import Actor
from pipeline.rules.core import Operation
from pipeline.rules.errors import DomainError
from pipeline.rules.overdue import is_overdue
from pipeline.rules.states import CLAIMABLE, CLAIMED, OPEN, TRIAGE
from pipeline.rules.workdays import WorkCalendar
from pipeline.views.lists import attach_relations, staff_scope
from pipeline.views.queries import category_filter, public_category_ids

# The console's forms: each names the transition (and the request values its guards read)
# that decides whether the form is offered. One API action may have several forms
# (a meeting of either kind, an evaluation of either kind, claiming to lead or to assist).
FORMS: dict[str, tuple[str, dict[str, Any]]] = {
    "classify": ("classify", {}),
    "wide_concern": ("wide_concern", {}),
    "merge": ("merge", {}),
    "reject": ("reject", {}),
    "claim": ("claim", {}),
    "assist": ("assist", {}),
    "return": ("return", {}),
    "progress": ("progress", {}),
    "escalate": ("escalate", {}),
    "consult": ("consult", {}),
    "explanation": ("explanation_meeting", {}),
    "resolve": ("resolve", {}),
    "evaluation": ("evaluation_meeting", {}),
    "evaluate_org": ("evaluate", {"kind": "org"}),
    "evaluate_supervisor": ("evaluate", {"kind": "supervisor"}),
    "callback": ("callback", {}),
    "supervise": ("supervise", {}),
    "assign_supervisor": ("assign_supervisor", {}),
}


class _SomeOpenItem:
    """Stands for "another open item" when asking whether merging is allowed at all
    (which item is picked is checked again when the merge runs)."""

    id = -1
    status = next(iter(TRIAGE))
    office_id = None  # of the item's own street office, as the merge checks when it runs


def may(item: Item, actor: Actor, form: str, now: datetime | None = None) -> bool:
    """Whether `actor` may use the console form `form` on `item` now."""
    transition, params = FORMS[form]
    other = _SomeOpenItem() if transition == "merge" else None
    op = Operation(transition, actor, as_local(now), item, other, dict(params))  # type: ignore[arg-type]
    try:
        op.check()
    except DomainError:
        return False
    return True


def available_forms(item: Item, actor: Actor, now: datetime | None = None) -> list[str]:
    """The console forms `actor` may use on `item` now, in the order of the six steps."""
    return [form for form in FORMS if may(item, actor, form, now)]


def _bigrams(text: str) -> set[str]:
    text = "".join(ch for ch in (text or "") if not ch.isspace())
    return {text[i:i + 2] for i in range(len(text) - 1)}


DUPLICATE_WINDOW = timedelta(days=60)
DUPLICATE_LIMIT = 5
BOARD_LIMIT = 200  # items per section of the claim board


def likely_duplicates(item: Item, now: datetime | None = None, limit: int = DUPLICATE_LIMIT) -> list[Item]:
    """Open items that may report the same problem: the same street office and community,
    collected in the last 60 days, most alike in wording first (shared pairs of characters)."""
    now = as_local(now)
    query = Item.select().where((Item.id != item.id) & Item.status.in_(OPEN)
                                & (Item.created_at >= now - DUPLICATE_WINDOW) & (Item.office == item.office_id))
    if item.community:
        query = query.where(Item.community == item.community)
    mine = _bigrams(item.content)
    scored = []
    for other in query.order_by(Item.created_at.desc()).limit(500):
        theirs = _bigrams(other.content)
        shared = len(mine & theirs) / max(1, min(len(mine), len(theirs)))
        if shared >= 0.25:
            scored.append((shared, other))
    scored.sort(key=lambda pair: -pair[0])
    rows = [other for _shared, other in scored[:limit]]
    attach_relations(rows)
    return rows


def claim_board(actor: Actor, category: str | None = None, community: str | None = None,
                office: object = None) -> dict[str, list[Item]]:
    """公开领办: public items waiting for a unit ("open"), and public items being handled that
    another unit may join as an assisting unit ("assist"), within what `actor` may see
    (`staff_scope`: a unit sees every item waiting on the board, and of those being handled
    the ones it was named on — 协办 is by invitation, issue 13 — but not those it already
    leads or assists; each sees only its own street office's board, the district's own
    staff every office's or the `office` they choose)."""
    public = Item.category.in_(public_category_ids())
    sections = {}
    for key, statuses in (("open", CLAIMABLE), ("assist", frozenset({CLAIMED}))):
        query = staff_scope(Item.select(), actor, office)
        query = query.where(Item.status.in_(statuses) & public)
        if category:
            query = query.where(category_filter(category))
        if community:
            query = query.where(Item.community == community[:100])
        if key == "assist" and actor.role == "unit":  # its own work is on 本单位, not offered back to it
            joined = Claim.select(Claim.item).where((Claim.unit == actor.unit_id) & Claim.active)
            query = query.where((Item.claimed_unit != actor.unit_id) & Item.id.not_in(joined))
        rows = list(query.order_by(Item.due.is_null(), Item.due, Item.id).limit(BOARD_LIMIT))
        attach_relations(rows)
        sections[key] = rows
    return sections


def unit_work(unit_id: int | None, today: date, calendar: WorkCalendar | None = None) -> list[dict[str, Any]]:
    """A unit's items being handled (as lead or assisting unit), overdue first, each with the
    working days left (negative: working days overdue)."""
    if unit_id is None:
        return []
    calendar = calendar or WorkCalendar()
    assisting = Claim.select(Claim.item).where((Claim.unit == unit_id) & Claim.active & (Claim.role == "assist"))
    rows = list(Item.select().where((Item.status == CLAIMED)
                                    & ((Item.claimed_unit == unit_id) | Item.id.in_(assisting)))
                .order_by(Item.due.is_null(), Item.due, Item.id))
    attach_relations(rows)
    work = []
    for row in rows:
        left = None if row.due is None else calendar.workdays_left(row.due, today)
        work.append({"item": row, "lead": row.claimed_unit_id == unit_id, "left": left,
                     "overdue": is_overdue(row, today)})
    return work


def overdue_label(due: date, today: date, calendar: WorkCalendar) -> str:
    """How late an overdue item is, as every list shows it: in working days, the unit of its deadline."""
    late = -calendar.workdays_left(due, today)
    return f"超期{late}个工作日" if late > 0 else "已超期"
