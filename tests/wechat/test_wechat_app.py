"""`/wechat` served apart: the whole site loads WeChat's libraries only on the first
push, and `wechat_app:app` serves the webhook alone (for a proxy that routes it)."""
import json
import os
import subprocess
import sys
from pathlib import Path

from test_wechat_webhook import NUMBER, REPORT

from models import Item
from wechat import simulate

ROOT = Path(__file__).resolve().parents[2]
WECHAT_LIBRARIES = ("wechatpy", "requests", "cryptography")
# In a fresh interpreter: build the site, serve an API request and a mini-program login,
# printing which of WeChat's libraries are loaded after each; then a push (signing it
# loads wechatpy).
SCRIPT = """
import json, sys
from app import create_app
settings = json.loads(sys.argv[1])
client = create_app(settings).test_client()
loaded = lambda: sorted(name for name in {libraries!r} if name in sys.modules)
steps = {{"built": loaded()}}
client.get("/api/v1/categories")
steps["api"] = loaded()
steps["login_status"] = client.post("/api/v1/auth/wxlogin", json={{"code": "lazy-login-code"}}).status_code
steps["login"] = loaded()
from wechat import simulate
params, body = simulate.signed(simulate.text("o-lazy", "全椒路社区5号楼门口的路灯坏了一个星期，晚上很黑", msg_id=1), settings["WECHAT_TOKEN"])
answer = client.post("/wechat", query_string=params, data=body, content_type="text/xml")
steps["push"] = [answer.status_code, answer.get_data(as_text=True)]
print(json.dumps(steps))
"""


def test_the_site_loads_wechat_libraries_only_for_a_push(config, tmp_path):
    settings = {**config, "DATABASE_URL": f"sqlite:///{tmp_path / 'lazy.db'}", "WECHAT_AES_KEY": None}
    subprocess.run([sys.executable, "-m", "flask", "--app", "app", "init-db"], cwd=ROOT, check=True, timeout=120,
                   capture_output=True, env=_env(settings))
    run = subprocess.run([sys.executable, "-c", SCRIPT.format(libraries=WECHAT_LIBRARIES), json.dumps(settings)],
                         cwd=ROOT, capture_output=True, text=True, timeout=120, check=True, env=_env(settings))
    steps = json.loads(run.stdout.strip().splitlines()[-1])
    assert steps["built"] == [] and steps["api"] == []
    assert steps["login_status"] == 200 and steps["login"] == ["requests"]  # a login needs no wechatpy
    status, reply = steps["push"]
    assert status == 200 and NUMBER.search(reply)  # the webhook's app, built on this first push


def _env(settings):
    return {**os.environ, "DATABASE_URL": settings["DATABASE_URL"], "SIXSTEP_ENV": "development"}


def test_the_webhook_alone_answers_pushes_and_nothing_else(app, config):
    from wechat_app import create_webhook_app

    webhook = create_webhook_app({**config, "WECHAT_AES_KEY": None}).test_client()
    params, body = simulate.signed(simulate.text("o-alone", REPORT, msg_id=7001), config["WECHAT_TOKEN"])
    answer = webhook.post("/wechat/", query_string=params, data=body, content_type="text/xml")
    assert answer.status_code == 200
    assert NUMBER.search(simulate.reply_content(simulate.open_reply(answer.data, config["WECHAT_TOKEN"], None,
                                                                    config["WECHAT_APPID"])))
    assert Item.select().count() == 1
    assert webhook.get("/api/v1/categories").status_code == 404
    assert webhook.get("/healthz").status_code == 404
