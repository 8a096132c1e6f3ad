"""The jobs process (`python -m jobs`): every scheduled job, and running them.

Each job is a module-level function taking `now` (naive Asia/Shanghai), run in
an app context, idempotent: it works out from `now` and the database what is
due, so running it twice, late, or from a second process changes nothing more.
Reminders and messages are rows these jobs sweep, never one scheduler job each.
"""
import importlib
import logging
import time
from dataclasses import dataclass, field

from pipeline.rules.boundary import forget_idle_connections, local_now, unavailable

log = logging.getLogger("sixstep.jobs")


@dataclass(frozen=True)
class Job:
    name: str
    module: str  # the module of jobs/ whose function `name` the job runs
    trigger: dict = field(default_factory=dict)  # APScheduler trigger arguments
    watches_lease: bool = False  # long-running: stops when `keep_going()` turns false

    @property
    def func(self):
        """The job's function, its module imported when first needed: a one-shot run of
        one job (`--once --only sweep_reminders`) need not load WeChat's client, image
        handling and every other job's modules (0.4 s)."""
        return getattr(importlib.import_module(f"{__name__}.{self.module}"), self.name)


# In this order for `--once`: fresh token first, then everything that queues
# messages, then the dispatcher so they go out in the same run.
JOBS = (
    Job("refresh_tokens", "sending", {"trigger": "interval", "seconds": 60}),
    Job("fetch_media", "sending", {"trigger": "interval", "seconds": 20}),
    Job("check_templates", "sending", {"trigger": "cron", "hour": 8, "minute": 50}),
    Job("sweep_reminders", "reminders", {"trigger": "cron", "second": 0}),
    Job("publish_results", "routines", {"trigger": "cron", "second": 30}),
    Job("overdue_digest", "reminders", {"trigger": "cron", "minute": "*/5", "second": 5}),
    Job("weekly_bulletin", "routines", {"trigger": "cron", "minute": "*/5", "second": 10}),
    Job("visit_check", "routines", {"trigger": "cron", "minute": "*/5", "second": 15}),
    Job("badge_expiry", "routines", {"trigger": "cron", "minute": "*/5", "second": 20}),
    Job("housekeeping", "routines", {"trigger": "cron", "minute": 17, "second": 25}),
    Job("recount_figures", "routines", {"trigger": "cron", "hour": 2, "minute": 50, "second": 45}),
    Job("retention", "routines", {"trigger": "cron", "hour": 3, "minute": 40, "second": 35}),
    Job("dispatch_outbox", "sending", {"trigger": "interval", "seconds": 3}, watches_lease=True),
)
JOBS_BY_NAME = {job.name: job for job in JOBS}


def run_job(job, now=None, raise_errors=False, keep_going=None):
    """Run one job (in the current app context); an error is logged and reported
    as "error" so the other jobs still run, unless `raise_errors`. Every run is
    one log line with what it did (its counts) and how long it took."""
    now = now or local_now()
    started = time.perf_counter()
    try:
        if job.watches_lease and keep_going is not None:
            result = job.func(now, keep_going=keep_going)
        else:
            result = job.func(now)
    except Exception as error:
        _log_run(job, "error", started)
        if raise_errors:
            raise
        if unavailable(error):  # an outage: one line a run, not a traceback; the next run retries
            forget_idle_connections()
            log.warning("job %s: database unavailable (%s)", job.name, error.__class__.__name__)
        else:
            log.exception("job %s failed", job.name)
        return "error"
    _log_run(job, result, started)
    return result


def _log_run(job, result, started):
    fields = {"job": job.name, "result": result, "duration_ms": round((time.perf_counter() - started) * 1000, 1)}
    log.info("job %(job)s: %(result)s in %(duration_ms)sms", fields, extra=fields)


def run_once(now=None, only=None, raise_errors=False, keep_going=None):
    """Run every job (or those named in `only`) once with the same `now`; {name: result}."""
    now = now or local_now()
    return {job.name: run_job(job, now, raise_errors, keep_going) for job in JOBS if only is None or job.name in only}
