"""What each operation takes from people, declared once: its fields, their type,
whether they are required and how long they may be.

The web layer reads a request body against these (`web.params.arguments`),
and the operations take their length limits from here (`limit`), so the two
never disagree. Fields are listed in the order they are checked: with several
mistakes, the first one listed is reported.
"""
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from pipeline.rules.states import FINDING_RESULTS, OFFLINE_CHANNEL_LABELS
from pipeline.rules.validate import choice_message

# Field kinds: text | integer | number | boolean | ids (a list of ids) | fraction (0..1) | any (the operation checks)
KINDS = frozenset({"text", "integer", "number", "boolean", "ids", "fraction", "any"})


@dataclass(frozen=True)
class Field:
    """One input field of an operation."""

    kind: str
    required: bool = False
    max_length: int | None = None  # text only: characters
    argument: str | None = None  # the operation's keyword, where it differs from the field's name
    default: Any = None  # given to the operation when the field is absent
    choices: Mapping[str, str] | None = None  # text only: the values allowed here -> their Chinese labels
    label: str | None = None  # the field's Chinese name, for the message on a value outside `choices`

    @property
    def choices_message(self) -> str | None:
        """The message for a value outside `choices`: it names the valid labels (never the codes)."""
        return None if self.choices is None else choice_message(self.label or "取值", self.choices)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown field kind {self.kind!r}")
        if (self.kind == "text") != (self.max_length is not None):
            raise ValueError("a text field, and only a text field, has a max_length")


def required(max_length: int) -> Field:
    """Required text of at most `max_length` characters."""
    return Field("text", required=True, max_length=max_length)


def optional(max_length: int) -> Field:
    """Optional text of at most `max_length` characters."""
    return Field("text", max_length=max_length)


INTEGER = Field("integer")
REQUIRED_INTEGER = Field("integer", required=True)
NUMBER = Field("number")
BOOLEAN = Field("boolean")
PHOTOS = Field("ids", argument="photo_ids")
DATE = optional(10)  # YYYY-MM-DD
REQUIRED_DATE = required(10)

Schema = Mapping[str, Field]  # field name -> Field, in checking order


def schema(**fields: Field) -> Schema:
    """A read-only schema of these fields, in this order."""
    return MappingProxyType(fields)


# Every field a report (step 1) can carry; each channel takes its own subset.
COLLECT = schema(
    channel=required(16), content=required(2000), category=optional(32), community=optional(100), address=optional(255),
    reporter_name=optional(64), reporter_phone=optional(32), lat=NUMBER, lng=NUMBER, photos=PHOTOS, anonymous=BOOLEAN,
    conduct=BOOLEAN,
)


def _pick(source: Schema, *names: str) -> Schema:
    return MappingProxyType({name: source[name] for name in names})


SCHEMAS: dict[str, Schema] = {
    "collect": COLLECT,
    # Staff type in what came by an offline channel (POST /staff/items).
    "collect_offline": schema(
        channel=Field("text", required=True, max_length=COLLECT["channel"].max_length, choices=OFFLINE_CHANNEL_LABELS,
                      label="线下渠道"),
        **_pick(COLLECT, "content", "category", "community", "address", "reporter_name", "reporter_phone"),
        on_spot=Field("any")),
    # A resident reports from the mini-program (POST /items).
    "collect_app": _pick(COLLECT, "content", "category", "community", "address", "lat", "lng", "photos", "anonymous",
                         "conduct"),
    # The item actions, by their name in POST /staff/items/<number>/<action>.
    "classify": schema(category=required(32), leader=REQUIRED_INTEGER, unit=INTEGER, tier=required(16),
                       due=DATE, roadmap=required(2000), wide_concern=BOOLEAN, community=optional(100),
                       milestones=Field("any"), supervisors=Field("ids")),
    "claim": schema(unit=INTEGER, role=Field("text", max_length=8, default="lead")),
    "return": schema(reason=required(1000)),
    "progress": schema(note=required(2000), photos=PHOTOS),
    "escalate": schema(reason=required(2000)),
    "consult": schema(conclusion=required(4000), due=REQUIRED_DATE),
    "meeting": schema(kind=required(16), held_at=required(40), attendees=Field("any"), minutes=required(10000),
                      satisfaction=Field("fraction"), satisfied=INTEGER, voters=INTEGER),
    "resolve": schema(result=required(4000), photos=PHOTOS, outcome=optional(16)),
    "supervise": schema(note=required(2000), urge=BOOLEAN),
    "evaluate": schema(kind=required(16), score=required(32), comment=optional(2000)),
    "assign_supervisor": schema(staff=REQUIRED_INTEGER),
    "callback": schema(score=required(32), comment=required(1000)),
    "wide_concern": schema(wide_concern=BOOLEAN),
    "merge": schema(into=required(16)),
    "reject": schema(reason=required(1000)),
    # The reporter's rating (POST /items/<number>/rating).
    "rate": schema(score=required(32), comment=optional(1000)),
    # The office's routines and badges.
    "record_discipline": schema(kind=required(16), person=required(64), reason=required(2000),
                                date=Field("text", max_length=10, argument="on_date"), unit=INTEGER, staff=INTEGER),
    "edit_bulletin": schema(title=optional(200), body=optional(50000), issue=INTEGER),
    "record_visit": schema(community=required(100), date=Field("text", required=True, max_length=10,
                                                               argument="visit_date"),
                           days=Field("number", required=True), content=required(2000), people=optional(255),
                           staff=INTEGER, opinions=Field("any")),
    # A symposium or written survey with its opinions (POST /staff/gatherings).
    "record_gathering": schema(kind=required(16), date=Field("text", required=True, max_length=10, argument="held_on"),
                               place=required(200), attendees=Field("any", required=True),
                               community=optional(100), note=optional(2000), opinions=Field("any", required=True)),
    "record_finding": schema(staff=REQUIRED_INTEGER, result=Field("text", required=True, max_length=16,
                                                                  choices=FINDING_RESULTS, label="抽查结果"),
                             note=optional(1000)),
    "issue_badge": schema(name=required(64), phone=optional(32), area=optional(100), kind=required(16),
                          valid_until=REQUIRED_DATE),
    "bind_badge": schema(token=required(64)),
    # A cadre badge held by a staff account (POST /staff/badges/<id>/holder); a community's cadres.
    "badge_holder": schema(staff=REQUIRED_INTEGER),
    "area_supervisors": schema(supervisors=Field("ids")),
    # A resident supervisor's 督办评议 (POST /items/<number>/evaluation).
    "supervisor_evaluation": schema(score=required(32), comment=optional(2000)),
    # Signing in (POST /auth/staff, POST /auth/wxlogin; the console's sign-in form reads these limits too).
    "staff_login": schema(username=required(64), password=required(256)),
    "wxlogin": schema(code=required(128)),
    # A resident's own profile (PATCH /me) and the office's communities.
    "update_profile": schema(community=optional(100), name=optional(64), phone=optional(32)),
    "create_community": schema(name=required(100), lat=NUMBER, lng=NUMBER, office=INTEGER),
    "update_community": schema(name=optional(100), lat=NUMBER, lng=NUMBER, active=Field("any")),
    # The office's category tree and calendar.
    "create_category": schema(name=required(32), parent=optional(32), default_tier=optional(16),
                              limit_days=INTEGER, public=Field("any"), active=Field("any"), code=optional(32)),
    "update_category": schema(name=optional(32), parent=optional(32), default_tier=optional(16),
                              limit_days=INTEGER, active=Field("any"), sort=INTEGER),
    "replace_calendar": schema(days=Field("any", required=True)),
    # A resident's subscribe-message consents (POST /me/subscriptions).
    "subscribe": schema(accepted=Field("any", required=True)),
}


def limit(operation: str, field: str) -> int:
    """The most characters `field` of `operation` may have."""
    max_length = SCHEMAS[operation][field].max_length
    if max_length is None:
        raise KeyError(f"{operation}.{field} is not a text field")
    return max_length
