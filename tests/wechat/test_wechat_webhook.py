"""The /wechat endpoint as WeChat's servers use it: URL check, signatures, safe
mode, timestamps, unreadable bodies, retries — every answer under a second."""
import re
import time

import pytest

from models import InboundMessage, Item
from wechat import simulate
from wechat.security import sign

NUMBER = re.compile(r"\d{8}-\d{4}")
BOMB = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<xml><ToUserName>gh</ToUserName><FromUserName>o-bomb</FromUserName><CreateTime>1</CreateTime>
<MsgType>text</MsgType><Content>&lol3;</Content><MsgId>1</MsgId></xml>"""
EXTERNAL = """<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<xml><ToUserName>gh</ToUserName><FromUserName>o-xxe</FromUserName><CreateTime>1</CreateTime>
<MsgType>text</MsgType><Content>&xxe;</Content><MsgId>2</MsgId></xml>"""
REPORT = "全椒路社区5号楼门口的路灯坏了一个星期，晚上很黑"


def keeps_serving(wx):
    answer = wx.text("o-after", REPORT)
    assert answer.status == 200 and NUMBER.search(answer.content)


def test_url_check_echoes_echostr(wx):
    stamp = str(int(time.time()))
    query = {"signature": sign(wx.token, stamp, "n1"), "timestamp": stamp, "nonce": "n1", "echostr": "e-123"}
    answer = wx.client.get("/wechat", query_string=query)
    assert (answer.status_code, answer.data) == (200, b"e-123")
    forged = wx.client.get("/wechat", query_string={**query, "signature": "0" * 40})
    assert forged.status_code == 403
    stale = str(int(time.time()) - 301)
    old = wx.client.get("/wechat", query_string={**query, "timestamp": stale, "signature": sign(wx.token, stale, "n1")})
    assert old.status_code == 403


def test_text_gets_a_reply_in_the_push_mode(wx):
    answer = wx.text("o-1", REPORT)
    assert answer.status == 200 and answer.seconds < 1
    if wx.mode == "aes":
        assert b"<Encrypt>" in answer.body and "路灯" not in answer.body.decode()
    assert "<ToUserName><![CDATA[o-1]]></ToUserName>" in answer.reply
    assert NUMBER.search(answer.content)


def test_forged_signature_is_refused(wx):
    params, body = wx.signed(simulate.text("o-1", REPORT))
    key = "msg_signature" if wx.mode == "aes" else "signature"
    answer = wx.post_raw({**params, key: "f" * 40}, body)
    assert answer.status == 403 and answer.seconds < 1
    assert Item.select().count() == 0
    keeps_serving(wx)


def test_stale_and_future_timestamps_are_refused(wx):
    for offset in (-301, 301, -86400):
        answer = wx.send(simulate.text("o-1", REPORT), timestamp=int(time.time()) + offset)
        assert answer.status == 403
    answer = wx.send(simulate.text("o-1", REPORT), timestamp=int(time.time()) - 250)
    assert answer.status == 200
    assert Item.select().count() == 1


def test_entity_expansion_and_external_entities_are_refused(wx):
    for xml in (BOMB, EXTERNAL):
        answer = wx.send(xml)
        assert answer.status == 400 and answer.seconds < 1
    assert Item.select().count() == 0
    keeps_serving(wx)


def test_truncated_and_non_xml_bodies(wx):
    whole = simulate.text("o-1", REPORT)
    for body in (whole[: len(whole) // 2], "这不是XML", "{\"json\": true}", "", "<xml></xml>", "<xml><a>1</a></xml>"):
        answer = wx.send(body)
        assert answer.status == 400, body
        assert answer.seconds < 1
    keeps_serving(wx)


def test_a_signed_query_cannot_carry_another_body(wx):
    params, body = wx.signed(simulate.text("o-1", REPORT))
    assert wx.post_raw(params, body).status == 200
    other = simulate.text("o-attacker", "另一条内容完全不同的消息，冒用签名")
    if wx.mode == "aes":
        # Safe mode: msg_signature covers the ciphertext, so a new body fails the check.
        _, other_body = wx.signed(other, timestamp=params["timestamp"], nonce=params["nonce"])
        assert wx.post_raw(params, other_body).status == 403
    else:
        assert wx.post_raw(params, other.encode()).status == 403
    assert Item.select().count() == 1


def test_mode_mismatch_is_refused(wx, app):
    params, body = simulate.signed(simulate.text("o-1", REPORT), wx.token)
    if wx.mode == "aes":  # safe mode on: plaintext pushes are not trusted
        assert wx.post_raw(params, body).status == 403
    else:  # no key configured: an encrypted push can't be read
        params, body = simulate.signed(simulate.text("o-1", REPORT), wx.token, wx.AES_KEY, wx.appid)
        assert wx.post_raw(params, body).status == 403


def test_oversized_body(wx):
    answer = wx.send(simulate.text("o-1", "长" * 40000))
    assert answer.status == 413


def test_retried_message_gets_the_same_reply_and_creates_nothing(wx):
    xml = simulate.text("o-retry", REPORT, msg_id=987654321)
    first = wx.send(xml)
    for _ in range(3):  # WeChat retries up to three times, each with a new signature
        again = wx.send(xml)
        assert again.status == 200 and again.content == first.content
    assert Item.select().count() == 1
    assert InboundMessage.select().where(InboundMessage.msg_type == "text").count() == 1


def test_retried_event_gets_the_same_reply(wx):
    xml = simulate.event("o-sub", "subscribe", create_time=1_700_000_000)
    first = wx.send(xml)
    second = wx.send(xml)
    assert first.content and second.content == first.content
    # The same event at another time is a new event.
    third = wx.send(simulate.event("o-sub", "unsubscribe", create_time=1_700_000_100))
    assert third.reply == "success"
    assert InboundMessage.select().where(InboundMessage.msg_type.startswith("event:")).count() == 2


def test_unknown_types_get_success(wx):
    for xml in (simulate.push_xml("shortvideo", "o-1", {"MediaId": "m", "ThumbMediaId": "t"}),
                simulate.push_xml("miniprogrampage", "o-1", {"Title": "t"}),
                simulate.event("o-1", "VIEW", "https://example.org"),
                simulate.event("o-1", "CLICK", "NO_SUCH_KEY"),
                simulate.event("o-1", "LOCATION")):
        answer = wx.send(xml)
        assert (answer.status, answer.body) == (200, b"success")


def test_cdata_end_in_echoed_text_is_escaped(wx):
    wx.text("o-cdata", REPORT)
    answer = wx.voice("o-cdata", recognition="门口]]><xml>有积水")
    assert answer.status == 200
    assert "门口]]><xml>有积水" in answer.content


def test_simultaneous_retries_create_one_item(wx, app):
    """WeChat's retry can arrive while the first attempt is still being handled."""
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    xml = simulate.text("o-race", REPORT, msg_id=424242)
    answers = []

    def push():
        import requests

        params, body = wx.signed(xml)
        answers.append(requests.post(f"http://127.0.0.1:{server.server_port}/wechat", params=params, data=body,
                                     timeout=10))

    threads = [threading.Thread(target=push) for _ in range(4)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        server.shutdown()
    assert [a.status_code for a in answers] == [200] * 4
    replies = {simulate.reply_content(simulate.open_reply(a.content, wx.token, wx.aes_key, wx.appid)) for a in answers}
    assert len(replies) == 1 and NUMBER.search(replies.pop())
    assert Item.select().count() == 1


def test_an_overlong_sender_still_gets_an_answer(wx):
    answer = wx.text("o" * 200, REPORT)
    assert answer.status == 200 and NUMBER.search(answer.content)


def test_wechat_is_never_rate_limited_while_the_console_is(config, world):
    """WeChat's servers must never be told to slow down; the API keeps its limits."""
    from app import create_app

    app = create_app({**config, "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://",
                      "RATELIMIT_DEFAULT": "3/minute"})
    client = app.test_client()
    for i in range(8):
        params, body = simulate.signed(simulate.text(f"o-{i}", REPORT, msg_id=500 + i), config["WECHAT_TOKEN"])
        answer = client.post("/wechat", query_string=params, data=body, content_type="text/xml")
        assert answer.status_code == 200 and NUMBER.search(answer.get_data(as_text=True))
    statuses = [client.get("/api/v1/board").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert Item.select().count() == 8


def test_the_server_url_with_a_trailing_slash_works(wx):
    # An admin may type https://host/wechat/ into the console: the check and the pushes must still work.
    stamp = str(int(time.time()))
    query = {"signature": sign(wx.token, stamp, "n2"), "timestamp": stamp, "nonce": "n2", "echostr": "e-456"}
    answer = wx.client.get("/wechat/", query_string=query)
    assert (answer.status_code, answer.data) == (200, b"e-456")
    params, body = wx.signed(simulate.text("o-slash", REPORT))
    pushed = wx.client.post("/wechat/", query_string=params, data=body, content_type="text/xml")
    assert pushed.status_code == 200
    reply = simulate.open_reply(pushed.data, wx.token, wx.aes_key, wx.appid)
    assert NUMBER.search(simulate.reply_content(reply))
    assert wx.client.get("/wechat/x").status_code == 404


@pytest.mark.parametrize("field", ["FromUserName", "MsgType", "Content", "MsgId"])
def test_a_repeated_element_is_a_bad_push_not_an_error_page(wx, field):
    """Two <FromUserName> (or any repeated field) in a signed push: 400, nothing kept (issue 13, finding 7)."""
    xml = simulate.text("o-1", REPORT)
    start = xml.index(f"<{field}>")
    end = xml.index(f"</{field}>", start) + len(f"</{field}>")
    doubled = xml[:end] + xml[start:end].replace("o-1", "o-2") + xml[end:]
    answer = wx.send(doubled)
    assert answer.status == 400
    assert b"<html" not in answer.body.lower()
    assert Item.select().count() == 0
    keeps_serving(wx)
