"""The weekly work-style bulletin (作风效能建设周通报, 第N期) and the disciplinary
entries it reports (通报, 批评, 诫勉谈话, 处罚).

At 08:30 on the first working day of each week the jobs process drafts the next
issue from the days since the last one: overdue items by unit, send-backs
(退单) and redos (返回重新交办), results residents were unsatisfied with, the
cadres' visits this month, and the disciplinary entries recorded in the period.
The office edits the draft and publishes it.
"""
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

from peewee import IntegrityError, fn

from models import (
    Bulletin,
    Claim,
    DisciplinaryEntry,
    Item,
    Rating,
    StaffUser,
    TimelineEvent,
    Unit,
    as_local,
    iso,
)
from models.routines import DISCIPLINE_KINDS
from pipeline.messages import notify
from pipeline.routines.routine import month_start, once, page_of, weekly_slot
from pipeline.routines.visit_findings import findings_between
from pipeline.routines.visits import REQUIRED_DAYS, compliance
from pipeline.rules.actors import Actor
from pipeline.rules.core import fetch, transaction
from pipeline.rules.errors import Forbidden, Invalid, NotFound, WrongState
from pipeline.rules.overdue import overdue_items
from pipeline.rules.permissions import permitted, require
from pipeline.rules.schemas import limit
from pipeline.rules.states import SCORES
from pipeline.rules.validate import choice, parse_date, required_text
from pipeline.rules.workdays import WorkCalendar
from pipeline.views.lists import page_args
from pipeline.views.stats import verdicts_between


def record_discipline(actor: Actor, *, kind: object, person: object, reason: object, on_date: object = None,
                      unit: object = None, staff: object = None, now: datetime | None = None) -> DisciplinaryEntry:
    """Record a disciplinary entry (通报/批评/诫勉谈话/处罚) for the week's bulletin."""
    now = as_local(now)
    require("discipline.record", actor)
    choice(kind, DISCIPLINE_KINDS, "kind", "处理方式")
    person = required_text(person, "person", "被处理人", limit("record_discipline", "person"))
    reason = required_text(reason, "reason", "事由", limit("record_discipline", "reason"))
    day = parse_date(on_date, "date", now.date())
    if day > now.date():
        raise Invalid("日期不能晚于今天", field="date")
    unit_row = Unit.get_or_none(Unit.id == unit) if unit else None
    staff_row = StaffUser.get_or_none(StaffUser.id == staff) if staff else None
    if (unit and unit_row is None) or (staff and staff_row is None):
        raise Invalid("单位或人员不存在", field="unit" if unit and unit_row is None else "staff")
    with transaction():
        return DisciplinaryEntry.create(kind=kind, person=person, reason=reason, on_date=day, unit=unit_row,
                                        staff=staff_row, recorded_by=actor.staff, created_at=now)


def entry_json(entry: DisciplinaryEntry, units: Mapping[int | None, str] | None = None) -> dict[str, Any]:
    units = units if units is not None else {u.id: u.name for u in Unit.select(Unit.id, Unit.name)}
    return {"id": entry.id, "kind": entry.kind, "label": DISCIPLINE_KINDS[entry.kind], "person": entry.person,
            "unit": units.get(entry.unit_id), "reason": entry.reason, "date": iso(entry.on_date)}


def entries(start: date, end: date) -> list[dict[str, Any]]:
    query = (DisciplinaryEntry.select().where((DisciplinaryEntry.on_date >= start) & (DisciplinaryEntry.on_date <= end))
             .order_by(DisciplinaryEntry.on_date, DisciplinaryEntry.id))
    units = {u.id: u.name for u in Unit.select(Unit.id, Unit.name)}
    return [entry_json(e, units) for e in query]


def year_totals(year: int, until: date | None = None) -> dict[str, Any]:
    """The running total of disciplinary entries in `year` (up to `until`): how many,
    and how many of each kind, counted in SQL."""
    start, end = date(year, 1, 1), min(date(year, 12, 31), until or date(year, 12, 31))
    counts = dict(DisciplinaryEntry.select(DisciplinaryEntry.kind, fn.COUNT(DisciplinaryEntry.id))
                  .where((DisciplinaryEntry.on_date >= start) & (DisciplinaryEntry.on_date <= end))
                  .group_by(DisciplinaryEntry.kind).tuples())
    return {"year": year, "total": sum(counts.values()),
            "kinds": [{"kind": kind, "label": label, "count": counts.get(kind, 0)}
                      for kind, label in DISCIPLINE_KINDS.items()]}


def _lead_units(item_ids: Iterable[int], units: Mapping[int | None, str]) -> dict[tuple[int, int], str | None]:
    """{(item id, round): name of the round's latest lead unit} for these items, in one query."""
    leads: dict[tuple[int, int], str | None] = {}
    for claim in (Claim.select(Claim.item, Claim.round, Claim.unit)
                  .where(Claim.item.in_(list(item_ids)) & (Claim.role == "lead")).order_by(Claim.id)):
        leads[(claim.item_id, claim.round)] = units.get(claim.unit_id)
    return leads


def visits_month(start: date, end: date) -> tuple[date, date]:
    """The visits an issue reports on: the month that ended within its period, whole (the
    first issue of November judges October's visits), else the current month so far."""
    if month_start(start) != month_start(end):
        return month_start(start), month_start(end) - timedelta(days=1)
    return month_start(end), end


def figures(start: date, end: date, today: date) -> dict[str, Any]:
    """What an issue covering [start, end] reports (overdue items as of `today`)."""
    units = {u.id: u.name for u in Unit.select(Unit.id, Unit.name)}
    since, until = datetime.combine(start, time.min), datetime.combine(end + timedelta(days=1), time.min)
    overdue: dict[str, list[str]] = {}
    for item in overdue_items(today):
        name = units.get(item.claimed_unit_id or item.unit_id, "未定单位")
        overdue.setdefault(name, []).append(item.number)
    events = list(TimelineEvent.select(TimelineEvent, Item.id, Item.number).join(Item)
                  .where(TimelineEvent.kind.in_(("return", "reopen")) & (TimelineEvent.at >= since)
                         & (TimelineEvent.at < until)).order_by(TimelineEvent.at, TimelineEvent.id))
    ratings = list(Rating.select(Rating, Item.id, Item.number).join(Item)
                   .where((Rating.score == "unsatisfied") & (Rating.at >= since) & (Rating.at < until))
                   .order_by(Rating.id))
    leads = _lead_units({row.item_id for row in events + ratings}, units)
    staff_units = {s.id: units.get(s.unit_id) for s in StaffUser.select(StaffUser.id, StaffUser.unit)}
    returns: list[dict[str, Any]] = []
    redos: list[dict[str, Any]] = []
    for event in events:
        if event.kind == "return":
            returns.append({"number": event.item.number, "unit": staff_units.get(event.actor_id), "reason": event.note})
        else:
            redos.append({"number": event.item.number, "unit": leads.get((event.item_id, event.round - 1))})
    low = [{"number": r.item.number, "unit": leads.get((r.item_id, r.round)), "score": r.score,
            "label": SCORES[r.score], "source": r.source, "comment": r.comment} for r in ratings]
    month_from, month_to = visits_month(start, end)
    return {
        "overdue": [{"unit": name, "count": len(numbers), "items": numbers}
                    for name, numbers in sorted(overdue.items(), key=lambda pair: (-len(pair[1]), pair[0]))],
        "returns": returns,
        "redos": redos,
        "low_satisfaction": low,
        "verdicts": verdicts_between(start, end),
        "visits": {"from": iso(month_from), "to": iso(month_to), "required_days": REQUIRED_DAYS,
                   "cadres": compliance(month_from, month_to)},
        "discipline": entries(start, end),
        "visit_findings": findings_between(start, end),
    }


def _listing(rows: Sequence[dict[str, Any]], render: Callable[[dict[str, Any]], str], empty: str) -> str:
    return "\n".join(f"  {n}. {render(row)}" for n, row in enumerate(rows, 1)) if rows else f"  {empty}"


def render_body(issue: int, start: date, end: date, content: Mapping[str, Any]) -> str:
    """The draft's text, for the office to edit."""
    visits = content["visits"]
    short = [c for c in visits["cadres"] if not c["met"]]
    return "\n".join([
        "作风效能建设周通报",
        f"第{issue}期",
        f"（{start:%Y年%m月%d日}—{end:%m月%d日}）",
        "",
        "一、超期未办结事项",
        _listing(content["overdue"], lambda r: f"{r['unit']}：{r['count']}件（{'、'.join(r['items'])}）",
                 "无超期未办结事项。"),
        "二、退单和返工",
        _listing(content["returns"], lambda r: f"{r['number']} 被{r['unit'] or '承办单位'}退单：{r['reason'] or ''}",
                 "本期无退单。"),
        _listing(content["redos"], lambda r: f"{r['number']} 群众不满意，返回重新交办（原承办：{r['unit'] or '—'}）",
                 "本期无返工。"),
        "三、群众满意度不高的事项",
        _listing(content["low_satisfaction"],
                 lambda r: f"{r['number']}（{r['unit'] or '—'}）：{r['label']}，{r['comment'] or '无意见'}",
                 "本期无群众不满意的事项。"),
        *_verdict_lines(content.get("verdicts")),
        f"四、干部下社区情况（{visits['from']}至{visits['to']}，每月不少于{REQUIRED_DAYS:g}整天）",
        f"  已达标{len(visits['cadres']) - len(short)}人；未达标{len(short)}人：" +
        ("、".join(f"{c['name']}{c['days']:g}天" for c in short) or "无"),
        "五、作风问题处理",
        _listing(content["discipline"],
                 lambda r: f"{r['label']}：{r['person']}（{r['unit'] or '—'}），{r['reason']}", "本期无。"),
        "六、干部走访抽查结果",
        _listing(content.get("visit_findings", []),
                 lambda r: f"{r['staff']['name']}（{r['month']}走访）：{r['label']}" + (f"，{r['note']}" if r["note"] else ""),
                 "本期无抽查结果。"),
    ])


VERDICT_LABELS = {"residents": "群众评价", "org": "组织评议", "supervisor": "督办评议"}


def _verdict_lines(verdicts: Mapping[str, Any] | None) -> list[str]:
    """本期评议: residents' ratings beside the organisation's and supervisors' evaluations."""
    if not verdicts:  # a draft made before the bulletin counted them
        return []
    parts = [f"{label}{verdicts[kind]['count']}件，满意{verdicts[kind]['satisfied']}件"
             + (f"（{verdicts[kind]['rate']:.0%}）" if verdicts[kind]["rate"] is not None else "")
             for kind, label in VERDICT_LABELS.items()]
    return ["  本期评议：" + "；".join(parts) + "。"]


def _period(monday: date) -> tuple[date, date]:
    last = Bulletin.select().order_by(Bulletin.period_to.desc()).first()
    start = monday - timedelta(days=7)
    if last is not None and last.period_to < start:
        start = last.period_to + timedelta(days=1)  # weeks without an issue go in this one
    return start, monday - timedelta(days=1)


def draft_weekly(now: datetime, calendar: WorkCalendar | None = None) -> Bulletin | None:
    """The job: draft this week's issue at 08:30 on its first working day, once.
    Returns the new Bulletin, or None if not due or already drafted."""
    calendar = calendar or WorkCalendar()
    slot = weekly_slot(now, calendar)
    if slot is None or Bulletin.select().where(Bulletin.week_start == slot[0]).exists():
        return None
    monday = slot[0]
    start, end = _period(monday)
    content = figures(start, end, now.date())
    with transaction():
        if not once(f"bulletin:{monday.isoformat()}", now):
            return None
        issue = (Bulletin.select(fn.MAX(Bulletin.issue)).scalar() or 0) + 1
        bulletin = Bulletin.create(issue=issue, week_start=monday, period_from=start, period_to=end,
                                   title=f"作风效能建设周通报（第{issue}期）", body=render_body(issue, start, end, content),
                                   content=content, created_at=now, updated_at=now)
        fields = notify.notice_fields(f"第{issue}期", "作风效能建设周通报草稿", "待审核", "请审核修改后发布", now)
        notify.staff_notice(notify.staff_with_role("office"), "bulletin_draft", "task", fields, now,
                            f"bulletin-draft:{monday.isoformat()}")
    return bulletin


def get(bulletin_id: object) -> Bulletin:
    return fetch(Bulletin, bulletin_id, "周通报不存在")


def _edits(actor: Actor) -> bool:
    """Only the office drafts, edits and publishes issues — and so only it sees drafts."""
    return permitted("bulletins.edit", actor)


def readable(bulletin_id: int, actor: Actor) -> Bulletin:
    """The issue if `actor` may read it: a draft is, to anyone but the office, not found."""
    bulletin = get(bulletin_id)
    if bulletin.status != "published" and not _edits(actor):
        raise NotFound("周通报不存在", code="not_found")
    return bulletin


def _editor(actor: Actor) -> None:
    if not _edits(actor):
        raise Forbidden("只有活动办可以编辑和发布周通报", code="forbidden")


def edit(bulletin: Bulletin, actor: Actor, *, title: object = None, body: object = None, issue: object = None,
         now: datetime | None = None) -> Bulletin:
    """The office edits a draft: its title, text or number (第N期)."""
    now = as_local(now)
    _editor(actor)
    changes: dict[str, Any] = {"updated_at": now}
    if title is not None:
        changes["title"] = required_text(title, "title", "标题", limit("edit_bulletin", "title"))
    if body is not None:
        changes["body"] = required_text(body, "body", "正文", limit("edit_bulletin", "body"))
    if issue is not None:
        if isinstance(issue, bool) or not isinstance(issue, int) or not 1 <= issue <= 100000:
            raise Invalid("期号应为正整数", field="issue")
        changes["issue"] = issue
    try:
        with transaction():
            updated = (Bulletin.update(**changes)
                       .where((Bulletin.id == bulletin.id) & (Bulletin.status == "draft")).execute())
    except IntegrityError:
        raise WrongState("该期号已被使用", code="issue_taken") from None
    if not updated:
        raise WrongState("周通报已发布，不能再修改", code="wrong_state")
    return get(bulletin.id)


def publish(bulletin: Bulletin, actor: Actor, now: datetime | None = None) -> Bulletin:
    """The office publishes an issue; every bound staff member is told."""
    now = as_local(now)
    _editor(actor)
    with transaction():
        updated = (Bulletin.update(status="published", published_at=now, published_by=actor.staff, updated_at=now)
                   .where((Bulletin.id == bulletin.id) & (Bulletin.status == "draft")).execute())
        if not updated:
            raise WrongState("周通报已发布", code="wrong_state")
        fields = notify.notice_fields(f"第{bulletin.issue}期", bulletin.title, "已发布",
                                      f"{bulletin.period_from:%m月%d日}至{bulletin.period_to:%m月%d日}", now)
        staff = list(StaffUser.select().where(StaffUser.active & StaffUser.openid.is_null(False)))
        notify.staff_notice(staff, "bulletin", "task", fields, now, f"bulletin:{bulletin.id}")
    return get(bulletin.id)


def bulletin_json(bulletin: Bulletin, full: bool = True) -> dict[str, Any]:
    view = {"id": bulletin.id, "issue": bulletin.issue, "title": bulletin.title, "status": bulletin.status,
            "period_from": iso(bulletin.period_from), "period_to": iso(bulletin.period_to),
            "created_at": iso(bulletin.created_at), "published_at": iso(bulletin.published_at)}
    if full:
        view.update(body=bulletin.body, content=bulletin.content)
    return view


def listing(actor: Actor, page: object = 1, per_page: object = 20) -> dict[str, Any]:
    """Issues, newest first: drafts only for the office."""
    page, per_page = page_args(page, per_page)
    query = Bulletin.select().order_by(Bulletin.issue.desc())
    if not _edits(actor):
        query = query.where(Bulletin.status == "published")
    return page_of(query, page, per_page, lambda b: bulletin_json(b, full=False))
