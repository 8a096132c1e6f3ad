"""`python -m jobs`: the scheduler process (APScheduler `BlockingScheduler`,
Asia/Shanghai), its own process because a job store can't be shared between
processes. `python -m jobs --once` runs every job once and exits (cron, tests,
operators). Either way only the holder of the leader lease runs anything.
"""
import argparse
import json
import logging
import signal
import sys
import threading
from datetime import datetime
from zoneinfo import ZoneInfo

from pipeline.rules.boundary import as_local, connected, local_now, start

from . import JOBS, JOBS_BY_NAME, run_job, run_once
from .lease import Lease

log = logging.getLogger("sixstep.jobs")


class LeaseKeeper(threading.Thread):
    """Renews the lease in its own thread, so busy jobs never let it lapse."""

    def __init__(self, app, lease):
        super().__init__(name="jobs-lease", daemon=True)
        self.app = app
        self.lease = lease
        self.stopping = threading.Event()

    def renew(self):
        was = self.lease.held()
        with self.app.app_context(), connected():
            now_held = self.lease.renew()
        if now_held != was:
            log.info("%s the leader lease (%s)", "took" if now_held else "lost", self.lease.holder)
        return now_held

    def run(self):
        while not self.stopping.is_set():
            try:
                self.renew()
            except Exception:  # the database may be away for a moment; the lease lapses on its own
                log.exception("lease renewal failed")
            self.stopping.wait(self.lease.ttl / 4)

    def stop(self):
        self.stopping.set()
        self.join(timeout=self.lease.ttl)
        with self.app.app_context(), connected():
            self.lease.release()


def _parse_now(value):
    if not value:
        return None
    try:
        return as_local(datetime.fromisoformat(value))
    except ValueError:
        raise SystemExit(f"--now: 时间格式应为 YYYY-MM-DDTHH:MM[:SS] ({value!r})") from None


def _guarded(app, lease, job):
    if not lease.held():
        return
    with app.app_context(), connected():
        run_job(job, local_now(), keep_going=lease.held)


def serve(app, lease):
    """Run the scheduler until SIGTERM/SIGINT; jobs run only while we hold the lease."""
    from apscheduler.executors.pool import ThreadPoolExecutor
    from apscheduler.schedulers.blocking import BlockingScheduler

    scheduler = BlockingScheduler(
        timezone="Asia/Shanghai",
        executors={"default": ThreadPoolExecutor(4)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 60},
    )
    started = datetime.now(ZoneInfo("Asia/Shanghai"))
    for job in JOBS:  # everything once at start-up too: a restarted leader catches up at once
        scheduler.add_job(_guarded, args=(app, lease, job), id=job.name, name=job.name, next_run_time=started,
                          **job.trigger)
    keeper = LeaseKeeper(app, lease)
    keeper.renew()
    keeper.start()

    def stop(signum, frame):
        log.info("signal %s: stopping", signum)
        lease.stop_trusting()  # running jobs see keep_going() turn false and stop
        if scheduler.running:  # a second signal while stopping changes nothing
            scheduler.shutdown(wait=True)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info("jobs scheduler started as %s", lease.holder)
    try:
        scheduler.start()
    finally:
        keeper.stop()
    return 0


def once(app, lease, now, only):
    """Run every job once if we can take the lease; 0 also when another process holds it."""
    keeper = LeaseKeeper(app, lease)
    if not keeper.renew():
        with app.app_context():
            print(f"另一个进程持有领导租约（{lease.current_holder()}），本次不运行", file=sys.stderr)
        return 0
    keeper.start()
    try:
        with app.app_context(), connected():
            results = run_once(now, only=only, keep_going=lease.held)
    finally:
        keeper.stop()
    print(json.dumps(results, ensure_ascii=False, default=str))
    return 1 if "error" in results.values() else 0


def jobs_app(overrides):
    """What every job reads: the configuration (`current_app.config`), checked as
    `app.create_app` checks it, the pipeline's settings and the database — not the web
    app's routes and hooks, which `import app` builds (and builds again for WSGI
    servers): more than half of what a one-shot run (`--once`) cost before its job."""
    from flask import Flask

    app = Flask("jobs")
    start(app.config, overrides)
    logging.getLogger("sixstep").setLevel(logging.INFO)
    return app


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m jobs", description="六步工作法定时任务进程")
    parser.add_argument("--once", action="store_true", help="run every job once and exit")
    parser.add_argument("--now", help="with --once: run as if it were this time (YYYY-MM-DDTHH:MM, Asia/Shanghai)")
    parser.add_argument("--only", action="append", choices=sorted(JOBS_BY_NAME), help="with --once: only this job")
    parser.add_argument("--lease-seconds", type=float, default=30.0, help="leader lease lifetime (default 30)")
    parser.add_argument("--claim-seconds", type=int, help="how long the dispatcher holds claimed rows (default 120)")
    parser.add_argument("--send-timeout", type=float, help="seconds to wait for WeChat (default 5)")
    args = parser.parse_args(argv)
    logging.getLogger("apscheduler.executors.default").setLevel(logging.WARNING)  # not every 3-second run
    from ops.logs import configure_logging

    overrides = {}
    if args.claim_seconds:
        overrides["JOBS_CLAIM_SECONDS"] = args.claim_seconds
    if args.send_timeout:
        overrides["JOBS_SEND_TIMEOUT"] = args.send_timeout
    app = jobs_app(overrides)
    configure_logging(app.config)
    lease = Lease(ttl=args.lease_seconds)
    if args.once:
        return once(app, lease, _parse_now(args.now), args.only)
    return serve(app, lease)


if __name__ == "__main__":
    sys.exit(main())
