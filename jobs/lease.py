"""The leader lease: of several `python -m jobs` processes (on several hosts),
only the holder of the unexpired `JobLease` row runs jobs.

The holder renews the lease well before it expires; a crashed holder stops
renewing, its lease runs out, and another process takes it over. Expiry is
written in the database's clock on PostgreSQL, so hosts with skewed clocks
agree; locally a process trusts its lease only until `ttl × 0.8` after the
renewal began (monotonic time), so it stops before anyone else can start.

The lease keeps two leaders from running the same jobs at once; it is not what
keeps messages from going out twice — the outbox claim and each routine's
mark do that, even if two processes did overlap.
"""
import os
import secrets
import socket
import time
from datetime import timedelta

from models import JobLease
from models.base import database_now
from pipeline.rules.core import transaction

TRUST = 0.8  # share of the lease a holder acts on before it must have renewed


class Lease:
    """One named lease, held by this process while `held()` is true."""

    def __init__(self, name="jobs", ttl=30, holder=None, clock=time.monotonic):
        self.name = name
        self.ttl = ttl
        self.holder = holder or f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
        self.clock = clock
        self._trusted_until = 0.0

    def renew(self):
        """Take the lease if it is free or expired, or extend our own. True if we hold it."""
        started = self.clock()
        with transaction():
            now = database_now()
            expires = now + timedelta(seconds=self.ttl)
            taken = (JobLease.update(holder=self.holder, expires_at=expires)
                     .where((JobLease.name == self.name)
                            & ((JobLease.holder == self.holder) | (JobLease.expires_at < now)))
                     .execute())
            if not taken:
                JobLease.insert(name=self.name, holder=self.holder, expires_at=expires).on_conflict_ignore().execute()
            row = JobLease.get_or_none(JobLease.name == self.name)
        mine = row is not None and row.holder == self.holder
        self._trusted_until = started + self.ttl * TRUST if mine else 0.0
        return mine

    def held(self):
        """True while this process may act as the leader."""
        return self.clock() < self._trusted_until

    def stop_trusting(self):
        """Act as the leader no more (shutting down); the row is released by `release`."""
        self._trusted_until = 0.0

    def release(self):
        """Give the lease up at once (a clean shutdown), so another process takes over."""
        self.stop_trusting()
        with transaction():
            past = database_now() - timedelta(seconds=1)
            (JobLease.update(expires_at=past)
             .where((JobLease.name == self.name) & (JobLease.holder == self.holder)).execute())

    def current_holder(self):
        row = JobLease.get_or_none(JobLease.name == self.name)
        return row.holder if row else None
