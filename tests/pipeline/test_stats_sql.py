"""The assessment's figures in SQL: checked against a per-item count in Python (the
old implementation's way, extended), and against the item list each figure links to."""
from collections import defaultdict
from datetime import date, datetime, timedelta

import pytest

import models
from pipeline.office import assessment
from pipeline.routines import bulletins
from pipeline.rules.errors import Forbidden, Invalid
from pipeline.rules.overdue import is_overdue
from pipeline.rules.states import ACCEPTING_SCORES, CLOSED, MERGED, REJECTED, TAKEN_ON
from pipeline.steps import handling, intake, judging, oversight
from pipeline.views import measures, stats
from pipeline.views.lists import staff_items

START, END = date(2026, 11, 1), date(2026, 11, 30)


@pytest.fixture
def made(world, flow, now):
    """Items in every state the figures tell apart."""
    office = world.actor("office")
    items = {
        "closed": flow.closed(),
        "waiting": flow.classified(),
        "claimed": flow.claimed(content="路面坑洼，雨天积水"),
    }
    redo = flow.resolved(content="屋顶漏水")
    items["redo"] = judging.rate(redo, world.actor("zhang"), "unsatisfied", "还在漏", now=now)
    sent_back = flow.classified(unit="shirong", content="占道经营")
    items["sent_back"] = handling.return_to_office(sent_back, world.actor("shirong"), reason="不属于本单位", now=now)
    judged = flow.resolved(content="绿化带杂草丛生")
    oversight.evaluate(judged, office, kind="org", score="satisfied", now=now)
    oversight.evaluate(judged, world.actor("supervisor"), kind="supervisor", score="unsatisfied", now=now)
    oversight.evaluate(judged, world.actor("leader"), kind="org", score="basically_satisfied", now=now)
    items["judged"] = judged
    late = flow.resolved(content="井盖缺失")
    models.Item.update(resolved_at=datetime(2026, 12, 20, 9, 0)).where(models.Item.id == late.id).execute()
    items["late"] = late
    offline = intake.collect(office, "电话反映：小区停车难", "phone", community="安居苑社区", reporter_name="黄先生",
                             reporter_phone="13912345678", now=now)
    items["offline"] = offline
    rejected = intake.collect(office, "无关内容", "phone", now=now)
    intake.reject(rejected, office, reason="不属于受理范围", now=now)
    before = flow.collected(content="上个月的事")
    models.Item.update(created_at=datetime(2026, 10, 20, 9, 0)).where(models.Item.id == before.id).execute()
    return items


def reference(today):
    """The figures counted item by item in Python: what the SQL must equal."""
    groups = {"by_category": defaultdict(lambda: defaultdict(int)), "by_unit": defaultdict(lambda: defaultdict(int)),
              "by_community": defaultdict(lambda: defaultdict(int)), "summary": defaultdict(lambda: defaultdict(int))}
    since, until = datetime(2026, 11, 1), datetime(2026, 12, 1)
    for item in models.Item.select().where((models.Item.created_at >= since) & (models.Item.created_at < until)):
        if item.status in (MERGED, REJECTED):
            continue
        ratings = list(models.Rating.select().where(models.Rating.item == item).order_by(models.Rating.id))
        evaluations = list(models.Evaluation.select().where(models.Evaluation.item == item)
                           .order_by(models.Evaluation.id))
        latest = {kind: [e for e in evaluations if e.kind == kind][-1:] for kind in ("org", "supervisor")}
        flags = {
            "total": True,
            "responded": bool(item.claimed_at) or item.status in TAKEN_ON,
            "resolved": bool(item.resolved_at) or item.status == CLOSED,
            "on_time": bool(item.resolved_at and item.due and item.resolved_at.date() <= item.due),
            "rated": bool(ratings),
            "satisfied": bool(ratings) and ratings[-1].score in ACCEPTING_SCORES,
            "unsatisfied": bool(ratings) and ratings[-1].score == "unsatisfied",
            "returned": models.TimelineEvent.select().where((models.TimelineEvent.item == item)
                                                            & (models.TimelineEvent.kind == "return")).exists(),
            "redone": item.round > 1,
            "overdue": is_overdue(item, today),
        }
        for kind in ("org", "supervisor"):
            flags[f"{kind}_rated"] = bool(latest[kind])
            flags[f"{kind}_satisfied"] = bool(latest[kind]) and latest[kind][0].score in ACCEPTING_SCORES
        keys = {"by_category": item.category_id, "by_unit": item.claimed_unit_id or item.unit_id,
                "by_community": item.community, "summary": None}
        for group, key in keys.items():
            for name, value in flags.items():
                groups[group][key][name] += int(value)
    return groups


@pytest.mark.parametrize("days_on", [0, 30])
def test_the_sql_figures_equal_an_item_by_item_count(made, now, days_on):
    later = now + timedelta(days=days_on)
    figures = stats.stats(START.isoformat(), END.isoformat(), now=later)
    expected = reference(later.date())
    assert figures["total"] == expected["summary"][None]["total"] == 8
    for name in stats.COUNTS:
        assert figures["summary"][name] == expected["summary"][None][name], name
    for group in ("by_category", "by_unit", "by_community"):
        assert {row["key"] for row in figures[group]} == set(expected[group])
        for row in figures[group]:
            for name in stats.COUNTS:
                assert row[name] == expected[group][row["key"]][name], (group, row["name"], name)
    summary = figures["summary"]
    assert (summary["returned"], summary["redone"], summary["unsatisfied"]) == (1, 1, 1)
    assert (summary["org_rated"], summary["org_satisfied"]) == (1, 1)  # the latest 组织评议 is 基本满意
    assert (summary["supervisor_rated"], summary["supervisor_satisfied"]) == (1, 0)
    assert summary["org_satisfaction_rate"] == 1.0 and summary["supervisor_satisfaction_rate"] == 0.0
    assert summary["on_time"] == summary["resolved"] - 1  # the late one
    assert (summary["overdue"] > 0) == (days_on > 0)


def test_each_figure_is_the_length_of_the_list_it_links_to(made, world, now):
    figures = stats.stats(START.isoformat(), END.isoformat(), now=now)
    office = world.actor("office")
    for measure in measures.MEASURES:
        name = "total" if measure == "counted" else measure
        everything = staff_items(office, now.date(), period=(START, END), measure=measure)
        assert everything.count() == figures["summary"][name], measure
        for row in figures["by_unit"]:
            key = str(row["key"]) if row["key"] is not None else measures.NONE_KEY
            listed = staff_items(office, now.date(), period=(START, END), measure=measure, accountable=key)
            assert listed.count() == row[name], (row["name"], measure)
        for row in figures["by_community"]:
            key = row["key"] if row["key"] is not None else measures.NONE_KEY
            listed = staff_items(office, now.date(), period=(START, END), measure=measure, community=key)
            assert listed.count() == row[name], (row["name"], measure)
    with pytest.raises(Invalid):
        staff_items(office, now.date(), measure="bogus")
    with pytest.raises(Invalid):
        staff_items(office, now.date(), accountable="1; drop")


def test_weeks_cover_the_period_and_add_up(made, now):
    figures = stats.stats("2026-11-01", "2026-11-30", now=now)
    weeks = figures["by_week"]
    assert weeks[0]["from"] == "2026-11-01" and weeks[-1]["to"] == "2026-11-30"
    assert [w["key"] for w in weeks] == ["2026-10-26", "2026-11-02", "2026-11-09", "2026-11-16", "2026-11-23",
                                         "2026-11-30"]
    assert sum(w["total"] for w in weeks) == figures["total"]
    assert next(w for w in weeks if w["key"] == "2026-11-23")["total"] == figures["total"]  # made on the 23rd
    with pytest.raises(Invalid):
        stats.stats("2020-01-01", "2026-11-30", now=now)


def test_the_office_sets_weights_that_sum_to_100_and_the_ranking_follows(made, world, now):
    office = world.actor("office")
    table = assessment.assessment("2026-11-01", "2026-11-30", now=now)
    assert table["weights"] == assessment.DEFAULT_WEIGHTS
    assert [row["rank"] for row in table["units"]] == list(range(1, len(table["units"]) + 1))
    scores = [row["score"] for row in table["units"] if row["score"] is not None]
    assert scores == sorted(scores, reverse=True)
    bad = dict(assessment.DEFAULT_WEIGHTS, response_rate=11)
    with pytest.raises(Invalid, match="之和应为100，现为101"):
        assessment.set_weights(office, bad, now)
    with pytest.raises(Invalid, match="响应率"):
        assessment.set_weights(office, dict(assessment.DEFAULT_WEIGHTS, response_rate="-1"), now)
    with pytest.raises(Forbidden):
        assessment.set_weights(world.actor("leader"), assessment.DEFAULT_WEIGHTS, now)
    assert models.AssessmentWeight.select().count() == 0
    only_returns = dict.fromkeys(assessment.DEFAULT_WEIGHTS, 0) | {"return_rate": 100}
    assessment.set_weights(office, only_returns, now)
    table = assessment.assessment("2026-11-01", "2026-11-30", now=now)
    assert table["weights"]["return_rate"] == 100
    by_name = {row["name"]: row for row in table["units"]}
    assert by_name["建设办"]["score"] == 100.0  # never sent anything back
    assert table["units"][0]["name"] == "建设办"


def test_the_bulletin_counts_organisation_and_supervisor_evaluations(made, now):
    content = bulletins.figures(date(2026, 11, 16), date(2026, 11, 29), now.date())
    verdicts = content["verdicts"]
    assert verdicts["org"] == {"count": 2, "satisfied": 2, "rate": 1.0}
    assert verdicts["supervisor"] == {"count": 1, "satisfied": 0, "rate": 0.0}
    assert verdicts["residents"]["count"] == 2 and verdicts["residents"]["satisfied"] == 1
    body = bulletins.render_body(1, date(2026, 11, 16), date(2026, 11, 29), content)
    assert "本期评议：群众评价2件，满意1件（50%）；组织评议2件，满意2件（100%）；督办评议1件，满意0件（0%）。" in body
