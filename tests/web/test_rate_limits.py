"""Rate limits count the verified person, the client address and the target
account — never the token a caller chooses to send — and every worker shares
the count (issue 13, finding 1)."""
import json
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

import models
from pipeline.accounts.people import issue_token

LIMITED = {"RATELIMIT_ENABLED": True}
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def limited_app(config, world):
    """An app with limits on, counting in the database as a production host without Redis does."""
    from app import create_app

    application = create_app({**config, **LIMITED})
    assert application.config["RATELIMIT_STORAGE_URI"] == "sixstep-db://"
    return application


def _login(client, username, password="wrong", headers=None, address="198.51.100.7"):
    return client.post("/api/v1/auth/staff", json={"username": username, "password": password},
                       headers=headers or {}, environ_base={"REMOTE_ADDR": address}).status_code


def test_random_bearer_headers_do_not_buy_more_login_attempts(limited_app):
    client = limited_app.test_client()
    statuses = [_login(client, f"guess-{i}", headers={"Authorization": f"Bearer {secrets.token_hex(16)}"})
                for i in range(60)]
    assert statuses[:20] == [401] * 20
    assert set(statuses[20:]) == {429}


def test_one_account_is_limited_whatever_the_address(limited_app):
    client = limited_app.test_client()
    statuses = [_login(client, "office", address=f"203.0.113.{i}") for i in range(12)]
    assert statuses[:10] == [401] * 10
    assert statuses[10:] == [429, 429]
    # Case and spaces don't make it another account; other accounts are untouched.
    assert _login(client, " OFFICE ", address="203.0.113.99") == 429
    assert _login(client, "leader", address="203.0.113.99") == 401


def test_a_residents_report_allowance_survives_logging_in_again(config, world):
    from app import create_app

    client = create_app({**config, **LIMITED, "RATELIMIT_REPORT": "3/hour"}).test_client()
    resident = world.residents["mp"]

    def report(n):
        token, _ = issue_token(now=models.local_now(), resident=resident)  # a fresh login each time
        return client.post("/api/v1/items", headers={"Authorization": f"Bearer {token}"},
                           json={"content": f"第{n}个问题：小区门口路灯不亮"}).status_code

    assert [report(n) for n in range(4)] == [201, 201, 201, 429]
    other, _ = issue_token(now=models.local_now(), resident=world.residents["zhang"])
    assert client.post("/api/v1/items", headers={"Authorization": f"Bearer {other}"},
                       json={"content": "另一位居民反映的问题"}).status_code == 201


def test_an_invalid_token_counts_as_anonymous(config, world):
    from app import create_app

    client = create_app({**config, **LIMITED, "RATELIMIT_REPORT": "3/hour"}).test_client()
    statuses = [client.post("/api/v1/items", json={"content": "x"},
                            headers={"Authorization": f"Bearer {secrets.token_hex(16)}"},
                            environ_base={"REMOTE_ADDR": "198.51.100.8"}).status_code for _ in range(5)]
    assert statuses == [401, 401, 401, 429, 429]


def test_workers_share_one_count(config, world):
    """Ten attempts in another process (another gunicorn worker) count here too."""
    from app import create_app

    settings = {**config, **LIMITED}
    script = ("import json, sys; from app import create_app; "
              "c = create_app(json.loads(sys.argv[1])).test_client(); "
              "print([c.post('/api/v1/auth/staff', json={'username': f'other-{i}', 'password': 'x'}, "
              "environ_base={'REMOTE_ADDR': '198.51.100.7'}).status_code for i in range(10)])")
    other = subprocess.run([sys.executable, "-c", script, json.dumps(settings)], capture_output=True, text=True,
                           cwd=ROOT, timeout=60, check=True)
    assert other.stdout.strip() == str([401] * 10)
    client = create_app(settings).test_client()
    statuses = [_login(client, f"user-{i}") for i in range(12)]
    assert statuses[:10] == [401] * 10
    assert statuses[10:] == [429, 429]


def test_limits_are_settings(config, world):
    from app import create_app

    client = create_app({**config, **LIMITED, "RATELIMIT_LOGIN": "2/minute"}).test_client()
    assert [_login(client, f"user-{i}") for i in range(3)] == [401, 401, 429]


def test_a_malformed_limit_stops_the_app_at_start_up(config, monkeypatch):
    from app import create_app

    with pytest.raises(ValueError, match="RATELIMIT_REPORT"):
        create_app({**config, "RATELIMIT_REPORT": "thirty an hour"})
    monkeypatch.setenv("RATELIMIT_UPLOAD", "5/hour")
    assert create_app(config).config["RATELIMIT_UPLOAD"] == "5/hour"
