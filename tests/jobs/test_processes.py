"""Two `python -m jobs` processes started at once against one database: only the
lease holder works and every outbox row goes out exactly once. Killed with
SIGKILL mid-run, the holder's lease runs out, the other process takes over and
every row still goes out; only the row in flight at the kill may go out twice."""
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest

import models
from wechat.fake import FakeWeChat

from jobs_support import queue_staff_rows

ROOT = Path(__file__).resolve().parents[2]
WAIT = 60  # seconds before a test gives up waiting for the processes


class SlowWeChat(FakeWeChat):
    """Takes a few milliseconds per send, like a real network, so a kill lands mid-send."""

    delay = 0.01

    def _template_send(self, query, data):
        time.sleep(self.delay)
        return super()._template_send(query, data)


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
        log = open(log_path, "w")
        process = subprocess.Popen(
            [sys.executable, "-m", "jobs", "--lease-seconds", "3", "--claim-seconds", "8", "--send-timeout", "2"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        process.log_path = log_path
        started.append((process, log))
        return process

    yield start
    for process, log in started:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)
        log.close()


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
    """{row signature: [time of each successful send]}, and the rows' signatures."""
    sends = {}
    for call in fake.sends():
        sends.setdefault(signature(call["json"]["touser"], call["json"]["data"]), []).append(call["time"])
    rows = [signature(row.openid, row.data) for row in models.Outbox.select()]
    assert len(set(rows)) == len(rows)
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
    assert sorted(sends) == sorted(rows) and all(len(times) == 1 for times in sends.values())
    assert [took_lease(first), took_lease(second)].count(True) == 1

    for process in (first, second):
        process.send_signal(signal.SIGTERM)
    for process in (first, second):
        assert process.wait(timeout=30) == 0
    lease = models.JobLease.get(models.JobLease.name == "jobs")
    assert lease.expires_at < models.local_now()  # released on the way out: a successor starts at once


def test_killing_the_leader_mid_run_loses_nothing_and_repeats_at_most_the_row_in_flight(
        app, world, spawn, slow_fake):
    queue(world)
    processes = {p.pid: p for p in (spawn("first", slow_fake), spawn("second", slow_fake))}
    wait_for(lambda: len(slow_fake.sends()) >= 60 and leader_pid() in processes, "the leader to be sending")
    victim = processes.pop(leader_pid())
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=10)
    dead_at = time.time()  # a send it had started may still arrive until it is gone
    [survivor] = processes.values()

    wait_for(all_sent, "the survivor to send the rest")
    sends, rows = sends_by_row(slow_fake)
    assert sorted(sends) == sorted(rows)  # nothing lost
    twice = {row: times for row, times in sends.items() if len(times) > 1}
    assert len(twice) <= 1 and all(len(times) == 2 for times in twice.values())
    for first_send, second_send in twice.values():
        assert first_send <= dead_at < second_send  # it was in flight when the leader died
    assert took_lease(survivor)
    assert leader_pid() == survivor.pid
