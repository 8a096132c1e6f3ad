"""Signature, timestamp window, safe-mode crypto and safe XML parsing."""
import time

import pytest
from wechatpy.crypto import WeChatCrypto

from wechat.security import BadPush, Refused, SafeMode, check_signature, check_timestamp, escape_cdata, parse, sign

from wechat_support import AES_KEY

TEXT = """<xml><ToUserName><![CDATA[gh_1]]></ToUserName><FromUserName><![CDATA[o-1]]></FromUserName>
<CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[路灯坏了]]></Content>
<MsgId>42</MsgId></xml>"""


def test_signature_check():
    stamp = str(int(time.time()))
    good = sign("tok", stamp, "n1")
    check_signature("tok", good, stamp, "n1")
    flipped = good[:-1] + ("1" if good[-1] == "0" else "0")
    for forged in (flipped, good.upper() if good != good.upper() else good + "0", "", None, "中文"):
        with pytest.raises(Refused):
            check_signature("tok", forged, stamp, "n1")
    with pytest.raises(Refused):
        check_signature("tok", good, stamp, "")


def test_timestamp_window():
    now = 1_800_000_000
    assert check_timestamp(str(now - 300), now=now) == now - 300
    check_timestamp(str(now + 300), now=now)
    for stale in (str(now - 301), str(now + 301), "", "abc", None):
        with pytest.raises(Refused):
            check_timestamp(stale, now=now)


def test_safe_mode_round_trip_with_wechatpys_crypto():
    wechat_side = WeChatCrypto("tok", AES_KEY, "wx-app")
    stamp = str(int(time.time()))
    sealed = wechat_side.encrypt_message(TEXT, "nonce1", stamp)
    import xmltodict

    envelope = xmltodict.parse(sealed)["xml"]
    ours = SafeMode("tok", AES_KEY, "wx-app")
    body = f"<xml><ToUserName>gh_1</ToUserName><Encrypt><![CDATA[{envelope['Encrypt']}]]></Encrypt></xml>"
    assert ours.decrypt(body, envelope["MsgSignature"], stamp, "nonce1") == TEXT
    with pytest.raises(Refused):
        ours.decrypt(body, envelope["MsgSignature"], stamp, "other-nonce")
    with pytest.raises(Refused):  # sealed for another account
        SafeMode("tok", AES_KEY, "wx-other").decrypt(body, envelope["MsgSignature"], stamp, "nonce1")
    reply = ours.encrypt("<xml><Content><![CDATA[好]]></Content></xml>", "n2", stamp)
    back = xmltodict.parse(reply)["xml"]
    assert wechat_side.decrypt_message(reply, back["MsgSignature"], stamp, "n2").endswith("</xml>")


def test_corrupt_ciphertext_is_a_bad_push():
    ours = SafeMode("tok", AES_KEY, "wx-app")
    stamp = str(int(time.time()))
    body = "<xml><Encrypt><![CDATA[bm90IGNpcGhlcnRleHQ=]]></Encrypt></xml>"
    with pytest.raises(BadPush):
        ours.decrypt(body, sign("tok", stamp, "n", "bm90IGNpcGhlcnRleHQ="), stamp, "n")
    with pytest.raises(BadPush):
        ours.decrypt("<xml><Encrypt>", "x", stamp, "n")


BOMB = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<xml><MsgType>text</MsgType><Content>&lol3;</Content></xml>"""
EXTERNAL = """<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<xml><MsgType>text</MsgType><Content>&xxe;</Content></xml>"""


@pytest.mark.parametrize("body", [BOMB, EXTERNAL, "", "   ", "not xml", TEXT[:60], "<xml></xml>",
                                  "<xml><Content>no type</Content></xml>", "<other><MsgType>text</MsgType></other>"])
def test_unreadable_pushes(body):
    with pytest.raises(BadPush):
        parse(body)


def test_parse_and_escape():
    message = parse(TEXT)
    assert (message.type, message.content, message.id) == ("text", "路灯坏了", 42)
    assert escape_cdata("a]]>b") == "a]]]]><![CDATA[>b"
