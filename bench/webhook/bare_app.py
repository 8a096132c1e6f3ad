"""The baseline: a bare Flask + wechatpy handler that only verifies, parses and replies.

    gunicorn -w 2 bench.webhook.bare_app:app

The benchmark compares sixstep's real /wechat (which stores every report)
against this; `floor_app.py` is this plus one durable insert (`store`).
"""
import os

from flask import Flask, Response, request
from wechatpy import parse_message
from wechatpy.exceptions import InvalidSignatureException
from wechatpy.replies import TextReply
from wechatpy.utils import check_signature

TOKEN = os.environ.get("WECHAT_TOKEN", "sixstep-dev-token")

app = Flask(__name__)


def answer_push(store=None):
    """Verify, parse, `store(message, body)` if given, reply."""
    args = request.args
    try:
        check_signature(TOKEN, args.get("signature"), args.get("timestamp"), args.get("nonce"))
    except InvalidSignatureException:
        return Response("forbidden", 403)
    body = request.get_data()
    message = parse_message(body)
    if store is not None:
        store(message, body)
    return Response(TextReply(message=message, content="收到").render(), mimetype="application/xml")


@app.post("/wechat")
def wechat():
    return answer_push()
