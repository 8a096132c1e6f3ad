"""Sending outbox rows: the right call, field limits, and what each error means."""
import pytest

from models import Outbox
from wechat.client import make_client
from wechat.outbound import deliver, kind_for

FIELDS = {
    "character_string1": {"value": "20260302-0001"},
    "thing2": {"value": "小区东门路灯坏了三天晚上很黑老人出门不方便请尽快修"},
    "phrase3": {"value": "办理中"},
    "time4": {"value": "2026-03-02 09:00"},
    "thing5": {"value": "已交办"},
}


def row(channel="oa_template", openid="o-resident-1", page="pages/item/item?number=20260302-0001", dedup_key="k",
        **extra):
    return Outbox(
        dedup_key=dedup_key, kind="classified", channel=channel,
        template_id="tpl-item-progress" if channel == "oa_template" else "sub-item-progress",
        openid=openid, data=FIELDS, page=page, **extra,
    )


@pytest.fixture
def clients(wx_db, wx_config):
    return {"oa": make_client(wx_config, "oa"), "mp": make_client(wx_config, "mp")}


def test_template_message_is_sent_with_mini_program_link(clients, wx_fake):
    result = deliver(row(), clients["oa"])
    assert result.outcome == "sent" and result.msgid
    body = wx_fake.sends()[0]["json"]
    assert body["touser"] == "o-resident-1"
    assert body["template_id"] == "tpl-item-progress"
    assert body["miniprogram"] == {"appid": "wx-test-mp", "pagepath": "pages/item/item?number=20260302-0001"}
    assert len(body["data"]["thing2"]["value"]) == 20
    assert body["data"]["thing2"]["value"].endswith("…")
    assert body["data"]["character_string1"]["value"] == "20260302-0001"


def test_h5_page_becomes_the_template_url(clients, wx_fake):
    assert deliver(row(page="https://example.org/items/1"), clients["oa"]).outcome == "sent"
    body = wx_fake.sends()[0]["json"]
    assert body["url"] == "https://example.org/items/1" and "miniprogram" not in body


def test_subscribe_message_goes_through_the_mini_program_client(clients, wx_fake):
    result = deliver(row(channel="mp_subscribe"), clients)  # a mapping picks the client
    assert result.outcome == "sent"
    call = wx_fake.sends()[0]
    assert call["path"] == "cgi-bin/message/subscribe/send"
    assert call["json"]["miniprogram_state"] == "developer"
    assert call["json"]["lang"] == "zh_CN"
    assert call["json"]["page"] == "pages/item/item?number=20260302-0001"
    token_appids = [c["query"]["appid"] for c in wx_fake.calls_to("cgi-bin/token")]
    assert token_appids == ["wx-test-mp"]


@pytest.mark.parametrize("errcode, outcome", [
    (43004, "undeliverable"), (43101, "undeliverable"), (40003, "undeliverable"), (47003, "undeliverable"),
    (40001, "refresh_token"), (42001, "refresh_token"),
    (45009, "retry"), (-1, "retry"),
])
def test_error_codes(clients, wx_fake, errcode, outcome):
    wx_fake.fail_next("message/", errcode)
    result = deliver(row(channel="mp_subscribe" if errcode == 43101 else "oa_template"), clients)
    assert result.outcome == outcome
    assert result.errcode == errcode
    assert str(errcode) in result.error


def test_user_not_following_is_undeliverable(clients, wx_fake):
    wx_fake.unfollowed.add("o-gone")
    result = deliver(row(openid="o-gone"), clients)
    assert (result.outcome, result.errcode) == ("undeliverable", 43004)


def test_invalid_token_then_refresh_once_and_send(clients, wx_fake):
    deliver(row(dedup_key="another"), clients)
    wx_fake.invalidate_tokens()
    first = deliver(row(), clients)
    assert first.outcome == "refresh_token"
    clients["oa"].fetch_access_token()  # what the dispatcher does, once
    assert deliver(row(), clients).outcome == "sent"
    assert len(wx_fake.sends()) == 2


def test_a_template_send_answered_without_msgid_is_asked_again_under_its_client_msg_id(clients, wx_fake):
    deliver(row(dedup_key="token first"), clients)
    wx_fake.fail_next("template/send", 0)  # errcode 0 and no msgid
    unsure = deliver(row(), clients)
    assert unsure.outcome == "retry" and "msgid" in unsure.error
    again = deliver(row(), clients)
    assert again.outcome == "sent" and again.msgid
    sent = wx_fake.sends()
    assert sent[-1]["json"]["client_msg_id"] == sent[-2]["json"]["client_msg_id"]


@pytest.mark.parametrize("action", ["drop", "http500"])
def test_network_failures_are_retried(clients, wx_fake, action):
    deliver(row(), clients)  # token first
    wx_fake.fail_next("template/send", action)
    assert deliver(row(), clients).outcome == "retry"


def test_timeout_is_retried(wx_db, wx_config, wx_fake):
    client = make_client(wx_config, "oa", timeout=0.3)
    client.fetch_access_token()
    wx_fake.slow_seconds = 1.0
    wx_fake.fail_next("template/send", "timeout")
    result = deliver(row(), client)
    assert (result.outcome, result.error) == ("retry", "timeout")


def test_unbound_staff_row_is_undeliverable_without_a_call(clients, wx_fake):
    assert deliver(row(openid=None), clients).outcome == "undeliverable"
    assert deliver(row(channel="sms"), clients).outcome == "undeliverable"
    assert wx_fake.calls == []


def test_channel_kinds():
    assert kind_for("oa_template") == "oa" and kind_for("mp_subscribe") == "mp"
