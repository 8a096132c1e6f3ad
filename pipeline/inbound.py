"""WeChat pushes already handled, and WeChat's delivery receipts for outbox rows.

WeChat retries a push it got no answer to within 5 seconds, up to three times:
a push whose key was seen gets the stored reply and changes nothing. The row
is written in the same transaction as whatever the push did, so a crash
leaves neither, and a retry racing the first attempt loses on the unique key.
"""
from models import InboundMessage, Outbox, as_local

NONCE_PREFIX = "nonce:"


def recall(key):
    """The stored handling of a push (`.reply`), or None."""
    return InboundMessage.get_or_none(InboundMessage.dedup_key == key)


def remember(key, openid, msg_type, reply, now=None):
    """Record a handled push and its reply (raises IntegrityError if already recorded)."""
    return InboundMessage.create(dedup_key=key, openid=(openid or "")[:64] or None, msg_type=msg_type[:32],
                                 reply=reply, created_at=as_local(now))


def claim_nonce(timestamp, nonce, key, now=None):
    """Tie a plain-mode signature (timestamp + nonce) to one push.

    Plain mode's signature doesn't cover the body, so a captured query could
    carry any other body; returns False when this nonce already came with a
    different push. Call inside the transaction that handles the push.
    """
    nonce_key = f"{NONCE_PREFIX}{timestamp}:{nonce}"[:191]
    row = InboundMessage.get_or_none(InboundMessage.dedup_key == nonce_key)
    if row is not None:
        return row.reply == key
    InboundMessage.create(dedup_key=nonce_key, msg_type="nonce", reply=key, created_at=as_local(now))
    return True


def purge(before):
    """Forget pushes handled before `before` (WeChat stops retrying after seconds)."""
    return InboundMessage.delete().where(InboundMessage.created_at < before).execute()


def delivery_receipt(msgid, status, now=None):
    """TEMPLATESENDJOBFINISH: WeChat tells whether a template message reached the user.

    "success" confirms the row as sent; "failed:user block" (the user refused
    messages) makes it undeliverable; other failures mark it failed. Returns
    the outbox row, or None if no row carries this msgid.
    """
    now = as_local(now)
    row = Outbox.get_or_none(Outbox.wechat_msgid == str(msgid)) if msgid else None
    if row is None:
        return None
    status = (status or "").strip()
    if status == "success":
        changes = {"status": "sent", "sent_at": row.sent_at or now}
    elif "block" in status:
        changes = {"status": "undeliverable", "last_error": f"WeChat: {status}"}
    else:
        changes = {"status": "failed", "last_error": f"WeChat: {status or 'failed'}"}
    Outbox.update(**changes).where(Outbox.id == row.id).execute()
    for name, value in changes.items():
        setattr(row, name, value)
    return row
