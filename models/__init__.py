"""peewee models, one module per aggregate; `ALL_MODELS` in dependency order."""
from .base import BaseModel, as_local, db, iso, local_now, open_database
from .catalog import AssessmentWeight, CalendarDay, Category, Community
from .feedback import Evaluation, Meeting, Milestone, Rating, SupervisionNote
from .figures import DailyFigure, FigureChange
from .items import Claim, DailySequence, Follower, Item, ItemSupervisor, Photo, TimelineEvent
from .outbox import Outbox, Reminder
from .people import ApiToken, Badge, Office, PhoneView, Resident, StaffUser, SubscriptionGrant, Unit
from .routines import (
    Bulletin,
    DisciplinaryEntry,
    Gathering,
    MediaFetch,
    OpinionSource,
    PublicNotice,
    RoutineMark,
    Visit,
    VisitCheck,
    VisitFinding,
)
from .runtime import InboundMessage, JobLease, RateHit, SharedToken, StaffBindTicket

ALL_MODELS = [
    Office,
    Unit,
    Resident,
    StaffUser,
    ApiToken,
    Badge,
    SubscriptionGrant,
    Category,
    CalendarDay,
    Community,
    DailySequence,
    Item,
    Photo,
    Claim,
    TimelineEvent,
    Follower,
    ItemSupervisor,
    SupervisionNote,
    Evaluation,
    Rating,
    Meeting,
    Milestone,
    Outbox,
    Reminder,
    SharedToken,
    InboundMessage,
    JobLease,
    StaffBindTicket,
    RateHit,
    RoutineMark,
    PublicNotice,
    DisciplinaryEntry,
    Bulletin,
    Visit,
    VisitCheck,
    Gathering,
    OpinionSource,
    VisitFinding,
    MediaFetch,
    PhoneView,
    AssessmentWeight,
    DailyFigure,
    FigureChange,
]

__all__ = [m.__name__ for m in ALL_MODELS] + ["ALL_MODELS", "BaseModel", "as_local", "db", "iso", "local_now", "open_database"]
