"""What the layers above (web/, wechat/, jobs/) need from models/ that is not an
operation: the clock, the stored-time convention, and a database connection for
the length of one unit of work. They import these from here, never from models/
(tests/test_layering.py keeps it so).
"""
from collections.abc import Iterator
from contextlib import contextmanager

from peewee import IntegrityError

from models import as_local, db, iso, local_now

__all__ = ["IntegrityError", "as_local", "connected", "iso", "local_now"]


@contextmanager
def connected() -> Iterator[None]:
    """Open (or reuse) this thread's connection for the block and close it after,
    for work outside a web request (the jobs process, its lease keeper)."""
    db.connect(reuse_if_open=True)
    try:
        yield
    finally:
        db.close()
