"""Two `python -m jobs` processes started at once against one database: only the
lease holder works and every outbox row goes out exactly once. Killed with
SIGKILL mid-run, the holder's lease runs out, the other process takes over and
every row still goes out; only the row in flight at the kill may go out twice.

Nothing here compares clocks of different processes: what happened before what
is read from the order WeChat issued message ids in and from what the database
recorded.
"""
import json
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest

import models
from jobs.lease import Lease
from wechat.fake import FakeWeChat

from jobs_support import queue_staff_rows

ROOT = Path(__file__).resolve().parents[2]
WAIT = 180  # seconds before a test gives up waiting for the processes (a limit, not a measure: CI machines can be loaded)
TEMPLATE_SEND = "cgi-bin/message/template/send"


class SlowWeChat(FakeWeChat):
    """Takes a few milliseconds per send, like a real network, so a kill lands mid-send;
    remembers the message id it gave each accepted send (ids increase in the order given)."""

    delay = 0.01

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.accepted = []  # (row signature, msgid), in the order the ids were given
        self._accepted_lock = threading.Lock()

    def handle(self, method, path, query, body, call=None):
        if path != TEMPLATE_SEND:
            return super().handle(method, path, query, body, call)
        time.sleep(self.delay)
        answer = super().handle(method, path, query, body, call)
        if answer[3] == 0:
            sent = json.loads(body)
            with self._accepted_lock:
                self.accepted.append((signature(sent["touser"], sent["data"]), str(json.loads(answer[2])["msgid"])))
        return answer


@pytest.fixture
def slow_fake():
    fake = SlowWeChat().start()
    yield fake
    fake.stop()


@pytest.fixture
def spawn(config, tmp_path):
    """spawn(name, fake) → `python -m jobs` with a 3 s lease and 8 s claims; all are killed at the end."""
    started = []

    def start(name, fake):
        env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "SIXSTEP_TEST_DATABASE")}
        env.update(DATABASE_URL=config["DATABASE_URL"], WECHAT_API_BASE=fake.base_url, SIXSTEP_ENV="development",
                   WECHAT_APPID=config["WECHAT_APPID"], WECHAT_SECRET=config["WECHAT_SECRET"],
                   MINIPROGRAM_APPID=config["MINIPROGRAM_APPID"], MINIPROGRAM_SECRET=config["MINIPROGRAM_SECRET"],
                   UPLOAD_DIR=config["UPLOAD_DIR"], SECRET_KEY="test-secret")
        log_path = tmp_path / f"{name}.log"
        with open(log_path, "w") as log:  # the child keeps its own copy of the descriptor
            process = subprocess.Popen(
                [sys.executable, "-m", "jobs", "--lease-seconds", "3", "--claim-seconds", "8", "--send-timeout", "2"],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        process.log_path = log_path
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)


def wait_for(condition, what):
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.05)


def all_sent():
    rows = models.Outbox.select()
    return rows.count() > 0 and not rows.where(models.Outbox.status != "sent").exists()


def signature(openid, data):
    return openid, tuple(data[name]["value"] for name in ("character_string1", "thing2", "thing5"))


def sends_by_row(fake):
    """{row signature: [msgid of each accepted send, in order]}, and {row signature: the msgid the row recorded}."""
    sends = {}
    for row_signature, msgid in fake.accepted:
        sends.setdefault(row_signature, []).append(msgid)
    rows = {signature(row.openid, row.data): row.wechat_msgid for row in models.Outbox.select()}
    assert len(rows) == models.Outbox.select().count()
    return sends, rows


def leader_pid():
    row = models.JobLease.get_or_none(models.JobLease.name == "jobs")
    return int(row.holder.split(":")[1]) if row else None


def took_lease(process):
    return "took the leader lease" in process.log_path.read_text()


def queue(world):
    users = [world.staff[name] for name in ("office", "leader", "jianshe", "shirong")]
    queue_staff_rows(users, 75, models.local_now() - timedelta(minutes=1))


def test_two_schedulers_send_every_row_exactly_once(app, world, spawn, slow_fake):
    queue(world)
    first, second = spawn("first", slow_fake), spawn("second", slow_fake)
    wait_for(all_sent, "every row sent")
    sends, rows = sends_by_row(slow_fake)
    # Each row delivered once, as it recorded (a send retried after a slow answer carries the
    # same client_msg_id, so WeChat answers with the same message and delivers nothing new).
    assert {row: set(msgids) for row, msgids in sends.items()} == {row: {msgid} for row, msgid in rows.items()}
    assert [took_lease(first), took_lease(second)].count(True) == 1

    for process in (first, second):
        process.send_signal(signal.SIGTERM)
    for process in (first, second):
        assert process.wait(timeout=30) == 0
    # Released on the way out (not left to run out its 3 s): a successor takes it at once.
    assert Lease("jobs", ttl=30, holder="successor").renew()


def test_killing_the_leader_mid_run_loses_nothing_and_delivers_each_row_once(
        app, world, spawn, slow_fake):
    queue(world)
    processes = {p.pid: p for p in (spawn("first", slow_fake), spawn("second", slow_fake))}
    wait_for(lambda: len(slow_fake.sends()) >= 60 and leader_pid() in processes, "the leader to be sending")
    victim = processes.pop(leader_pid())
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=10)
    [survivor] = processes.values()

    wait_for(all_sent, "the survivor to send the rest")
    sends, rows = sends_by_row(slow_fake)
    assert sorted(sends) == sorted(rows)  # nothing lost
    for row, msgid in rows.items():
        assert sends[row][-1] == msgid  # each row recorded the last send WeChat accepted for it
    # A row sent again (the one in flight at the kill, or one whose answer came too late)
    # goes under the same client_msg_id: WeChat answers with the first message's id and
    # delivers it once. So every row reached its reader exactly once.
    assert all(len(set(msgids)) == 1 for msgids in sends.values())
    assert set(rows.values()) == {msgid for msgids in sends.values() for msgid in msgids}
    assert took_lease(survivor)
    assert leader_pid() == survivor.pid
