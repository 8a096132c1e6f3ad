"""The assessment's figures kept per collection day equal the live count exactly, and
stay equal as operations change items after a read, as days pass (overdue), when a
community is renamed, after the nightly recount and after the migration that
introduced them."""
from datetime import date, datetime, timedelta

import pytest

import models
from jobs.routines import recount_figures
from models.migrations import _daily_figures
from pipeline.office.communities import update_community
from pipeline.rules.overdue import is_overdue
from pipeline.steps import handling, intake, judging, oversight
from pipeline.views import figures, measures, stats

DAY = timedelta(days=1)
PERIODS = [(date(2026, 11, 1), date(2026, 11, 30)), (date(2026, 11, 9), date(2026, 11, 16)),
           (date(2026, 11, 2), date(2026, 11, 2)), (date(2026, 10, 1), date(2026, 12, 31)),
           (date(2026, 11, 17), date(2026, 11, 22)), (date(2026, 11, 24), date(2026, 11, 30))]
TODAYS = [date(2026, 11, 10), date(2026, 11, 23), date(2026, 12, 15)]


class Office:
    """The office and the units working items at chosen times, through the operations."""

    def __init__(self, world):
        self.world = world

    def actor(self, name):
        return self.world.actor(name)

    def collect(self, at, reporter="zhang", community="全椒路社区", **kwargs):
        return intake.collect(self.actor(reporter), "小区路灯坏了，晚上很黑", "wechat", community=community, now=at,
                              **kwargs)

    def classify(self, item, at, unit="jianshe", category="housing", due=None, wide_concern=False,
                 community=None):
        unit_id = self.world.units[unit].id if unit else None
        return intake.classify(item, self.actor("office"), category=category, leader=self.world.staff["leader"].id,
                               unit=unit_id, tier="limited", roadmap="按路线图办理", due=due,
                               wide_concern=wide_concern, community=community, now=at)

    def claim(self, item, at, unit="jianshe"):
        return handling.claim(item, self.actor(unit), now=at)

    def resolve(self, item, at, unit="jianshe"):
        return handling.resolve(item, self.actor(unit), result="已修复并验收", now=at)


@pytest.fixture
def office(world):
    return Office(world)


@pytest.fixture
def varied(world, office):
    """Items of every measure, collected on several days, for several units, categories
    and communities, each worked on later days as an office would."""
    o = office
    monday, ninth, sixteenth, twentieth = (datetime(2026, 11, d, 9, 30) for d in (2, 9, 16, 20))
    made = {}
    # 2 Nov: one closed and satisfied in time; one resolved late, rated unsatisfied and
    # redone by another unit; one left claimed past its due date; one rejected; one merged.
    closed = o.resolve(o.claim(o.classify(o.collect(monday), monday), monday + DAY), monday + 2 * DAY)
    made["closed"] = judging.rate(closed, o.actor("zhang"), "satisfied", now=monday + 3 * DAY)
    late = o.resolve(o.claim(o.classify(o.collect(monday, reporter="li"), monday, due="2026-11-04"),
                             monday + DAY), monday + 5 * DAY)
    late = judging.rate(late, o.actor("li"), "unsatisfied", "还是不亮", now=monday + 6 * DAY)
    late = o.classify(late, monday + 7 * DAY, unit="shirong", category="market_environment")
    made["redone"] = o.claim(late, monday + 7 * DAY, unit="shirong")
    made["stuck"] = o.claim(o.classify(o.collect(monday, community="安居苑社区"), monday, due="2026-11-12"),
                            monday + DAY)
    made["rejected"] = intake.reject(o.collect(monday), o.actor("office"), reason="不属于受理范围", now=monday)
    duplicate = o.collect(monday, reporter="mp")
    made["merged"] = intake.merge(duplicate, o.actor("office"), into=made["stuck"].number, now=monday + DAY)
    # 9 Nov: sent back, then claimed from the board by another unit; rated by call-back;
    # evaluated twice by the organisation and once by a supervisor.
    sent = o.classify(o.collect(ninth, community="安居苑社区"), ninth, category="market_environment")
    sent = handling.return_to_office(sent, o.actor("jianshe"), reason="不属于本单位", now=ninth + DAY)
    sent = o.resolve(o.claim(o.classify(sent, ninth + DAY, unit=None, category="market_environment"),
                             ninth + 2 * DAY, unit="shirong"), ninth + 3 * DAY, unit="shirong")
    sent = judging.callback(sent, o.actor("office"), score="basically_satisfied", comment="电话回访，基本满意",
                            now=ninth + 4 * DAY)
    oversight.evaluate(sent, o.actor("office"), kind="org", score="unsatisfied", now=ninth + 4 * DAY)
    oversight.evaluate(sent, o.actor("leader"), kind="org", score="satisfied", now=ninth + 5 * DAY)
    made["sent_back"] = oversight.evaluate(sent, o.actor("supervisor"), kind="supervisor", score="unsatisfied",
                                           now=ninth + 5 * DAY)
    evaluated = o.resolve(o.claim(o.classify(o.collect(ninth, reporter="li"), ninth), ninth), ninth + DAY)
    made["evaluated"] = oversight.evaluate(evaluated, o.actor("supervisor"), kind="supervisor", score="satisfied",
                                           now=ninth + 2 * DAY)
    # 16 Nov: of wide concern, decided by a 群众评议会 (recorded as a rating); one waiting
    # on the claim board, past due later; one only collected, without a community.
    wide = o.resolve(o.claim(o.classify(o.collect(sixteenth), sixteenth, wide_concern=True), sixteenth),
                     sixteenth + DAY)
    made["meeting"] = judging.judge_by_meeting(wide, o.actor("office"), sixteenth + 2 * DAY, ["居民代表10人"],
                                               "现场评议", 0.9, sixteenth + 2 * DAY)
    made["waiting"] = o.classify(o.collect(sixteenth, reporter="mp"), sixteenth, unit=None, due="2026-11-25")
    made["collected"] = intake.collect(o.actor("office"), "电话反映：路口积水", "phone", reporter_name="黄先生",
                                       now=sixteenth)
    # 20 Nov: a report a resident rated unsatisfied twice (two rounds), the second round claimed.
    twice = o.resolve(o.claim(o.classify(o.collect(twentieth), twentieth), twentieth), twentieth + DAY)
    twice = judging.rate(twice, o.actor("zhang"), "unsatisfied", "没修好", now=twentieth + DAY)
    twice = o.resolve(o.claim(o.classify(twice, twentieth + DAY), twentieth + DAY), twentieth + 2 * DAY)
    made["twice"] = judging.rate(twice, o.actor("zhang"), "unsatisfied", "还是没修好", now=twentieth + 2 * DAY)
    return made


def assert_kept_equals_live(periods=PERIODS, todays=TODAYS):
    for start, end in periods:
        for today in todays:
            assert figures.kept_groups(start, end, today) == figures.live_groups(start, end, today), (start, end, today)


def test_the_kept_figures_equal_the_live_count(varied):
    assert_kept_equals_live()
    november = figures.live_groups(date(2026, 11, 1), date(2026, 11, 30), date(2026, 12, 15))
    summary = {name: sum(c[name] for c in november["category"].values()) for name in figures.COUNTS}
    # Every measure occurs, so the comparison above compared something for each.
    assert all(summary[name] > 0 for name in figures.COUNTS), summary
    assert summary["total"] == 9  # the rejected and the merged ones are not counted
    assert set(november["community"]) == {"全椒路社区", "安居苑社区", None}
    assert len(november["unit"]) == 3 and len(november["week"]) == 3  # the 16th and 20th share one
    # Rows are kept per day for the days that have items, and nothing else is waiting.
    assert {row.day for row in models.DailyFigure.select()} == {date(2026, 11, d) for d in (2, 9, 16, 20)}
    assert models.FigureChange.select().count() == 0


def test_the_pages_figures_come_from_the_kept_rows(varied, now):
    figures.kept_groups(date(2026, 11, 1), date(2026, 11, 30), now.date())
    before = stats.stats("2026-11-01", "2026-11-30", now=now)
    # Were the pages counting afresh, a change to the kept rows alone would not show.
    models.DailyFigure.update(satisfied=models.DailyFigure.satisfied + 1).where(
        (models.DailyFigure.dimension == "category") & (models.DailyFigure.day == date(2026, 11, 2))).execute()
    after = stats.stats("2026-11-01", "2026-11-30", now=now)
    assert after["summary"]["satisfied"] > before["summary"]["satisfied"]


def test_an_operation_after_a_read_changes_the_next_read(varied, world, office, now):
    period = ("2026-11-01", "2026-11-30")
    first = stats.stats(*period, now=now)["summary"]
    assert models.FigureChange.select().count() == 0
    stuck = varied["stuck"]
    office.resolve(stuck, now)
    judging.rate(stuck, world.actor("zhang"), "unsatisfied", "没有解决", now=now)  # a 2 Nov item, rated on the 23rd
    assert [change.day for change in models.FigureChange.select()] == [date(2026, 11, 2)] * 2
    second = stats.stats(*period, now=now)["summary"]
    assert (second["resolved"], second["rated"], second["unsatisfied"], second["redone"]) == (
        first["resolved"], first["rated"] + 1, first["unsatisfied"] + 1, first["redone"] + 1)
    assert second["overdue"] == first["overdue"] - 1  # back to waiting, due afresh
    assert models.FigureChange.select().count() == 0
    assert_kept_equals_live()
    oversight.evaluate(varied["evaluated"], world.actor("office"), kind="org", score="satisfied", now=now)
    third = stats.stats(*period, now=now)["summary"]
    assert (third["org_rated"], third["org_satisfied"]) == (second["org_rated"] + 1, second["org_satisfied"] + 1)


def test_overdue_grows_as_days_pass_without_an_operation(varied):
    period = (date(2026, 11, 1), date(2026, 11, 30))
    counted = list(models.Item.select().where(measures.counted()))
    counts = []
    for today in (date(2026, 11, 12), date(2026, 11, 13), date(2026, 11, 26)):
        kept = figures.kept_groups(*period, today)
        assert kept == figures.live_groups(*period, today)
        counts.append(sum(c["overdue"] for c in kept["category"].values()))
        assert counts[-1] == sum(is_overdue(item, today) for item in counted)
    assert counts == [0, 2, 3]  # `stuck` and the redone one past the 12th, then the waiting one


def test_a_renamed_community_renames_its_kept_figures(varied, world):
    assert_kept_equals_live(todays=[date(2026, 11, 23)])
    anju = models.Community.get(models.Community.name == "安居苑社区")
    update_community(world.actor("office"), anju.id, name="安居苑新社区")
    assert_kept_equals_live(todays=[date(2026, 11, 23)])
    kept = figures.kept_groups(date(2026, 11, 1), date(2026, 11, 30), date(2026, 11, 23))
    assert "安居苑新社区" in kept["community"] and "安居苑社区" not in kept["community"]


def test_the_nightly_job_recounts_what_operations_changed(varied, office, now):
    assert models.FigureChange.select().count() > 0  # nothing read yet
    assert recount_figures(now) == 4
    assert models.FigureChange.select().count() == 0
    rows = models.DailyFigure.select().count()
    assert recount_figures(now) == 0 and models.DailyFigure.select().count() == rows
    office.claim(varied["waiting"], now, unit="shirong")
    assert recount_figures(now) == 1
    assert_kept_equals_live(todays=[now.date()])


def latest_verdicts():
    """{item id: (latest rating, org evaluation, supervisor evaluation)} read from their tables, by id."""
    found = {}
    for item in models.Item.select():
        ratings = models.Rating.select().where(models.Rating.item == item).order_by(models.Rating.id.desc())
        evaluations = models.Evaluation.select().where(models.Evaluation.item == item).order_by(
            models.Evaluation.id.desc())
        latest = [next((e.score for e in evaluations if e.kind == kind), None) for kind in ("org", "supervisor")]
        found[item.id] = (next((r.score for r in ratings), None), *latest)
    return found


def test_items_carry_their_latest_verdicts(varied):
    expected = latest_verdicts()
    assert {i.id: (i.latest_rating, i.latest_org_evaluation, i.latest_supervisor_evaluation)
            for i in models.Item.select()} == expected
    assert expected[varied["sent_back"].id] == ("basically_satisfied", "satisfied", "unsatisfied")
    assert expected[varied["twice"].id][0] == "unsatisfied"


def test_a_database_from_before_is_filled_by_the_migration(varied, db, now):
    """As migration 11 finds a database: items without their latest verdicts, no kept figures."""
    expected = latest_verdicts()
    figures.refresh()
    db.execute_sql('DELETE FROM "daily_figure"')
    models.Item.update(latest_rating=None, latest_org_evaluation=None, latest_supervisor_evaluation=None).execute()
    assert figures.kept_groups(date(2026, 11, 1), date(2026, 11, 30), now.date())["category"] == {}
    _daily_figures(None)
    assert models.FigureChange.select().count() == 4
    assert {i.id: (i.latest_rating, i.latest_org_evaluation, i.latest_supervisor_evaluation)
            for i in models.Item.select()} == expected
    assert_kept_equals_live()


def test_days_run_together_a_month_at_most():
    days = [date(2026, 1, 1) + timedelta(days=n) for n in range(40)] + [date(2026, 3, 1), date(2026, 3, 3)]
    assert list(figures._runs(days)) == [(date(2026, 1, 1), date(2026, 1, 31)), (date(2026, 2, 1), date(2026, 2, 9)),
                                         (date(2026, 3, 1), date(2026, 3, 1)), (date(2026, 3, 3), date(2026, 3, 3))]
