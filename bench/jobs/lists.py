"""The staff work list's first page on a large PostgreSQL table.

    python -m bench.jobs.lists [--items 1000000] [--keep] [--database URL]

Fills a scratch database as `bench.jobs.sweep` does (5% open, the rest closed)
and times `pipeline.views.lists.work_list` for the office (every item), for
a unit's staff (their items and the claim board) and with `?status=claimed`:
the first page (best and median of 9), page 50 by `page=` and the page after
the 49th by its cursor (`after=`), and prints each first page's plans (the
page and its count). `--keep` leaves the database for a rerun with
`--database` (no refill). Goal: the first page under 20 ms at 100,000 and
1,000,000 items.
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


def measure(app, items, fill_now):
    with app.app_context():
        from models import Item, StaffUser, local_now
        from pipeline.rules.actors import actor_for_staff
        from pipeline.views import lists

        now = local_now().replace(hour=9, minute=0)
        if fill_now:
            print(json.dumps({"items": items, "fill_seconds": fill(items, now)}))
        office = actor_for_staff(StaffUser.get(StaffUser.username == "office"))
        unit = actor_for_staff(StaffUser.get(StaffUser.username == "unit0"))
        cases = (("office", office, {}), ("unit", unit, {}), ("office, status=claimed", office, {"status": "claimed"}))
        for name, actor, options in cases:
            first_ms, first_median, page = best(9, lambda a=actor, o=options: lists.work_list(a, now=now, **o))
            later_ms, _, _ = best(3, lambda a=actor, o=options: lists.work_list(a, now=now, page=50, **o))
            cursor = page["next"]
            for _ in range(48):
                cursor = lists.work_list(actor, now=now, after=cursor, **options)["next"]
            keyed_ms, _, _ = best(3, lambda a=actor, o=options, c=cursor: lists.work_list(a, now=now, after=c, **o))
            print(json.dumps({"list": name, "first_page_ms": first_ms, "first_page_median_ms": first_median,
                              "page_50_ms": later_ms, "page_50_by_cursor_ms": keyed_ms, "total": page["total"],
                              "total_exact": page["total_exact"]}, ensure_ascii=False))
            query = lists.staff_items(actor, now.date(), **options).order_by(*lists.WORK_ORDER)
            print("  page:")
            for line in explain(query.limit(21)):
                print("    " + line)
            print("  count:")
            for line in explain(query.select(Item.id).order_by().limit(lists.COUNT_EXACT_UP_TO + 1)):
                print("    " + line)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database (its name is printed)")
    parser.add_argument("--database", help="a database this bench filled and kept: measure again, no fill")
    args = parser.parse_args()
    if args.database:
        measure(make_app(args.database), args.items, fill_now=False)
        return
    with scratch_postgres(keep=args.keep) as url:
        measure(make_app(url), args.items, fill_now=True)


if __name__ == "__main__":
    main()
