"""The staff work list's first page on a large PostgreSQL table.

    python -m bench.jobs.lists [--items 1000000]

Fills a scratch database as `bench.jobs.sweep` does (5% open, the rest closed)
and times `pipeline.views.lists.work_list` for the office (every item), for
a unit's staff (their items and the claim board) and with `?status=claimed`:
the first page (best of 9) and page 50, and prints the first page's plan.
Goal: the first page under 20 ms at 100,000 and 1,000,000 items.
"""
import argparse
import json
import time

from bench.jobs.common import make_app, scratch_postgres
from bench.jobs.sweep import explain, fill


def best(times, func):
    results = []
    for _ in range(times):
        started = time.perf_counter()
        value = func()
        results.append((time.perf_counter() - started) * 1000)
    return round(min(results), 2), round(sorted(results)[len(results) // 2], 2), value


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=1_000_000)
    args = parser.parse_args()
    with scratch_postgres() as url:
        app = make_app(url)
        with app.app_context():
            from models import Item, StaffUser, local_now
            from pipeline.rules.actors import actor_for_staff
            from pipeline.views import lists

            now = local_now().replace(hour=9, minute=0)
            fill_seconds = fill(args.items, now)
            office = actor_for_staff(StaffUser.get(StaffUser.username == "office"))
            unit = actor_for_staff(StaffUser.get(StaffUser.username == "unit0"))
            print(json.dumps({"items": args.items, "fill_seconds": fill_seconds}))
            for name, actor, options in (("office", office, {}), ("unit", unit, {}),
                                         ("office, status=claimed", office, {"status": "claimed"})):
                first_ms, first_median, page = best(9, lambda a=actor, o=options: lists.work_list(a, now=now, **o))
                later_ms, _, _ = best(3, lambda a=actor, o=options: lists.work_list(a, now=now, page=50, **o))
                print(json.dumps({"list": name, "first_page_ms": first_ms, "first_page_median_ms": first_median,
                                  "page_50_ms": later_ms, "total": page["total"], "total_exact": page["total_exact"]},
                                 ensure_ascii=False))
            query = (Item.select().order_by(Item.due.is_null(), Item.due, Item.created_at.desc(), Item.id.desc())
                     .limit(20))
            for line in explain(query):
                print("    " + line)


if __name__ == "__main__":
    main()
