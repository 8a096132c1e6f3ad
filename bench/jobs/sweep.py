"""The reminder/overdue sweep on a large PostgreSQL table.

    python -m bench.jobs.sweep [--items 1000000] [--due 0,10,100,1000] [--repeat 1] [--keep | --reuse NAME]

Fills a scratch database with `--items` items (5% open, the rest closed) and
three reminder rows each (closed items' rows done, open items' rows pending in
the future: 3 × items rows in all), then makes K open items overdue with their
`overdue` reminder due now, for each K in `--due`, and times:

- the due-row query alone (what grows with the table if the index is wrong);
- one full `pipeline.steps.chasing.sweep(now)`: find, re-check, timeline event,
  催办 note, pushes, mark done — for all K rows;
- the overdue digest's query (all overdue items, for the 09:00 digest).

Each sweep's CPU time is printed beside its wall time (`cpu_ms`: the database
server process's, from /proc when PostgreSQL runs on this machine, and this
process's): on a shared machine the wall time follows the other work, the
CPU time much less.

and prints the PostgreSQL plans. Run it with two sizes (`--items 100000`
and the default) to see the time follow K, not the table. Filling 1M items takes
minutes: `--keep` keeps the database and `--reuse NAME` measures on a kept one
again (each K is put back after it is measured). `--repeat N` sweeps each K N times.
"""
import argparse
import json
import os
import time
from datetime import timedelta

from bench.jobs.common import make_app, scratch_postgres

FILL_ITEMS = """
INSERT INTO item (number, status, round, content, channel, anonymous, community, category_id, leader_id, unit_id,
                  tier, due, roadmap, wide_concern, classified_at, claimed_unit_id, claimed_at, escalated,
                  created_at, updated_at, closed_at)
SELECT to_char(date '2021-01-01' + g / 5000, 'YYYYMMDD') || '-' || lpad((mod(g, 5000) + 1)::text, 4, '0'),
       CASE WHEN mod(g, 20) = 0 THEN 'claimed' ELSE 'closed' END, 1, '第' || g || '号事项', 'wechat', false,
       '全椒路社区', %(category)s, %(leader)s, %(unit)s, 'limited',
       CASE WHEN mod(g, 20) = 0 THEN %(today)s::date + 5 + mod(g, 30) ELSE date '2021-01-01' + g / 5000 + 10 END,
       '路线图', false, %(now)s, %(unit)s, %(now)s, false, %(now)s, %(now)s,
       CASE WHEN mod(g, 20) = 0 THEN NULL ELSE %(now)s END
FROM generate_series(1, %(items)s) AS g
"""

FILL_REMINDERS = """
INSERT INTO reminder (item_id, kind, round, fire_at, done_at, created_at)
SELECT item.id, kinds.kind, 1,
       CASE WHEN item.status = 'closed' THEN item.created_at ELSE %(now)s::timestamp + interval '3 days' END,
       CASE WHEN item.status = 'closed' THEN item.created_at ELSE NULL END,
       item.created_at
FROM item CROSS JOIN (VALUES ('half_time'), ('day_before'), ('overdue')) AS kinds(kind)
"""


def fill(items, now):
    from models import Category, StaffUser, Unit, db

    unit = Unit.create(name="建设办", kind="department")
    leader = StaffUser.create(username="leader", name="陈建国", role="leader", password_hash="x", openid="o-leader")
    for n in range(3):
        StaffUser.create(username=f"unit{n}", name=f"经办{n}", role="unit", unit=unit, password_hash="x",
                         openid=f"o-unit-{n}")
    StaffUser.create(username="office", name="李敏", role="office", password_hash="x", openid="o-office")
    StaffUser.create(username="duban", name="吴刚", role="supervisor", area="全椒路社区", password_hash="x",
                     openid="o-duban")
    params = {"items": items, "now": now, "today": now.date(), "unit": unit.id, "leader": leader.id,
              "category": Category.get(Category.code == "housing").id}
    started = time.perf_counter()
    with db.atomic():
        cursor = db.cursor()
        cursor.execute(FILL_ITEMS, params)
        cursor.execute(FILL_REMINDERS, params)
    db.execute_sql("VACUUM ANALYZE item")
    db.execute_sql("VACUUM ANALYZE reminder")
    return round(time.perf_counter() - started, 1)


def make_due(count, now):
    """K open items overdue since yesterday, their `overdue` reminder due a minute ago."""
    from models import Item, Reminder

    ids = [i.id for i in Item.select(Item.id).where(Item.status == "claimed").order_by(Item.id).limit(count)]
    if ids:
        Item.update(due=now.date() - timedelta(days=1)).where(Item.id.in_(ids)).execute()
        (Reminder.update(fire_at=now - timedelta(minutes=1), done_at=None)
         .where(Reminder.item.in_(ids) & (Reminder.kind == "overdue")).execute())
    return ids


def undo(ids, now):
    """Put the fired rows back for the next K (and forget what firing wrote)."""
    from models import Item, Outbox, Reminder, SupervisionNote, TimelineEvent

    if ids:
        Outbox.delete().where(Outbox.item.in_(ids)).execute()
        TimelineEvent.delete().where(TimelineEvent.item.in_(ids)).execute()
        SupervisionNote.delete().where(SupervisionNote.item.in_(ids)).execute()
        (Reminder.update(fire_at=now + timedelta(days=3), done_at=None)
         .where(Reminder.item.in_(ids) & (Reminder.kind == "overdue")).execute())
        Item.update(due=now.date() + timedelta(days=5)).where(Item.id.in_(ids)).execute()


def explain(query):
    from models import db

    sql, params = query.sql()
    rows = db.execute_sql("EXPLAIN (ANALYZE, BUFFERS) " + sql, params).fetchall()
    return [row[0] for row in rows]


def best_of(times, func):
    results = []
    for _ in range(times):
        started = time.perf_counter()
        value = func()
        results.append((time.perf_counter() - started, value))
    return min(results, key=lambda pair: pair[0])


def backend_cpu_ms():
    """CPU time so far of this connection's server process (PostgreSQL on this machine, else
    None): what a sweep costs the database whatever else the machine runs beside it."""
    from models import db

    pid = db.execute_sql("SELECT pg_backend_pid()").fetchone()[0]
    try:
        with open(f"/proc/{pid}/schedstat", encoding="ascii") as handle:
            return int(handle.read().split()[0]) / 1e6
    except OSError:
        return None


def measure(due_counts, now, repeat=1):
    from models import Item, Reminder
    from pipeline.rules.states import UNDER_DEADLINE
    from pipeline.steps import chasing

    due_query = (Reminder.select().where(Reminder.done_at.is_null() & (Reminder.fire_at <= now))
                 .order_by(Reminder.fire_at).limit(1000))
    digest_query = Item.select().where(Item.status.in_(UNDER_DEADLINE) & (Item.due < now.date()))
    report = []
    for count in due_counts:
        ids = make_due(count, now)
        query_seconds, found = best_of(5, lambda: len(chasing.due(now, 1000)))
        digest_seconds, overdue = best_of(5, lambda: len(chasing.overdue_items(now.date())))
        plan = explain(due_query)
        digest_plan = explain(digest_query)
        runs, cpu = [], []
        for run in range(repeat):
            if run:
                undo(ids, now)
                ids = make_due(count, now)
            backend, client = backend_cpu_ms(), time.process_time()
            started = time.perf_counter()
            fired = chasing.sweep(now)
            runs.append(time.perf_counter() - started)
            client = (time.process_time() - client) * 1000
            backend = backend_cpu_ms() - backend if backend is not None else None
            cpu.append({"database": None if backend is None else round(backend, 1), "python": round(client, 1)})
        sweep_seconds = sorted(runs)[len(runs) // 2]
        report.append({"due": count, "found": found, "fired": fired, "due_query_ms": round(query_seconds * 1000, 2),
                       "sweep_ms": round(sweep_seconds * 1000, 1), "runs_ms": [round(r * 1000, 1) for r in runs],
                       "cpu_ms": cpu,
                       "load": os.getloadavg(),
                       "per_fired_ms": round(sweep_seconds * 1000 / count, 3) if count else None,
                       "digest_query_ms": round(digest_seconds * 1000, 2), "overdue": overdue,
                       "due_plan": plan, "digest_plan": digest_plan})
        undo(ids, now)
    return report


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--due", default="0,10,100,1000")
    parser.add_argument("--repeat", type=int, default=1, help="sweeps of each K (the median is reported)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--reuse", help="a database kept by --keep: measure on it, skip the fill")
    args = parser.parse_args()
    due_counts = [int(n) for n in args.due.split(",")]
    with scratch_postgres(keep=args.keep, reuse=args.reuse) as url:
        app = make_app(url)
        with app.app_context():
            from peewee import fn

            from models import Reminder, local_now

            now = local_now().replace(hour=9, minute=0)
            if args.reuse:  # the kept data's open items' reminders are pending at its fill's now + 3 days
                fill_seconds = None
                now = Reminder.select(fn.MAX(Reminder.fire_at)).where(Reminder.done_at.is_null()).scalar() - timedelta(days=3)
            else:
                fill_seconds = fill(args.items, now)
            rows = Reminder.select().count()
            pending = Reminder.select().where(Reminder.done_at.is_null()).count()
            report = measure(due_counts, now, args.repeat)
    print(json.dumps({"items": args.items, "reminders": rows, "pending": pending, "fill_seconds": fill_seconds},
                     ensure_ascii=False))
    for entry in report:
        plans = {"due": entry.pop("due_plan"), "digest": entry.pop("digest_plan")}
        print(json.dumps(entry, ensure_ascii=False))
        for name, plan in plans.items():
            print(f"  {name} query plan:")
            for line in plan:
                print("    " + line)


if __name__ == "__main__":
    main()
