"""Fixtures of the web tests' own: the browser the console's browser tests drive."""
import pytest
from browser_support import launched_chromium


@pytest.fixture(scope="module")
def chromium():
    """Debian's headless chromium, one per test module."""
    with launched_chromium() as browser:
        yield browser


@pytest.fixture
def sql_log():
    """Every SQL statement the database runs while the test holds it, in order."""
    import models

    database = models.db.obj
    executed: list[str] = []
    original = database.execute_sql

    def counting(sql, params=None, *args, **kwargs):
        executed.append(sql)
        return original(sql, params, *args, **kwargs)

    database.execute_sql = counting
    try:
        yield executed
    finally:
        del database.execute_sql
