"""Send a correctly signed push to a local webhook, as WeChat's servers would.

    python -m wechat.simulate "小区东门路灯坏了三天"
    python -m wechat.simulate --image media-123
    python -m wechat.simulate --location 31.23,121.47,幸福小区3号楼
    python -m wechat.simulate --event subscribe
    python -m wechat.simulate --event CLICK:MY_ITEMS
    python -m wechat.simulate --event SCAN:item-20260302-0001
    python -m wechat.simulate 1            # rate: 满意

Token, AES key (safe mode when set) and appid come from the same environment
settings as the app. The push XML and signing helpers are used by the tests
and the benchmark too.
"""
import argparse
import secrets
import sys
import time

import requests
import xmltodict
from wechatpy.crypto import WeChatCrypto

from .security import escape_cdata, sign

DEFAULT_URL = "http://127.0.0.1:5000/wechat"
ACCOUNT = "gh_sixstep_demo"


def _cdata(value):
    return "<![CDATA[" + escape_cdata(str(value)) + "]]>"


def push_xml(msg_type, openid, fields=None, create_time=None, msg_id=None, to=ACCOUNT):
    """A push as WeChat sends it: `fields` are extra elements (strings are CDATA'd)."""
    create_time = int(time.time()) if create_time is None else create_time
    parts = [f"<ToUserName>{_cdata(to)}</ToUserName>", f"<FromUserName>{_cdata(openid)}</FromUserName>",
             f"<CreateTime>{create_time}</CreateTime>", f"<MsgType>{_cdata(msg_type)}</MsgType>"]
    for name, value in (fields or {}).items():
        parts.append(f"<{name}>{value if isinstance(value, (int, float)) else _cdata(value)}</{name}>")
    if msg_type != "event":
        parts.append(f"<MsgId>{msg_id if msg_id is not None else secrets.randbelow(10**16)}</MsgId>")
    return "<xml>" + "".join(parts) + "</xml>"


def text(openid, content, **kw):
    return push_xml("text", openid, {"Content": content}, **kw)


def image(openid, media_id, **kw):
    return push_xml("image", openid, {"PicUrl": f"http://mmbiz.qpic.cn/{media_id}", "MediaId": media_id}, **kw)


def voice(openid, media_id, recognition=None, **kw):
    fields = {"MediaId": media_id, "Format": "amr"}
    if recognition is not None:
        fields["Recognition"] = recognition
    return push_xml("voice", openid, fields, **kw)


def location(openid, lat, lng, label="", **kw):
    return push_xml("location", openid, {"Location_X": lat, "Location_Y": lng, "Scale": 16, "Label": label}, **kw)


def event(openid, name, key=None, **kw):
    fields = {"Event": name}
    if key is not None:
        fields["EventKey"] = key
    if name in ("SCAN",) or (name == "subscribe" and key):
        fields["Ticket"] = "TICKET"
    return push_xml("event", openid, fields, **kw)


def template_finish(openid, msgid, status="success", **kw):
    return push_xml("event", openid, {"Event": "TEMPLATESENDJOBFINISH", "MsgID": int(msgid), "Status": status}, **kw)


def signed(xml, token, aes_key=None, appid=None, timestamp=None, nonce=None):
    """(query params, body) for POSTing `xml` to the webhook; encrypted when `aes_key` is given."""
    timestamp = str(int(time.time()) if timestamp is None else timestamp)
    nonce = nonce or secrets.token_hex(8)
    params = {"timestamp": timestamp, "nonce": nonce, "signature": sign(token, timestamp, nonce),
              "openid": "simulated"}
    if not aes_key:
        return params, xml.encode("utf-8")
    sealed = WeChatCrypto(token, aes_key, appid).encrypt_message(xml, nonce, timestamp)
    envelope = xmltodict.parse(sealed)["xml"]
    params.update(encrypt_type="aes", msg_signature=envelope["MsgSignature"])
    body = f"<xml><ToUserName>{_cdata(ACCOUNT)}</ToUserName><Encrypt>{_cdata(envelope['Encrypt'])}</Encrypt></xml>"
    return params, body.encode("utf-8")


def open_reply(body, token, aes_key=None, appid=None):
    """The plaintext reply XML (decrypted in safe mode); 'success'/'' as is."""
    body = body.decode("utf-8") if isinstance(body, bytes) else body
    if not aes_key or not body.startswith("<xml>"):
        return body
    envelope = xmltodict.parse(body)["xml"]
    crypto = WeChatCrypto(token, aes_key, appid)
    return crypto.decrypt_message(body, envelope["MsgSignature"], envelope["TimeStamp"], envelope["Nonce"])


def reply_content(reply_xml):
    """The text of a text reply, or '' for success/empty."""
    if not reply_xml or not reply_xml.startswith("<xml>"):
        return ""
    return xmltodict.parse(reply_xml)["xml"].get("Content") or ""


def _build(args):
    if args.image:
        return image(args.openid, args.image)
    if args.voice is not None:
        return voice(args.openid, "voice-" + secrets.token_hex(4), recognition=args.voice)
    if args.location:
        lat, lng, *label = args.location.split(",", 2)
        return location(args.openid, lat, lng, label[0] if label else "")
    if args.event:
        name, _, key = args.event.partition(":")
        if name == "subscribe" and key:
            key = "qrscene_" + key
        return event(args.openid, name, key or None)
    if not args.text:
        raise SystemExit("请给出要发送的文字，或 --image/--voice/--location/--event")
    return text(args.openid, args.text)


def main(argv=None):
    from config import load_config

    parser = argparse.ArgumentParser(description="向本地 /wechat 发送一条带正确签名的微信推送")
    parser.add_argument("text", nargs="?", help="文字消息内容")
    parser.add_argument("--url", default=DEFAULT_URL)
    parser.add_argument("--from", dest="openid", default="o-demo-resident", help="发送者 openid")
    parser.add_argument("--image", metavar="MEDIA_ID")
    parser.add_argument("--voice", metavar="RECOGNITION", help="语音消息（附识别文字）")
    parser.add_argument("--location", metavar="LAT,LNG[,LABEL]")
    parser.add_argument("--event", metavar="NAME[:KEY]", help="subscribe, unsubscribe, CLICK:KEY, SCAN:scene ...")
    args = parser.parse_args(argv)
    config = load_config()
    token, aes_key, appid = config["WECHAT_TOKEN"], config["WECHAT_AES_KEY"], config["WECHAT_APPID"]
    params, body = signed(_build(args), token, aes_key, appid)
    try:
        answer = requests.post(args.url, params=params, data=body, timeout=10,
                               headers={"Content-Type": "text/xml"})
    except requests.RequestException as exc:
        print(f"无法连接 {args.url}：{exc.__class__.__name__}（服务是否已启动？）", file=sys.stderr)
        return 2
    if answer.status_code != 200:
        print(f"HTTP {answer.status_code}: {answer.text[:200]}", file=sys.stderr)
        return 1
    reply = open_reply(answer.content, token, aes_key, appid)
    print(reply_content(reply) or reply or "(空回复)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
