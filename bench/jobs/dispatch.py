"""Outbox dispatch throughput against the fake WeChat server.

    python -m bench.jobs.dispatch [--rows 5000] [--database postgresql|sqlite]

Queues `--rows` template messages (distinct recipients' rows, as the operations
queue them), starts `python -m wechat.fake` in its own process, and runs the
jobs' dispatcher — one message in flight at a time, each result recorded
before the next send — until every row is sent. Prints rows per second
(target ≥ 500) and checks the fake server received each row exactly once.
"""
import argparse
import json
import tempfile
import time
import urllib.request
from datetime import timedelta

from bench.jobs.common import fake_wechat_process, make_app, scratch_postgres

TARGET = 500


def queue_rows(count, now):
    from models import Outbox, StaffUser, db

    with db.atomic():
        users = [StaffUser.create(username=f"bench-{n}", name=f"干部{n}", role="office", password_hash="x",
                                  openid=f"bench-openid-{n}") for n in range(50)]
        rows = [{
            "dedup_key": f"bench:{n}", "kind": "bench", "channel": "oa_template", "template_id": "tpl-task-assigned",
            "staff": users[n % len(users)].id, "openid": users[n % len(users)].openid,
            "data": {"character_string1": {"value": f"B{n:06d}"}, "thing2": {"value": "压测消息"},
                     "phrase3": {"value": "待办"}, "time4": {"value": now.strftime("%Y-%m-%d %H:%M")},
                     "thing5": {"value": f"第{n}条"}},
            "page": f"pages/item/item?number=B{n:06d}", "next_attempt_at": now, "created_at": now,
        } for n in range(count)]
        for start in range(0, count, 1000):
            Outbox.insert_many(rows[start:start + 1000]).execute()


def run(database_url, rows):
    from jobs.sending import dispatch_outbox
    from models import Outbox, local_now

    with fake_wechat_process() as base:
        app = make_app(database_url, api_base=base, upload_dir=tempfile.mkdtemp())
        with app.app_context():
            now = local_now()
            queue_rows(rows, now)
            dispatch_outbox(now - timedelta(days=1))  # connection and token warm-up; nothing is due yet
            started = time.perf_counter()
            result = dispatch_outbox(now, budget=3600)
            seconds = time.perf_counter() - started
            unsent = Outbox.select().where(Outbox.status != "sent").count()
        with urllib.request.urlopen(base + "_calls") as answer:
            calls = json.load(answer)
    sends = [c["json"]["data"]["character_string1"]["value"] for c in calls
             if c["path"] == "cgi-bin/message/template/send" and c["errcode"] == 0]
    return {"rows": rows, "sent": result.get("sent", 0), "unsent": unsent, "seconds": round(seconds, 3),
            "per_second": round(rows / seconds, 1), "received": len(sends), "distinct": len(set(sends))}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--database", default="postgresql", help="postgresql (a scratch database) or sqlite")
    args = parser.parse_args()
    if args.database == "sqlite":
        report = run(f"sqlite:///{tempfile.mkdtemp()}/bench.db", args.rows)
    else:
        with scratch_postgres() as url:
            report = run(url, args.rows)
    report["database"] = args.database
    print(json.dumps(report, ensure_ascii=False))
    ok = report["per_second"] >= TARGET and report["received"] == report["distinct"] == args.rows
    print(f"{report['per_second']} notifications/s ({'ok' if ok else 'BELOW TARGET or not exactly once'}: "
          f"target ≥ {TARGET}/s, each row received once)")
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
