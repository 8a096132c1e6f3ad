"""The fake WeChat server itself: what the demo and the other tests rely on."""
import io
import json

import pytest
import requests
from PIL import Image
from wechatpy.exceptions import WeChatClientException

from wechat.client import make_client


def test_calls_are_listed_as_json_and_html(wx_db, wx_config, wx_fake):
    client = make_client(wx_config, "oa")
    client.message.send_template("o-1", "tpl-unchecked", {"thing2": {"value": "路灯坏了"}})
    listed = requests.get(wx_fake.base_url + "_calls", timeout=2).json()
    assert [c["path"] for c in listed] == ["cgi-bin/token", "cgi-bin/message/template/send"]
    assert listed[1]["json"]["touser"] == "o-1"
    page = requests.get(wx_fake.base_url, timeout=2)
    assert "text/html" in page.headers["Content-Type"]
    assert "路灯坏了" in page.text and "tpl-unchecked" in page.text
    assert requests.post(wx_fake.base_url + "_reset", timeout=2).json() == {"ok": True}
    assert wx_fake.calls == []


def test_api_calls_need_a_valid_token(wx_fake):
    answer = requests.post(wx_fake.base_url + "cgi-bin/message/template/send?access_token=nope",
                           data=json.dumps({"touser": "o", "template_id": "t", "data": {}}), timeout=2).json()
    assert answer["errcode"] == 40001
    token = requests.get(wx_fake.base_url + "cgi-bin/token",
                         params={"grant_type": "client_credential", "appid": "a", "secret": "s"}, timeout=2).json()
    wx_fake.expire_tokens()
    answer = requests.get(wx_fake.base_url + "cgi-bin/menu/get", params={"access_token": token["access_token"]}, timeout=2)
    assert answer.json()["errcode"] == 42001


def test_media_qr_codes_and_menu(wx_db, wx_config, wx_fake):
    client = make_client(wx_config, "oa")
    photo = client.media.download("media-1")
    assert Image.open(io.BytesIO(photo.content)).format == "JPEG"
    ticket = client.qrcode.create({"expire_seconds": 600, "action_name": "QR_STR_SCENE",
                                   "action_info": {"scene": {"scene_str": "bind-abc"}}})
    assert ticket["expire_seconds"] == 600
    image = requests.get(client.url("cgi-bin/showqrcode"), params={"ticket": ticket["ticket"]}, timeout=2)
    assert Image.open(io.BytesIO(image.content)).format == "PNG"
    code = make_client(wx_config, "mp").wxa.get_wxa_code_unlimited("i=20260302-0001", page="pages/item/item")
    assert Image.open(io.BytesIO(code.content)).format == "PNG"
    with pytest.raises(WeChatClientException) as raised:
        make_client(wx_config, "mp").wxa.get_wxa_code_unlimited("x" * 40)
    assert raised.value.errcode == 40169
    client.menu.create({"button": [{"type": "click", "name": "我要反映", "key": "REPORT"}]})
    assert client.menu.get()["menu"]["button"][0]["key"] == "REPORT"


def test_send_failure_ratio(wx_db, wx_config, wx_fake):
    client = make_client(wx_config, "oa")
    client.fetch_access_token()
    wx_fake.send_failure_ratio = 1.0
    answer = requests.post(client.url("cgi-bin/message/template/send"), params={"access_token": client.access_token},
                           data=json.dumps({"touser": "o", "template_id": "t", "data": {}}), timeout=2).json()
    assert answer["errcode"] == 45009
    wx_fake.send_failure_ratio = 0.0
    assert client.message.send_template("o", "t", {})["errcode"] == 0


def test_a_template_it_knows_refuses_data_that_does_not_fit(wx_db, wx_config, wx_fake):
    wx_fake.define_template("t-real", ["character_string1", "thing2", "time3", "phrase4"], kind="template",
                            title="受理通知")
    client = make_client(wx_config, "oa")
    good = {"character_string1": {"value": "20261123-0001"}, "thing2": {"value": "路灯坏了"},
            "time3": {"value": "2026年11月23日 10:00"}, "phrase4": {"value": "已受理"}}
    assert client.message.send_template("o-1", "t-real", good)["errcode"] == 0
    for change, says in [({"thing5": {"value": "多出来的"}}, "data.thing5 does not match"),
                         ({"thing2": {"value": "长" * 21}}, "data.thing2.value invalid"),
                         ({"phrase4": {"value": "done"}}, "data.phrase4.value invalid"),
                         ({"character_string1": {"value": "第1号"}}, "data.character_string1.value invalid"),
                         ({"time3": {"value": "明天"}}, "data.time3.value invalid"),
                         ({"thing2": {"value": ""}}, "data.thing2.value invalid")]:
        with pytest.raises(WeChatClientException) as refused:
            client.message.send_template("o-1", "t-real", {**good, **change})
        assert refused.value.errcode == 47003 and says in refused.value.errmsg
    missing = dict(good)
    missing.pop("time3")
    with pytest.raises(WeChatClientException, match="data.time3 does not match"):
        client.message.send_template("o-1", "t-real", missing)
    listed = client.get("template/get_all_private_template")["template_list"]
    assert {"template_id": "t-real", "title": "受理通知",
            "content": "character_string1:{{character_string1.DATA}}\nthing2:{{thing2.DATA}}\n"
                       "time3:{{time3.DATA}}\nphrase4:{{phrase4.DATA}}"} in listed
    assert len(wx_fake.sends()) == 1
