"""Steps 1 and 2: collect opinions (意见收集), classify and fill the assignment
sheet (梳理分类 / 交办单), merge duplicates, reject what is out of scope."""
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta

from peewee import Model, ModelSelect

from models import Category, Item, Photo, Resident, StaffUser, Unit, as_local, db
from models.base import PreparedInsert, is_postgres
from pipeline.messages import notify
from pipeline.office.catalog import conduct_category
from pipeline.office.communities import community_for_report, known_community, nearest_community
from pipeline.rules.actors import Actor
from pipeline.rules.core import Operation, operation
from pipeline.rules.errors import Invalid, NotFound, TooMany
from pipeline.rules.numbering import next_number
from pipeline.rules.offices import intake_office_id
from pipeline.rules.schemas import limit
from pipeline.rules.states import CHANNELS, COLLECTED, OFFLINE_CHANNELS, TIERS
from pipeline.rules.validate import choice, optional_text, parse_date, required_text
from pipeline.rules.workdays import WorkCalendar
from pipeline.steps import milestones as timetables
from pipeline.steps import reminders, supervising

MAX_PHOTOS = 9
# Every report runs this insert: its SQL is built once (see PreparedInsert).
ITEM_INSERT = PreparedInsert(Item, "number", "status", "round", "content", "channel", "reporter", "reporter_name",
                             "reporter_phone", "anonymous", "community", "address", "lat", "lng",
                             "suggested_category", "collected_by", "wide_concern", "escalated", "created_at",
                             "updated_at", "office")
LONG_TERM_EXPLANATION_DAYS = 20
CHAT_REPORTS_PER_DAY = 20
RESEND_WINDOW = timedelta(minutes=10)
# Asked before every chat report, so the statement is written by hand rather than built by the ORM.
_TODAYS_CHAT_REPORTS = ('SELECT count(*), max(CASE WHEN "content" = {m} AND "created_at" >= {m} THEN "number" END) '
                        'FROM "{t}" WHERE "reporter_id" = {m} AND "created_at" >= {m} AND "channel" = \'wechat\'')


def _attach_photos(item: Item, actor: Actor, photo_ids: Iterable[int | str] | None, kind: str) -> list[Photo]:
    """Attach the actor's own unattached uploads to the item."""
    ids = list(dict.fromkeys(int(i) for i in (photo_ids or [])))
    if not ids:
        return []
    if len(ids) > MAX_PHOTOS:
        raise Invalid(f"最多上传{MAX_PHOTOS}张照片", field="photos")
    owner = Photo.uploader_resident == actor.id if actor.kind == "resident" else Photo.uploader_staff == actor.id
    photos = list(Photo.select().where(Photo.id.in_(ids) & owner & Photo.item.is_null()))
    if len(photos) != len(ids):
        raise Invalid("照片不存在或已被使用，请重新上传", field="photos")
    Photo.update(item=item, kind=kind).where(Photo.id.in_(ids)).execute()
    return photos


def subcategory(code: object, field: str = "category") -> Category:
    category = Category.get_or_none((Category.code == code) & Category.active)
    if category is None or category.parent_id is None or not category.parent.active:
        raise Invalid("分类不存在，请选择一个子项", field=field)
    return category


def collect(actor: Actor, content: object, channel: object, *, category: object = None, community: object = None,
            address: object = None, lat: object = None, lng: object = None, photo_ids: Iterable[int | str] = (),
            anonymous: object = False, reporter_name: object = None, reporter_phone: object = None,
            conduct: object = False, collector: StaffUser | None = None,
            then: Callable[[Operation], object] | None = None, now: datetime | None = None) -> Item:
    """Step 1: create an item from any channel; the reporter gets its number.

    Any cadre may record what they heard: the item keeps who collected it (the
    acting staff member, or the `collector` the caller names — the cadre whose
    visit it was). `then` continues the same operation, in its transaction, once
    the item and its `collect` event exist (the on-the-spot path, an opinion's link
    to its visit or gathering).

    Its community is the one given (from the office's list), else the resident's
    own, else the one nearest to the place sent (`community_for_report`).

    `conduct`: the reporter says it is about officials' conduct (作风); it then
    suggests the 作风 category, so it stays private after classification unless
    the office decides otherwise.
    """
    now = as_local(now)
    choice(channel, CHANNELS, "channel", "渠道")
    if actor.kind == "resident" and channel in OFFLINE_CHANNELS:
        raise Invalid("群众只能通过微信或小程序反映", field="channel")
    if actor.kind == "staff" and channel not in OFFLINE_CHANNELS:
        raise Invalid("工作人员录入请选择线下渠道", field="channel")
    content = required_text(content, "content", "问题描述", max_length=limit("collect", "content"))
    suggested = subcategory(category) if category else None
    if conduct and (suggested is None or _root_public(suggested)):
        suggested = conduct_category()
    latitude = longitude = None
    if lat is not None or lng is not None:
        latitude, longitude = _check_coordinates(lat, lng)
    fields = dict(
        status=COLLECTED, round=1, content=content, channel=channel,
        reporter=actor.resident.id if actor.resident else None,
        reporter_name=optional_text(reporter_name, "reporter_name", "姓名", limit("collect", "reporter_name")),
        reporter_phone=optional_text(reporter_phone, "reporter_phone", "电话", limit("collect", "reporter_phone")),
        anonymous=bool(anonymous), community=community_for_report(actor, community, latitude, longitude),
        address=optional_text(address, "address", "地址", limit("collect", "address")), lat=latitude, lng=longitude,
        suggested_category=suggested.id if suggested else None,
        collected_by=collector.id if collector else actor.id if actor.kind == "staff" else None,
        wide_concern=False, escalated=False, created_at=now, updated_at=now,
    )
    with operation(None, "collect", actor, now) as op:
        fields["office"] = intake_office_id(fields["community"], fields["collected_by"])
        fields["number"] = next_number(now.date())
        item = op.created(Item(id=ITEM_INSERT.execute(**fields), **fields))
        _attach_photos(item, actor, photo_ids, "report")
        event = op.record(data={"channel": channel}, to_status=COLLECTED)
        if channel != "wechat":
            # A chat report is acknowledged by the passive reply that carries its number.
            notify.to_resident(actor.resident, "received", "received", item, "已受理，将尽快分类交办", now,
                               f"collect:{item.number}:{event.id}")
        if then is not None:
            then(op)
    return op.item


def _root_public(category: Category) -> bool:
    return (category.parent if category.parent_id else category).public


def earlier_chat_report(actor: Actor, content: str | None, now: datetime | None = None) -> str | None:
    """Before a chat report: the number the same text from this resident got in the last
    10 minutes (people re-send when a reply seems slow), or None.

    Raises TooMany once the resident has reported CHAT_REPORTS_PER_DAY problems
    by chat today: one account can't flood the office's triage list.
    """
    now = as_local(now)
    if actor.resident is None:
        return None
    stamp = "%Y-%m-%d %H:%M:%S"
    sql = _TODAYS_CHAT_REPORTS.format(t=Item._meta.table_name, m=db.param)
    count, number = db.execute_sql(sql, ((content or "").strip(), (now - RESEND_WINDOW).strftime(stamp),
                                         actor.resident.id, now.strftime("%Y-%m-%d 00:00:00"))).fetchone()
    if number is not None:
        return number
    if count >= CHAT_REPORTS_PER_DAY:
        raise TooMany(f"您今天已通过公众号反映了{count}件问题，今天不能再登记新的问题了。"
                      "已登记的问题我们会尽快处理；如情况紧急，请直接联系社区或街道。", code="daily_limit")
    return None


def _check_coordinates(lat: object, lng: object) -> tuple[float, float]:
    """(lat, lng) as numbers, or Invalid."""
    try:
        if isinstance(lat, int | float | str) and isinstance(lng, int | float | str):
            latitude, longitude = float(lat), float(lng)
            if -90 <= latitude <= 90 and -180 <= longitude <= 180:
                return latitude, longitude
    except ValueError:
        pass
    raise Invalid("位置坐标无效", field="lat")


def add_report_detail(item: Item, actor: Actor, *, text: str | None = None, media_id: str | None = None,
                      media_kind: str = "image", lat: object = None, lng: object = None, label: str | None = None,
                      now: datetime | None = None) -> Item:
    """Attach a photo, voice or place sent by chat within 30 minutes of the report."""
    now = as_local(now)
    with operation(item, "detail", actor, now) as op:
        item = op.item
        changes = {}
        data = {"media_kind": media_kind}
        if text:
            changes["content"] = (item.content + "\n[语音] " + text.strip())[:4000]
        if lat is not None and lng is not None:
            latitude, longitude = _check_coordinates(lat, lng)
            changes.update(lat=latitude, lng=longitude)
            if item.community is None:
                changes["community"] = nearest_community(latitude, longitude)
            if label:
                changes["address"] = label[:255]
        if media_id:
            Photo.create(item=item, kind="voice" if media_kind == "voice" else "report", media_id=media_id,
                         uploader_resident=actor.resident, created_at=now)
        if changes:
            op.update(**changes)
        op.record(note=label or text, data=data)
    return item


def answer_community(item: Item, actor: Actor, community: object, now: datetime | None = None) -> Item:
    """The reporter names their community after a report (the official account asked
    with a numbered list): it becomes theirs (as PATCH /me sets it) and the report's,
    should the report have none, in one transaction with a 补充材料 event."""
    now = as_local(now)
    name = known_community(community)
    if name is None:
        raise Invalid("请选择社区", field="community")
    with operation(item, "detail", actor, now) as op:
        Resident.update(community=name).where(Resident.id == actor.id).execute()
        if actor.resident is not None:
            actor.resident.community = name
        if op.item.community is None:
            op.update(community=name)
        op.record(note=f"所在社区：{name}", data={"media_kind": "community"})
    return op.item


def default_due(tier: str, category: Category, now: datetime, calendar: WorkCalendar | None = None) -> date:
    """The deadline a tier gives by default at `now`: the same working day (the next
    one after office hours) / N working days / the explanation window."""
    calendar = calendar or WorkCalendar()
    today = now.date()
    if tier == "on_spot":
        return calendar.same_day(now)
    if tier == "long_term":
        return calendar.add_workdays(today, LONG_TERM_EXPLANATION_DAYS)
    return calendar.add_workdays(today, max(category.limit_days, 1))


def parse_due(value: object, today: date, field: str = "due", calendar: WorkCalendar | None = None) -> date | None:
    """A deadline the office gave (a date, or "YYYY-MM-DD"), or None when absent. It
    may not lie before today and must be a working day (the message names the next one)."""
    if value in (None, ""):
        return None
    due = parse_date(value if isinstance(value, date) else str(value)[:10], field)
    if due < today:
        raise Invalid("办结时限不能早于今天", field=field)
    calendar = calendar or WorkCalendar()
    if not calendar.is_workday(due):
        raise Invalid(f"办结时限{due:%m月%d日}不是工作日，可改为{calendar.next_workday(due):%m月%d日}",
                      code="not_workday", field=field)
    return due


def classify(item: Item, actor: Actor, *, category: object, leader: object, tier: object, roadmap: object,
             unit: object = None, due: object = None, wide_concern: object = False, community: object = None,
             milestones: object = None, supervisors: object = None, now: datetime | None = None) -> Item:
    """Step 2: fill the assignment sheet; the item goes on the public claim board.

    With a unit, that unit leads it (others may assist); without one, any unit may
    claim it — except a 作风 item, which goes only to the unit the office names.
    `milestones` ([{date, text}]) replace the sheet's timetable (时间表, the unit is
    reminded the working day before each); `supervisors` (cadre ids) are assigned
    to supervise it.
    """
    now = as_local(now)
    category = subcategory(category)
    leader_id = _int(leader, "leader")
    unit_id = _int(unit, "unit") if unit not in (None, "") else None
    if unit_id is None and not _root_public(category):
        raise Invalid("作风类问题不上公开领办栏，请指定责任单位", field="unit")
    tier = choice(tier, TIERS, "tier", "办理时限类型")
    community = known_community(community)
    roadmap = required_text(roadmap, "roadmap", "路线图", max_length=limit("classify", "roadmap"))
    calendar = WorkCalendar()
    due_date = parse_due(due, now.date(), calendar=calendar) or default_due(tier, category, now, calendar)
    timetable = timetables.parse(milestones, now.date(), calendar)
    cadres = supervising.cadres(supervisors)
    with operation(item, "classify", actor, now, unit=unit_id, leader=leader_id, community=community) as op:
        item = op.item
        escalating = tier == "escalated" and not item.escalated
        leader_user = _shared(StaffUser.select().where((StaffUser.id == leader_id) & (StaffUser.role == "leader")
                                                       & StaffUser.active))
        if leader_user is None:
            raise Invalid("负责领导不存在", field="leader")
        unit_row = active_unit(unit_id)
        if unit_id is not None and unit_row is None:
            raise Invalid("责任单位不存在", field="unit")
        # The office sets the community, or corrects the one the report took.
        where = {"community": community} if community is not None else {}
        event = op.transition(
            note=roadmap,
            data={"category": category.code, "unit": unit_row.name if unit_row else None, "tier": tier,
                  "due": due_date.isoformat(), **where},
            category=category, leader=leader_user, unit=unit_row, tier=tier, due=due_date, roadmap=roadmap,
            wide_concern=bool(wide_concern), classified_at=now, escalated=(tier == "escalated"), **where,
        )
        if escalating:
            # 上报会诊 decided on the sheet: the timeline says so as when a unit reports up.
            op.record("escalate", note="交办时确定上报会诊", data={"at": "classify"})
        reminders.schedule_unclaimed(item, now, calendar)
        reminders.schedule_deadline(item, now, calendar)
        if timetable is not None:
            timetables.replace(item, timetable, now, calendar)
        key = f"classify:{item.number}:{event.id}"
        supervising.assign(op, cadres, key)
        if escalating:
            notify.to_staff(notify.leader_of(item) + notify.office_staff(item, "office"), "escalated", "task", item,
                            "交办时确定上报会诊，请组织会诊", now, f"{key}:escalate")
        note = (f"已交办{unit_row.name}，" if unit_row else "已上公开领办栏，") + f"{due_date:%m月%d日}前办结"
        notify.residents_concerned(item, "classified", "progress", note, now, key)
        notify.to_staff(notify.staff_of_unit(unit_id) + [leader_user], "classified", "task", item,
                        f"待领办，时限{due_date:%m-%d}", now, key)
    return item


def _shared(query: ModelSelect) -> Model | None:
    """The first row, share-locked on PostgreSQL until the operation commits: the
    leader or unit it names can't be deactivated under it."""
    return (query.for_update("FOR SHARE") if is_postgres() else query).first()


def active_unit(unit_id: int | str | None) -> Unit | None:
    """The active unit with this id, read under the operation's lock."""
    return _shared(Unit.select().where((Unit.id == unit_id) & Unit.active)) if unit_id else None


def _int(value: object, field: str) -> int:
    try:
        if isinstance(value, int | float | str):
            return int(value)
    except (TypeError, ValueError):
        pass
    raise Invalid("编号无效", field=field)


def merge(item: Item, actor: Actor, *, into: object, now: datetime | None = None) -> Item:
    """Fold a duplicate into another open item; its reporters follow the target."""
    now = as_local(now)
    target = Item.get_or_none(Item.number == str(into or ""))
    if target is None:
        raise NotFound("合并目标事项不存在", code="not_found")
    # The target's status is checked (guard open_target) once both items are locked.
    with operation(item, "merge", actor, now, other=target) as op:
        item, target = op.item, op.other
        assert target is not None, "operation() locks the `other` it is given"
        event = op.transition(note=f"合并至{target.number}", data={"into": target.number}, merged_into=target)
        op.record("merged_in", note=f"合并来件{item.number}", data={"from": item.number}, item=target)
        key = f"merge:{item.number}:{event.id}"
        notify.residents_concerned(item, "merged", "progress", f"已与{target.number}合并办理", now, key)
    return item


def reject(item: Item, actor: Actor, *, reason: object, now: datetime | None = None) -> Item:
    """Out of scope (不予受理): the reason goes to the reporter."""
    now = as_local(now)
    reason = required_text(reason, "reason", "不予受理理由", max_length=limit("reject", "reason"))
    with operation(item, "reject", actor, now) as op:
        item = op.item
        event = op.transition(note=reason, reject_reason=reason)
        notify.residents_concerned(item, "rejected", "result", f"不予受理：{reason}", now,
                                   f"reject:{item.number}:{event.id}")
    return item
