"""What the layers above (web/, wechat/, jobs/) need from models/ that is not an
operation: the clock, the stored-time convention, opening the database (the jobs
process) and a connection for the length of one unit of work. They import these
from here, never from models/ (tests/test_layering.py keeps it so).
"""
from collections.abc import Iterator, Mapping, MutableMapping
from contextlib import contextmanager
from typing import Any

from peewee import IntegrityError

from config import check_settings, load_config
from models import as_local, db, iso, local_now, open_database
from models.base import forget_idle_connections, unavailable
from pipeline.rules import settings as pipeline_settings

__all__ = ["IntegrityError", "as_local", "connected", "forget_idle_connections", "iso", "local_now", "open_database",
           "start", "unavailable"]


def start(config: MutableMapping[str, Any], overrides: Mapping[str, Any] | None = None) -> None:
    """What the web app and the jobs process both do first: fill `config` (a Flask
    app's) from the environment and `overrides`, refuse to go on with settings
    production forbids (`config.check_settings`), hand it to the pipeline's settings
    and open the database."""
    config.update(load_config())
    if overrides:
        config.update(overrides)
    check_settings(config)
    pipeline_settings.configure(config)
    open_database(config["DATABASE_URL"])


@contextmanager
def connected() -> Iterator[None]:
    """Open (or reuse) this thread's connection for the block and close it after,
    for work outside a web request (the jobs process, its lease keeper)."""
    db.connect(reuse_if_open=True)
    try:
        yield
    finally:
        db.close()
