"""Webhook load benchmark: sixstep's /wechat against a bare Flask + wechatpy handler.

    python -m bench.webhook.run [--duration 20] [--connections 16] [--database sqlite|postgresql://...]

On SQLite a third server runs between them, `floor_app.py`: the bare handler
plus one durable insert per push, the least any handler that acknowledges
only what it has stored can do. All run under gunicorn with 2 workers on
loopback (sync workers unless --worker-class says otherwise) and are driven by `wrk`
(`apt-get install wrk`) with pre-signed plaintext text messages, each a new
report; 5% are WeChat-style retries of an earlier message (same MsgId, fresh
signature), which must create nothing. Prints throughput, latency, the ratio
real/bare, and the item check: every item number residents were told exists
(none lost), no report stored twice (no duplicates), and retries created
nothing. Results are also written to bench/results/ as JSON.
"""
import argparse
import json
import os
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from wechat import simulate  # noqa: E402

TOKEN = "bench-token"
RETRY_SHARE = 0.05
RESIDENTS = 5000  # ~5 reports each in a run: under the daily chat limit, mostly known senders


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(port, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"server on port {port} did not start")


def write_pushes(path, count, threads, tag):
    """`count` signed pushes, one `path<TAB>body` per line; retries stay in their thread's slice."""
    rng = random.Random(tag)
    stamp = str(int(time.time()))
    lines = []
    for i in range(count):
        retry_of = i - threads * rng.randint(1, 20)
        if i >= threads * 20 and rng.random() < RETRY_SHARE:
            body = lines[retry_of][1]
        else:
            openid = f"o-bench-{rng.randrange(RESIDENTS)}"
            content = f"幸福小区{i % 40 + 1}号楼门口路灯坏了，晚上很黑（{tag}-{i}）"
            body = simulate.text(openid, content, msg_id=10**12 + i)
        nonce = secrets.token_hex(8)
        params, _ = simulate.signed(body, TOKEN, timestamp=stamp, nonce=nonce)
        query = "&".join(f"{k}={v}" for k, v in params.items())
        lines.append((f"/wechat?{query}", body))
    with open(path, "w", encoding="utf-8") as out:
        for target, body in lines:
            out.write(target + "\t" + body.replace("\n", " ") + "\n")


def start_gunicorn(target, port, env, args, log):
    command = [sys.executable, "-m", "gunicorn", "-w", str(args.workers), "-b", f"127.0.0.1:{port}",
               "--backlog", "2048", "--log-level", "warning", "-k", args.worker_class]
    if args.worker_class == "gthread":
        command += ["--threads", str(args.worker_threads)]
    command.append(target)
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log, start_new_session=True)
    wait_for(port)
    return process


def stop(process):
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def run_wrk(port, pushes, numbers, args, duration=None):
    env = dict(os.environ, PUSHES_FILE=str(pushes), NUMBERS_FILE=str(numbers), BENCH_THREADS=str(args.threads))
    command = ["wrk", "-t", str(args.threads), "-c", str(args.connections), "-d", f"{duration or args.duration}s",
               "--timeout", "5s", "-s", str(Path(__file__).with_name("pushes.lua")), f"http://127.0.0.1:{port}"]
    output = subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout
    result = {"statuses": {}, "wrapped": 0}
    for line in output.splitlines():
        parts = line.split()
        if parts and parts[0] == "STATUS":
            result["statuses"][parts[1]] = result["statuses"].get(parts[1], 0) + int(parts[2])
        elif parts and parts[0] == "WRAPPED":
            result["wrapped"] += int(parts[1])
        elif parts and parts[0] in ("P50_US", "P99_US", "MAX_US", "REQUESTS", "DURATION_US", "ERRORS"):
            result[parts[0].lower()] = int(parts[1])
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    return result


def prepare_database(url):
    import models
    from models.migrations import init_db
    from pipeline.accounts.people import create_staff
    from pipeline.office.catalog import ensure_default_categories

    models.open_database(url)
    init_db()
    ensure_default_categories()
    for i in range(2):  # the office hears of every new report, as in production
        user = create_staff(f"office{i}", "office", "bench-password", name=f"活动办{i}")
        models.StaffUser.update(openid=f"o-bench-office-{i}").where(models.StaffUser.id == user.id).execute()
    # Residents follow the account (the subscribe event records them) before they report.
    now = models.local_now()
    with models.db.atomic():
        models.Resident.insert_many([{"openid": f"o-bench-{i}", "source": "oa", "created_at": now}
                                     for i in range(RESIDENTS)]).execute()
    models.db.close()


def check_items(url, numbers_file, connections):
    """Lost: a number residents were told that isn't stored. Duplicated: a report stored twice."""
    import models
    from models import InboundMessage, Item

    models.open_database(url)
    told = {line.strip() for line in Path(numbers_file).read_text(encoding="utf-8").splitlines() if line.strip()}
    stored = {row.number: row.content for row in Item.select(Item.number, Item.content)}
    contents = list(stored.values())
    tags = [re.search(r"（(.+)）$", c).group(1) for c in contents]
    result = {
        "items": len(stored),
        "numbers_told": len(told),
        "lost": len(told - set(stored)),
        "duplicated": len(tags) - len(set(tags)),
        "stored_not_told": len(set(stored) - told),  # answered after wrk stopped listening
        "inbound_rows": InboundMessage.select().where(InboundMessage.msg_type == "text").count(),
    }
    result["ok"] = (result["lost"] == 0 and result["duplicated"] == 0
                    and result["stored_not_told"] <= connections and result["inbound_rows"] == len(stored))
    models.db.close()
    return result


def create_pg_database(admin_url):
    import psycopg2

    name = f"sixstep_bench_{uuid.uuid4().hex[:8]}"
    conn = psycopg2.connect(admin_url)
    conn.autocommit = True
    conn.cursor().execute(f'CREATE DATABASE "{name}"')
    conn.close()
    return admin_url.rsplit("/", 1)[0] + "/" + name, name


def drop_pg_database(admin_url, name):
    import psycopg2

    conn = psycopg2.connect(admin_url)
    conn.autocommit = True
    conn.cursor().execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    conn.close()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--worker-class", default="sync", choices=("sync", "gthread"),
                        help="gunicorn worker class, the same for both servers")
    parser.add_argument("--worker-threads", type=int, default=4, help="threads per gthread worker")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of load before measuring")
    parser.add_argument("--database", default="sqlite",
                        help="sqlite (a fresh WAL file) or a PostgreSQL admin URL (a fresh database is made)")
    args = parser.parse_args(argv)
    if not shutil.which("wrk"):
        raise SystemExit("wrk not found: apt-get install -y wrk")

    work = Path(tempfile.mkdtemp(prefix="sixstep-bench-"))
    pg_name = None
    if args.database == "sqlite":
        url = f"sqlite:///{work / 'bench.db'}"
    else:
        url, pg_name = create_pg_database(args.database)
    prepare_database(url)
    env = dict(os.environ, WECHAT_TOKEN=TOKEN, DATABASE_URL=url, SIXSTEP_ENV="development",
               WECHAT_API_BASE="http://127.0.0.1:9/", REDIS_URL="", PYTHONPATH=str(ROOT))
    pool = 8000 * args.duration
    log = open(work / "gunicorn.log", "w")  # noqa: SIM115 - shared by every server started below, closed in `finally`
    results = {"database": "sqlite (WAL)" if pg_name is None else "postgresql", "workers": args.workers,
               "connections": args.connections, "duration_s": args.duration}
    try:
        servers = [("bare", "bench.webhook.bare_app:app", env)]
        if pg_name is None:
            floor_env = dict(env, DATABASE_URL=f"sqlite:///{work / 'floor.db'}")
            servers.append(("floor", "bench.webhook.floor_app:app", floor_env))
        servers.append(("sixstep", "app:app", env))
        for name, target, server_env in servers:
            port = free_port()
            server = start_gunicorn(target, port, server_env, args, log)
            try:
                # Warm up first (imports, connections, caches), then measure; both runs'
                # items are checked.
                for phase, seconds in (("warmup", args.warmup), ("measured", args.duration)):
                    pushes, numbers = work / f"{name}-{phase}.pushes", work / f"{name}-{phase}.numbers"
                    write_pushes(pushes, pool, args.threads, f"{name}-{phase}-{uuid.uuid4().hex[:6]}")
                    result = run_wrk(port, pushes, numbers, args, duration=seconds)
                results[name] = result
            finally:
                stop(server)
        told = work / "sixstep.numbers"
        told.write_text("".join((work / f"sixstep-{p}.numbers").read_text() for p in ("warmup", "measured")))
        results["items"] = check_items(url, told, args.connections * 2)
    finally:
        log.close()
        if pg_name:
            drop_pg_database(args.database, pg_name)
    results["ratio"] = results["sixstep"]["rps"] / results["bare"]["rps"]
    if "floor" in results:
        results["floor_ratio"] = results["floor"]["rps"] / results["bare"]["rps"]
        results["ratio_to_floor"] = results["sixstep"]["rps"] / results["floor"]["rps"]
    report(results)
    out_dir = ROOT / "bench" / "results"
    out_dir.mkdir(exist_ok=True)
    out_file = out_dir / f"webhook-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out_file.write_text(json.dumps(results, indent=2, ensure_ascii=False))
    print(f"(saved to {out_file.relative_to(ROOT)}; scratch files in {work})")
    shutil.rmtree(work, ignore_errors=True)
    return 0 if results["items"]["ok"] and results["ratio"] >= 0.6 and results["sixstep"]["p99_us"] < 200_000 else 1


def report(results):
    print(f"database: {results['database']}, gunicorn workers: {results['workers']}, "
          f"wrk connections: {results['connections']}, {results['duration_s']} s each")
    print(f"{'':10}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'max ms':>10}{'errors':>8}  statuses")
    for name in ("bare", "floor", "sixstep"):
        if name not in results:
            continue
        r = results[name]
        print(f"{name:10}{r['rps']:>10.0f}{r['p50_us'] / 1000:>10.1f}{r['p99_us'] / 1000:>10.1f}"
              f"{r['max_us'] / 1000:>10.1f}{r['errors']:>8}  {r['statuses']}"
              + (f" (pool wrapped {r['wrapped']}x)" if r["wrapped"] else ""))
    items = results["items"]
    print(f"ratio sixstep/bare: {results['ratio']:.0%} (target ≥ 60%); sixstep p99 "
          f"{results['sixstep']['p99_us'] / 1000:.1f} ms (target < 200 ms)")
    if "floor" in results:
        print(f"floor (bare + one durable insert per push)/bare: {results['floor_ratio']:.0%}; "
              f"sixstep/floor: {results['ratio_to_floor']:.0%}")
    print(f"items stored: {items['items']}, numbers told: {items['numbers_told']}, lost: {items['lost']}, "
          f"duplicated: {items['duplicated']}, stored after wrk stopped: {items['stored_not_told']}, "
          f"text pushes recorded: {items['inbound_rows']} → {'OK' if items['ok'] else 'PROBLEM'}")


if __name__ == "__main__":
    sys.exit(main())
