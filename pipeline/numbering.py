"""Item numbers people read over the phone: YYYYMMDD-NNNN, unique, never reused."""
from models import DailySequence


def next_number(day):
    """Atomically take the next daily sequence number for `day` (a date).

    One upsert with RETURNING: PostgreSQL serialises it on the row lock and
    SQLite on its write lock, so concurrent writers never get the same number.
    Run it inside the transaction that creates the item: a rollback returns
    the number, a commit keeps it forever.
    """
    key = day.strftime("%Y%m%d")
    query = (
        DailySequence.insert(day=key, last=1)
        .on_conflict(
            conflict_target=[DailySequence.day],
            update={DailySequence.last: DailySequence.last + 1},
        )
        .returning(DailySequence.last)
    )
    row = query.execute()
    last = _returned_value(row)
    return f"{key}-{last:04d}"


def _returned_value(result):
    # peewee gives a cursor of tuples/models for RETURNING queries.
    for row in result:
        if isinstance(row, tuple):
            return row[0]
        return row.last
    raise RuntimeError("sequence upsert returned nothing")
