"""The inbound record behind the webhook: dedup rows, signed-query binding, senders, purge, receipts."""
from datetime import timedelta

import pytest
from peewee import IntegrityError

from models import Badge, InboundMessage, Outbox, Resident
from pipeline.messages import inbound
from pipeline.rules.actors import known_resident_actor
from pipeline.rules.states import RESIDENT, RESIDENT_SUPERVISOR


def test_remember_and_recall(app, now):
    assert inbound.recall("m:o-1:1:text") is None
    inbound.remember("m:o-1:1:text", "o-1", "text", "<xml>reply</xml>", now=now)
    assert inbound.recall("m:o-1:1:text").reply == "<xml>reply</xml>"
    with pytest.raises(IntegrityError):
        inbound.remember("m:o-1:1:text", "o-1", "text", "other", now=now)
    row = InboundMessage.get()
    assert (row.openid, row.msg_type, row.created_at) == ("o-1", "text", now)


def test_a_signed_query_belongs_to_one_push(app, now):
    signature = inbound.plain_signature("1700000000", "abc")
    assert not inbound.signature_used(signature)
    inbound.remember("m:o-1:1:text", "o-1", "text", "", signature=signature, now=now)
    assert inbound.signature_used(signature)
    with pytest.raises(IntegrityError):
        inbound.remember("m:o-2:9:text", "o-2", "text", "", signature=signature, now=now)
    inbound.remember("m:o-2:9:text", "o-2", "text", "", signature=inbound.plain_signature("1700000000", "other"),
                     now=now)
    inbound.remember("e:o-3:1:subscribe", "o-3", "event:subscribe", "", now=now)  # safe mode: no signature
    inbound.remember("e:o-4:1:subscribe", "o-4", "event:subscribe", "", now=now)
    assert InboundMessage.select().count() == 4


def test_purge_forgets_old_pushes(app, now):
    inbound.remember("old", "o-1", "text", "", now=now - timedelta(days=3))
    inbound.remember("new", "o-1", "text", "", now=now)
    assert inbound.purge(now - timedelta(days=2)) == 1
    assert [r.dedup_key for r in InboundMessage.select()] == ["new"]


def test_known_sender_is_one_read_that_never_creates(app, world, now):
    actor = known_resident_actor("oa-openid-zhang", now.date())
    assert (actor.resident, actor.id, actor.role) == (world.residents["zhang"], world.residents["zhang"].id, RESIDENT)
    assert known_resident_actor("o-stranger", now.date()) is None
    assert known_resident_actor("", now.date()) is None
    assert Resident.select().count() == len(world.residents)


def test_known_sender_with_a_valid_badge_acts_as_supervisor(app, world, now):
    resident = world.residents["zhang"]
    Badge.create(number="B-1", token="t-1", kind="resident", name="张", resident=resident, valid_until=now.date(),
                 created_at=now)
    assert known_resident_actor("oa-openid-zhang", now.date()).role == RESIDENT_SUPERVISOR
    assert known_resident_actor("oa-openid-zhang", now.date() + timedelta(days=1)).role == RESIDENT


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
