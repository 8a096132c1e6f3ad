"""Statuses, their named groups, and the one transition table.

Nobody lists statuses inline: use OPEN, CLAIMABLE, ... from here.
"""
from datetime import timedelta
from typing import NamedTuple

COLLECTED = "collected"
CLASSIFIED = "classified"
CLAIMED = "claimed"
RESOLVED = "resolved"
CLOSED = "closed"
MERGED = "merged"
REJECTED = "rejected"

STATUS_LABELS = {
    COLLECTED: "已收集",
    CLASSIFIED: "待领办",
    CLAIMED: "办理中",
    RESOLVED: "待评议",
    CLOSED: "已办结",
    MERGED: "已合并",
    REJECTED: "不予受理",
}

OPEN = frozenset({COLLECTED, CLASSIFIED, CLAIMED, RESOLVED})
CLAIMABLE = frozenset({CLASSIFIED})
# Statuses in which a deadline runs (overdue is derived from these plus `due`).
UNDER_DEADLINE = frozenset({CLASSIFIED, CLAIMED})
TRIAGE = frozenset({COLLECTED, CLASSIFIED})
# Statuses in which the item carries its unit's result.
WITH_RESULT = frozenset({RESOLVED, CLOSED})
# Statuses that show a unit took the item on (the response rate in stats).
TAKEN_ON = frozenset({CLAIMED, RESOLVED, CLOSED})

TIERS = {
    "on_spot": "现场答复、立时办结",
    "limited": "限时办结",
    "escalated": "上报会诊",
    "long_term": "情况说明",
}

SCORES = {
    "satisfied": "满意",
    "basically_satisfied": "基本满意",
    "unsatisfied": "不满意",
}
ACCEPTING_SCORES = frozenset({"satisfied", "basically_satisfied"})

OUTCOMES = {"solved": "已解决", "explained": "已说明"}
# The kinds and ways an action takes, code -> the Chinese label its messages name.
EVALUATION_KINDS = {"org": "组织评议", "supervisor": "督办评议"}
# Gatherings that record many opinions at once; each kind is also the channel of its items.
GATHERING_KINDS = {"symposium": "座谈会", "survey": "书面调查"}
MEETING_KINDS = {"explanation": "情况说明会", "evaluation": "群众评议会"}
# What the party–government office's spot check found about a sampled cadre's visits.
FINDING_RESULTS = {"confirmed": "属实", "not_confirmed": "不属实"}
CLAIM_ROLES = {"lead": "领办", "assist": "协办"}

CHANNELS = {
    "wechat": "微信公众号",
    "miniprogram": "小程序",
    "interview": "个别访谈",
    "symposium": "座谈会",
    "survey": "书面调查",
    "mailbox": "群众意见箱",
    "website": "街道网站",
    "forum": "社区论坛",
    "qq": "QQ群",
    "weibo": "微博",
    "phone": "电话",
    "visit": "走访",
}
OFFLINE_CHANNELS = frozenset(CHANNELS) - {"wechat", "miniprogram"}
OFFLINE_CHANNEL_LABELS = {code: label for code, label in CHANNELS.items() if code in OFFLINE_CHANNELS}

ROLES_ALLOWED = frozenset({"office", "leader", "unit", "supervisor", "party_office", "admin", "district"})
RESIDENT = "resident"
RESIDENT_SUPERVISOR = "resident_supervisor"
SYSTEM = "system"
OFFICE_ROLES = frozenset({"office", "admin"})
# The organisation (组织): sees every item, evaluates as the organisation, reads the routines' reports.
# The district's own staff (区级督查, pipeline.rules.offices) oversee every street office.
OVERSEERS = OFFICE_ROLES | frozenset({"leader", "party_office", "district"})
SUPERVISING_ROLES = frozenset({"supervisor", RESIDENT_SUPERVISOR, "office", "leader", "admin", "district"})

STATUSES = frozenset(STATUS_LABELS)
# How long after a chat report its photos, voice and place are added to it.
DETAIL_WINDOW = timedelta(minutes=30)
PEOPLE = frozenset({RESIDENT, RESIDENT_SUPERVISOR}) | ROLES_ALLOWED
EVERYONE = PEOPLE | {SYSTEM}
UNITS_OR_OFFICE = frozenset({"unit"}) | OFFICE_ROLES
JUDGES = frozenset({RESIDENT, RESIDENT_SUPERVISOR, SYSTEM}) | OFFICE_ROLES


class Transition(NamedTuple):
    """What an action may start from, who may do it, where it leads (None keeps the
    status), and the rules that depend on the item, the actor and the request: names
    in `pipeline.rules.guards.GUARDS`, checked in order after the role and the status."""

    sources: frozenset
    roles: frozenset
    target: str | None
    guards: tuple[str, ...] = ()


# Every operation that writes an item's timeline checks its entry here, through
# `pipeline.rules.core.operation` (and nothing else writes statuses or events).
TRANSITIONS = {
    # Residents report; every cadre records what they heard (领导班子、部门、社区同志深入群众).
    "collect": Transition(frozenset({None}), frozenset({RESIDENT, RESIDENT_SUPERVISOR, SYSTEM}) | ROLES_ALLOWED,
                          COLLECTED),
    # 现场答复、立时办结: a cadre records a problem answered on the spot, classified,
    # claimed by their own unit and resolved at once (from inside `collect`).
    "on_spot": Transition(frozenset({COLLECTED}), ROLES_ALLOWED, RESOLVED, ("own_unit_set",)),
    "detail": Transition(STATUSES, EVERYONE, None, ("own_report", "detail_window")),
    "classify": Transition(TRIAGE, OFFICE_ROLES, CLASSIFIED),
    # 涉及群众面较广: announced when resolved, closed only by a residents' evaluation meeting.
    "wide_concern": Transition(frozenset({CLASSIFIED, CLAIMED, RESOLVED}), OFFICE_ROLES, None),
    "claim": Transition(CLAIMABLE, UNITS_OR_OFFICE, CLAIMED, ("unit_member", "own_unit", "lead_unit")),
    "assist": Transition(frozenset({CLAIMED}), UNITS_OR_OFFICE, None,
                         ("unit_member", "offered_help", "new_unit", "invited_unit")),
    "return": Transition(frozenset({CLASSIFIED, CLAIMED}), frozenset({"unit"}), COLLECTED, ("assigned_unit",)),
    "progress": Transition(frozenset({CLAIMED}), UNITS_OR_OFFICE, None, ("claiming_unit",)),
    "escalate": Transition(frozenset({CLAIMED}), frozenset({"unit"}), None, ("claiming_unit", "not_escalated")),
    "consult": Transition(frozenset({CLAIMED}), frozenset({"leader"}) | OFFICE_ROLES, None, ("escalated",)),
    "explanation_meeting": Transition(frozenset({CLASSIFIED, CLAIMED}), OFFICE_ROLES, None),
    "evaluation_meeting": Transition(frozenset({RESOLVED}), OFFICE_ROLES, None),
    "resolve": Transition(frozenset({CLAIMED}), UNITS_OR_OFFICE, RESOLVED,
                          ("claiming_unit", "consulted", "explained")),
    "supervise": Transition(OPEN, SUPERVISING_ROLES, None, ("urge_allowance",)),
    "assign_supervisor": Transition(OPEN, OFFICE_ROLES, None),
    "evaluate": Transition(frozenset({RESOLVED, CLOSED}),
                           (OVERSEERS - {"district"}) | {"supervisor", RESIDENT_SUPERVISOR}, None, ("evaluator_kind",)),
    "rate": Transition(frozenset({RESOLVED}), frozenset({RESIDENT, RESIDENT_SUPERVISOR}), None,
                       ("reporter", "first_rating")),
    "callback": Transition(frozenset({RESOLVED}), OFFICE_ROLES, None),
    "merge": Transition(TRIAGE, OFFICE_ROLES, MERGED, ("open_target",)),
    "reject": Transition(TRIAGE, OFFICE_ROLES, REJECTED),
    # Outcomes of step 6, reached only through rate/callback/evaluation meetings.
    "close": Transition(frozenset({RESOLVED}), JUDGES, CLOSED),
    "reopen": Transition(frozenset({RESOLVED}), JUDGES, CLASSIFIED),
    # Following is open to anyone but the system, on any item but a rejected one; a
    # merged item's followers follow its target (the operation's second item).
    "follow": Transition(STATUSES, EVERYONE, None, ("not_system", "followable")),
    "unfollow": Transition(STATUSES, EVERYONE, None),
    "publish": Transition(frozenset({RESOLVED, CLOSED}), frozenset({SYSTEM}), None, ("unpublished",)),
}

EVENT_LABELS = {
    "collect": "意见收集",
    "on_spot": "现场答复",
    "wide_concern": "群众面较广",
    "detail": "补充材料",
    "classify": "梳理分类",
    "claim": "公开领办",
    "assist": "协办",
    "return": "退单",
    "progress": "办理进展",
    "escalate": "上报会诊",
    "consult": "会诊答复",
    "explanation_meeting": "情况说明会",
    "evaluation_meeting": "群众评议会",
    "resolve": "办理完成",
    "supervise": "督查督办",
    "urge": "催办",
    "assign_supervisor": "指定督办",
    "evaluate": "评议",
    "rate": "群众评价",
    "callback": "电话回访",
    "close": "办结归档",
    "reopen": "返回重新交办",
    "merge": "合并",
    "merged_in": "合并来件",
    "reject": "不予受理",
    "follow": "关注",
    "unfollow": "取消关注",
    "overdue": "超期催办",
    "reminder": "时限提醒",
    "rate_reminder": "评价提醒",
    "callback_listed": "列入回访",
    "publish": "结果公示",
}

ROLE_LABELS = {
    "office": "活动办",
    "leader": "分管领导",
    "unit": "承办单位",
    "supervisor": "督办小组",
    "party_office": "党政办",
    "admin": "系统管理员",
    "district": "区级督查",
}
ROLES_ALLOWED = frozenset(ROLE_LABELS)
UNIT_KINDS = {
    "department": "部门",
    "community": "社区",
    "paired_org": "结对单位党组织",
    "jurisdiction_org": "辖区单位党组织",
    "enterprise_branch": "非公企业党支部",
    "volunteer_org": "党员志愿者组织",
    "leadership": "街道班子",
}
UNIT_KINDS_ALLOWED = frozenset(UNIT_KINDS)
