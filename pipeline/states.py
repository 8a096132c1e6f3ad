"""Statuses, their named groups, and the one transition table.

Nobody lists statuses inline: use OPEN, CLAIMABLE, ... from here.
"""

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
FINISHED = frozenset({CLOSED, MERGED, REJECTED})
CLAIMABLE = frozenset({CLASSIFIED})
# Statuses in which a deadline runs (overdue is derived from these plus `due`).
UNDER_DEADLINE = frozenset({CLASSIFIED, CLAIMED})
TRIAGE = frozenset({COLLECTED, CLASSIFIED})
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
}
OFFLINE_CHANNELS = frozenset(CHANNELS) - {"wechat", "miniprogram"}

RESIDENT = "resident"
RESIDENT_SUPERVISOR = "resident_supervisor"
SYSTEM = "system"
OFFICE_ROLES = frozenset({"office", "admin"})
# The organisation (组织): sees every item, evaluates as the organisation, reads the routines' reports.
OVERSEERS = OFFICE_ROLES | frozenset({"leader", "party_office"})
SUPERVISING_ROLES = frozenset({"supervisor", RESIDENT_SUPERVISOR, "office", "leader", "admin"})

# action -> (statuses it may start from, roles that may do it, status it leads to;
# None keeps the status). Role checks that depend on the item (the claiming unit,
# the reporter) are made by the operation itself.
TRANSITIONS = {
    "collect": (frozenset({None}), frozenset({RESIDENT, RESIDENT_SUPERVISOR, "office", "admin", SYSTEM}), COLLECTED),
    "classify": (TRIAGE, OFFICE_ROLES, CLASSIFIED),
    "claim": (CLAIMABLE, frozenset({"unit"}) | OFFICE_ROLES, CLAIMED),
    "assist": (frozenset({CLAIMED}), frozenset({"unit"}) | OFFICE_ROLES, None),
    "return": (frozenset({CLASSIFIED, CLAIMED}), frozenset({"unit"}), COLLECTED),
    "progress": (frozenset({CLAIMED}), frozenset({"unit"}) | OFFICE_ROLES, None),
    "escalate": (frozenset({CLAIMED}), frozenset({"unit"}), None),
    "consult": (frozenset({CLAIMED}), frozenset({"leader"}) | OFFICE_ROLES, None),
    "explanation_meeting": (frozenset({CLASSIFIED, CLAIMED}), OFFICE_ROLES, None),
    "evaluation_meeting": (frozenset({RESOLVED}), OFFICE_ROLES, None),
    "resolve": (frozenset({CLAIMED}), frozenset({"unit"}) | OFFICE_ROLES, RESOLVED),
    "supervise": (OPEN, SUPERVISING_ROLES, None),
    "evaluate": (frozenset({RESOLVED, CLOSED}), frozenset({"office", "leader", "party_office", "admin", "supervisor", RESIDENT_SUPERVISOR}), None),
    "rate": (frozenset({RESOLVED}), frozenset({RESIDENT, RESIDENT_SUPERVISOR}), None),
    "callback": (frozenset({RESOLVED}), OFFICE_ROLES, None),
    "merge": (TRIAGE, OFFICE_ROLES, MERGED),
    "reject": (TRIAGE, OFFICE_ROLES, REJECTED),
    # Outcomes of step 6, reached only through rate/callback/evaluation meetings.
    "close": (frozenset({RESOLVED}), frozenset({RESIDENT, RESIDENT_SUPERVISOR, SYSTEM}) | OFFICE_ROLES, CLOSED),
    "reopen": (frozenset({RESOLVED}), frozenset({RESIDENT, RESIDENT_SUPERVISOR, SYSTEM}) | OFFICE_ROLES, CLASSIFIED),
}

EVENT_LABELS = {
    "collect": "意见收集",
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
}
ROLES_ALLOWED = frozenset(ROLE_LABELS)
UNIT_KINDS_ALLOWED = frozenset({"department", "community", "paired_org", "jurisdiction_org", "enterprise_branch",
                                "volunteer_org", "leadership"})
