"""Behind a proxy (PROXY_COUNT=1): per-address limits count each client, not the proxy."""


def test_behind_a_proxy_each_client_has_its_own_limit(config, world):
    from app import create_app

    app = create_app({**config, "PROXY_COUNT": 1, "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://",
                      "RATELIMIT_DEFAULT": "3/minute"})
    client = app.test_client()

    def board(address):
        return client.get("/api/v1/board", headers={"X-Forwarded-For": address}).status_code

    assert [board("203.0.113.7") for _ in range(4)] == [200, 200, 200, 429]
    assert board("198.51.100.9") == 200


def test_without_proxy_count_forwarded_addresses_are_not_believed(config, world):
    from app import create_app

    app = create_app({**config, "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://",
                      "RATELIMIT_DEFAULT": "3/minute"})
    client = app.test_client()
    statuses = [client.get("/api/v1/board", headers={"X-Forwarded-For": f"203.0.113.{i}"}).status_code
                for i in range(4)]
    assert statuses == [200, 200, 200, 429]
