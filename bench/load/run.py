"""Mixed load against PostgreSQL and gunicorn, with the jobs process running alongside.

    python -m bench.load.run [--rate 200] [--minutes 10] [--workers 4]
    python -m bench.load.run --hosts 2 --kill-at 0.5 [--rate 200] [--minutes 10]
    python -m bench.load.run --workers 1 --costs 200     # CPU per request, kind by kind

One fresh PostgreSQL database (dropped afterwards), the demo world plus
residents and claimed items, the fake WeChat API, one `python -m jobs` and
gunicorn: one host with `--workers` workers, or `--hosts 2` masters on two ports
behind `bench/load/proxy.py` (round-robin; `--kill-at 0.5` SIGKILLs the first
host's whole process group half way through). The load is open-loop: requests
start on a fixed schedule at `--rate` per second whatever the answers do, and a
request's latency counts from its scheduled start, so a stall shows in the
percentiles instead of slowing the load down.

The mix (weights): chat reports through the signed webhook 20, mini-program
reads 30 (my items, an item's page, the results board), staff lists 20 (work
list, an item's staff view), staff actions 10 (progress notes on claimed
items, classifying new chat reports) and console pages 20 (home, item list,
signed in by session cookie). Every minute the resident memory of every
process is sampled (`/proc/<pid>/status` VmRSS). Prints latency by kind, errors,
memory per minute and what the jobs process sent; writes the same as JSON to
bench/results/.
"""
import argparse
import contextlib
import http.client
import json
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.jobs.common import free_port, scratch_postgres  # noqa: E402
from bench.load.proxy import Proxy  # noqa: E402
from bench.webhook.run import wait_for  # noqa: E402
from wechat import simulate  # noqa: E402

TOKEN = "bench-token"
PASSWORD = "sixstep-demo"
RESIDENTS = 20000
MP_RESIDENTS = 300
CLAIMED_ITEMS = 200
NUMBER = re.compile(r"\d{8}-\d{4,}")
MIX = [("chat_report", 20), ("mp_mine", 10), ("mp_item", 10), ("mp_board", 10), ("staff_list", 15),
       ("staff_item", 5), ("staff_progress", 6), ("staff_classify", 4), ("console_home", 10),
       ("console_items", 10)]
NO_LIMITS = {name: "1000000/minute" for name in (
    "RATELIMIT_LOGIN", "RATELIMIT_LOGIN_ACCOUNT", "RATELIMIT_REPORT", "RATELIMIT_UPLOAD", "RATELIMIT_PUBLIC_READ")}


class Client:
    """One keep-alive connection per thread to `port`; JSON helpers; a console sign-in."""

    def __init__(self, port):
        self.port = port
        self._local = threading.local()

    def _connection(self):
        connection = getattr(self._local, "connection", None)
        if connection is None:
            connection = self._local.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        return connection

    def call(self, method, path, body=None, headers=None):
        """(status, bytes, response headers); a broken connection is (0, reason, {})."""
        connection = self._connection()
        try:
            connection.request(method, path, body=body, headers=headers or {})
            answer = connection.getresponse()
            content = answer.read()
            if answer.will_close:
                connection.close()
            return answer.status, content, dict(answer.getheaders())
        except (OSError, http.client.HTTPException) as exc:
            connection.close()
            return 0, repr(exc).encode(), {}

    def json(self, method, path, token=None, payload=None):
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        status, content, _ = self.call(method, path, json.dumps(payload).encode() if payload is not None else None,
                                       headers)
        try:
            return status, json.loads(content) if content else None
        except ValueError:
            return status, None

    def console_cookie(self, username):
        """A signed-in console session's cookie (one login: hashing a password is slow on purpose)."""
        status, content, headers = self.call("GET", "/login")
        token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', content)
        session = headers.get("Set-Cookie", "").split(";")[0]
        form = urlencode({"csrf_token": token.group(1).decode() if token else "", "username": username,
                          "password": PASSWORD})
        status, _, headers = self.call("POST", "/login", form.encode(), {
            "Content-Type": "application/x-www-form-urlencoded", "Cookie": session})
        assert status == 302, f"console login answered {status}"
        return headers.get("Set-Cookie", "").split(";")[0] or session


def environment(database_url, fake_port):
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL",)}
    env.update(DATABASE_URL=database_url, WECHAT_API_BASE=f"http://127.0.0.1:{fake_port}/", WECHAT_TOKEN=TOKEN,
               SECRET_KEY="bench-secret-" + "x" * 32, SIXSTEP_ENV="development",
               PUBLIC_BASE_URL="http://127.0.0.1", PYTHONPATH=str(ROOT), **NO_LIMITS)
    return env


def prepare(database_url):
    """Schema, categories, the demo world, residents (some with mini-program tokens)."""
    import models
    from demo.seed import seed_demo
    from models.migrations import init_db
    from pipeline.accounts.people import issue_token
    from pipeline.office.catalog import ensure_default_categories

    models.open_database(database_url)
    init_db()
    ensure_default_categories()
    seed_demo()
    now = models.local_now()
    with models.db.atomic():
        models.Resident.insert_many([{"openid": f"o-load-{i}", "source": "oa", "created_at": now}
                                     for i in range(RESIDENTS)]).execute()
    tokens = [issue_token(now, resident=resident)[0]
              for resident in models.Resident.select().where(models.Resident.openid.startswith("o-load-"))
              .limit(MP_RESIDENTS)]
    models.db.close()
    return tokens


class World:
    """What the requests act on, filled through the API itself before the load starts."""

    def __init__(self, client, mp_tokens):
        self.client = client
        self.mp_tokens = mp_tokens
        _, office = client.json("POST", "/api/v1/auth/staff", payload={"username": "office", "password": PASSWORD})
        _, unit = client.json("POST", "/api/v1/auth/staff", payload={"username": "jianshe", "password": PASSWORD})
        self.office, self.unit = office["token"], unit["token"]
        self.cookie = client.console_cookie("office")
        _, categories = client.json("GET", "/api/v1/categories")
        self.category = next(child["code"] for top in categories for child in top["children"])
        _, users = client.json("GET", "/api/v1/staff/users", self.office)
        self.leader = next(u["id"] for u in users if u["role"] == "leader")
        handler = next(u for u in users if u["id"] == unit["user"]["id"])
        self.unit_id = handler["unit"]["id"] if isinstance(handler["unit"], dict) else handler["unit"]
        self.new_items = []  # numbers from chat reports, waiting to be classified
        self.lock = threading.Lock()
        self.claimed = [self._claimed_item(i) for i in range(CLAIMED_ITEMS)]
        self.numbers = list(self.claimed)

    def _claimed_item(self, i):
        status, item = self.client.json("POST", "/api/v1/staff/items", self.office, {
            "content": f"压测预置事项{i}：小区道路破损需要修补", "channel": "interview", "community": "全椒路社区"})
        assert status == 201, (status, item)
        number = item["number"]
        self.classify(number)
        status, body = self.client.json("POST", f"/api/v1/staff/items/{number}/claim", self.unit, {})
        assert status == 200, (status, body)
        return number

    def classify(self, number):
        return self.client.json("POST", f"/api/v1/staff/items/{number}/classify", self.office, {
            "category": self.category, "leader": self.leader, "unit": self.unit_id, "tier": "limited",
            "roadmap": "现场查看，制定方案，限期整改"})[0]


def requests_for(world, rng):
    """{kind: callable() → status} for the mix."""
    client = world.client

    def chat_report():
        openid = f"o-load-{rng.randrange(RESIDENTS)}"
        body = simulate.text(openid, f"幸福小区{rng.randrange(40) + 1}号楼门口路灯坏了，晚上很黑（{rng.random():.9f}）")
        params, _ = simulate.signed(body, TOKEN)
        status, content, _ = client.call("POST", "/wechat?" + urlencode(params), body.encode(),
                                         {"Content-Type": "text/xml"})
        found = NUMBER.search(content.decode("utf-8", "replace"))
        if status == 200 and found:
            with world.lock:
                world.new_items.append(found.group(0))
        return status

    def staff_list():
        return client.json("GET", "/api/v1/staff/items?status=claimed", world.office)[0]

    def staff_classify():
        with world.lock:
            number = world.new_items.pop() if world.new_items else None
        if number is None:
            return staff_list()
        return world.classify(number)

    def console(path):
        return lambda: client.call("GET", path, headers={"Cookie": world.cookie})[0]

    return {
        "chat_report": chat_report,
        "mp_mine": lambda: client.json("GET", "/api/v1/items/mine", rng.choice(world.mp_tokens))[0],
        "mp_item": lambda: client.json("GET", f"/api/v1/items/{rng.choice(world.numbers)}")[0],
        "mp_board": lambda: client.json("GET", "/api/v1/board")[0],
        "staff_list": staff_list,
        "staff_item": lambda: client.json("GET", f"/api/v1/staff/items/{rng.choice(world.numbers)}", world.office)[0],
        "staff_progress": lambda: client.json("POST", f"/api/v1/staff/items/{rng.choice(world.claimed)}/progress",
                                              world.unit, {"note": "已安排施工队，材料已到位"})[0],
        "staff_classify": staff_classify,
        "console_home": console("/"),
        "console_items": console("/items"),
    }


def rss_kb(pid):
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def cpu_seconds(pid):
    """User + system CPU time `pid` has used (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def database_backends(database_url):
    """The PostgreSQL server processes serving `database_url`'s database now."""
    import psycopg2

    name = database_url.rsplit("/", 1)[1]
    with contextlib.closing(psycopg2.connect(database_url.rsplit("/", 1)[0] + "/postgres")) as connection:
        cursor = connection.cursor()
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", (name,))
        return [row[0] for row in cursor.fetchall()]


def cpu_use(processes, database_url):
    """CPU seconds used so far by each kind of process: web (every host's master and
    workers), jobs, the fake WeChat API, this database's PostgreSQL backends and the
    load generator itself."""
    use = {"web": 0.0}
    for name, process in processes.items():
        seconds = sum(cpu_seconds(pid) for pid in family(process.pid))
        if name.startswith("web"):
            use["web"] += seconds
        else:
            use[name] = seconds
    use["postgres"] = sum(cpu_seconds(pid) for pid in database_backends(database_url))
    times = os.times()
    use["load generator"] = times.user + times.system
    return use


def family(pid):
    """`pid` and its children (gunicorn's workers)."""
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        children = []
    return [pid] + [int(c) for c in children]


def percentile(values, share):
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def run_load(world, rate, seconds, threads, on_tick=None, kill=None):
    """Fire requests on schedule for `seconds`; returns per-kind latencies (ms) and statuses."""
    kinds = [kind for kind, weight in MIX for _ in range(weight)]
    latencies, statuses = defaultdict(list), defaultdict(Counter)
    lock = threading.Lock()
    local = threading.local()

    def one(kind, due):
        if not hasattr(local, "calls"):
            local.calls = requests_for(world, random.Random(threading.get_ident()))
        status = local.calls[kind]()
        took = (time.monotonic() - due) * 1000
        with lock:
            latencies[kind].append(took)
            statuses[kind][status] += 1

    rng = random.Random(7)
    start = time.monotonic()
    total = int(rate * seconds)
    next_tick = 60
    with ThreadPoolExecutor(threads) as pool:
        for n in range(total):
            due = start + n / rate
            pause = due - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            elapsed = time.monotonic() - start
            if on_tick and elapsed >= next_tick:
                on_tick(int(elapsed // 60))
                next_tick += 60
            if kill and not kill.get("done") and elapsed >= kill["at"]:
                kill["do"]()
                kill["done"] = True
            pool.submit(one, rng.choice(kinds), due)
    return latencies, statuses, time.monotonic() - start


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers per host")
    parser.add_argument("--hosts", type=int, default=1, choices=(1, 2))
    parser.add_argument("--kill-at", type=float, default=None, help="share of the run after which host 1 dies")
    parser.add_argument("--threads", type=int, default=64, help="client threads (the open-loop pool)")
    parser.add_argument("--costs", type=int, default=None, metavar="N",
                        help="instead of the load: each kind of request N times in a row, one at a time, "
                             "and the CPU each costs the web workers and PostgreSQL")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="sixstep-load-"))
    processes = {}
    with scratch_postgres() as database_url:
        mp_tokens = prepare(database_url)
        fake_port = free_port()
        env = environment(database_url, fake_port)
        env["UPLOAD_DIR"] = str(work / "uploads")
        logs = {name: open(work / f"{name}.log", "w") for name in ("fake", "jobs", "web1", "web2")}  # noqa: SIM115 - the children write them until the end

        def start(name, command):
            processes[name] = subprocess.Popen(command, cwd=ROOT, env=env, stdout=logs[name], stderr=logs[name],
                                               start_new_session=True)
            return processes[name]

        start("fake", [sys.executable, "-m", "wechat.fake", "--port", str(fake_port)])
        wait_for(fake_port)
        start("jobs", [sys.executable, "-m", "jobs"])
        ports = [free_port() for _ in range(args.hosts)]
        for index, port in enumerate(ports, 1):
            start(f"web{index}", [sys.executable, "-m", "gunicorn", "-w", str(args.workers), "-b", f"127.0.0.1:{port}",
                                  "--backlog", "2048", "--log-level", "warning", "app:app"])
        for port in ports:
            wait_for(port, timeout=60)
        proxy = Proxy(ports).start() if args.hosts > 1 else None
        client = Client(proxy.port if proxy else ports[0])
        try:
            world = World(client, mp_tokens)
            memory = []

            def sample(minute):
                row = {"minute": minute}
                for name, process in processes.items():
                    kbs = [rss_kb(pid) for pid in family(process.pid)]
                    row[name] = [k // 1024 for k in kbs if k]
                memory.append(row)
                print("memory MB", json.dumps(row, ensure_ascii=False), flush=True)

            if args.costs:
                summary = {"costs": request_costs(world, processes, database_url, args.costs), "ok": True}
                return _write(summary)
            sample(0)
            kill = None
            if args.kill_at is not None:
                def do_kill():
                    proxy.mark()
                    os.killpg(processes["web1"].pid, signal.SIGKILL)
                    print(f"killed host 1 (port {ports[0]}) with {proxy.in_flight_at.get(ports[0], 0)} "
                          "requests in flight", flush=True)
                kill = {"at": args.kill_at * args.minutes * 60, "do": do_kill}
            cpu_before = cpu_use(processes, database_url)
            latencies, statuses, took = run_load(world, args.rate, args.minutes * 60, args.threads, sample, kill)
            cpu_after = cpu_use(processes, database_url)
            sample(int(took // 60) + 1)
            time.sleep(5)  # let the jobs process catch up before counting
            summary = report(args, latencies, statuses, took, memory, proxy, ports, database_url)
            summary["cpu_ms_per_request"] = cpu_per_request(cpu_before, cpu_after, summary["requests"])
        finally:
            for process in processes.values():
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
            for process in processes.values():
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
            if proxy:
                proxy.stop()
    print(f"logs in {work}")
    return _write(summary)


def _write(summary):
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    path = out / f"load-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(summary, ensure_ascii=False, indent=1))
    print(f"written {path.relative_to(ROOT)}")
    return 0 if summary["ok"] else 1


def request_costs(world, processes, database_url, repeat):
    """{kind: CPU ms per request in the web workers and in PostgreSQL}, each kind sent
    `repeat` times one after another: where a request's cost lies, whatever else the
    machine is doing (CPU time, not wall time)."""
    calls = requests_for(world, random.Random(11))
    costs = {}
    print(f"{'kind':16} {'web ms':>8} {'pg ms':>8} {'wall ms':>8}")
    for kind, _ in MIX:
        before, started = cpu_use(processes, database_url), time.monotonic()
        for _ in range(repeat):
            calls[kind]()
        after, wall = cpu_use(processes, database_url), (time.monotonic() - started) * 1000 / repeat
        costs[kind] = {"web_ms": round((after["web"] - before["web"]) * 1000 / repeat, 2),
                       "postgres_ms": round((after["postgres"] - before["postgres"]) * 1000 / repeat, 2),
                       "wall_ms": round(wall, 2)}
        print(f"{kind:16} {costs[kind]['web_ms']:8.2f} {costs[kind]['postgres_ms']:8.2f} {wall:8.2f}", flush=True)
    weights = dict(MIX)
    mixed = {name: round(sum(costs[k][name] * weights[k] for k in costs) / sum(weights.values()), 2)
             for name in ("web_ms", "postgres_ms")}
    print("the mix, weighted:", mixed, flush=True)
    costs["mix"] = mixed
    return costs


def memory_growth(memory):
    """{process: MB gained by its largest member from the first minute's sample to the last} —
    minute 0 is before any load, when workers have not yet imported everything they use."""
    start = next((row for row in memory if row["minute"] >= 1), None)
    if start is None or start is memory[-1]:
        return {}
    return {name: max(memory[-1][name]) - max(start[name]) for name in start
            if name != "minute" and start[name] and memory[-1].get(name)}


def cpu_per_request(before, after, requests):
    """CPU milliseconds each kind of process spent per request of the run, and what the
    machine's cores could serve at that cost if nothing else ran: the ceiling a rate
    meets before any queueing. (PostgreSQL backends that connected and left during the
    run are not counted: the workers keep their connections, so that is little.)"""
    per = {name: round((after[name] - before.get(name, 0.0)) * 1000 / requests, 2) for name in after}
    total = sum(per.values())
    ceiling = round(os.cpu_count() * 1000 / total) if total else None
    print("CPU ms per request:", per, f"total {total:.1f} ms -> {os.cpu_count()} cores serve at most "
          f"{ceiling} requests/s", flush=True)
    return {"by_process": per, "total": round(total, 2), "cores": os.cpu_count(), "ceiling_per_s": ceiling}


def report(args, latencies, statuses, took, memory, proxy, ports, database_url):
    import models

    all_ms = [ms for values in latencies.values() for ms in values]
    errors = {kind: {str(s): n for s, n in counts.items() if s == 0 or s >= 500}
              for kind, counts in statuses.items()}
    errors = {kind: e for kind, e in errors.items() if e}
    refused = {kind: {str(s): n for s, n in counts.items() if 400 <= s < 500}
               for kind, counts in statuses.items()}
    refused = {kind: r for kind, r in refused.items() if r}
    models.open_database(database_url)
    outbox = Counter(row.status for row in models.Outbox.select(models.Outbox.status))
    items = models.Item.select().count()
    models.db.close()
    print(f"\n{sum(len(v) for v in latencies.values())} requests in {took:.0f} s "
          f"({sum(len(v) for v in latencies.values()) / took:.0f}/s), {args.hosts} host(s) × {args.workers} workers")
    print(f"{'kind':16} {'n':>7} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for kind, _ in MIX:
        values = latencies.get(kind, [])
        if values:
            print(f"{kind:16} {len(values):7} {percentile(values, .5):8.1f} {percentile(values, .99):8.1f} "
                  f"{max(values):8.1f}")
    print(f"{'all':16} {len(all_ms):7} {percentile(all_ms, .5):8.1f} {percentile(all_ms, .99):8.1f} "
          f"{max(all_ms):8.1f}")
    print("errors (5xx or no answer):", errors or "none")
    print("refused (4xx):", refused or "none")
    print("outbox:", dict(outbox), "items:", items)
    lost_to_kill = None
    if proxy:
        lost_to_kill = {"in_flight_at_kill": proxy.in_flight_at.get(ports[0], 0),
                        "failed_in_flight": proxy.failed_in_flight, "refused_then_rerouted": proxy.skipped_refused}
        print("proxy:", lost_to_kill)
    error_count = sum(sum(e.values()) for e in errors.values())
    allowed = lost_to_kill["in_flight_at_kill"] if lost_to_kill else 0
    summary = {
        "args": vars(args), "seconds": took, "requests": len(all_ms), "p50_ms": percentile(all_ms, .5), "p99_ms": percentile(all_ms, .99),
        "by_kind": {kind: {"n": len(v), "p50_ms": percentile(v, .5), "p99_ms": percentile(v, .99)}
                    for kind, v in latencies.items()},
        "errors": errors, "refused": refused, "memory_mb": memory, "outbox": dict(outbox), "items": items,
        "proxy": lost_to_kill, "load_average": os.getloadavg(),
    }
    summary["memory_growth"] = memory_growth(memory)
    summary["ok"] = error_count <= allowed and not refused
    print("memory growth from minute 1 to the end (MB per process):", summary["memory_growth"])
    print("p99 under 300 ms:", summary["p99_ms"] < 300, "| errors within those in flight at a kill:",
          error_count <= allowed)
    return summary


if __name__ == "__main__":
    sys.exit(main())
