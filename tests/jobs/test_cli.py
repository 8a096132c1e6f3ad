"""`python -m jobs --once`: every job once, then exit — unless another process leads."""
import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import models
from jobs.lease import Lease, database_now

ROOT = Path(__file__).resolve().parents[2]


def run_once(config, fake, *args):
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "SIXSTEP_TEST_DATABASE")}
    env.update(DATABASE_URL=config["DATABASE_URL"], WECHAT_API_BASE=fake.base_url, SIXSTEP_ENV="development",
               WECHAT_APPID=config["WECHAT_APPID"], WECHAT_SECRET=config["WECHAT_SECRET"],
               MINIPROGRAM_APPID=config["MINIPROGRAM_APPID"], MINIPROGRAM_SECRET=config["MINIPROGRAM_SECRET"],
               UPLOAD_DIR=config["UPLOAD_DIR"])
    return subprocess.run([sys.executable, "-m", "jobs", "--once", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=60)


def test_once_runs_every_job_at_the_given_time_and_sends_what_they_queued(app, config, world, loop, wechat_api, now):
    item = loop.claimed(now, category="market_environment")
    done = run_once(config, wechat_api, "--now", "2026-11-27T09:00")
    assert done.returncode == 0, done.stderr
    results = json.loads(done.stdout.strip().splitlines()[-1])
    # a first run after the due date: the reminders that came too late are skipped, the chase is not
    assert results["sweep_reminders"] == {"skipped": 2, "overdue": 1}
    assert results["overdue_digest"] == 1 and results["weekly_bulletin"] == 1
    assert results["dispatch_outbox"]["sent"] == models.Outbox.select().count()
    assert models.TimelineEvent.select().where((models.TimelineEvent.item == item)
                                               & (models.TimelineEvent.kind == "overdue")).count() == 1
    assert len(wechat_api.sends()) == models.Outbox.select().count()
    assert models.JobLease.get(models.JobLease.name == "jobs").expires_at < database_now()  # let go at the end

    again = run_once(config, wechat_api, "--now", "2026-11-27T09:00")
    assert json.loads(again.stdout.strip().splitlines()[-1])["dispatch_outbox"] == {}
    assert len(wechat_api.sends()) == models.Outbox.select().count()


def test_once_does_nothing_while_another_process_leads(app, config, world, loop, wechat_api, now):
    loop.claimed(now)
    leader = Lease(ttl=60, holder="other-host:1234:abc")
    assert leader.renew()
    done = run_once(config, wechat_api)
    assert done.returncode == 0 and "other-host:1234:abc" in done.stderr
    assert not wechat_api.sends() and models.Outbox.select().where(models.Outbox.status == "sent").count() == 0
    models.JobLease.update(expires_at=database_now() - timedelta(seconds=1)).execute()
    assert run_once(config, wechat_api).returncode == 0
    assert len(wechat_api.sends()) == models.Outbox.select().count()
