"""The jobs' lean HTTP transport behaves like `requests` where wechatpy and
`deliver` look: answers, HTTP errors, timeouts, dropped and closed connections."""
import socket
import threading

import pytest
import requests

from jobs.transport import LeanSession, _closed_by_peer, use_lean_session
from models import Outbox
from wechat.client import make_client
from wechat.outbound import deliver


@pytest.fixture
def oa(config, app, wechat_api):
    client = use_lean_session(make_client(config, "oa", timeout=1.0))
    yield client
    client._http.close()


def row(dedup_key="k"):
    return Outbox(dedup_key=dedup_key, kind="test", channel="oa_template", template_id="tpl-unchecked",
                  openid="o-staff", data={"thing2": {"value": "测试"}}, page="pages/item/item?number=1")


def test_wechat_calls_go_through_one_kept_alive_connection(oa, wechat_api):
    assert isinstance(oa._http, LeanSession)
    assert [deliver(row(f"k{n}"), oa).outcome for n in range(3)] == ["sent"] * 3
    assert len(oa._http._connections) == 1
    sends = wechat_api.sends()
    assert len(sends) == 3 and sends[0]["json"]["data"] == {"thing2": {"value": "测试"}}
    assert sends[0]["query"]["access_token"].startswith("fake-")


def test_failures_map_to_what_deliver_expects(oa, wechat_api):
    wechat_api.fail_next("template/send", "drop")
    assert deliver(row(), oa).error == "network: ConnectionError"
    wechat_api.fail_next("template/send", "http500")
    assert deliver(row(), oa).error == "http error: 500"
    wechat_api.slow_seconds = 1.5
    wechat_api.fail_next("template/send", "timeout")
    assert deliver(row(), oa).error == "timeout"
    assert deliver(row(), oa).outcome == "sent"  # a fresh connection after each failure


def test_threads_sharing_a_session_each_read_their_own_answers(oa, wechat_api):
    """The scheduler runs the dispatcher and the template check in different threads
    on the same clients: on one shared connection a send once read the template
    list's answer and was recorded sent without its msgid."""
    wechat_api.slow_seconds = 0.2
    deliver(row("token first"), oa)
    answers = {}

    def template_list():
        wechat_api.fail_next("template/get_all_private_template", "timeout")
        answers["list"] = oa.get("template/get_all_private_template")

    def send():
        answers["send"] = deliver(row("sent meanwhile"), oa)

    threads = [threading.Thread(target=template_list), threading.Thread(target=send)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers["send"].outcome == "sent" and answers["send"].msgid
    assert "template_list" in answers["list"]
    assert len(oa._http._every) == 3  # this thread's connection and one per thread


def test_media_answers_are_the_bytes(oa, wechat_api):
    answer = oa.get("media/get", params={"media_id": "m-1"})
    assert answer.status_code == 200 and answer.headers["content-type"] == "image/jpeg"
    assert answer.content[:2] == b"\xff\xd8"


def test_a_connection_the_server_closed_is_noticed_before_reuse():
    ours, theirs = socket.socketpair()
    assert not _closed_by_peer(ours)
    theirs.close()
    assert _closed_by_peer(ours)
    ours.close()


def test_refused_connections_are_network_errors():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(requests.ConnectionError):
        LeanSession(1.0).post(f"http://127.0.0.1:{port}/cgi-bin/message/template/send", data=b"{}")
