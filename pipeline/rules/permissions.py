"""Who may do what: the one permission table (role × action, with the item's conditions).

Every route of the web app names the action it performs (`web.auth.allow`), and
the API, the console and the H5 pages check the person's role here before the
handler runs; nobody lists roles in a handler. The conditions that depend on
the item are the ones the operations already check: `visible` is
`pipeline.views.queries.can_view` (refused as 404, as if the item didn't exist),
the others are the transition table's guards (`pipeline.rules.guards.GUARDS`).
An item action's entry is built from its row in `TRANSITIONS`, so the table and
the operations can't disagree about an item.

To add a route: put `@allow("<action>")` on it, with an action from `PERMISSIONS`
(or a new entry below); tests/web/test_permissions.py calls it as every role.
"""
from dataclasses import dataclass

from pipeline.rules.actors import Actor
from pipeline.rules.errors import Forbidden, Unauthorized
from pipeline.rules.guards import GUARDS
from pipeline.rules.states import (
    EVENT_LABELS,
    OFFICE_ROLES,
    OVERSEERS,
    RESIDENT,
    RESIDENT_SUPERVISOR,
    ROLES_ALLOWED,
    SUPERVISING_ROLES,
    SYSTEM,
    TRANSITIONS,
)

ANONYMOUS = "anonymous"
RESIDENTS = frozenset({RESIDENT, RESIDENT_SUPERVISOR})
STAFF = frozenset(ROLES_ALLOWED)
SIGNED_IN = RESIDENTS | STAFF
ANYONE = SIGNED_IN | {ANONYMOUS}
# Who records disciplinary entries for the weekly bulletin (通报、批评、诫勉谈话、处罚).
DISCIPLINE_RECORDERS = OFFICE_ROLES | {"party_office"}

# The conditions on the item (or the record) that decide past the role.
CONDITIONS = {
    "visible": "the person may see the item (pipeline.views.queries.can_view); else 404 as if it didn't exist",
    "public": "the item is public (classified into a public category): an H5 page shows it to nobody else",
    "draft_for_office": "a bulletin still in draft is the office's; to anyone else it doesn't exist (404)",
    "unit_reach": "a unit's staff reach only items their unit leads, assists, was given on the sheet or that wait "
                  "on the claim board (pipeline.views.queries.unit_reach / staff_item); else 404",
    **{name: guard.message for name, guard in GUARDS.items()},
}
# Conditions refused as "not found" rather than "forbidden".
HIDING = frozenset({"visible", "unit_reach", "public", "draft_for_office"})


@dataclass(frozen=True)
class Rule:
    """Who may ask (roles, `anonymous` included when no login is needed), what
    must hold for the item, and the refusal a role outside `roles` gets."""

    roles: frozenset[str]
    needs: tuple[str, ...] = ()
    refusal: str = "您没有此项操作的权限"

    def allows_role(self, role: str) -> bool:
        return role in self.roles

    @property
    def person_conditions(self) -> tuple[str, ...]:
        """The conditions that tell one person from another (hiding ones and forbidding guards)."""
        return tuple(name for name in self.needs
                     if name in HIDING or GUARDS[name].error is Forbidden)


def _rule(roles: frozenset[str], *needs: str, refusal: str = "您没有此项操作的权限") -> Rule:
    return Rule(frozenset(roles), tuple(needs), refusal)


def _transition(name: str, *, within: frozenset[str] = SIGNED_IN, new: bool = False, reach: bool = False) -> Rule:
    """An item transition's row of `TRANSITIONS`, for people who reach it by a route
    (on an item they may see, unless the transition makes a `new` one; within a
    unit's reach too when the route opens it with `staff_item`)."""
    row = TRANSITIONS[name]
    seen = () if new else ("visible", "unit_reach") if reach else ("visible",)
    return Rule(frozenset(row.roles - {SYSTEM}) & within, (*seen, *row.guards),
                f"您没有“{EVENT_LABELS[name]}”的权限")


# `POST /api/v1/staff/items/<number>/<action>`: the URL's action → its transition.
ITEM_ACTIONS = {
    "classify": "classify",
    "wide_concern": "wide_concern",
    "claim": "claim",  # role "assist" (协办) has the same roles and person conditions
    "return": "return",
    "progress": "progress",
    "escalate": "escalate",
    "consult": "consult",
    "meeting": "explanation_meeting",  # and evaluation_meeting: the same roles
    "resolve": "resolve",
    "supervise": "supervise",
    "assign_supervisor": "assign_supervisor",
    "evaluate": "evaluate",
    "callback": "callback",
    "merge": "merge",
    "reject": "reject",
}

PERMISSIONS: dict[str, Rule] = {
    # Open to anyone: sign-in, the public lists, H5 pages, static files, health checks.
    "public": _rule(ANYONE),
    "sign_in": _rule(ANYONE),
    "sign_out": _rule(SIGNED_IN),
    "me.read": _rule(SIGNED_IN),
    # Items as the public and residents see them.
    "item.read": _rule(ANYONE, "visible"),
    "item.public_page": _rule(ANYONE, "public"),
    "photo.read": _rule(ANYONE, "visible"),
    "photo.upload": _rule(SIGNED_IN),
    "item.report": _rule(RESIDENTS),
    "items.mine": _rule(RESIDENTS),
    "item.rate": _transition("rate"),
    "item.follow": _transition("follow"),
    "item.unfollow": _transition("unfollow"),
    # A resident supervisor's 督办评议 from the mini-program, and their list (followed, of their badge's area).
    # (The route always evaluates as a supervisor; the operation checks the rest of `evaluate`'s row.)
    "item.supervisor_evaluation": _rule(frozenset({RESIDENT_SUPERVISOR}), "visible",
                                        refusal="只有群众督办员可以填写督办评议"),
    "items.supervised": _rule(RESIDENTS),
    "subscriptions.record": _rule(RESIDENTS),
    "profile.own": _rule(RESIDENTS),
    # 个人信息保护法: a resident's download of their data, and deleting their account.
    "personal_data.export": _rule(RESIDENTS),
    "personal_data.delete": _rule(RESIDENTS),
    "badge.bind": _rule(RESIDENTS),
    # Staff at work.
    "item.collect_offline": _transition("collect", within=STAFF, new=True),
    "items.work_list": _rule(STAFF),
    "item.staff_view": _rule(STAFF, "visible", "unit_reach"),
    # The assignment sheet (交办单) as a page and a PDF: the staff detail on paper, so the same reach.
    "item.sheet": _rule(STAFF, "visible", "unit_reach"),
    # The A5 site notice (现场公示牌) is posted in the street: a public item only, within the same reach.
    "item.site_notice": _rule(STAFF, "visible", "unit_reach", "public"),
    "photo.staff_read": _rule(STAFF, "visible"),
    # Staff reach an item's actions through `staff_item` (unit reach); residents through `can_view`.
    **{f"item.{action}": _transition(name, reach=True) for action, name in ITEM_ACTIONS.items()},
    # An action the URL names that the API doesn't know: signed-in people are told so (404 unknown_action).
    "item.unknown_action": _rule(SIGNED_IN),
    "units.list": _rule(STAFF),
    "communities.read": _rule(STAFF),
    "communities.manage": _rule(OFFICE_ROLES, refusal="只有活动办可以维护社区名单"),
    "users.list": _rule(STAFF),
    "stats.read": _rule(STAFF),
    "account.own": _rule(STAFF),
    # Badges (督办证): the office issues, revokes and prints them.
    "badges.manage": _rule(OFFICE_ROLES, refusal="只有活动办可以管理督办证"),
    # Who was shown a reporter's phone number: the office's log.
    "phone_views.read": _rule(OFFICE_ROLES, refusal="只有活动办和系统管理员可以查看"),
    # A staff supervisor's list (督查督办): pipeline.views.oversight.STAFF_SUPERVISORS.
    "supervision.read": _rule(SUPERVISING_ROLES & STAFF, refusal="只有督办人员可以查看督办事项"),
    # Routines: bulletins, discipline, cadre visits, call-backs, digests.
    "bulletins.list": _rule(STAFF),
    "bulletins.read": _rule(STAFF, "draft_for_office"),
    "bulletins.edit": _rule(OFFICE_ROLES),
    "discipline.read": _rule(OVERSEERS),
    "discipline.record": _rule(DISCIPLINE_RECORDERS, refusal="只有活动办或党政办可以登记作风问题处理"),
    "visits.own": _rule(STAFF),
    "visits.for_others": _rule(OFFICE_ROLES, refusal="只能登记本人的走访"),
    "visits.read_all": _rule(OVERSEERS),
    # 座谈会、书面调查: any cadre records one with its opinions; the organisation reads all.
    "gatherings.record": _rule(STAFF),
    "gatherings.read": _rule(STAFF),
    "gatherings.read_all": _rule(OVERSEERS),
    "visit_checks.read": _rule(OVERSEERS),
    # The party–government office records what its spot check of a month's sample found.
    "visit_checks.find": _rule(frozenset({"party_office"}), refusal="只有党政办可以登记走访抽查结果"),
    # The office's own data: the category tree, the working-day calendar, units and accounts.
    "categories.read": _rule(STAFF),
    "categories.manage": _rule(OFFICE_ROLES, refusal="只有活动办可以维护分类"),
    "calendar.read": _rule(STAFF),
    "calendar.manage": _rule(OFFICE_ROLES, refusal="只有活动办可以维护节假日"),
    "units.manage": _rule(OFFICE_ROLES, refusal="只有活动办可以维护单位"),
    "users.manage": _rule(OFFICE_ROLES, refusal="只有活动办可以管理账号"),
    # The district's street offices (街道): its admin only (an office's admin is refused by the operation).
    "offices.manage": _rule(frozenset({"admin"}), refusal="只有区级管理员可以管理街道"),
    "callbacks.read": _rule(OVERSEERS, refusal="只有活动办和街道领导可以查看回访名单"),
    # Oversight figures (数据看板, 考核): the office, leaders and the party–government office.
    "dashboard.read": _rule(OVERSEERS, refusal="只有活动办、街道领导和党政办可以查看数据看板"),
    "assessment.read": _rule(OVERSEERS, refusal="只有活动办、街道领导和党政办可以查看考核"),
    "assessment.weights": _rule(OFFICE_ROLES, refusal="只有活动办可以修改考核权重"),
    # The item list as Excel: the list's own filters and reach (a unit exports what it may see).
    "items.export": _rule(STAFF),
    "digests.read": _rule(OVERSEERS),
}


def item_action(action: str) -> str:
    """The table's action for `POST /api/v1/staff/items/<number>/<action>`."""
    return f"item.{action}" if action in ITEM_ACTIONS else "item.unknown_action"


def rule(action: str) -> Rule:
    """The table's entry for `action` (KeyError names an action nobody declared)."""
    return PERMISSIONS[action]


def role_of(actor: Actor | None) -> str:
    return ANONYMOUS if actor is None else actor.role


def permitted(action: str, actor: Actor | None) -> bool:
    """Whether the person's role may do `action` at all (the item's conditions aside)."""
    return PERMISSIONS[action].allows_role(role_of(actor))


def require(action: str, actor: Actor | None) -> None:
    """Raise Unauthorized (nobody signed in) or Forbidden unless `actor`'s role may do `action`."""
    entry = PERMISSIONS[action]
    if entry.allows_role(role_of(actor)):
        return
    if actor is None:
        raise Unauthorized("请先登录", code="unauthorized")
    if entry.roles <= RESIDENTS and actor.kind != "resident":
        raise Forbidden("该功能仅限群众使用", code="forbidden")
    if entry.roles <= STAFF and actor.kind != "staff":
        raise Forbidden("该功能仅限工作人员使用", code="forbidden")
    raise Forbidden(entry.refusal, code="forbidden")


COLUMNS = (ANONYMOUS, RESIDENT, RESIDENT_SUPERVISOR, "supervisor", "unit", "leader", "office", "party_office", "admin",
           "district")


def markdown() -> str:
    """The table as docs/permissions.md shows it: one row per action, one column per role."""
    lines = ["# Who may do what (generated from pipeline/rules/permissions.py)", "",
             "Regenerate with `python -m pipeline.rules.permissions > docs/permissions.md`;",
             "tests/web/test_permissions.py checks every route against the table and this page against it.",
             "✓: the role may, when the row's conditions on the item hold too (see \"Who may do what\" in",
             "docs/DESIGN.md). `supervisor` is the cadre supervisor (督办小组), `resident_supervisor` a badge holder,",
             "`district` the district's own 区级督查 (every street office's items; the others only their office's).", "",
             "| action | conditions | " + " | ".join(COLUMNS) + " |",
             "|---|---|" + "---|" * len(COLUMNS)]
    for name, entry in PERMISSIONS.items():
        marks = " | ".join("✓" if role in entry.roles else "" for role in COLUMNS)
        lines.append(f"| `{name}` | {', '.join(entry.needs)} | {marks} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(markdown(), end="")
