"""What `/readyz` reports: can this host serve, and is the installation behind it healthy.

`serving` checks decide whether a load balancer sends traffic here (the
database answers, its schema is current); `background` checks (the jobs
leader renewed its lease lately, pushes aren't piling up) can't be fixed by
taking a web host out of rotation, so they mark the report "degraded" for
monitoring without failing it — unless the caller asks for `strict`.
"""
from datetime import timedelta

from peewee import fn

from models import JobLease, Outbox, db
from models.base import database_now, forget_idle_connections, iso, unavailable
from models.migrations import pending_migrations
from models.outbox import PENDING_CONDITION

LEASE_NAME = "jobs"


def _database():
    db.execute_sql("SELECT 1").fetchone()
    return {"ok": True}


def _migrations():
    pending = pending_migrations()
    return {"ok": not pending, "pending": pending}


def _leader(now, within_minutes):
    row = JobLease.get_or_none(JobLease.name == LEASE_NAME)
    if row is None:
        return {"ok": False, "holder": None, "lease_expires_at": None}
    return {"ok": row.expires_at >= now - timedelta(minutes=within_minutes), "holder": row.holder,
            "lease_expires_at": iso(row.expires_at)}


def _outbox(now, max_age_minutes):
    backlog, oldest = (Outbox.select(fn.COUNT(Outbox.id), fn.MIN(Outbox.created_at))
                       .where(PENDING_CONDITION).scalar(as_tuple=True))
    if isinstance(oldest, str):  # SQLite's aggregate gives the stored text back
        oldest = Outbox.created_at.python_value(oldest)
    age = max(0, int((now - oldest).total_seconds())) if oldest else 0
    return {"ok": age <= max_age_minutes * 60, "backlog": backlog or 0, "oldest_pending_seconds": age}


def readiness(config, strict=False):
    """(ready, report): `report` is JSON-able; `ready` False means answer 503."""
    checks = {}
    try:
        checks["database"] = _database()
        checks["migrations"] = _migrations()
        now = database_now()
        checks["jobs_leader"] = _leader(now, config.get("READY_LEADER_MINUTES", 2))
        checks["outbox"] = _outbox(now, config.get("READY_OUTBOX_MINUTES", 15))
    except Exception as error:
        if not unavailable(error):
            raise
        forget_idle_connections()
        checks["database"] = {"ok": False, "error": error.__class__.__name__}
        return False, {"status": "unavailable", "checks": checks}
    serving = checks["database"]["ok"] and checks["migrations"]["ok"]
    background = checks["jobs_leader"]["ok"] and checks["outbox"]["ok"]
    status = "ok" if serving and background else ("degraded" if serving else "unavailable")
    return serving and (background or not strict), {"status": status, "checks": checks}
