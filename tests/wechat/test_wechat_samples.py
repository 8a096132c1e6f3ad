"""41 real pushes (tests/wechat/samples, from wechatpy's test suite): each one,
signed and also encrypted, gets a valid reply or `success` — never an error."""
from pathlib import Path
from xml.parsers.expat import ExpatError

import pytest
import xmltodict

SAMPLES = sorted((Path(__file__).parent / "samples").glob("*.xml"))


def test_all_samples_are_there():
    assert len(SAMPLES) == 41


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.stem)
def test_sample_gets_a_reply_or_success(wx, sample):
    xml = sample.read_text(encoding="utf-8")
    answer = wx.send(xml)
    assert answer.status == 200, answer.body
    assert answer.seconds < 1
    if answer.reply in ("", "success"):
        return
    try:
        reply = xmltodict.parse(answer.reply)["xml"]
    except ExpatError:
        pytest.fail(f"reply is not XML: {answer.reply!r}")
    sent = xmltodict.parse(xml)["xml"]
    assert reply["MsgType"] == "text" and reply["Content"]
    assert reply["ToUserName"] == sent["FromUserName"]
    assert reply["FromUserName"] == sent["ToUserName"]
    # A retry of the same push is answered the same way.
    assert wx.send(xml).reply == answer.reply
