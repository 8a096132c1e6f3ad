"""/healthz and /readyz: what a load balancer and monitoring read."""
from datetime import timedelta

import models
from models.base import database_now
from models.migrations import SchemaVersion, init_db


def test_healthz_is_always_ok(client):
    answer = client.get("/healthz")
    assert (answer.status_code, answer.get_json()) == (200, {"status": "ok"})


def test_readyz_serves_without_a_jobs_leader_but_says_degraded(client, db):
    answer = client.get("/readyz")
    assert answer.status_code == 200
    report = answer.get_json()
    assert report["status"] == "degraded"
    assert report["checks"]["database"]["ok"] and report["checks"]["migrations"] == {"ok": True, "pending": []}
    assert report["checks"]["jobs_leader"]["ok"] is False
    assert client.get("/readyz?strict=1").status_code == 503


def test_readyz_reports_the_leader_and_the_push_backlog(client, db, world):
    now = database_now()
    models.JobLease.create(name="jobs", holder="host-a:123:abc", expires_at=now + timedelta(seconds=30))
    assert client.get("/readyz?strict=1").get_json()["status"] == "ok"

    old = models.Outbox.create(dedup_key="k-old", kind="overdue", channel="oa_template", template_id="t",
                               openid="o-1", data={}, created_at=now - timedelta(hours=1))
    models.Outbox.create(dedup_key="k-sent", kind="overdue", channel="oa_template", template_id="t",
                         openid="o-1", data={}, status="sent", created_at=now - timedelta(hours=3))
    answer = client.get("/readyz?strict=1")
    assert answer.status_code == 503
    outbox = answer.get_json()["checks"]["outbox"]
    assert (outbox["ok"], outbox["backlog"]) == (False, 1)
    assert 3600 <= outbox["oldest_pending_seconds"] < 3 * 3600
    assert client.get("/readyz").status_code == 200

    models.Outbox.update(status="sent").where(models.Outbox.id == old.id).execute()
    models.JobLease.update(expires_at=now - timedelta(minutes=3)).execute()  # leader gone for 3 minutes
    report = client.get("/readyz").get_json()
    assert report["checks"]["outbox"] == {"ok": True, "backlog": 0, "oldest_pending_seconds": 0}
    assert report["checks"]["jobs_leader"]["ok"] is False and report["checks"]["jobs_leader"]["holder"] == "host-a:123:abc"


def test_readyz_fails_while_a_migration_is_pending(client, db):
    SchemaVersion.delete().where(SchemaVersion.version == 2).execute()
    answer = client.get("/readyz")
    assert answer.status_code == 503
    assert answer.get_json()["checks"]["migrations"] == {"ok": False, "pending": [2]}
    SchemaVersion.create(version=2)
    assert init_db() == []
    assert client.get("/readyz").status_code == 200
