"""The hand-written-SELECT helper and the datetime reading shared by every model."""
from datetime import datetime

from models import Resident
from models.base import DateTimeField, fetch_model, is_postgres


def test_datetimes_read_back_with_and_without_microseconds():
    field = DateTimeField()
    assert field.python_value("2026-11-27 10:00:00") == datetime(2026, 11, 27, 10, 0)
    assert field.python_value("2026-11-27 10:00:00.250000") == datetime(2026, 11, 27, 10, 0, 0, 250000)
    assert field.python_value("2026-11-27") == datetime(2026, 11, 27)
    assert field.python_value(datetime(2026, 1, 2, 3, 4)) == datetime(2026, 1, 2, 3, 4)
    assert field.python_value(None) is None


def test_fetch_model_builds_the_model_with_extra_columns(db, now):
    Resident.create(openid="o-1", nickname="张阿姨", community="幸福社区", created_at=now)
    mark = "%s" if is_postgres() else "?"
    resident = fetch_model(Resident, f'SELECT r.*, 1 AS extra FROM "resident" r WHERE r."openid" = {mark}', ("o-1",))
    assert (resident.openid, resident.nickname, resident.community, resident.created_at) == (
        "o-1", "张阿姨", "幸福社区", now)
    assert resident.subscribed is True and resident.extra == 1
    assert resident == Resident.get(Resident.openid == "o-1")
    assert not resident.is_dirty()
    assert fetch_model(Resident, f'SELECT * FROM "resident" WHERE "openid" = {mark}', ("o-2",)) is None


def test_sqlite_writers_checkpoint_after_leaving_the_write_lock(db, now, monkeypatch):
    """SQLite's own checkpoint ran inside a commit, holding every other writer up."""
    import fcntl
    import os

    import pytest

    import models.base
    from pipeline.rules.core import transaction

    if is_postgres():
        pytest.skip("PostgreSQL checkpoints by itself; writers queue on row locks")
    monkeypatch.setattr(models.base, "CHECKPOINT_EVERY_COMMITS", 2)
    lock_path = f"{db.obj.database}.writelock"
    seen = []
    execute_sql = db.obj.execute_sql

    def spy(sql, *args, **kwargs):
        if "wal_checkpoint" in sql:
            probe = os.open(lock_path, os.O_RDWR)
            try:
                fcntl.flock(probe, fcntl.LOCK_EX | fcntl.LOCK_NB)  # raises if a writer still held it
                fcntl.flock(probe, fcntl.LOCK_UN)
                seen.append(db.in_transaction())
            finally:
                os.close(probe)
        return execute_sql(sql, *args, **kwargs)

    monkeypatch.setattr(db.obj, "execute_sql", spy)
    for n in range(4):
        with transaction():
            Resident.create(openid=f"o-{n}", created_at=now)
            with transaction():  # a savepoint: neither a turn nor a checkpoint of its own
                Resident.create(openid=f"o-{n}-inner", created_at=now)
    assert seen == [False, False]
    assert Resident.select().count() == 8
    assert db.execute_sql("PRAGMA wal_autocheckpoint").fetchone()[0] == models.base.SAFETY_NET_CHECKPOINT_PAGES
