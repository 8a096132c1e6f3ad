"""Item numbers people read over the phone: YYYYMMDD-NNNN, unique, never reused."""
from datetime import date

from models import DailySequence, db

_UPSERT = ('INSERT INTO "{table}" ("day", "last") VALUES ({mark}, 1) '
           'ON CONFLICT ("day") DO UPDATE SET "last" = "{table}"."last" + 1 RETURNING "last"')


def next_number(day: date) -> str:
    """Atomically take the next daily sequence number for `day` (a date).

    One upsert with RETURNING (the same statement on SQLite ≥ 3.35 and
    PostgreSQL, written once since every report runs it): PostgreSQL
    serialises it on the row lock and SQLite on its write lock, so concurrent
    writers never get the same number. Run it inside the transaction that
    creates the item: a rollback returns the number, a commit keeps it forever.
    """
    key = day.strftime("%Y%m%d")
    sql = _UPSERT.format(table=DailySequence._meta.table_name, mark=db.param)
    last = db.execute_sql(sql, (key,)).fetchone()[0]
    return f"{key}-{last:04d}"
