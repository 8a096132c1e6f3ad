"""The inbound record behind the webhook: dedup rows, nonce binding, purge, receipts."""
from datetime import timedelta

import pytest
from peewee import IntegrityError

from models import InboundMessage, Outbox
from pipeline import inbound


def test_remember_and_recall(app, now):
    assert inbound.recall("m:o-1:1:text") is None
    inbound.remember("m:o-1:1:text", "o-1", "text", "<xml>reply</xml>", now=now)
    assert inbound.recall("m:o-1:1:text").reply == "<xml>reply</xml>"
    with pytest.raises(IntegrityError):
        inbound.remember("m:o-1:1:text", "o-1", "text", "other", now=now)
    row = InboundMessage.get()
    assert (row.openid, row.msg_type, row.created_at) == ("o-1", "text", now)


def test_a_nonce_belongs_to_one_push(app, now):
    assert inbound.claim_nonce("1700000000", "abc", "m:o-1:1:text", now=now)
    assert inbound.claim_nonce("1700000000", "abc", "m:o-1:1:text", now=now)  # the same push again
    assert not inbound.claim_nonce("1700000000", "abc", "m:o-2:9:text", now=now)
    assert inbound.claim_nonce("1700000000", "other", "m:o-2:9:text", now=now)


def test_purge_forgets_old_pushes(app, now):
    inbound.remember("old", "o-1", "text", "", now=now - timedelta(days=3))
    inbound.remember("new", "o-1", "text", "", now=now)
    assert inbound.purge(now - timedelta(days=2)) == 1
    assert [r.dedup_key for r in InboundMessage.select()] == ["new"]


def test_known_sender_never_creates(app, world):
    assert inbound.known_sender("oa-openid-zhang") == world.residents["zhang"]
    assert inbound.known_sender("o-stranger") is None
    assert inbound.known_sender("") is None


@pytest.mark.parametrize("status, expected", [
    ("success", "sent"), ("failed:user block", "undeliverable"), ("failed: system failed", "failed"),
])
def test_delivery_receipts(flow, now, status, expected):
    item = flow.classified(reporter="zhang")
    row = Outbox.select().where((Outbox.item == item) & Outbox.resident.is_null(False)).first()
    Outbox.update(status="sent", wechat_msgid="777", sent_at=None).where(Outbox.id == row.id).execute()
    updated = inbound.delivery_receipt("777", status, now=now)
    assert updated.id == row.id
    fresh = Outbox.get_by_id(row.id)
    assert fresh.status == expected
    if expected == "sent":
        assert fresh.sent_at == now
    else:
        assert status in fresh.last_error
    assert inbound.delivery_receipt("778", "success", now=now) is None
    assert inbound.delivery_receipt(None, "success", now=now) is None
