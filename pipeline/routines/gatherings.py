"""Symposiums and written surveys (座谈会、书面调查): recorded once with their date,
place and attendees, and the many opinions they gathered — each an item linked to
the gathering, all in one transaction."""
from datetime import datetime
from typing import Any

from models import Gathering, Item, as_local, iso
from pipeline.routines.visits import month_range
from pipeline.rules.actors import Actor
from pipeline.rules.core import transaction
from pipeline.rules.errors import Invalid
from pipeline.rules.permissions import permitted, require
from pipeline.rules.schemas import limit
from pipeline.rules.states import GATHERING_KINDS
from pipeline.rules.validate import choice, optional_text, parse_date, parse_month, required_text
from pipeline.steps.handling import _attendees
from pipeline.steps.opinions import listed_community, numbers_heard, opinion_texts, record_opinion


def record_gathering(actor: Actor, *, kind: object, held_on: object, place: object, attendees: object,
                     opinions: object, community: object = None, note: object = None,
                     now: datetime | None = None) -> tuple[Gathering, list[Item]]:
    """A cadre records a symposium or survey: the record, and each opinion as an item
    (channel = the kind) collected by them and linked to it. Returns both."""
    now = as_local(now)
    require("gatherings.record", actor)
    choice(kind, GATHERING_KINDS, "kind", "座谈调查类型")
    day = parse_date(held_on, "date")
    if day > now.date():
        raise Invalid("日期不能晚于今天", field="date")
    place = required_text(place, "place", "地点", limit("record_gathering", "place"))
    people = _attendees(attendees)
    note = optional_text(note, "note", "说明", limit("record_gathering", "note"))
    community = optional_text(community, "community", "社区", limit("record_gathering", "community"))
    texts = opinion_texts(opinions, required=True)
    with transaction():
        gathering = Gathering.create(kind=kind, held_on=day, place=place, attendees=people,
                                     community=listed_community(community), note=note, recorded_by=actor.staff,
                                     created_at=now)
        items = [record_opinion(actor, text, str(kind), collector=actor.staff, community=gathering.community,
                                gathering=gathering, now=now) for text in texts]
    return gathering, items


def gathering_json(gathering: Gathering, numbers: list[str] | None = None) -> dict[str, Any]:
    """A gathering with the numbers of the items its opinions became."""
    if numbers is None:
        numbers = numbers_heard(gathering=gathering)
    return {"id": gathering.id, "kind": gathering.kind, "kind_label": GATHERING_KINDS.get(gathering.kind),
            "date": iso(gathering.held_on), "place": gathering.place, "attendees": gathering.attendees,
            "community": gathering.community, "note": gathering.note,
            "recorded_by": {"id": gathering.recorded_by_id,
                            "name": gathering.recorded_by.name if gathering.recorded_by_id else None},
            "items": numbers, "created_at": iso(gathering.created_at)}


def readable_gatherings(actor: Actor, month: str | None = None) -> list[dict[str, Any]]:
    """Gatherings of a month (all when none is given), newest first: the organisation
    reads everyone's, every other cadre the ones they recorded."""
    query = Gathering.select().order_by(Gathering.held_on.desc(), Gathering.id.desc())
    if month:
        first, last = month_range(parse_month(month, "month"))
        query = query.where((Gathering.held_on >= first) & (Gathering.held_on <= last))
    if not permitted("gatherings.read_all", actor):
        query = query.where(Gathering.recorded_by == actor.id)
    return [gathering_json(g) for g in query]
