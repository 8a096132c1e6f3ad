"""The console and residents: a resident's token opens no console page, and no
resident signs in there. (Every console route as every person is in
tests/web/test_permissions.py, generated from the permission table.)"""
from console_support import sign_in

from pipeline.accounts.people import issue_token


def test_a_residents_token_opens_no_console_page(client, world):
    token, _ = issue_token(resident=world.residents["liu"])
    answer = client.get("/", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 302 and answer.headers["Location"].startswith("/login")


def test_residents_cannot_sign_in_to_the_console(client, world):
    answer = sign_in(client, "oa-openid-zhang", "anything")
    assert answer.status_code == 401
