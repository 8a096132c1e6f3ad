"""sixstep against its peer, django-helpdesk, on this machine: one command.

    python -m bench.peer.run [--pairs 1] [--peer DIR] [--duration 8] [--warmup 2]

Sets the peer up with its own script (`setup.sh` in DIR, default
`../shared/peers/helpdesk` beside the checkout, else /work/shared/peers/helpdesk:
a venv in /tmp/helpdesk-venv, its site in /tmp/helpdesk-site), then runs, for
each pair, the peer's own `bench.py --sizes 100000` and sixstep's same workloads,
one after the other, and prints each measure side by side with the ratio:

- create over HTTP (`gunicorn -w 2`, SQLite WAL, wrk, 4 connections as the peer's
  default): staff `POST /api/v1/staff/items` and resident `POST /api/v1/items`
  (each request with the next of 2,000 residents' tokens: the per-person report
  limit stays at its default and is never hit) against the peer's `POST /api/tickets/`;
- the overdue sweep, one command: `python -m jobs --once --only sweep_reminders`
  over 100,000 items with 5,000 overdue reminders due, against the peer's
  `manage.py escalate_tickets` over 100,000 tickets, 5,000 past due
  (both wall times include starting the interpreter);
- the first page of the staff work list at 100,000 items over HTTP (median of 9)
  against the peer's first page of open tickets;
- web worker RSS: the largest resident set of a gunicorn worker seen while it served
  the creates and the list (sampled from /proc every 0.2 s), both servers alike; the
  peer's bench samples its whole run, so its list phase counts (its first page of
  100k open tickets reads them all into memory); sixstep's creates-only peak is kept
  as `worker_rss_create_mb`.

The peer is never tuned: its bench.py runs with its own defaults except
`--sizes 100000`. Results go to bench/results/ (not committed). Other load on
the machine skews both sides; compare the ratios of one run.
"""
import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.webhook.run import free_port, start_gunicorn, stop  # noqa: E402

RESIDENTS = 2000
ITEMS = 100_000
DUE = 5_000
PEER_VENV = os.environ.get("PEER_VENV", "/tmp/helpdesk-venv")


def log(*parts):
    print("[peer-bench]", *parts, file=sys.stderr, flush=True)


def peer_dir(given):
    for candidate in [given, ROOT.parent / "shared/peers/helpdesk", Path("/work/shared/peers/helpdesk")]:
        if candidate and (Path(candidate) / "setup.sh").is_file():
            return Path(candidate)
    raise SystemExit("the peer's folder (with setup.sh) was not found: pass --peer")


class RssSampler:
    """The largest RSS (MB) of any process whose command line contains `marker`
    and whose parent's does too (a gunicorn worker), sampled until stopped."""

    def __init__(self, marker):
        self.marker, self.peak, self._stop = marker, 0.0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @staticmethod
    def _cmdline(pid):
        try:
            return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            return ""

    def _sample(self):
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit() or self.marker not in self._cmdline(entry.name):
                continue
            try:
                status = (entry / "status").read_text()
            except OSError:
                continue
            ppid = re.search(r"^PPid:\s+(\d+)", status, re.M).group(1)
            rss = re.search(r"^VmRSS:\s+(\d+) kB", status, re.M)
            if rss and self.marker in self._cmdline(ppid):
                self.peak = max(self.peak, int(rss.group(1)) / 1024)

    def _run(self):
        while not self._stop.is_set():
            self._sample()
            self._stop.wait(0.2)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def run_peer(directory, args):
    command = [f"{PEER_VENV}/bin/python", str(directory / "bench.py"), "--sizes", str(ITEMS),
               "--duration", str(args.duration), "--warmup", str(args.warmup)]
    if args.peer_skip:
        command += ["--skip", args.peer_skip]
    with RssSampler("peersite.wsgi") as rss:  # the peer's progress goes to our stderr
        output = subprocess.run(command, stdout=subprocess.PIPE, text=True, check=True).stdout
    result = json.loads(output.strip().splitlines()[-1])
    result["worker_rss_mb"] = round(rss.peak, 1)
    return result


# ----------------------------------------------------------------- sixstep
def prepare(url, work):
    """Schema, the community the reports name, an office account and 2,000 residents,
    each with a bearer token."""
    import models
    from models.migrations import init_db
    from pipeline.accounts.people import create_staff, issue_token
    from pipeline.office.catalog import ensure_default_categories

    models.open_database(url)
    init_db()
    ensure_default_categories()
    models.Community.create(name="全椒路社区")  # a report naming an unregistered community is refused
    office = create_staff("office", "office", "bench-password", name="李敏")
    staff_token, _ = issue_token(staff=office)
    now = models.local_now()
    with models.db.atomic():
        models.Resident.insert_many([{"openid": f"o-bench-{i}", "source": "mp", "created_at": now}
                                     for i in range(RESIDENTS)]).execute()
        tokens = [issue_token(resident=resident)[0] for resident in models.Resident.select()]
    (work / "staff.tokens").write_text(staff_token + "\n")
    (work / "resident.tokens").write_text("\n".join(tokens) + "\n")
    models.db.close()
    return staff_token


def fill(url, today):
    """Up to ITEMS items (10% open, half of those overdue with their `overdue` reminder
    due at 08:59 today; closed items' reminders done), the way the operations leave them."""
    import models
    from models.base import PreparedInsert

    models.open_database(url)
    unit = models.Unit.create(name="建设办", kind="department")
    leader = models.StaffUser.create(username="leader", name="陈建国", role="leader", password_hash="x",
                                     openid="o-leader")
    for n in range(3):
        models.StaffUser.create(username=f"unit{n}", name=f"经办{n}", role="unit", unit=unit, password_hash="x",
                                openid=f"o-unit-{n}")
    models.StaffUser.update(openid="o-office").where(models.StaffUser.username == "office").execute()
    category = models.Category.get(models.Category.code == "housing").id
    insert = PreparedInsert(models.Item, "number", "status", "round", "content", "channel", "anonymous", "community",
                            "category", "leader", "unit", "tier", "due", "roadmap", "wide_concern", "classified_at",
                            "claimed_unit", "claimed_at", "escalated", "created_at", "updated_at", "closed_at")
    start = models.Item.select().count()
    nine = datetime.combine(today, datetime.min.time()).replace(hour=9)
    rows = []
    for g in range(start, ITEMS):
        made = nine - timedelta(minutes=ITEMS - g)
        open_ = g % 10 == 0
        late = open_ and g % 20 == 0
        due = today - timedelta(days=3) if late else today + timedelta(days=5 + g % 30) if open_ else made.date()
        rows.append(insert.values(
            number=f"{(date(2020, 1, 1) + timedelta(days=g // 9000)):%Y%m%d}-{g % 9000 + 1:04d}",
            status="claimed" if open_ else "closed", round=1, content=f"第{g}号事项：路灯坏了", channel="phone",
            anonymous=False, community="全椒路社区", category=category, leader=leader.id, unit=unit.id,
            tier="limited", due=due, roadmap="按路线图办理", wide_concern=False, classified_at=made,
            claimed_unit=unit.id, claimed_at=made, escalated=False, created_at=made, updated_at=made,
            closed_at=None if open_ else made))
    with models.db.atomic():
        insert.execute_many(rows)
    reminders = PreparedInsert(models.Reminder, "item", "kind", "round", "fire_at", "done_at", "created_at")
    values = []
    for item_id, status, due in models.Item.select(models.Item.id, models.Item.status, models.Item.due).tuples():
        if due is None and status != "closed":  # the reports the create runs made: not yet classified
            continue
        for kind in ("half_time", "day_before", "overdue"):
            if status == "closed":
                values.append(reminders.values(item=item_id, kind=kind, round=1, fire_at=nine, done_at=nine,
                                               created_at=nine))
            elif due < today:
                late = nine - timedelta(minutes=1)
                values.append(reminders.values(item=item_id, kind=kind, round=1, fire_at=late,
                                               done_at=None if kind == "overdue" else late, created_at=late))
            else:
                values.append(reminders.values(item=item_id, kind=kind, round=1, fire_at=nine + timedelta(days=3),
                                               done_at=None, created_at=nine))
    with models.db.atomic():
        reminders.execute_many(values)
    models.db.execute_sql("ANALYZE")
    due_now = models.Reminder.select().where(models.Reminder.done_at.is_null()
                                             & (models.Reminder.fire_at <= nine)).count()
    models.db.close()
    return due_now


def wrk(port, path, kind, tokens, seconds, connections, threads):
    env = dict(os.environ, SIXSTEP_TOKENS=str(tokens), SIXSTEP_PATH=path, SIXSTEP_KIND=kind)
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "30s",
               "-s", str(Path(__file__).with_name("create.lua")), f"http://127.0.0.1:{port}"]
    output = subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout
    result = json.loads(re.search(r"^WRKJSON (\{.*\})$", output, re.M).group(1))
    ok = result["requests"] - result["err_status"]
    if result["requests"] and ok < result["requests"] / 2:  # a broken setup, not a slow server
        raise SystemExit(f"{path}: {result['err_status']} of {result['requests']} answers were errors")
    return {"rps": round(ok / (result["duration_us"] / 1e6), 1), "p99_ms": round(result["p99_us"] / 1000, 1),
            "errors": sum(result[k] for k in ("err_connect", "err_read", "err_write", "err_status", "err_timeout"))}


class Args:
    workers, worker_class = 2, "sync"


def serve(port, env, log_file):
    """gunicorn -w 2 on `app:app`, returned once both workers answer (a loaded machine boots them slowly)."""
    server = start_gunicorn("app:app", port, env, Args, log_file)
    deadline, answered = time.time() + 120, 0
    while answered < 4 and time.time() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10):
                answered += 1
        except OSError:
            time.sleep(0.3)
    time.sleep(1.0)
    return server


def run_sixstep(args):
    work = Path(tempfile.mkdtemp(prefix="sixstep-peer-"))
    url = f"sqlite:///{work / 'bench.db'}"
    staff_token = prepare(url, work)
    env = dict(os.environ, DATABASE_URL=url, SIXSTEP_ENV="development", WECHAT_TOKEN="bench-token",
               WECHAT_API_BASE="http://127.0.0.1:9/", REDIS_URL="", PYTHONPATH=str(ROOT), UPLOAD_DIR=str(work))
    result = {}
    log_file = open(work / "gunicorn.log", "w")  # noqa: SIM115 - closed in `finally`
    try:
        port = free_port()
        server = serve(port, env, log_file)
        try:
            with RssSampler(f"127.0.0.1:{port}") as rss:
                for kind, path in (("staff", "/api/v1/staff/items"), ("resident", "/api/v1/items")):
                    tokens = work / f"{kind}.tokens"
                    if args.warmup:
                        wrk(port, path, kind, tokens, args.warmup, args.connections, args.threads)
                    result[f"create_{kind}"] = wrk(port, path, kind, tokens, args.duration, args.connections,
                                                   args.threads)
                    log(f"sixstep create ({kind}): {result[f'create_{kind}']}")
            result["worker_rss_mb"] = round(rss.peak, 1)
        finally:
            stop(server)
        today = date.today()
        while today.weekday() >= 5:  # a working day's 09:00 sweep
            today -= timedelta(days=1)
        started = time.perf_counter()
        result["due"] = fill(url, today)
        log(f"filled {ITEMS} items in {time.perf_counter() - started:.1f} s, {result['due']} reminders due")
        server = serve(port, env, log_file)
        try:
            samples = []
            with RssSampler(f"127.0.0.1:{port}") as rss:  # the peer's peak spans its list phase too
                for _ in range(10):
                    request = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/staff/items",
                                                     headers={"Authorization": f"Bearer {staff_token}"})
                    started = time.perf_counter()
                    with urllib.request.urlopen(request, timeout=60) as response:
                        page = json.loads(response.read())
                    samples.append((time.perf_counter() - started) * 1000)
            result["worker_rss_create_mb"] = result["worker_rss_mb"]
            result["worker_rss_mb"] = round(max(rss.peak, result["worker_rss_mb"]), 1)
            result["list_first_page_ms"] = round(statistics.median(samples[1:]), 1)
            result["list_total"] = page["total"]
        finally:
            stop(server)
        command = [sys.executable, "-m", "jobs", "--once", "--only", "sweep_reminders",
                   "--now", f"{today.isoformat()}T09:00"]
        started = time.perf_counter()
        output = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=True).stdout
        result["sweep_s"] = round(time.perf_counter() - started, 2)
        result["sweep_fired"] = json.loads(output.strip().splitlines()[-1])["sweep_reminders"]
        log(f"sixstep sweep: {result['sweep_s']} s, {result['sweep_fired']}; list {result['list_first_page_ms']} ms")
    finally:
        log_file.close()
        shutil.rmtree(work, ignore_errors=True)
    return result


def ratios(peer, ours):
    pairs = {
        "create_staff": (ours["create_staff"]["rps"], peer.get("create_rps")),
        "create_resident": (ours["create_resident"]["rps"], peer.get("create_rps")),
        "sweep": (peer.get(f"escalate_s_{ITEMS}"), ours["sweep_s"]),
        "list_first_page": (peer.get("list_open_ms"), ours["list_first_page_ms"]),
        "worker_rss": (peer.get("worker_rss_mb") or None, ours["worker_rss_mb"]),
    }
    return {key: (a / b if a and b else None) for key, (a, b) in pairs.items()}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=1, help="peer/sixstep runs, alternating (default 1)")
    parser.add_argument("--peer", help="the peer's folder (setup.sh, bench.py)")
    parser.add_argument("--duration", type=int, default=8, help="wrk seconds per create run (the peer's default)")
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--connections", type=int, default=4, help="wrk connections (the peer's default)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (the peer's default)")
    parser.add_argument("--sixstep-only", action="store_true", help="a smoke run of sixstep's side alone")
    parser.add_argument("--peer-skip", default="", help="phases the peer skips (its --skip: create,escalate,list); "
                        "a skipped measure prints no ratio")
    parser.add_argument("--items", type=int, default=ITEMS, help="items/tickets for the sweep and the list")
    args = parser.parse_args(argv)
    globals()["ITEMS"], globals()["DUE"] = args.items, args.items // 20
    if args.sixstep_only:
        print(json.dumps(run_sixstep(args), ensure_ascii=False))
        return
    if not shutil.which("wrk"):
        raise SystemExit("wrk not found: apt-get install -y wrk")
    directory = peer_dir(args.peer)
    subprocess.run(["bash", str(directory / "setup.sh")], check=True)
    pairs = []
    for n in range(args.pairs):
        log(f"pair {n + 1}: peer, load {os.getloadavg()[0]:.1f}")
        peer = run_peer(directory, args)
        log(f"pair {n + 1}: sixstep, load {os.getloadavg()[0]:.1f}")
        ours = run_sixstep(args)
        pairs.append({"peer": peer, "sixstep": ours, "ratios": ratios(peer, ours), "load": os.getloadavg()})
    report(pairs)
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    path = out / f"peer-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps({"machine": platform.platform(), "cpus": os.cpu_count(), "pairs": pairs},
                               indent=2, ensure_ascii=False))
    print(f"(saved to {path.relative_to(ROOT)})")


def report(pairs):
    def median(get):
        values = []
        for pair in pairs:
            try:
                value = get(pair)
            except KeyError:  # a phase the peer skipped
                value = None
            if value is not None:
                values.append(value)
        return statistics.median(values) if values else float("nan")

    rows = [
        ("create, staff POST (req/s)", lambda p: p["peer"]["create_rps"],
         lambda p: p["sixstep"]["create_staff"]["rps"], "create_staff", 10),
        ("create, resident POST (req/s)", lambda p: p["peer"]["create_rps"],
         lambda p: p["sixstep"]["create_resident"]["rps"], "create_resident", 10),
        (f"overdue sweep, {DUE} due of {ITEMS} (s)", lambda p: p["peer"][f"escalate_s_{ITEMS}"],
         lambda p: p["sixstep"]["sweep_s"], "sweep", 50),
        (f"first page, {ITEMS} items (ms)", lambda p: p["peer"]["list_open_ms"],
         lambda p: p["sixstep"]["list_first_page_ms"], "list_first_page", None),
        ("web worker RSS (MB)", lambda p: p["peer"]["worker_rss_mb"], lambda p: p["sixstep"]["worker_rss_mb"],
         "worker_rss", 1),
    ]
    print(f"{len(pairs)} pair(s), medians; load average at the end {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"{'measure':44} {'helpdesk':>10} {'sixstep':>10} {'ahead by':>9} {'goal':>8}")
    for label, peer, ours, key, goal in rows:
        ratio = median(lambda p, key=key: p["ratios"][key])
        goal_text = "< 20 ms" if goal is None else f"×{goal}"
        print(f"{label:44} {median(peer):>10.1f} {median(ours):>10.1f} {f'×{ratio:.1f}':>9} {goal_text:>8}")
    p99 = (median(lambda p: p["sixstep"]["create_staff"]["p99_ms"]),
           median(lambda p: p["sixstep"]["create_resident"]["p99_ms"]))
    print(f"p99 ms: helpdesk {median(lambda p: p['peer']['create_p99_ms'])}, sixstep staff {p99[0]}, resident {p99[1]}")


if __name__ == "__main__":
    main()
