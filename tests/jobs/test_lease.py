"""The leader lease: one holder at a time, renewed by its holder, taken over when
it lapses, released on a clean shutdown."""
from datetime import timedelta

import models
from jobs.lease import Lease, database_now


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self):
        self.value = 1000.0

    def __call__(self):
        return self.value


def test_only_one_process_holds_the_lease(app):
    first, second = Lease(ttl=30, holder="host-a:1"), Lease(ttl=30, holder="host-b:2")
    assert first.renew() and first.held()
    assert not second.renew() and not second.held()
    assert first.renew()  # renewing our own lease
    assert second.current_holder() == "host-a:1"


def test_a_crashed_holders_lease_runs_out_and_another_takes_over(app):
    crashed, survivor = Lease(ttl=30, holder="host-a:1"), Lease(ttl=30, holder="host-b:2")
    assert crashed.renew()
    models.JobLease.update(expires_at=database_now() - timedelta(seconds=1)).execute()  # 30 s without renewal
    assert survivor.renew() and survivor.held()
    assert not crashed.renew() and not crashed.held()  # back from the dead: it must not act


def test_a_holder_trusts_its_lease_only_for_most_of_its_life(app):
    clock = Clock()
    lease = Lease(ttl=30, holder="host-a:1", clock=clock)
    assert lease.renew()
    clock.value += 23.9
    assert lease.held()
    clock.value += 0.2  # 80% of 30 s: stop before anyone else could start
    assert not lease.held()
    assert lease.renew() and lease.held()


def test_a_released_lease_is_free_at_once(app):
    leaving, next_one = Lease(ttl=30, holder="host-a:1"), Lease(ttl=30, holder="host-b:2")
    assert leaving.renew()
    leaving.release()
    assert not leaving.held()
    assert next_one.renew()
