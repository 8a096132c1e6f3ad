"""The client factory: one base URL for everything, timeouts, the shared token, code2session."""
import pytest

from models import SharedToken
from pipeline.rules.errors import UpstreamError
from wechat.client import TOKEN_ERROR_CODES, WeChatAPIError, code_to_session, make_client, oauth_openid, wxacode_fetcher
from wechat.token_store import DatabaseStorage


def test_every_endpoint_group_points_at_the_configured_base(wx_config, wx_fake):
    client = make_client(wx_config, "oa")
    assert wx_fake.base_url + "cgi-bin/" == client.API_BASE_URL
    assert wx_fake.base_url == client.wxa.API_BASE_URL
    assert client.card.API_BASE_URL.startswith(wx_fake.base_url)
    assert client.timeout == 5.0
    assert client.auto_retry is False
    assert make_client(wx_config, "mp").appid == "wx-test-mp"


def test_unknown_kind_is_refused(wx_config):
    with pytest.raises(ValueError):
        make_client(wx_config, "corp")


def test_token_is_fetched_once_and_shared_between_processes(wx_db, wx_config, wx_fake):
    first = make_client(wx_config, "oa")
    first.menu.create({"button": [{"type": "click", "name": "我要反映", "key": "REPORT"}]})
    row = SharedToken.get(SharedToken.key == "wx-test-oa_access_token")
    assert row.expires_at is not None

    # A second process: a new client over the same table reuses the token.
    second = make_client(wx_config, "oa")
    second.menu.get()
    assert len(wx_fake.calls_to("cgi-bin/token")) == 1
    used = {c["query"]["access_token"] for c in wx_fake.calls if c["path"].startswith("cgi-bin/menu")}
    assert len(used) == 1


def test_a_token_near_expiry_is_fetched_anew(wx_db, wx_config, wx_fake):
    storage = DatabaseStorage()
    storage.set("wx-test-oa_access_token", "almost-gone", ttl=30)
    client = make_client(wx_config, "oa", session=storage)
    assert client.access_token.startswith("fake-")
    assert len(wx_fake.calls_to("cgi-bin/token")) == 1


def test_token_request_has_a_timeout(wx_db, wx_config, wx_fake):
    import requests

    wx_fake.slow_seconds = 1.0
    wx_fake.fail_next("cgi-bin/token", "timeout")
    client = make_client(wx_config, "oa", timeout=0.2)
    with pytest.raises(requests.Timeout):
        client.fetch_access_token()


def test_code_to_session_gives_openid_and_unionid_only(wx_config, wx_fake):
    session = code_to_session(wx_config, "abc123")
    assert session == {"openid": "mp-abc123", "unionid": "un-abc123"}
    call = wx_fake.calls_to("sns/jscode2session")[0]
    assert call["query"]["appid"] == "wx-test-mp"
    assert call["query"]["grant_type"] == "authorization_code"
    # No access token is needed for code2session.
    assert wx_fake.calls_to("cgi-bin/token") == []


@pytest.mark.parametrize("code, errcode", [("bad-code", 40029), ("rate-limited", 45011), ("blocked", 40226)])
def test_code_to_session_errors(wx_config, code, errcode):
    with pytest.raises(WeChatAPIError) as raised:
        code_to_session(wx_config, code)
    assert raised.value.errcode == errcode
    assert raised.value.message  # a Chinese explanation for the user


def test_code_to_session_network_failure(wx_config, wx_fake):
    wx_fake.fail_next("jscode2session", "drop")
    with pytest.raises(WeChatAPIError) as raised:
        code_to_session(wx_config, "abc")
    assert raised.value.errcode is None
    assert "微信" in raised.value.message


def test_oauth_code_gives_the_official_account_openid(wx_config, wx_fake):
    assert oauth_openid(wx_config, "oa-visitor") == "oa-visitor"
    call = wx_fake.calls_to("sns/oauth2/access_token")[0]
    assert call["query"]["appid"] == wx_config["WECHAT_APPID"] and call["query"]["code"] == "oa-visitor"
    with pytest.raises(WeChatAPIError) as raised:
        oauth_openid(wx_config, "bad-code")
    assert raised.value.errcode == 40029
    wx_fake.fail_next("oauth2", "drop")
    with pytest.raises(WeChatAPIError) as raised:
        oauth_openid(wx_config, "oa-visitor")
    assert raised.value.errcode is None


def test_code_to_session_refuses_empty_code_without_calling(wx_config, wx_fake):
    with pytest.raises(WeChatAPIError):
        code_to_session(wx_config, "")
    assert wx_fake.calls == []


# -- mini-program codes ------------------------------------------------------------------------

ITEM_SCENE, ITEM_PAGE = "i=20261123-0001", "pages/item/item"
MP_TOKEN = "wx-test-mp_access_token"


@pytest.fixture
def fetch_code(wx_db, wx_config):
    return wxacode_fetcher({**wx_config, "ITEM_QR_SOURCE": "wechat"})


def test_no_code_fetcher_unless_configured(wx_config):
    assert wxacode_fetcher(wx_config) is None
    assert wxacode_fetcher({**wx_config, "ITEM_QR_SOURCE": "wechat", "MINIPROGRAM_SECRET": ""}) is None
    fetch = wxacode_fetcher({**wx_config, "ITEM_QR_SOURCE": "wechat"})
    assert fetch.cache_key == "wx-test-mp|develop"


@pytest.mark.parametrize("errcode", sorted(TOKEN_ERROR_CODES))
def test_a_token_wechat_rejects_is_forgotten_when_a_code_fails(fetch_code, wx_fake, errcode):
    assert fetch_code(ITEM_SCENE, ITEM_PAGE).startswith(b"\x89PNG")
    store = DatabaseStorage()
    assert store.get(MP_TOKEN)
    wx_fake.fail_next("getwxacodeunlimit", errcode)
    with pytest.raises(UpstreamError) as failed:
        fetch_code(ITEM_SCENE, ITEM_PAGE)
    assert failed.value.code == "wechat_error" and str(errcode) in failed.value.message
    assert store.get(MP_TOKEN) is None
    assert fetch_code(ITEM_SCENE, ITEM_PAGE).startswith(b"\x89PNG")  # with a token fetched anew
    assert len(wx_fake.calls_to("cgi-bin/token")) == 2


def test_other_code_failures_keep_the_token(fetch_code, wx_fake):
    fetch_code(ITEM_SCENE, ITEM_PAGE)
    wx_fake.fail_next("getwxacodeunlimit", 45009)
    with pytest.raises(UpstreamError):
        fetch_code(ITEM_SCENE, ITEM_PAGE)
    assert DatabaseStorage().get(MP_TOKEN)
    fetch_code(ITEM_SCENE, ITEM_PAGE)
    assert len(wx_fake.calls_to("cgi-bin/token")) == 1
