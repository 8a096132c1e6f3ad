"""The leader keeps the shared access tokens fresh, so web workers never fetch one."""
from datetime import timedelta

import models
from jobs.sending import refresh_tokens
from wechat.client import make_client


def test_tokens_are_fetched_once_and_refreshed_only_when_about_to_expire(app, config, wechat_api, now):
    assert refresh_tokens(now) == {"oa": "refreshed", "mp": "refreshed"}
    assert refresh_tokens(now) == {"oa": "fresh", "mp": "fresh"}
    assert sorted(c["query"]["appid"] for c in wechat_api.calls_to("cgi-bin/token")) == ["wx-test-mp", "wx-test-oa"]

    soon = models.local_now() + timedelta(minutes=5)  # inside the 10-minute margin
    models.SharedToken.update(expires_at=soon).where(models.SharedToken.key == "wx-test-oa_access_token").execute()
    assert refresh_tokens(now) == {"oa": "refreshed", "mp": "fresh"}

    web = make_client(config, "oa")  # what a web worker builds
    web.message.send_template("staff-openid-office", "tpl-unchecked", {"thing2": {"value": "测试"}})
    assert len(wechat_api.calls_to("cgi-bin/token")) == 3  # the worker used the shared token
    assert len(wechat_api.sends()) == 1


def test_a_failed_refresh_keeps_the_old_token_and_tries_again_next_time(app, wechat_api, now):
    refresh_tokens(now)
    models.SharedToken.update(expires_at=models.local_now() + timedelta(minutes=5)).execute()
    wechat_api.fail_next("cgi-bin/token", "http500")
    assert "error" in refresh_tokens(now)
    assert models.SharedToken.select().count() == 2
    assert refresh_tokens(now) == {"oa": "refreshed", "mp": "refreshed"}
