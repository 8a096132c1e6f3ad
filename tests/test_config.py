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
