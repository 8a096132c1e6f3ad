"""Operations that read a second row (a merge's target, a report's state, a badge)
decide on it under the lock they write under, so racing them can't leave the
pipeline in a state no serial order of the two calls could reach.

Each race runs TRIALS times, both calls released together by a barrier, each
on its own database connection; the test counts the trials that ended badly."""
import os
from datetime import timedelta

import pytest

import models
from pipeline.accounts import badges, staff_binding
from pipeline.rules.actors import actor_for_resident
from pipeline.rules.errors import Forbidden
from pipeline.steps import intake, oversight

from shared_support import run_concurrently

# More for a measurement: SIXSTEP_RACE_TRIALS=200.
TRIALS = int(os.environ.get("SIXSTEP_RACE_TRIALS", "25"))
# What a loser may see: the winner changed the state it was checked against.
EXPECTED_ERRORS = ("WrongState(", "Forbidden(")


def race(*calls):
    """Run the calls at once; the errors other than a refused operation (a deadlock, say)."""
    errors = run_concurrently(lambda index: calls[index](), len(calls))
    return [error for error in errors if not error.startswith(EXPECTED_ERRORS)]


def events(item, kind):
    return list(models.TimelineEvent.select().where((models.TimelineEvent.item == item.id)
                                                    & (models.TimelineEvent.kind == kind)))


def fresh(item):
    return models.Item.get_by_id(item.id)


def trials(flow, setup, calls, bad):
    """Race `calls(*setup())` TRIALS times; return the trials where `bad(*setup's rows)` or an
    unexpected error."""
    failures = []
    for trial in range(TRIALS):
        rows = setup()
        unexpected = race(*calls(*rows))
        verdict = bad(*[fresh(row) for row in rows])
        if unexpected or verdict:
            failures.append((trial, unexpected or verdict))
    return failures


def test_merge_racing_reject_of_its_target_never_merges_into_a_rejected_item(flow):
    office = flow.a("office")
    later = flow.now + timedelta(minutes=5)

    def setup():
        return flow.collected(), flow.collected(reporter="li")

    def calls(item, target):
        return (lambda: intake.merge(item, office, into=target.number, now=later),
                lambda: intake.reject(target, office, reason="不属于街道职责范围", now=later))

    def bad(item, target):
        rejected, merged_in = events(target, "reject"), events(target, "merged_in")
        # Merged first, then the target rejected, is a serial order; the other way round is not.
        if rejected and merged_in and merged_in[0].id > rejected[0].id:
            return f"{item.number} merged into {target.number} after it was rejected"
        return None

    failures = trials(flow, setup, calls, bad)
    assert failures == [], f"{len(failures)} of {TRIALS} trials went wrong: {failures[:3]}"


def test_two_items_merged_into_each_other_at_once_never_both_merge(flow):
    office = flow.a("office")

    def setup():
        return flow.collected(), flow.collected(reporter="li")

    def calls(first, second):
        return (lambda: intake.merge(first, office, into=second.number, now=flow.now),
                lambda: intake.merge(second, office, into=first.number, now=flow.now))

    def bad(first, second):
        if first.status == "merged" and second.status == "merged":
            return f"{first.number} and {second.number} merged into each other"
        if first.status != "merged" and second.status != "merged":
            return "neither merged"
        return None

    failures = trials(flow, setup, calls, bad)
    assert failures == [], f"{len(failures)} of {TRIALS} trials went wrong: {failures[:3]}"


@pytest.mark.parametrize("closing", ["reject", "merge"])
def test_a_chat_detail_racing_the_office_never_lands_on_a_finished_item(flow, closing):
    office, zhang = flow.a("office"), flow.a("zhang")

    def setup():
        return (flow.collected(),)

    def calls(item):
        if closing == "reject":
            finish = lambda: intake.reject(item, office, reason="不属于街道职责范围", now=flow.now)  # noqa: E731
        else:
            other = flow.collected(reporter="li")
            finish = lambda: intake.merge(item, office, into=other.number, now=flow.now)  # noqa: E731
        return (lambda: intake.add_report_detail(item, zhang, text="补充说明", now=flow.now), finish)

    def bad(item):
        finished = events(item, closing)
        late = [e for e in events(item, "detail") if finished and e.id > finished[0].id]
        return f"a detail written on {item.number} after it was {item.status}" if late else None

    failures = trials(flow, setup, calls, bad)
    assert failures == [], f"{len(failures)} of {TRIALS} trials went wrong: {failures[:3]}"


def test_a_badge_revoked_while_its_holder_acts_stops_them_at_once(flow):
    """The actor is built when the request arrives; a revocation committed before the
    operation takes its lock must count (the badge is read under the lock)."""
    liu = flow.world.residents["liu"]
    item = flow.classified()
    holder = actor_for_resident(liu, flow.now.date())
    assert holder.role == "resident_supervisor"
    badge = models.Badge.get(models.Badge.resident == liu)
    badges.revoke_badge(flow.a("office"), badge, now=flow.now)
    before = len(events(item, "supervise"))
    with pytest.raises(Forbidden):
        oversight.supervise(item, holder, note="请加快办理", now=flow.now)
    assert len(events(item, "supervise")) == before
    assert not models.SupervisionNote.select().where(models.SupervisionNote.item == item).exists()


def test_one_binding_code_scanned_by_two_wechats_at_once_binds_one(flow):
    """A staff binding code works once: the ticket is read under a lock."""
    user = flow.world.staff["jianshe"]
    bound = []

    def scan(ticket, openid):
        def run():
            bound.append(staff_binding.bind(ticket.scene, openid, now=flow.now)[0].openid)
        return run

    failures = []
    for trial in range(TRIALS):
        ticket = staff_binding.issue(user, now=flow.now)
        bound.clear()
        unexpected = race(scan(ticket, f"scanner-a-{trial}"), scan(ticket, f"scanner-b-{trial}"))
        if unexpected or len(bound) != 1:
            failures.append((trial, unexpected or f"{len(bound)} scanners told the code bound their WeChat"))
    assert failures == [], f"{len(failures)} of {TRIALS} trials went wrong: {failures[:3]}"


def test_following_an_item_merged_since_it_was_read_follows_its_target(flow):
    """The request read the item before a merge committed: the operation finds the
    merge under its lock and locks the target too (in id order) before following it."""
    target = flow.collected(reporter="li")
    stale = flow.collected()
    intake.merge(fresh(stale), flow.a("office"), into=target.number, now=flow.now)
    assert stale.status == "collected"
    followed = oversight.follow(stale, flow.a("mp"), now=flow.now)
    assert followed.id == target.id
    assert [f.item_id for f in models.Follower.select()] == [target.id]
    assert len(events(target, "follow")) == 1 and events(stale, "follow") == []
