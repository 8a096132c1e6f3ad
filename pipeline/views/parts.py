"""Which parts an item has (claims, notes, ratings, photos, followers, supervisors, …),
in one statement.

The API answers every write with the item's view, and a staff member's is the whole
assignment sheet: a dozen parts, each its own read. An item just collected has none
of them, and reading each anyway cost a create more than its own writes. The views
read only the parts this says exist.
"""
from typing import Any

from peewee import SQL, Select, fn

from models import (
    Claim,
    Evaluation,
    Follower,
    Item,
    Meeting,
    Milestone,
    OpinionSource,
    Photo,
    PublicNotice,
    Rating,
    StaffUser,
    SupervisionNote,
)
from models.base import SlottedSelect, db
from pipeline.rules.supervisors import cadre_of

PARTS = ("claims", "notes", "evaluations", "meetings", "milestones", "notices", "sources", "ratings", "photos",
         "followers", "merged", "cadres")


def _probe(item_id: Any, community: Any) -> Select:
    """SELECT EXISTS(…) per part, in PARTS' order (`item_id`, `community`: the item's values)."""
    def of(model: Any, *more: Any) -> Any:
        condition = model.item == item_id
        for extra in more:
            condition &= extra
        return fn.EXISTS(model.select(SQL("1")).where(condition))

    return Select(columns=[
        of(Claim), of(SupervisionNote), of(Evaluation), of(Meeting), of(Milestone), of(PublicNotice),
        of(OpinionSource), of(Rating), of(Photo, Photo.path.is_null(False)), of(Follower),
        fn.EXISTS(Item.select(SQL("1")).where(Item.merged_into == item_id)),
        fn.EXISTS(StaffUser.select(SQL("1")).where(cadre_of(item_id, community))),
    ]).bind(db)  # the open database's parameter style, as a model's query has


_PROBE = SlottedSelect(Item, _probe, -2_147_480_001, "\ufffecommunity")


def item_parts(item: Item) -> frozenset[str]:
    """The names (of PARTS) of the parts the item has rows of: `cadres` when it has a cadre
    supervisor (`rules.supervisors.cadre_of`), `merged` when items were merged into it."""
    row = _PROBE.row(item.id, item.community)
    return frozenset(name for name, present in zip(PARTS, row, strict=True) if present)
