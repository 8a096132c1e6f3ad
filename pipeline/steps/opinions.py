"""Opinions heard by cadres in person (深入群众): on a visit to a community (走访) or
at a symposium or written survey (座谈会、书面调查). Each opinion becomes an item,
linked to where it was heard, in the transaction that records the visit or the
gathering."""
from datetime import datetime

from models import Gathering, Item, OpinionSource, StaffUser, Visit
from pipeline.office.communities import known_community
from pipeline.rules.actors import Actor
from pipeline.rules.errors import Invalid
from pipeline.rules.schemas import limit
from pipeline.steps.intake import collect

MAX_OPINIONS = 100


def opinion_texts(value: object, field: str = "opinions", required: bool = False) -> list[str]:
    """The opinions given (a list of texts, or one text with one opinion per line)."""
    if value is None or value == "":
        texts: list[object] = []
    elif isinstance(value, str):
        texts = list(value.splitlines())
    elif isinstance(value, list):
        texts = value
    else:
        raise Invalid("意见应为文字列表，每条一项", field=field)
    if not all(isinstance(text, str) for text in texts):
        raise Invalid("意见应为文字列表，每条一项", field=field)
    cleaned = [text.strip() for text in texts if isinstance(text, str) and text.strip()]
    if required and not cleaned:
        raise Invalid("请填写收集到的意见，每条一项", field=field)
    if len(cleaned) > MAX_OPINIONS:
        raise Invalid(f"一次最多登记{MAX_OPINIONS}条意见", code="too_long", field=field)
    longest = limit("collect", "content")
    if any(len(text) > longest for text in cleaned):
        raise Invalid(f"每条意见不能超过{longest}字", code="too_long", field=field)
    return cleaned


def listed_community(name: str | None) -> str | None:
    """The name when it is on the office's list of communities, else None (the office
    sets the item's community when it classifies it)."""
    try:
        return known_community(name)
    except Invalid:
        return None


def record_opinion(actor: Actor, text: str, channel: str, *, collector: StaffUser | None,
                   community: str | None = None, visit: Visit | None = None, gathering: Gathering | None = None,
                   now: datetime | None = None) -> Item:
    """One opinion heard on a visit or at a gathering: an item (step 1) collected by
    `collector`, linked to its source — inside the caller's transaction."""
    if (visit is None) == (gathering is None):
        raise ValueError("an opinion comes from one visit or one gathering")
    return collect(actor, text, channel, community=listed_community(community), collector=collector,
                   then=lambda op: OpinionSource.create(item=op.item, visit=visit, gathering=gathering), now=now)


def numbers_heard(*, visit: Visit | None = None, gathering: Gathering | None = None) -> list[str]:
    """The numbers of the items a visit's or a gathering's opinions became, in order."""
    if visit is not None:
        where = OpinionSource.visit == visit.id
    elif gathering is not None:
        where = OpinionSource.gathering == gathering.id
    else:
        return []
    return [number for (number,) in Item.select(Item.number).join(OpinionSource, on=(OpinionSource.item == Item.id))
            .where(where).order_by(Item.id).tuples()]
