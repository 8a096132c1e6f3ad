"""The outbox dispatcher: sends due rows once, backs off on failures, never sends
a dedup key twice, and reclaims only rows a dead dispatcher left in flight."""
from collections import Counter

import pytest

import models
from jobs.sending import dispatch_outbox, forget_clients
from pipeline.accounts.people import record_subscriptions
from pipeline.messages import dispatch
from wechat.fake import FakeWeChat

from jobs_support import later, outbox, queue_staff_rows, sent_keys


def test_due_rows_go_out_once_and_a_second_run_sends_nothing(app, world, loop, wechat_api, now):
    loop.classified(now)
    rows = outbox()
    assert len(rows) >= 3  # the reporter, the unit and the leader

    assert dispatch_outbox(now) == {"sent": len(rows)}
    assert dispatch_outbox(later(now, minutes=5)) == {}
    assert len(wechat_api.sends()) == len(rows)
    for row in outbox():
        assert row.status == "sent" and row.attempts == 1 and row.wechat_msgid and row.sent_at == now
    assert Counter(c["json"]["touser"] for c in wechat_api.sends()) == Counter(row.openid for row in rows)


def test_rows_wait_for_their_time(app, world, wechat_api, now):
    queue_staff_rows([world.staff["office"]], 1, later(now, minutes=10))
    assert dispatch_outbox(now) == {}
    assert dispatch_outbox(later(now, minutes=10)) == {"sent": 1}


def test_a_failed_send_backs_off_exponentially_and_gives_up_at_the_cap(app, world, wechat_api, now):
    queue_staff_rows([world.staff["office"]], 1, now)
    wechat_api.fail_next("template/send", 45009, count=3)
    assert dispatch_outbox(now) == {"retry": 1}
    row = outbox()[0]
    assert (row.status, row.attempts, row.next_attempt_at) == ("queued", 1, later(now, seconds=10))
    assert "45009" in row.last_error
    assert dispatch_outbox(later(now, seconds=9)) == {}
    assert dispatch_outbox(later(now, seconds=10)) == {"retry": 1}
    assert outbox()[0].next_attempt_at == later(now, seconds=30)  # 10 s, then 20 s
    assert dispatch_outbox(later(now, seconds=30)) == {"retry": 1}
    assert outbox()[0].next_attempt_at == later(now, seconds=70)
    assert dispatch_outbox(later(now, seconds=70)) == {"sent": 1}
    assert len(wechat_api.sends()) == 1

    assert dispatch.backoff(20) == dispatch.backoff(dispatch.MAX_ATTEMPTS) == later(now, hours=1) - now
    queue_staff_rows([world.staff["leader"]], 1, now, kind="capped")
    models.Outbox.update(attempts=dispatch.MAX_ATTEMPTS - 1).where(models.Outbox.kind == "capped").execute()
    wechat_api.fail_next("template/send", 45009)
    dispatch_outbox(later(now, minutes=5))
    capped = outbox(kind="capped")[0]
    assert capped.status == "failed" and capped.attempts == dispatch.MAX_ATTEMPTS


def test_someone_who_left_the_account_is_undeliverable_not_retried(app, world, loop, wechat_api, now):
    wechat_api.unfollowed.add("oa-openid-zhang")
    loop.classified(now)
    result = dispatch_outbox(now)
    gone = outbox(openid="oa-openid-zhang")
    assert gone and result["undeliverable"] == len(gone) and "retry" not in result
    for row in gone:
        assert row.status == "undeliverable" and "43004" in row.last_error and row.attempts == 1
    assert dispatch_outbox(later(now, hours=2)) == {}


def test_a_rejected_token_is_refreshed_once_and_the_message_still_goes(app, world, wechat_api, now):
    queue_staff_rows([world.staff["office"]], 2, now)
    assert dispatch_outbox(now) == {"sent": 2}
    wechat_api.invalidate_tokens()
    queue_staff_rows([world.staff["leader"]], 2, now, kind="after")
    assert dispatch_outbox(later(now, minutes=1)) == {"sent": 2}
    assert len(wechat_api.calls_to("cgi-bin/token")) == 2
    assert len(wechat_api.sends()) == 4


def test_subscribe_messages_go_through_the_mini_program_within_consent(app, world, loop, wechat_api, now):
    mp = world.residents["mp"]
    record_subscriptions(mp, ["sub-item-progress"], {"sub-item-progress", "sub-item-result"}, now=now)
    item = loop.collect(now, reporter="mp", channel="miniprogram")
    loop.classify(item, now)  # the one consent pays for the "received" notice; "classified" has none left
    dispatch_outbox(now)
    subscribe = wechat_api.calls_to("subscribe/send")
    assert len(subscribe) == 1 and subscribe[0]["json"]["touser"] == "mp-openid-wang"
    assert outbox(openid="mp-openid-wang")[0].status == "sent"


def test_a_row_left_in_flight_by_a_dead_dispatcher_is_resent_once_its_claim_expires(app, world, wechat_api, now):
    queue_staff_rows([world.staff["office"]], 3, now)
    [abandoned] = dispatch.claim(now, 1, hold_seconds=120)  # claimed, then the process died
    assert dispatch_outbox(later(now, seconds=1)) == {"sent": 2}
    assert models.Outbox.get_by_id(abandoned.id).status == "sending"
    assert dispatch_outbox(later(now, seconds=119)) == {}
    assert dispatch_outbox(later(now, seconds=121)) == {"sent": 1}
    resent = models.Outbox.get_by_id(abandoned.id)
    assert resent.status == "sent" and resent.attempts == 2
    assert sorted(Counter(sent_keys(wechat_api)).values()) == [1, 1, 1]


def test_losing_the_lease_stops_sending_and_gives_the_rest_back(app, world, wechat_api, now):
    queue_staff_rows([world.staff["office"]], 5, now)
    answers = iter([True, True, True, False])
    assert dispatch_outbox(now, keep_going=lambda: next(answers, False)) == {"sent": 2}
    rows = outbox()
    assert [r.status for r in rows] == ["sent", "sent", "queued", "queued", "queued"]
    assert [r.attempts for r in rows] == [1, 1, 0, 0, 0]
    assert all(r.locked_until is None for r in rows)
    assert dispatch_outbox(now) == {"sent": 3}


class FlakyWeChat(FakeWeChat):
    """Fails a share of sends, half with 45009 (quota) and half by dropping the connection."""

    def _take_failure(self, path):
        failure = super()._take_failure(path)
        if failure == self.send_failure_errcode:
            return self._random.choice([45009, "drop"])
        return failure


@pytest.fixture
def flaky(app):
    fake = FlakyWeChat(seed=20261123).start()
    fake.send_failure_ratio = 0.3
    base = app.config["WECHAT_API_BASE"]
    app.config["WECHAT_API_BASE"] = fake.base_url
    forget_clients()
    yield fake
    app.config["WECHAT_API_BASE"] = base
    fake.stop()


def test_with_thirty_percent_failures_every_notification_arrives_and_none_twice(app, world, flaky, now):
    users = [world.staff[name] for name in ("office", "leader", "jianshe", "shirong")]
    queue_staff_rows(users, 60, now)
    total = models.Outbox.select().count()
    moment, runs = now, 0
    while models.Outbox.select().where(models.Outbox.status != "sent").exists():
        dispatch_outbox(moment)
        moment, runs = later(moment, hours=1), runs + 1
        assert runs < 20
    failures = Counter(c["errcode"] if c["status"] != "drop" else "drop" for c in flaky.calls_to("send")
                       if c["errcode"] != 0)
    assert failures[45009] > 20 and failures["drop"] > 20
    delivered = Counter(sent_keys(flaky))
    assert len(delivered) == total and set(delivered.values()) == {1}
    assert sum(row.attempts for row in outbox()) == total + sum(failures.values())


def test_claims_hand_each_row_to_one_dispatcher(app, world, now):
    queue_staff_rows([world.staff["office"]], 10, now)
    first = dispatch.claim(now, 4, hold_seconds=60)
    second = dispatch.claim(now, 10, hold_seconds=60)
    assert len(first) == 4 and len(second) == 6
    assert not {r.id for r in first} & {r.id for r in second}
    assert dispatch.claim(now, 10, hold_seconds=60) == []
    assert all(r.status == "sending" and r.attempts == 1 for r in first + second)
    assert isinstance(first[0].data, dict)  # JSON decoded on both databases
    assert dispatch.counts()["sending"] == 10


def test_a_send_that_times_out_after_wechat_took_it_is_delivered_once(app, world, wechat_api, now):
    # WeChat answers in 2 s, the dispatcher waits 1 s: it retries a message WeChat already has.
    app.config["JOBS_SEND_TIMEOUT"] = 1.0
    wechat_api.slow_seconds = 2.0
    queue_staff_rows([world.staff["office"]], 1, now)
    wechat_api.fail_next("template/send", "timeout")
    assert dispatch_outbox(now) == {"retry": 1}
    assert dispatch_outbox(later(now, minutes=1)) == {"sent": 1}
    calls = wechat_api.calls_to("template/send")
    assert len(calls) == 2
    assert calls[0]["json"]["client_msg_id"] == calls[1]["json"]["client_msg_id"]
    assert calls[0]["json"]["client_msg_id"].startswith("sixstep-")
    assert len(wechat_api.sends()) == 1  # WeChat dropped the repeat
    assert outbox()[0].status == "sent"


def test_every_row_has_its_own_client_msg_id(app, world, wechat_api, now):
    queue_staff_rows([world.staff["office"], world.staff["leader"]], 2, now)
    dispatch_outbox(now)
    ids = [c["json"]["client_msg_id"] for c in wechat_api.sends()]
    assert len(ids) == len(set(ids)) == 4


def test_a_push_whose_reason_no_longer_holds_is_dropped_when_its_turn_comes(app, client, auth, world, flow,
                                                                            wechat_api, now):
    """The resident rated at once: "请您评价" queued by the result is dropped, "已办结" goes out."""
    item = flow.resolved()
    asks = outbox(kind="resolved")
    assert {row.resident_id for row in asks if row.resident_id} == {world.residents["zhang"].id}
    rated = client.post(f"/api/v1/items/{item.number}/rating", headers=auth("zhang"), json={"score": "satisfied"})
    assert rated.status_code == 200 and rated.get_json()["status"] == "closed"

    counts = dispatch_outbox(models.local_now())  # the API's rating was just now, on the real clock
    assert counts["dropped"] == len(asks) and counts["sent"] == len(outbox()) - len(asks)
    assert {row.status for row in outbox(kind="resolved")} == {"dropped"}
    assert {row.status for row in outbox(kind="closed")} == {"sent"}
    assert not any("请您评价" in str(call["json"]) for call in wechat_api.sends())
    assert dispatch_outbox(later(models.local_now(), minutes=5)) == {}  # dropped rows are never tried again


def test_a_push_whose_reason_still_holds_goes_out(app, world, flow, wechat_api, now):
    flow.resolved()
    asks = outbox(kind="resolved")
    assert dispatch_outbox(later(now, minutes=1)).get("dropped") is None
    assert {row.status for row in outbox(kind="resolved")} == {"sent"} and asks
    assert any("请您评价" in str(call["json"]) for call in wechat_api.sends())


def test_a_claim_reminder_queued_before_the_claim_is_dropped(app, world, flow, wechat_api, now):
    from pipeline.messages import notify
    from pipeline.steps.handling import claim

    item = flow.classified()
    notify.to_staff([world.staff["office"]], "unclaimed", "task", item, "请尽快领办", now, "unclaimed:test")
    claim(item, flow.a("jianshe"), now=now)
    dispatch_outbox(later(now, minutes=1))
    assert [row.status for row in outbox(kind="unclaimed")] == ["dropped"]
