"""Start-up refuses settings that can't work (config.check_settings)."""
import pytest

from config import UnsafeSettings, check_settings, load_config


@pytest.fixture
def settings(monkeypatch):
    """load_config() from a clean environment plus `env`."""
    def make(**env):
        for name in list(__import__("os").environ):
            if name.startswith(("SIXSTEP_", "WECHAT_", "MINIPROGRAM_", "TEMPLATE_", "SUBSCRIBE_", "OA_SUBSCRIBE_",
                                "PUBLIC_BASE_URL", "SECRET_KEY", "DATABASE_URL", "BADGE_FONT", "ITEM_QR_SOURCE")):
                monkeypatch.delenv(name)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        return load_config()
    return make


def refusal(config):
    with pytest.raises(UnsafeSettings) as refused:
        check_settings(config)
    return str(refused.value)


def test_development_defaults_start(settings):
    check_settings(settings())


def test_a_malformed_template_key_mapping_stops_start_up(settings):
    says = refusal(settings(TEMPLATE_ITEM_RESULT_KEYS="title=thing2", SUBSCRIBE_ITEM_PROGRESS_KEYS="title:thang2"))
    assert "TEMPLATE_ITEM_RESULT_KEYS" in says and "应写成 字段:模板关键词" in says
    assert "SUBSCRIBE_ITEM_PROGRESS_KEYS" in says and "未知的模板字段 'thang2'" in says


GOOD_PRODUCTION = {
    "SIXSTEP_ENV": "production",
    "SECRET_KEY": "k" * 40,
    "WECHAT_TOKEN": "a-real-token",
    "WECHAT_AES_KEY": "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
    "WECHAT_APPID": "wx0123456789abcdef",
    "WECHAT_SECRET": "0123456789abcdef0123456789abcdef",
    "MINIPROGRAM_APPID": "wxfedcba9876543210",
    "MINIPROGRAM_SECRET": "fedcba9876543210fedcba9876543210",
    "DATABASE_URL": "postgresql://sixstep@db.internal/sixstep",
    "PUBLIC_BASE_URL": "https://sixstep.jiedao.example.cn",
    **{name: f"real-{name.lower()}" for name in __import__("config").DEFAULT_TEMPLATES},
    **{f"{name}_KEYS": "number:character_string1,title:thing2"
       for name in __import__("config").DEFAULT_TEMPLATES},
}


def test_a_complete_production_configuration_starts(settings):
    check_settings(settings(**GOOD_PRODUCTION))


@pytest.mark.parametrize("name, value, says", [
    ("WECHAT_APPID", "wx-sixstep-demo", "WECHAT_APPID must be set to the real account's value"),
    ("WECHAT_SECRET", "sixstep-demo-secret", "WECHAT_SECRET must be set"),
    ("MINIPROGRAM_APPID", "wx-sixstep-mp-demo", "MINIPROGRAM_APPID must be set"),
    ("MINIPROGRAM_SECRET", "sixstep-mp-demo-secret", "MINIPROGRAM_SECRET must be set"),
    ("WECHAT_AES_KEY", "too-short", "WECHAT_AES_KEY must be the 43-character EncodingAESKey"),
    ("WECHAT_AES_KEY", "abcdefghijklmnopqrstuvwxyz0123456789ABCDE!G", "WECHAT_AES_KEY must be the 43-character"),
    ("WECHAT_API_BASE", "http://127.0.0.1:8081/", "WECHAT_API_BASE='http://127.0.0.1:8081/' points at this machine"),
    ("WECHAT_API_BASE", "http://localhost:8081/", "points at this machine"),
    ("WECHAT_API_BASE", "http://192.168.1.5/", "points at this machine"),
    ("PUBLIC_BASE_URL", "http://127.0.0.1:5000", "PUBLIC_BASE_URL='http://127.0.0.1:5000' must be the server's public"),
    ("PUBLIC_BASE_URL", "http://sixstep.jiedao.example.cn", "must be the server's public https address"),
    ("TEMPLATE_OVERDUE", "tpl-overdue", "TEMPLATE_OVERDUE must be the template id chosen in the admin console"),
    ("SUBSCRIBE_ITEM_RESULT_KEYS", "", "SUBSCRIBE_ITEM_RESULT_KEYS must map our fields"),
    ("SIXSTEP_ENV", "Production", "SIXSTEP_ENV='Production' is not one of development, test, production"),
    ("SIXSTEP_ENV", "prod", "SIXSTEP_ENV='prod' is not one of"),
])
def test_production_refuses_each_bad_setting_by_name(settings, name, value, says):
    says_now = refusal(settings(**{**GOOD_PRODUCTION, name: value}))
    assert says in says_now
    assert says_now.count(";") == 0  # that one setting, nothing else


def test_an_unset_public_address_is_refused_in_production(settings):
    env = dict(GOOD_PRODUCTION)
    env.pop("PUBLIC_BASE_URL")
    assert "PUBLIC_BASE_URL='http://127.0.0.1:5000' must be" in refusal(settings(**env))


def test_unknown_environment_names_and_malformed_keys_are_refused_in_development_too(settings):
    assert "SIXSTEP_ENV='prod'" in refusal(settings(SIXSTEP_ENV="prod"))
    assert "WECHAT_AES_KEY" in refusal(settings(WECHAT_AES_KEY="x" * 42))
    check_settings(settings(SIXSTEP_ENV="test", WECHAT_AES_KEY="abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"))


def test_the_app_refuses_to_start(settings, config):
    from app import create_app

    with pytest.raises(UnsafeSettings, match="SIXSTEP_ENV='Production'"):
        create_app({**config, "SIXSTEP_ENV": "Production"})


def test_badge_font_and_item_qr_source_come_from_the_environment(settings, tmp_path):
    assert (settings()["BADGE_FONT"], settings()["ITEM_QR_SOURCE"]) == (None, "url")
    font = tmp_path / "wqy.ttc"
    font.write_bytes(b"font")
    config = settings(BADGE_FONT=str(font), ITEM_QR_SOURCE="wechat")
    assert (config["BADGE_FONT"], config["ITEM_QR_SOURCE"]) == (str(font), "wechat")
    check_settings(config)
    assert "ITEM_QR_SOURCE='mp' must be one of url, wechat" in refusal(settings(ITEM_QR_SOURCE="mp"))
    assert "is not a font file" in refusal(settings(BADGE_FONT=str(tmp_path / "missing.ttf")))
