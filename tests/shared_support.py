"""Helpers tests in more than one folder share (plain code; fixtures are in conftest.py)."""
import os
import threading

import models

# The local PostgreSQL server's admin database: tests create and drop their scratch databases through it.
PG_ADMIN_URL = os.environ.get("SIXSTEP_TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")

# The WeChat side of every test configuration: official account, mini-program, no Redis.
WECHAT_SETTINGS = {
    "SIXSTEP_ENV": "development",
    "WECHAT_TOKEN": "test-token",
    "WECHAT_APPID": "wx-test-oa",
    "WECHAT_SECRET": "oa-secret",
    "WECHAT_AES_KEY": None,
    "MINIPROGRAM_APPID": "wx-test-mp",
    "MINIPROGRAM_SECRET": "mp-secret",
    "REDIS_URL": None,
}


def run_concurrently(worker, count, timeout=120):
    """Runs worker(index) in `count` threads released together by a barrier, each
    closing its database connection at the end; returns repr() of every error raised."""
    errors = []
    start = threading.Barrier(count)

    def run(index):
        try:
            start.wait()
            worker(index)
        except Exception as error:  # noqa: BLE001 - returned to the test, which fails on any
            errors.append(repr(error))
        finally:
            models.db.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    return errors


def fetch(client, url, headers=None):
    """GET and close (a sent file stays open until the response is closed)."""
    with client.get(url, headers=headers or {}) as response:
        response.get_data()
    return response
