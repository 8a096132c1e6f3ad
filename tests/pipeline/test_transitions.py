"""Every transition from every status, and by the wrong role: legal ones move the
item and leave a trace; illegal ones raise the right error and write nothing."""
from datetime import timedelta

import pytest

import models
from pipeline.rules.errors import Forbidden, WrongState
from pipeline.steps import handling, intake, judging, oversight

STATUSES = ["collected", "classified", "claimed", "resolved", "closed", "merged", "rejected"]


def snapshot(item):
    """Everything an operation could write: the item's row and every table's count."""
    row = models.Item.get_by_id(item.id)
    counts = {m.__name__: m.select().count() for m in models.ALL_MODELS if m not in (models.ApiToken,)}
    return row.__data__.copy(), counts


def item_in(flow, status):
    if status in ("collected", "classified", "claimed", "resolved", "closed"):
        return getattr(flow, status)()
    item = flow.collected()
    if status == "merged":
        return intake.merge(item, flow.a("office"), into=flow.collected(reporter="li").number, now=flow.now)
    return intake.reject(item, flow.a("office"), reason="不属于街道职责范围", now=flow.now)


def actions(flow):
    w, now = flow.world, flow.now
    later = now + timedelta(hours=1)
    return {
        "classify": (lambda i: intake.classify(i, flow.a("office"), category="housing", leader=w.staff["leader"].id,
                                               unit=w.units["jianshe"].id, tier="limited", roadmap="路线图", now=later),
                     {"collected", "classified"}),
        "claim": (lambda i: handling.claim(i, flow.a("jianshe"), now=later), {"classified"}),
        "return": (lambda i: handling.return_to_office(i, flow.a("jianshe"), reason="不属于本单位", now=later),
                   {"classified", "claimed"}),
        "progress": (lambda i: handling.progress(i, flow.a("jianshe"), note="已派人查看", now=later), {"claimed"}),
        "escalate": (lambda i: handling.escalate(i, flow.a("jianshe"), reason="需多部门会诊", now=later), {"claimed"}),
        "explanation": (lambda i: handling.record_meeting(
            i, flow.a("office"), kind="explanation", held_at=now.isoformat(), attendees=["居民代表"],
            minutes="说明情况", now=later), {"classified", "claimed"}),
        "evaluation": (lambda i: handling.record_meeting(
            i, flow.a("office"), kind="evaluation", held_at=now.isoformat(), attendees=["居民代表"],
            minutes="评议", satisfaction=0.9, now=later), {"resolved"}),
        "resolve": (lambda i: handling.resolve(i, flow.a("jianshe"), result="已修复", now=later), {"claimed"}),
        "supervise": (lambda i: oversight.supervise(i, flow.a("supervisor"), note="请加快", now=later),
                      {"collected", "classified", "claimed", "resolved"}),
        "evaluate": (lambda i: oversight.evaluate(i, flow.a("office"), kind="org", score="satisfied", now=later),
                     {"resolved", "closed"}),
        "rate": (lambda i: judging.rate(i, flow.a("zhang"), "satisfied", now=later), {"resolved"}),
        "callback": (lambda i: judging.callback(i, flow.a("office"), score="satisfied", comment="电话回访满意",
                                                now=later), {"resolved"}),
        "merge": (lambda i: intake.merge(i, flow.a("office"), into=flow.collected(reporter="li").number, now=later),
                  {"collected", "classified"}),
        "reject": (lambda i: intake.reject(i, flow.a("office"), reason="不属于受理范围", now=later),
                   {"collected", "classified"}),
    }


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("action", ["classify", "claim", "return", "progress", "escalate", "explanation",
                                    "evaluation", "resolve", "supervise", "evaluate", "rate", "callback",
                                    "merge", "reject"])
def test_each_action_from_each_status(flow, status, action):
    run, legal_from = actions(flow)[action]
    item = item_in(flow, status)
    if status in legal_from:
        events_before = models.TimelineEvent.select().where(models.TimelineEvent.item == item).count()
        run(item)
        events_after = models.TimelineEvent.select().where(models.TimelineEvent.item == item).count()
        assert events_after > events_before
        return
    before = snapshot(item)
    if action == "merge":
        # merging makes its own target first; compare the item only
        with pytest.raises(WrongState):
            run(item)
        assert models.Item.get_by_id(item.id).status == status
        return
    with pytest.raises(WrongState) as error:
        run(item)
    assert error.value.status == 409 and error.value.message
    assert snapshot(item) == before


@pytest.mark.parametrize("action, actor", [
    ("classify", "jianshe"), ("classify", "zhang"), ("claim", "zhang"), ("claim", "supervisor"),
    ("resolve", "shirong"), ("resolve", "zhang"), ("progress", "shirong"), ("escalate", "office"),
    ("reject", "jianshe"), ("merge", "leader"), ("callback", "jianshe"), ("rate", "li"), ("rate", "office"),
    ("supervise", "zhang"), ("supervise", "jianshe"), ("evaluate", "zhang"),
])
def test_wrong_role_is_forbidden_and_writes_nothing(flow, action, actor):
    statuses = {"classify": "collected", "claim": "classified", "resolve": "claimed", "progress": "claimed",
                "escalate": "claimed", "reject": "collected", "merge": "collected", "callback": "resolved",
                "rate": "resolved", "supervise": "claimed", "evaluate": "resolved"}
    item = item_in(flow, statuses[action])
    target = flow.collected(reporter="li")
    w, a = flow.world, flow.a(actor)
    calls = {
        "classify": lambda: intake.classify(item, a, category="housing", leader=w.staff["leader"].id,
                                            unit=w.units["jianshe"].id, tier="limited", roadmap="路线图", now=flow.now),
        "claim": lambda: handling.claim(item, a, unit=w.units["jianshe"].id, now=flow.now),
        "resolve": lambda: handling.resolve(item, a, result="已修复", now=flow.now),
        "progress": lambda: handling.progress(item, a, note="进展", now=flow.now),
        "escalate": lambda: handling.escalate(item, a, reason="上报", now=flow.now),
        "reject": lambda: intake.reject(item, a, reason="理由", now=flow.now),
        "merge": lambda: intake.merge(item, a, into=target.number, now=flow.now),
        "callback": lambda: judging.callback(item, a, score="satisfied", comment="回访", now=flow.now),
        "rate": lambda: judging.rate(item, a, "satisfied", now=flow.now),
        "supervise": lambda: oversight.supervise(item, a, note="督办", now=flow.now),
        "evaluate": lambda: oversight.evaluate(item, a, kind="org", score="satisfied", now=flow.now),
    }
    before = snapshot(item)
    with pytest.raises(Forbidden) as error:
        calls[action]()
    assert error.value.status == 403 and error.value.code == "forbidden"
    assert snapshot(item) == before


def test_consult_needs_escalation_then_sets_the_new_deadline(flow):
    item = flow.claimed()
    before = snapshot(item)
    with pytest.raises(WrongState):
        handling.consult(item, flow.a("leader"), conclusion="会诊结论", due="2026-12-31", now=flow.now)
    assert snapshot(item) == before
    handling.escalate(item, flow.a("jianshe"), reason="涉及供电公司线路", now=flow.now)
    with pytest.raises(WrongState) as error:
        handling.resolve(item, flow.a("jianshe"), result="已修复", now=flow.now)
    assert error.value.code == "consultation_required"
    item = handling.consult(item, flow.a("leader"), conclusion="供电公司配合改线，两周内完成", due="2026-12-11",
                            now=flow.now)
    assert item.due.isoformat() == "2026-12-11" and not item.escalated and item.tier == "escalated"
    assert models.Meeting.get(models.Meeting.item == item).kind == "consultation"
    assert handling.resolve(item, flow.a("jianshe"), result="已改线", now=flow.now).status == "resolved"


def test_long_term_needs_an_explanation_meeting_before_resolving(flow):
    item = flow.claimed(tier="long_term")
    with pytest.raises(WrongState) as error:
        handling.resolve(item, flow.a("jianshe"), result="纳入改造计划", now=flow.now)
    assert error.value.code == "explanation_required"
    handling.record_meeting(item, flow.a("office"), kind="explanation", held_at=flow.now.isoformat(),
                            attendees=["居民代表", "督办员"], minutes="资金分两批", now=flow.now)
    item = handling.resolve(item, flow.a("jianshe"), result="纳入改造计划", now=flow.now)
    assert item.outcome == "explained"
    item = judging.rate(item, flow.a("zhang"), "basically_satisfied", now=flow.now)
    assert item.status == "closed" and item.outcome == "explained"


def test_return_sends_the_item_back_to_triage(flow):
    item = flow.claimed()
    with pytest.raises(Forbidden):
        handling.return_to_office(item, flow.a("shirong"), reason="不是我们的", now=flow.now)
    item = handling.return_to_office(item, flow.a("jianshe"), reason="属于供电公司职责", now=flow.now)
    assert item.status == "collected" and item.claimed_unit_id is None
    assert not models.Claim.select().where((models.Claim.item == item) & models.Claim.active).exists()
    office_push = models.Outbox.get(models.Outbox.kind == "returned")
    assert office_push.staff_id == flow.world.staff["office"].id


def test_assisting_unit_joins_a_claimed_item_when_the_lead_invites_it(flow):
    item = flow.claimed()
    with pytest.raises(Forbidden) as uninvited:  # not asked: neither on the sheet nor invited (issue 13)
        handling.claim(item, flow.a("shirong"), role="assist", now=flow.now)
    assert uninvited.value.code == "not_invited"
    assert models.Claim.select().where(models.Claim.item == item).count() == 1
    handling.claim(item, flow.a("jianshe"), role="assist", unit=flow.world.units["shirong"].id, now=flow.now)
    claims = {(c.unit.name, c.role) for c in models.Claim.select().where(models.Claim.item == item)}
    assert claims == {("建设办", "lead"), ("市容办", "assist")}
    with pytest.raises(WrongState):
        handling.claim(item, flow.a("shirong"), role="assist", now=flow.now)


def test_a_unit_named_on_the_sheet_joins_by_itself_when_another_leads(flow):
    # The office hands the lead to another unit; the unit on the sheet may still join.
    item = handling.claim(flow.classified(unit="shirong"), flow.a("office"), unit=flow.world.units["jianshe"].id,
                          now=flow.now)
    handling.claim(item, flow.a("shirong"), role="assist", now=flow.now)
    claims = {(c.unit.name, c.role) for c in models.Claim.select().where(models.Claim.item == item)}
    assert claims == {("建设办", "lead"), ("市容办", "assist")}


def test_evaluation_meeting_below_threshold_sends_the_item_back(flow):
    item = flow.resolved()
    item = handling.record_meeting(item, flow.a("office"), kind="evaluation", held_at=flow.now.isoformat(),
                                   attendees=["居民代表20人"], minutes="多数居民认为问题仍在", satisfaction=0.55,
                                   now=flow.now)
    assert item.status == "classified" and item.round == 2
    rating = models.Rating.get(models.Rating.item == item)
    assert rating.source == "meeting" and rating.score == "unsatisfied"


def test_follow_a_merged_item_follows_its_target(flow):
    target = flow.collected(reporter="li")
    dup = intake.merge(flow.collected(), flow.a("office"), into=target.number, now=flow.now)
    followed = oversight.follow(dup, flow.a("mp"), now=flow.now)
    assert followed.id == target.id
    assert models.Follower.select().where(models.Follower.item == target).count() == 1
    oversight.follow(dup, flow.a("mp"), now=flow.now)
    assert models.Follower.select().where(models.Follower.item == target).count() == 1
