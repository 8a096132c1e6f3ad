"""What the layers above (web/, wechat/, jobs/) need from models/ that is not an
operation: the clock, the stored-time convention, opening the database (the jobs
process) and a connection for the length of one unit of work. They import these
from here, never from models/ (tests/test_layering.py keeps it so).
"""
from collections.abc import Iterator
from contextlib import contextmanager

from peewee import IntegrityError

from models import as_local, db, iso, local_now, open_database
from models.base import forget_idle_connections, unavailable

__all__ = ["IntegrityError", "as_local", "connected", "forget_idle_connections", "iso", "local_now", "open_database",
           "unavailable"]


@contextmanager
def connected() -> Iterator[None]:
    """Open (or reuse) this thread's connection for the block and close it after,
    for work outside a web request (the jobs process, its lease keeper)."""
    db.connect(reuse_if_open=True)
    try:
        yield
    finally:
        db.close()
