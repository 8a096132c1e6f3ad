"""The rate-limit store in the database (`pipeline.accounts.ratelimits`): a moving window
counted across every worker, on SQLite (one statement) and PostgreSQL (a locked transaction)."""
from datetime import datetime

import models
from pipeline.accounts import ratelimits
from pipeline.accounts.ratelimits import DatabaseStorage


def test_hits_count_within_the_window_only(app, monkeypatch):
    clock = [1_800_000_000.0]
    monkeypatch.setattr(ratelimits.time, "time", lambda: clock[0])
    store = DatabaseStorage()
    assert [store.acquire_entry("resident:1", 2, 60) for _ in range(3)] == [True, True, False]
    assert store.acquire_entry("resident:2", 2, 60)  # another person's allowance is their own
    assert store.get_moving_window("resident:1", 2, 60) == (clock[0], 2)
    clock[0] += 61  # both hits have left the window: they no longer count, stored or not
    assert [store.acquire_entry("resident:1", 2, 60) for _ in range(3)] == [True, True, False]
    assert store.get_moving_window("resident:1", 2, 60) == (clock[0], 2)


def test_the_hourly_housekeeping_deletes_hits_past_their_window(app, monkeypatch):
    monkeypatch.setattr(ratelimits.time, "time", lambda: 1_800_000_000.0)
    store = DatabaseStorage()
    store.acquire_entry("resident:1", 5, 60)
    assert ratelimits.forget_expired(datetime.fromtimestamp(1_800_000_030, tz=models.base.TZ)) == 0
    assert ratelimits.forget_expired(datetime.fromtimestamp(1_800_000_061, tz=models.base.TZ)) == 1
    assert models.RateHit.select().count() == 0
