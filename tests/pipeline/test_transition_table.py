"""The legality of every operation, generated from the transition table
(`pipeline.rules.states.TRANSITIONS`): for each action, from each status, by each role,
and with each of its guards made to fail, the real operation is run on a
situation built for it, and must be allowed exactly when the table says so —
else raise the table's error (code and message) and write nothing.

The situations are built here, row by row, and whether a guard holds in one is
said here too (`guard_fails`), not asked of the guard: tests/pipeline/test_transitions.py
is the hand-written matrix beside this one."""
from dataclasses import dataclass, field
from datetime import timedelta
from itertools import count

import pytest

import models
from pipeline.accounts.people import create_staff
from pipeline.messages import publicity
from pipeline.rules.actors import SYSTEM_ACTOR
from pipeline.rules.errors import Forbidden, TooMany, WrongState
from pipeline.rules.guards import GUARDS
from pipeline.rules.settings import settings
from pipeline.rules.states import EVENT_LABELS, STATUS_LABELS, STATUSES, TRANSITIONS, TRIAGE
from pipeline.steps import handling, intake, judging, oversight, supervising

# Reached only from inside rate, callback and the evaluation meeting (tests/pipeline/test_transitions.py),
# and from inside collect (on_spot, the item it has just made: tests/web/test_cadre_collection.py).
FOLLOW_UPS = {"close", "reopen", "on_spot"}
# The actor each role is played by (keys of the `world` fixture, plus two made here).
ROLE_ACTORS = {"office": "office", "admin": "admin", "leader": "leader", "party_office": "party", "unit": "jianshe",
               "supervisor": "supervisor", "resident": "zhang", "resident_supervisor": "liu", "system": "system"}
ORGANISATION = {"office", "admin", "leader", "party_office"}
STATUS_PREFERENCE = ["claimed", "resolved", "classified", "collected", "closed"]
ACTOR_PREFERENCE = ["unit", "office", "leader", "supervisor", "resident", "system"]
# How each guard is made to fail (the actor that plays it, when it takes one).
BREAKING_ACTOR = {"unit_member": "unit_without_unit", "not_system": "system"}


@dataclass
class Case:
    action: str
    status: str | None
    role: str
    broken: str | None = None
    label: str = field(init=False)

    def __post_init__(self):
        self.label = f"{self.action} from {self.status} by {self.role}" + (f", {self.broken} broken"
                                                                           if self.broken else "")


def cases(action):
    """Every status (by an allowed role), every role (from an allowed status), every guard broken."""
    rule = TRANSITIONS[action]
    role = next((r for r in ACTOR_PREFERENCE if r in rule.roles), sorted(rule.roles)[0])
    status = next((s for s in STATUS_PREFERENCE if s in rule.sources), None)
    statuses = [None] if action == "collect" else sorted(STATUSES)
    found = [Case(action, s, role) for s in statuses]
    if action != "publish":  # the jobs publish as the system; nobody else can call it
        found += [Case(action, status, r) for r in ROLE_ACTORS if r != role]
    found += [Case(action, "rejected" if guard == "followable" else status, role, guard) for guard in rule.guards]
    return found


def guard_fails(guard, case):
    """Whether the situation built for `case` breaks `guard` (said from how it is built)."""
    if case.broken == guard:
        return True
    natural = {
        "own_report": case.role not in ("resident", "resident_supervisor"),
        "reporter": case.role not in ("resident", "resident_supervisor"),
        "detail_window": case.status not in TRIAGE,
        "not_system": case.role == "system",
        "followable": case.status == "rejected",
    }
    return natural.get(guard, False)


def expected_error(case):
    """(error class, code, message) the table gives for the case, or None if allowed."""
    rule = TRANSITIONS[case.action]
    if case.role not in rule.roles:
        return Forbidden, "forbidden", f"您没有“{EVENT_LABELS[case.action]}”的权限"
    if case.status not in rule.sources:
        label = STATUS_LABELS.get(case.status, case.status)
        return WrongState, "wrong_state", f"事项当前为“{label}”，不能进行“{EVENT_LABELS[case.action]}”"
    for guard in rule.guards:
        if guard_fails(guard, case):
            return GUARDS[guard].error, GUARDS[guard].code, GUARDS[guard].message
    return None


class Situations:
    """Builds items straight in the database, in any status, for a given actor."""

    def __init__(self, world, now):
        self.world, self.now, self.numbers = world, now, count(1)
        self.category = models.Category.get(models.Category.code == "housing")
        self.conduct = models.Category.get(models.Category.code == "cadre_conduct")  # 作风: not public
        self.actors = {key: world.actor(key) for key in ("office", "leader", "party", "jianshe", "supervisor",
                                                         "zhang", "li", "liu")}
        self.actors["system"] = SYSTEM_ACTOR
        self.actors["admin"] = self._staff(create_staff("admin", "admin", "test-password", name="管理员"))
        self.actors["unit_without_unit"] = self._staff(models.StaffUser.create(
            username="nounit", name="无单位", role="unit", password_hash="-"))

    def _staff(self, user):
        from pipeline.rules.actors import actor_for_staff

        return actor_for_staff(user)

    def actor(self, case):
        return self.actors[BREAKING_ACTOR.get(case.broken) or ROLE_ACTORS[case.role]]

    def item(self, status, *, reporter=None, unit=None, claimed_unit=None, escalated=False, tier="limited",
             created_at=None, category=None):
        at = created_at or self.now
        fields = dict(number=f"20261123-{next(self.numbers):04d}", status=status, round=1, content="楼道灯坏了",
                      channel="wechat", reporter=reporter, community="全椒路社区", created_at=at, updated_at=at)
        if status not in ("collected", "merged", "rejected"):
            fields.update(category=category or self.category, leader=self.world.staff["leader"], unit=unit, tier=tier,
                          due=self.now.date() + timedelta(days=7), roadmap="路线图", classified_at=at)
        if status in ("claimed", "resolved", "closed"):
            fields.update(claimed_unit=claimed_unit, claimed_at=at, escalated=escalated)
        if status in ("resolved", "closed"):
            fields.update(result="已修复", resolved_at=at, outcome="solved")
        if status == "closed":
            fields.update(closed_at=at)
        if status == "merged":
            fields.update(merged_into=self.item("collected", reporter=self.world.residents["li"]))
        if status == "rejected":
            fields.update(reject_reason="不属于受理范围")
        item = models.Item.create(**fields)
        if claimed_unit is not None and status in ("claimed", "resolved", "closed"):
            models.Claim.create(item=item, unit=claimed_unit, role="lead", round=1, created_at=at)
        return item

    def build(self, case):
        """The item for the case and the call that runs the operation on it."""
        units, residents, broken, now = self.world.units, self.world.residents, case.broken, self.now
        actor = self.actor(case)
        if case.action == "collect":
            return None, self.calls(case, None, actor)[case.action]
        own = actor.resident if actor.kind == "resident" else residents["zhang"]
        own_unit = units["jianshe"]
        claimed = {"assist": units["shirong"]}.get(case.action, own_unit)
        unit = own_unit
        if broken in ("reporter", "own_report"):
            own = residents["li"]
        if broken == "new_unit":
            claimed = own_unit
        if broken == "lead_unit":
            unit = units["shirong"]  # the office gave it to another unit
        if broken in ("claiming_unit", "assigned_unit"):
            claimed = units["shirong"]
            unit = units["shirong"] if broken == "assigned_unit" else unit
        if broken == "invited_unit":  # neither named on the sheet nor invited by the lead
            unit = units["community"]
        escalated = (case.action == "consult" or broken in ("not_escalated", "consulted")) and broken != "escalated"
        item = self.item(case.status, reporter=own, unit=unit, claimed_unit=claimed, escalated=escalated,
                         tier="long_term" if broken == "explained" else "limited",
                         created_at=now - timedelta(minutes=31) if broken == "detail_window" else now,
                         category=self.conduct if broken == "offered_help" else None)
        if case.action == "unfollow" and actor.kind != "system":
            target = item.merged_into if item.merged_into_id else item
            models.Follower.create(item=target, resident=actor.resident, staff=actor.staff, created_at=now)
        if broken == "urge_allowance":  # today's urges used up
            for _ in range(settings.urge_daily_limit):
                models.SupervisionNote.create(item=item, round=1, resident=actor.resident, staff=actor.staff,
                                              author_name=actor.name, note="请加快", urge=True, at=now)
        if broken == "first_rating":  # this resident rated the round already
            models.Rating.create(item=item, round=1, score="satisfied", source="app", resident=actor.resident, at=now)
        if broken == "unpublished":
            models.PublicNotice.create(item=item, community=item.community, title="公示", result=item.result,
                                       public=True, recipients=0, published_at=now)
        return item, self.calls(case, item, actor)[case.action]

    def calls(self, case, item, actor):
        """Each action's operation, called for the case."""
        world, now, broken = self.world, self.now, case.broken
        kind = "org" if (case.role in ORGANISATION) != (broken == "evaluator_kind") else "supervisor"
        target = self.item("rejected" if broken == "open_target" else "collected",
                           reporter=world.residents["li"]) if case.action == "merge" else None
        due = (now.date() + timedelta(days=14)).isoformat()
        channel = "wechat" if actor.kind == "resident" else "phone"
        meeting = dict(held_at=now.isoformat(), attendees=["居民代表"], minutes="会议纪要", now=now)
        return {
            "collect": lambda: intake.collect(actor, "小区3号楼楼道灯坏了一个多月", channel, now=now),
            "detail": lambda: intake.add_report_detail(item, actor, text="补充说明", now=now),
            "classify": lambda: intake.classify(item, actor, category="housing", leader=world.staff["leader"].id,
                                                unit=world.units["jianshe"].id, tier="limited", roadmap="路线图",
                                                now=now),
            "claim": lambda: handling.claim(item, actor, now=now,
                                            unit=world.units["shirong"].id if broken == "own_unit" else None),
            "assist": lambda: handling.claim(item, actor, role="assist", now=now,
                                             unit=world.units["shirong"].id if broken == "own_unit" else None),
            "return": lambda: handling.return_to_office(item, actor, reason="不属于本单位", now=now),
            "progress": lambda: handling.progress(item, actor, note="已派人查看", now=now),
            "escalate": lambda: handling.escalate(item, actor, reason="需多部门会诊", now=now),
            "consult": lambda: handling.consult(item, actor, conclusion="会诊结论", due=due, now=now),
            "explanation_meeting": lambda: handling.record_meeting(item, actor, kind="explanation", **meeting),
            "evaluation_meeting": lambda: handling.record_meeting(item, actor, kind="evaluation", satisfaction=0.9,
                                                                  **meeting),
            "resolve": lambda: handling.resolve(item, actor, result="已修复", now=now),
            "supervise": lambda: oversight.supervise(item, actor, note="请加快", urge=broken == "urge_allowance",
                                                     now=now),
            "evaluate": lambda: oversight.evaluate(item, actor, kind=kind, score="satisfied", now=now),
            "assign_supervisor": lambda: supervising.assign_supervisor(item, actor, staff=world.staff["supervisor"].id,
                                                                       now=now),
            "rate": lambda: judging.rate(item, actor, "satisfied", now=now),
            "callback": lambda: judging.callback(item, actor, score="satisfied", comment="电话回访", now=now),
            "wide_concern": lambda: judging.mark_wide_concern(item, actor, wide_concern=True, now=now),
            "merge": lambda: intake.merge(item, actor, into=target.number, now=now),
            "reject": lambda: intake.reject(item, actor, reason="不属于受理范围", now=now),
            "follow": lambda: oversight.follow(item, actor, now=now),
            "unfollow": lambda: oversight.unfollow(item, actor, now=now),
            "publish": lambda: publicity.publish(item, now=now),
        }


def written():
    """Every table's row count and every item's row: what an operation could change."""
    counts = {m.__name__: m.select().count() for m in models.ALL_MODELS if m is not models.ApiToken}
    return counts, [i.__data__ for i in models.Item.select().order_by(models.Item.id)]


def outcome(case, situations):
    """What running the case did: None if it matched the table, else what went wrong."""
    item, run = situations.build(case)
    expected = expected_error(case)
    before = written()
    events = models.TimelineEvent.select().count()
    try:
        result = run()
    except (Forbidden, WrongState, TooMany) as error:
        got = (type(error), error.code, error.message)
        if expected is None:
            return f"refused {got[1]}: {got[2]}"
        if got != expected:
            return f"expected {expected[0].__name__} {expected[1]} “{expected[2]}”, got {got[0].__name__} " \
                   f"{got[1]} “{got[2]}”"
        return "wrote despite refusing" if written() != before else None
    if case.action == "publish" and result is None:  # publish declines quietly
        if expected is None:
            return "declined"
        return "wrote despite declining" if written() != before else None
    if expected is not None:
        return f"allowed; the table says {expected[1]} “{expected[2]}”"
    # The system follows nothing, so has nothing to unfollow.
    if models.TimelineEvent.select().count() <= events and (case.action, case.role) != ("unfollow", "system"):
        return "allowed but wrote no event"
    return None


def test_every_action_of_the_table_is_run_here(world, now):
    situations = Situations(world, now)
    runnable = set(situations.calls(Case("collect", None, "office"), None, SYSTEM_ACTOR))
    assert set(TRANSITIONS) - FOLLOW_UPS == runnable


@pytest.mark.parametrize("action", sorted(set(TRANSITIONS) - FOLLOW_UPS))
def test_the_operation_allows_exactly_what_the_table_allows(world, now, action):
    situations = Situations(world, now)
    mismatches = [f"{case.label}: {problem}" for case in cases(action)
                  if (problem := outcome(case, situations)) is not None]
    assert mismatches == []
