"""Consents to the official account's subscribe messages (公众号订阅通知).

When a resident answers the official account's subscribe popup, WeChat tells
the webhook which templates they accepted. Each accept of a template the
office uses is one more one-time consent (one consent = one message), counted
in the same `SubscriptionGrant` rows as the mini-program's consents
(`people.record_subscriptions`).

The two kinds never mix. A grant belongs to the resident who gave it, and
openids are per app, so an official-account consent sits on an
official-account resident (`source == "oa"`) and is counted only for the
official account's subscribe-notice templates (`OA_SUBSCRIBE_*`, not the
template messages' ids); `notify` spends one when such a resident no longer
follows (so gets no template messages) and sends a subscribe notice (bizsend).
A push from an openid that is a mini-program resident's records nothing here.
"""
from collections.abc import Iterable
from datetime import datetime

from models import Resident, SubscriptionGrant, as_local
from pipeline.accounts.people import MAX_GRANTS_PER_TEMPLATE
from pipeline.messages import notify
from pipeline.rules.core import transaction

ACCEPT = "accept"
REJECT = "reject"
# A subscribe-message receipt for a user who blocked the template.
USER_BLOCKED = "failed:user block"


def official_account_templates() -> set[str]:
    """Template ids (settings, with their defaults) of the official account's subscribe notices to residents."""
    return {notify.template_id(setting) for setting in notify.OA_SUBSCRIBE_TEMPLATES.values()}


def _ours(resident: Resident, template_ids: Iterable[str]) -> list[str]:
    """The template ids that count for this resident: the office's own, and only for an official-account resident."""
    if resident is None or resident.source != "oa":
        return []
    known = official_account_templates()
    return sorted({t for t in template_ids if t in known})


def remaining(resident: Resident) -> dict[str, int]:
    """The resident's unspent consents by template id."""
    grants = SubscriptionGrant.select().where(SubscriptionGrant.resident == resident)
    return {g.template_id: g.remaining for g in grants}


def accept_popup(resident: Resident, choices: Iterable[tuple[str, str]], now: datetime | None = None) -> dict[str, int]:
    """The resident answered the subscribe popup: `choices` are (template_id, "accept"|"reject").

    Each accepted template the office uses adds one consent (at most
    `people.MAX_GRANTS_PER_TEMPLATE` banked); a reject records nothing, and
    unknown template ids are ignored. Returns the remaining consents by template.
    """
    now = as_local(now)
    accepted = _ours(resident, [template_id for template_id, status in choices if status == ACCEPT])
    with transaction():
        for template_id in accepted:
            SubscriptionGrant.insert(resident=resident, template_id=template_id, remaining=0,
                                     updated_at=now).on_conflict_ignore().execute()
            # One statement, so two pushes at once can't both read the old count.
            (SubscriptionGrant.update(remaining=SubscriptionGrant.remaining + 1, updated_at=now)
             .where((SubscriptionGrant.resident == resident) & (SubscriptionGrant.template_id == template_id)
                    & (SubscriptionGrant.remaining < MAX_GRANTS_PER_TEMPLATE))
             .execute())
    return remaining(resident)


def withdraw(resident: Resident, template_ids: Iterable[str], now: datetime | None = None) -> dict[str, int]:
    """The resident turned these templates off (in WeChat's notice settings, or blocked them):
    no consent for them is left. Unknown template ids are ignored. Returns the remaining consents."""
    now = as_local(now)
    withdrawn = _ours(resident, template_ids)
    if withdrawn:
        with transaction():
            (SubscriptionGrant.update(remaining=0, updated_at=now)
             .where((SubscriptionGrant.resident == resident) & SubscriptionGrant.template_id.in_(withdrawn)
                    & (SubscriptionGrant.remaining > 0))
             .execute())
    return remaining(resident)


def settings_changed(resident: Resident, choices: Iterable[tuple[str, str]],
                     now: datetime | None = None) -> dict[str, int]:
    """WeChat's notice settings changed: each (template_id, "reject") clears that template's consents.

    WeChat documents only rejects for this event; an accept there grants no
    message by itself, so it records nothing.
    """
    return withdraw(resident, [template_id for template_id, status in choices if status == REJECT], now=now)


def delivery_receipts(resident: Resident, receipts: Iterable[tuple[str, str]],
                      now: datetime | None = None) -> dict[str, int]:
    """Receipts of subscribe messages, (template_id, ErrorStatus): a user who blocked a
    template gets none of its consents spent on them again; other receipts change nothing."""
    blocked = [template_id for template_id, status in receipts if status == USER_BLOCKED]
    return withdraw(resident, blocked, now=now)
