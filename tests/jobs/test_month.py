"""A simulated month, `now` moving in half-hour steps (hourly at night) with the
jobs run at each step: each reminder, chase, digest, follow-up, bulletin and check appears exactly
once, at its working-day time — across the 2026 National Day holiday (with its
Saturday working day) and into 2027, where chinese-calendar has no data and the
office's own table marks New Year's Day."""
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta

import jobs
import models
from pipeline.accounts.people import resident_for_openid
from pipeline.routines import bulletins, visits
from pipeline.steps import chasing, handling, judging

from jobs_support import outbox

# The token refresher and the media download live in wall-clock time, not in the simulated month.
SIMULATED = [job.name for job in jobs.JOBS if job.name not in ("refresh_tokens", "fetch_media")]


def step(moment):
    """Half-hourly through the day, hourly at night."""
    return timedelta(minutes=30 if 7 <= moment.hour < 20 else 60)


def simulate(run, start, end, actions):
    """Step from `start` to `end`; at each step do that moment's actions, then run the jobs."""
    moment = start
    while moment <= end:
        for action in actions.get(moment, ()):
            action(moment)
        results = run(moment, only=SIMULATED)
        assert "error" not in results.values()
        moment += step(moment)


def fired():
    """{(item number, event kind): [times]} for everything the jobs wrote on timelines."""
    seen = defaultdict(list)
    query = (models.TimelineEvent.select(models.TimelineEvent, models.Item.number).join(models.Item)
             .where(models.TimelineEvent.actor_kind == "system").order_by(models.TimelineEvent.at))
    for event in query:
        kind = (event.data or {}).get("kind", event.kind) if event.kind == "reminder" else event.kind
        seen[(event.item.number, kind)].append(event.at)
    return dict(seen)


def pushed(kind):
    """{time queued: sorted recipients} for outbox rows of `kind`."""
    seen = defaultdict(list)
    for row in outbox(kind=kind):
        seen[row.created_at].append(row.staff.username if row.staff_id else row.resident.openid)
    return {moment: sorted(names) for moment, names in seen.items()}


def everything_sent_once(fake):
    rows = outbox()
    assert rows and all(r.status == "sent" and r.attempts == 1 for r in rows)
    sends = Counter((c["json"]["touser"], str(c["json"]["data"])) for c in fake.sends())
    assert sum(sends.values()) == len(rows) and set(sends.values()) == {1}


def test_a_month_across_the_national_day_holiday(app, world, loop, run, wechat_api):
    at = datetime
    for n in range(3):
        resident_for_openid(f"oa-neighbour-{n}", source="oa")
    models.Resident.update(community="全椒路社区").where(models.Resident.openid.startswith("oa-neighbour")).execute()
    models.Badge.create(number="DB-TEST-2", token="badge-token-li", kind="resident", name="李师傅",
                        valid_until=date(2026, 10, 9), resident=world.residents["li"])
    assert visits.monthly_check(at(2026, 9, 1, 9)).month == "2026-08"  # done before the simulated month
    items = {}

    def keep(name, item):
        items[name] = item

    actions = {
        # I1: housing, 10 working days from Wed 23 Sep: 24, 28, 29, 30 Sep (25 is Mid-autumn),
        # 8, 9, 10 (a Saturday working day), 12, 13, 14 Oct → due Wed 14 Oct.
        at(2026, 9, 23, 10): [lambda t: keep("i1", loop.claimed(t))],
        at(2026, 9, 28, 9): [lambda t: keep("i3", loop.claimed(t))],
        at(2026, 9, 28, 10): [lambda t: keep("i4", loop.claimed(t, category="property", wide_concern=True))],
        at(2026, 9, 29, 16): [lambda t: loop.resolve(items["i3"], t)],
        # I2: 3 working days from Wed 30 Sep → Sat 10 Oct; nobody claims it for a working day.
        at(2026, 9, 30, 15): [lambda t: keep("i2", loop.classified(t, category="market_environment", unit="shirong"))],
        at(2026, 9, 22, 9): [lambda t: visits.record_visit(world.actor("leader"), community="全椒路社区",
                                                           visit_date=t.date(), days=1, content="走访老旧小区", now=t),
                             lambda t: visits.record_visit(world.actor("office"), community="全椒路社区",
                                                           visit_date=t.date(), days=0.5, content="座谈", now=t)],
        at(2026, 9, 24, 9): [lambda t: visits.record_visit(world.actor("leader"), community="全椒路社区",
                                                           visit_date=t.date(), days=1, content="入户走访", now=t)],
        at(2026, 10, 8, 10): [lambda t: loop.resolve(items["i4"], t)],
        at(2026, 10, 9, 10): [lambda t: loop.claim(items["i2"], t, unit="shirong")],
        at(2026, 10, 9, 11): [lambda t: judging.rate(items["i4"], world.actor("zhang"), "satisfied", now=t)],
        at(2026, 10, 13, 10): [lambda t: keep("i5", loop.classified(t, unit="shirong")),
                               lambda t: bulletins.record_discipline(world.actor("office"), kind="criticism",
                                                                     person="赵磊", unit=world.units["shirong"].id,
                                                                     reason="超期未办结", now=t)],
        at(2026, 10, 13, 11): [lambda t: handling.return_to_office(items["i5"], world.actor("shirong"),
                                                                   reason="不属于本单位职责", now=t)],
        at(2026, 10, 15, 12): [lambda t: loop.resolve(items["i2"], t, unit="shirong")],
    }
    simulate(run, at(2026, 9, 21, 8), at(2026, 10, 23, 18), actions)
    n = {name: item.number for name, item in items.items()}

    assert fired() == {
        (n["i1"], "half_time"): [at(2026, 10, 8, 9)],  # half of the time fell in the holiday
        (n["i1"], "day_before"): [at(2026, 10, 13, 9)],
        (n["i1"], "overdue"): [at(2026, 10, 15, 9)],
        (n["i3"], "rate_reminder"): [at(2026, 10, 2, 16)],  # residents' days are calendar days
        (n["i3"], "callback_listed"): [at(2026, 10, 6, 16)],
        (n["i4"], "half_time"): [at(2026, 10, 8, 9)],
        (n["i4"], "publish"): [at(2026, 10, 8, 10)],  # a wide-concern result is announced once resolved
        (n["i2"], "half_time"): [at(2026, 10, 8, 9)],
        (n["i2"], "unclaimed"): [at(2026, 10, 8, 15)],  # one working day after 30 Sep 15:00
        (n["i2"], "day_before"): [at(2026, 10, 9, 9)],  # before the Saturday it is due
        (n["i2"], "overdue"): [at(2026, 10, 12, 9)],  # Sunday is no working day
        (n["i2"], "rate_reminder"): [at(2026, 10, 18, 12)],
        (n["i2"], "callback_listed"): [at(2026, 10, 22, 12)],
    }
    assert pushed("overdue") == {at(2026, 10, 12, 9): ["duban", "leader", "office", "shirong"],
                                 at(2026, 10, 15, 9): ["duban", "jianshe", "leader", "office"]}
    digest_days = [date(2026, 10, d) for d in (12, 13, 14, 15, 16, 19, 20, 21, 22, 23)]
    assert pushed("digest") == {datetime.combine(d, at(1, 1, 1, 9).time()): ["leader", "office"] for d in digest_days}
    totals = {d: models.RoutineMark.get(key=f"digest:{d}").data["total"] for d in digest_days}
    assert totals == {d: 2 if d.day == 15 else 1 for d in digest_days}
    assert pushed("unclaimed") == {at(2026, 10, 8, 15): ["office", "shirong"]}
    # Announced once resolved; the office is asked to hold the 群众评议会 that alone closes it.
    assert pushed("published") == {at(2026, 10, 8, 10): ["oa-neighbour-0", "oa-neighbour-1", "oa-neighbour-2", "office"]}
    assert pushed("badge_expiry") == {at(2026, 10, 8, 9): ["oa-openid-li"]}  # the 2nd–7th are holidays
    assert [i.number for i in chasing.callback_list()] == [n["i3"], n["i2"]]

    issues = list(models.Bulletin.select().order_by(models.Bulletin.issue))
    assert [(b.issue, b.created_at, b.period_from, b.period_to) for b in issues] == [
        (1, at(2026, 9, 21, 8, 30), date(2026, 9, 14), date(2026, 9, 20)),
        (2, at(2026, 9, 28, 8, 30), date(2026, 9, 21), date(2026, 9, 27)),
        (3, at(2026, 10, 8, 8, 30), date(2026, 9, 28), date(2026, 10, 4)),  # Monday the 5th is a holiday
        (4, at(2026, 10, 12, 8, 30), date(2026, 10, 5), date(2026, 10, 11)),
        (5, at(2026, 10, 19, 8, 30), date(2026, 10, 12), date(2026, 10, 18)),
    ]
    assert issues[3].content["overdue"] == [{"unit": "市容办", "count": 1, "items": [n["i2"]]}]
    fifth = issues[4].content
    assert fifth["overdue"] == [{"unit": "建设办", "count": 1, "items": [n["i1"]]}]
    assert fifth["returns"] == [{"number": n["i5"], "unit": "市容办", "reason": "不属于本单位职责"}]
    assert [(e["label"], e["person"]) for e in fifth["discipline"]] == [("批评", "赵磊")]
    assert "第5期" in issues[4].body and "批评：赵磊（市容办），超期未办结" in issues[4].body

    check = models.VisitCheck.get(month="2026-09")
    assert check.created_at == at(2026, 10, 8, 9)  # 1–7 October are holidays
    days = {row["name"]: row["days"] for row in check.results}
    assert days["陈建国"] == 2.0 and days["李敏"] == 0.0  # half a day is not a whole day (每月不少于2整天)
    assert "陈建国" not in {row["name"] for row in check.shortfall} and "李敏" in {r["name"] for r in check.shortfall}
    assert len(check.sample) == 3 and check.sample == visits.draw_sample(
        [v.id for v in models.Visit.select()], check.seed, 3)
    assert pushed("visit_check") == {at(2026, 9, 1, 9): ["dangzheng"], at(2026, 10, 8, 9): ["dangzheng"]}
    everything_sent_once(wechat_api)


def test_into_2027_where_only_the_offices_table_knows_the_holidays(app, world, loop, run, wechat_api):
    at = datetime
    models.CalendarDay.create(day=date(2027, 1, 1), is_workday=False, note="元旦")
    assert visits.monthly_check(at(2026, 12, 1, 9)).month == "2026-11"  # done before the simulated weeks
    items = {}
    actions = {
        # culture_sports, 10 working days from Mon 28 Dec: 29–31 Dec, 4–8 Jan, 11–12 Jan (1 Jan is off).
        at(2026, 12, 28, 10): [lambda t: items.setdefault("j1", loop.claimed(t, category="culture_sports"))],
    }
    simulate(run, at(2026, 12, 28, 8), at(2027, 1, 15, 18), actions)
    number = items["j1"].number
    assert items["j1"].due == date(2027, 1, 12)
    assert fired() == {
        (number, "half_time"): [at(2027, 1, 5, 9)],  # half falls at 05:00 on the 5th
        (number, "day_before"): [at(2027, 1, 11, 9)],
        (number, "overdue"): [at(2027, 1, 13, 9)],
    }
    assert sorted(pushed("digest")) == [at(2027, 1, d, 9) for d in (13, 14, 15)]
    assert [b.created_at for b in models.Bulletin.select().order_by(models.Bulletin.issue)] == [
        at(2026, 12, 28, 8, 30), at(2027, 1, 4, 8, 30), at(2027, 1, 11, 8, 30)]
    checks = [(c.month, c.created_at) for c in models.VisitCheck.select().order_by(models.VisitCheck.month)]
    assert checks == [("2026-11", at(2026, 12, 1, 9)), ("2026-12", at(2027, 1, 4, 9))]  # 1–3 Jan are off
    everything_sent_once(wechat_api)
