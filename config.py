"""Settings from the environment, in one place.

The variable names are part of the contract in docs/DESIGN.md. `load_config()`
returns a plain dict that `create_app()` merges into Flask's config; tests pass
their own overrides on top.
"""
import base64
import binascii
import ipaddress
import os
from pathlib import Path
from urllib.parse import urlsplit

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"

WECHAT_OFFICIAL_API = "https://api.weixin.qq.com/"
# Inside WeChat's browser the console logs staff in through this page (snsapi_base).
WECHAT_OAUTH_AUTHORIZE = "https://open.weixin.qq.com/connect/oauth2/authorize"

# Template ids for every kind of push. The defaults are the demo's and the fake
# server's; production sets the real ids from the WeChat admin console.
DEFAULT_TEMPLATES = {
    "TEMPLATE_ITEM_RECEIVED": "tpl-item-received",  # 受理通知
    "TEMPLATE_ITEM_PROGRESS": "tpl-item-progress",  # 办理进度
    "TEMPLATE_ITEM_RESULT": "tpl-item-result",  # 办理结果 / 请评议
    "TEMPLATE_TASK_ASSIGNED": "tpl-task-assigned",  # 交办/待领办 (staff)
    "TEMPLATE_DEADLINE": "tpl-deadline",  # 时限提醒 (staff)
    "TEMPLATE_OVERDUE": "tpl-overdue",  # 超期催办 (staff)
    "SUBSCRIBE_ITEM_PROGRESS": "sub-item-progress",  # 小程序订阅: 办理进度
    "SUBSCRIBE_ITEM_RESULT": "sub-item-result",  # 小程序订阅: 办理结果
    # 公众号订阅通知 (bizsend): their own templates, spent one consent a message.
    "OA_SUBSCRIBE_ITEM_RECEIVED": "oasub-item-received",  # 受理通知
    "OA_SUBSCRIBE_ITEM_PROGRESS": "oasub-item-progress",  # 办理进度
    "OA_SUBSCRIBE_ITEM_RESULT": "oasub-item-result",  # 办理结果
}

# Below this share of satisfied votes an evaluation meeting sends the item back.
DEFAULT_MEETING_SATISFACTION_THRESHOLD = 0.8
# One person urges (催办) one item at most this many times a day: each urge pushes to the unit.
DEFAULT_URGE_DAILY_LIMIT = 3
# 每月不少于2整天: two half days on different dates make a whole day only if the office says so.
DEFAULT_VISIT_HALF_DAYS_ADD_UP = False
# Closed items' personal data (names, phone numbers, who reported) is de-identified after this many months.
DEFAULT_RETENTION_MONTHS = 36
# The office's name and telephone as the public pages, site notices and the bulletin print them.
DEFAULT_OFFICE_NAME = "XX街道群众路线教育实践活动领导小组办公室"
DEFAULT_OFFICE_PHONE = ""
# Beside each template id, `<SETTING>_KEYS` maps our notice fields to the
# template's own keys (pipeline/messages/templates.py); unset, the demo's keys.
TEMPLATE_KEY_SETTINGS = tuple(f"{name}_KEYS" for name in DEFAULT_TEMPLATES)

UNSAFE_SECRET = "dev-secret-change-me"
ENVIRONMENTS = ("development", "test", "production")
ITEM_QR_SOURCES = ("url", "wechat")
# The demo's WeChat accounts: in production every call with them fails, or worse.
DEMO_WECHAT = {
    "WECHAT_APPID": "wx-sixstep-demo",
    "WECHAT_SECRET": "sixstep-demo-secret",
    "MINIPROGRAM_APPID": "wx-sixstep-mp-demo",
    "MINIPROGRAM_SECRET": "sixstep-mp-demo-secret",
}
DEV_PUBLIC_BASE_URL = "http://127.0.0.1:5000"


# Per-person and per-address allowances (Flask-Limiter notation, ";" between several).
RATE_LIMIT_DEFAULTS = {
    "RATELIMIT_LOGIN": "20/minute",  # logins from one client address
    "RATELIMIT_LOGIN_ACCOUNT": "10/5 minutes",  # logins naming one account, from anywhere
    "RATELIMIT_REPORT": "30/hour",  # reports by one resident
    "RATELIMIT_UPLOAD": "60/hour",  # uploads by one person
    "RATELIMIT_PUBLIC_READ": "60/minute",  # item pages read without logging in, per client address
}


def _env(name, default=None):
    value = os.environ.get(name)
    return default if value in (None, "") else value


def load_config():
    """Read every setting from the environment (with development defaults)."""
    INSTANCE_DIR.mkdir(exist_ok=True)
    config = {
        "SIXSTEP_ENV": _env("SIXSTEP_ENV", "development"),
        "DATABASE_URL": _env("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'sixstep.db'}"),
        "SECRET_KEY": _env("SECRET_KEY", UNSAFE_SECRET),
        "WECHAT_TOKEN": _env("WECHAT_TOKEN", "sixstep-dev-token"),
        **{name: _env(name, demo) for name, demo in DEMO_WECHAT.items()},
        "WECHAT_AES_KEY": _env("WECHAT_AES_KEY"),
        "WECHAT_API_BASE": _env("WECHAT_API_BASE", WECHAT_OFFICIAL_API),
        # How long a web request (mini-program login, an item's code) waits for WeChat:
        # short, so a slow WeChat holds no worker for long.
        "WECHAT_WEB_TIMEOUT": float(_env("WECHAT_WEB_TIMEOUT", "3")),
        "REDIS_URL": _env("REDIS_URL"),
        # How many proxies (nginx, a cloud load balancer) stand in front and set X-Forwarded-*:
        # without it every request seems to come from the proxy and per-address limits are shared.
        "PROXY_COUNT": int(_env("PROXY_COUNT", "0")),
        "LOG_FORMAT": _env("LOG_FORMAT"),  # "json" or "text"; default json in production
        # /readyz: the jobs leader must have renewed its lease within this many minutes,
        # and the oldest push still waiting must be younger than this many.
        "READY_LEADER_MINUTES": int(_env("READY_LEADER_MINUTES", "2")),
        "READY_OUTBOX_MINUTES": int(_env("READY_OUTBOX_MINUTES", "15")),
        "PUBLIC_BASE_URL": _env("PUBLIC_BASE_URL", DEV_PUBLIC_BASE_URL),
        "UPLOAD_DIR": _env("UPLOAD_DIR", str(INSTANCE_DIR / "uploads")),
        # A TrueType/OpenType font with Chinese glyphs for badge cards (else fontconfig's).
        "BADGE_FONT": _env("BADGE_FONT"),
        # Item codes: "url" (a QR code of PUBLIC_BASE_URL/i/<number>) or "wechat" (the mini-program's code).
        "ITEM_QR_SOURCE": _env("ITEM_QR_SOURCE", "url"),
        "RESIDENT_TOKEN_DAYS": int(_env("RESIDENT_TOKEN_DAYS", "30")),
        "STAFF_TOKEN_HOURS": int(_env("STAFF_TOKEN_HOURS", "12")),
        "MEETING_SATISFACTION_THRESHOLD": float(_env("MEETING_SATISFACTION_THRESHOLD",
                                                     str(DEFAULT_MEETING_SATISFACTION_THRESHOLD))),
        "URGE_DAILY_LIMIT": int(_env("URGE_DAILY_LIMIT", str(DEFAULT_URGE_DAILY_LIMIT))),
        "RETENTION_MONTHS": int(_env("RETENTION_MONTHS", str(DEFAULT_RETENTION_MONTHS))),
        "OFFICE_NAME": _env("OFFICE_NAME", DEFAULT_OFFICE_NAME),
        "OFFICE_PHONE": _env("OFFICE_PHONE", DEFAULT_OFFICE_PHONE),
        # 1: half days in communities on different dates add up to whole days (default: they don't).
        "VISIT_HALF_DAYS_ADD_UP": _env("VISIT_HALF_DAYS_ADD_UP", "0").lower() in ("1", "true", "yes"),
        # Staff pushes open the item's page in the console.
        "CONSOLE_ITEM_URL": _env("CONSOLE_ITEM_URL"),
        "WECHAT_OAUTH_AUTHORIZE_URL": _env("WECHAT_OAUTH_AUTHORIZE_URL", WECHAT_OAUTH_AUTHORIZE),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _env("SIXSTEP_ENV", "development") == "production",
        "PERMANENT_SESSION_LIFETIME": int(_env("STAFF_TOKEN_HOURS", "12")) * 3600,
        "MAX_CONTENT_LENGTH": 12 * 1024 * 1024,
        "JSON_AS_ASCII": False,
    }
    for name, default in DEFAULT_TEMPLATES.items():
        config[name] = _env(name, default)
        config[f"{name}_KEYS"] = _env(f"{name}_KEYS")
    for name, default in RATE_LIMIT_DEFAULTS.items():
        config[name] = _env(name, default)
    config["CONSOLE_ITEM_URL"] = config["CONSOLE_ITEM_URL"] or config["PUBLIC_BASE_URL"].rstrip("/") + "/items/{number}"
    return config


class UnsafeSettings(RuntimeError):
    """Production mode refuses to start with development defaults."""


def check_settings(config):
    """Refuse to start with settings that can't work, and in production with
    settings that would be unsafe for real residents: one message for each."""
    from pipeline.messages.templates import problems as template_problems

    problems = template_problems(config, DEFAULT_TEMPLATES)
    if config.get("SIXSTEP_ENV") not in ENVIRONMENTS:
        problems.append(f"SIXSTEP_ENV={config.get('SIXSTEP_ENV')!r} is not one of {', '.join(ENVIRONMENTS)} "
                        "(names are exact: \"production\", not \"Production\" or \"prod\")")
    if config.get("WECHAT_AES_KEY") and not valid_aes_key(config["WECHAT_AES_KEY"]):
        problems.append("WECHAT_AES_KEY must be the 43-character EncodingAESKey from the admin console "
                        "(base64 of 32 bytes without the trailing '='), or every safe-mode push fails")
    if config.get("ITEM_QR_SOURCE") not in ITEM_QR_SOURCES:
        problems.append(f"ITEM_QR_SOURCE={config.get('ITEM_QR_SOURCE')!r} must be one of {', '.join(ITEM_QR_SOURCES)}")
    if config.get("BADGE_FONT") and not Path(config["BADGE_FONT"]).is_file():
        problems.append(f"BADGE_FONT={config['BADGE_FONT']!r} is not a font file")
    if config.get("SIXSTEP_ENV") == "production":
        problems += _production_problems(config)
    if problems:
        raise UnsafeSettings("; ".join(problems))


def _production_problems(config):
    problems = []
    if config.get("SECRET_KEY") in (None, "", UNSAFE_SECRET) or len(config["SECRET_KEY"]) < 32:
        problems.append("SECRET_KEY must be set to a random string of 32+ characters")
    if config.get("WECHAT_TOKEN") in (None, "", "sixstep-dev-token"):
        problems.append("WECHAT_TOKEN must be set")
    if not config.get("WECHAT_AES_KEY"):
        problems.append("WECHAT_AES_KEY must be set (safe mode) in production")
    if str(config.get("DATABASE_URL", "")).startswith("sqlite") and not os.environ.get("SIXSTEP_ALLOW_SQLITE"):
        problems.append("DATABASE_URL should be PostgreSQL in production (set SIXSTEP_ALLOW_SQLITE=1 for one machine)")
    for name, demo in DEMO_WECHAT.items():
        if config.get(name) in (None, "", demo):
            problems.append(f"{name} must be set to the real account's value (the demo's is {demo!r})")
    if local_url(config.get("WECHAT_API_BASE")):
        problems.append(f"WECHAT_API_BASE={config.get('WECHAT_API_BASE')!r} points at this machine (the fake WeChat "
                        f"server, which logs anyone in): unset it for {WECHAT_OFFICIAL_API}")
    base = config.get("PUBLIC_BASE_URL") or ""
    if base in ("", DEV_PUBLIC_BASE_URL) or local_url(base) or not base.startswith("https://"):
        problems.append(f"PUBLIC_BASE_URL={base!r} must be the server's public https address "
                        "(QR codes, badge pages and the menu's fallback link point there)")
    for name, demo in DEFAULT_TEMPLATES.items():
        if config.get(name) in (None, "", demo):
            problems.append(f"{name} must be the template id chosen in the admin console (not the demo's {demo!r})")
        if not config.get(f"{name}_KEYS"):
            problems.append(f"{name}_KEYS must map our fields to that template's keys (see README)")
    return problems


def valid_aes_key(key):
    """An EncodingAESKey: 43 base64 characters that decode (with '=') to 32 bytes."""
    if not isinstance(key, str) or len(key) != 43:
        return False
    try:
        return len(base64.b64decode(key + "=", validate=True)) == 32
    except (binascii.Error, ValueError):
        return False


def local_url(url):
    """True for a URL on this machine or a private network (never WeChat nor the public)."""
    host = urlsplit(str(url or "")).hostname or ""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_private or address.is_unspecified
