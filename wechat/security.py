"""Checking what WeChat's servers push to `/wechat`, and sealing our replies.

- Signatures are compared in constant time (wechatpy's own checks use `!=`).
- The query's `timestamp` must be within ±300 s of now: a captured request
  can't be replayed later.
- Safe mode (`encrypt_type=aes`): `msg_signature` covers the `Encrypt` element,
  which is decrypted with wechatpy's AES crypto; replies are encrypted back.
- XML is parsed with xmltodict ≥ 1.0.1, which refuses any entity declaration
  (billion laughs, external entities) with ValueError; malformed XML raises
  ExpatError; a body without MsgType raises KeyError. All become `BadPush`,
  and so does a push repeating a field (two `<FromUserName>`), which
  xmltodict would turn into a list.
"""
import hashlib
import hmac
import time
from xml.parsers.expat import ExpatError

import xmltodict
from wechatpy import parse_message
from wechatpy.crypto import PrpCrypto, WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException
from wechatpy.utils import to_text

TIMESTAMP_WINDOW = 300


class Refused(Exception):
    """A push we must not trust (forged signature, stale timestamp): answer 403."""


class BadPush(Exception):
    """A push we can't read (not XML, truncated, entities, no MsgType): answer 400."""


def sign(*parts):
    """WeChat's signature: sha1 of the sorted parts concatenated."""
    return hashlib.sha1("".join(sorted(str(p) for p in parts)).encode("utf-8")).hexdigest()


def _same(expected, given):
    return hmac.compare_digest(expected.encode("ascii"), (given or "").encode("utf-8", "replace"))


def check_timestamp(timestamp, now=None, window=TIMESTAMP_WINDOW):
    """Refuse a timestamp that isn't an integer within `window` seconds of `now`."""
    try:
        stamp = int(timestamp)
    except (TypeError, ValueError):
        raise Refused("bad timestamp") from None
    now = time.time() if now is None else now
    if abs(now - stamp) > window:
        raise Refused("timestamp outside the window")
    return stamp


def check_signature(token, signature, timestamp, nonce):
    """Plain-mode signature over token, timestamp and nonce (the body is not covered)."""
    if not (signature and timestamp and nonce) or not _same(sign(token, timestamp, nonce), signature):
        raise Refused("bad signature")


def escape_cdata(text):
    """Make text safe inside `<![CDATA[...]]>` (wechatpy's replies don't)."""
    return (text or "").replace("]]>", "]]]]><![CDATA[>")


def parse(xml):
    """A wechatpy message from XML text, or `BadPush`."""
    if not xml or not xml.strip():
        raise BadPush("empty body")
    try:
        message = parse_message(xml)
    except (ValueError, ExpatError, KeyError, TypeError, AttributeError) as exc:
        raise BadPush(f"unreadable push: {exc.__class__.__name__}") from None
    if message is None:
        raise BadPush("empty body")
    repeated = sorted(name for name, value in message._data.items() if isinstance(value, list))
    if repeated:  # WeChat sends each field once; two senders or contents is a forgery or garbage
        raise BadPush(f"repeated elements: {', '.join(repeated)[:100]}")
    return message


class SafeMode:
    """Safe-mode crypto for one account (token, EncodingAESKey, appid)."""

    def __init__(self, token, aes_key, appid):
        self.token = token
        self.appid = appid
        self.crypto = WeChatCrypto(token, aes_key, appid)

    def decrypt(self, body, msg_signature, timestamp, nonce):
        """The plaintext XML inside an encrypted push, after checking `msg_signature`."""
        try:
            envelope = xmltodict.parse(to_text(body))["xml"]
            encrypted = envelope["Encrypt"]
        except (ValueError, ExpatError, KeyError, TypeError) as exc:
            raise BadPush(f"unreadable envelope: {exc.__class__.__name__}") from None
        if not isinstance(encrypted, str) or not (msg_signature and timestamp and nonce):
            raise Refused("bad signature")
        if not _same(sign(self.token, timestamp, nonce, encrypted), msg_signature):
            raise Refused("bad msg_signature")
        try:
            return to_text(PrpCrypto(self.crypto.key).decrypt(encrypted, self.appid))
        except InvalidAppIdException:
            raise Refused("message for another appid") from None
        except Exception as exc:  # corrupt ciphertext: padding, base64, length
            raise BadPush(f"undecryptable: {exc.__class__.__name__}") from None

    def encrypt(self, reply_xml, nonce, timestamp=None):
        """Seal a rendered reply for WeChat (signed envelope)."""
        return self.crypto.encrypt_message(reply_xml, nonce, timestamp)
