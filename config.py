"""Settings from the environment, in one place.

The variable names are part of the contract in docs/DESIGN.md. `load_config()`
returns a plain dict that `create_app()` merges into Flask's config; tests pass
their own overrides on top.
"""
import os
from pathlib import Path

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
}

UNSAFE_SECRET = "dev-secret-change-me"


# Per-person and per-address allowances (Flask-Limiter notation, ";" between several).
RATE_LIMIT_DEFAULTS = {
    "RATELIMIT_LOGIN": "20/minute",  # logins from one client address
    "RATELIMIT_LOGIN_ACCOUNT": "10/5 minutes",  # logins naming one account, from anywhere
    "RATELIMIT_REPORT": "30/hour",  # reports by one resident
    "RATELIMIT_UPLOAD": "60/hour",  # uploads by one person
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
        "WECHAT_APPID": _env("WECHAT_APPID", "wx-sixstep-demo"),
        "WECHAT_SECRET": _env("WECHAT_SECRET", "sixstep-demo-secret"),
        "WECHAT_AES_KEY": _env("WECHAT_AES_KEY"),
        "MINIPROGRAM_APPID": _env("MINIPROGRAM_APPID", "wx-sixstep-mp-demo"),
        "MINIPROGRAM_SECRET": _env("MINIPROGRAM_SECRET", "sixstep-mp-demo-secret"),
        "WECHAT_API_BASE": _env("WECHAT_API_BASE", WECHAT_OFFICIAL_API),
        "REDIS_URL": _env("REDIS_URL"),
        "PUBLIC_BASE_URL": _env("PUBLIC_BASE_URL", "http://127.0.0.1:5000"),
        "UPLOAD_DIR": _env("UPLOAD_DIR", str(INSTANCE_DIR / "uploads")),
        "RESIDENT_TOKEN_DAYS": int(_env("RESIDENT_TOKEN_DAYS", "30")),
        "STAFF_TOKEN_HOURS": int(_env("STAFF_TOKEN_HOURS", "12")),
        # Below this share of satisfied votes an evaluation meeting sends the item back.
        "MEETING_SATISFACTION_THRESHOLD": float(_env("MEETING_SATISFACTION_THRESHOLD", "0.8")),
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
    for name, default in RATE_LIMIT_DEFAULTS.items():
        config[name] = _env(name, default)
    config["CONSOLE_ITEM_URL"] = config["CONSOLE_ITEM_URL"] or config["PUBLIC_BASE_URL"].rstrip("/") + "/items/{number}"
    return config


class UnsafeSettings(RuntimeError):
    """Production mode refuses to start with development defaults."""


def check_production(config):
    """In production, refuse settings that would be unsafe for real residents."""
    if config.get("SIXSTEP_ENV") != "production":
        return
    problems = []
    if config.get("SECRET_KEY") in (None, "", UNSAFE_SECRET) or len(config["SECRET_KEY"]) < 32:
        problems.append("SECRET_KEY must be set to a random string of 32+ characters")
    if config.get("WECHAT_TOKEN") in (None, "", "sixstep-dev-token"):
        problems.append("WECHAT_TOKEN must be set")
    if not config.get("WECHAT_AES_KEY"):
        problems.append("WECHAT_AES_KEY must be set (safe mode) in production")
    if str(config.get("DATABASE_URL", "")).startswith("sqlite") and not os.environ.get("SIXSTEP_ALLOW_SQLITE"):
        problems.append("DATABASE_URL should be PostgreSQL in production (set SIXSTEP_ALLOW_SQLITE=1 for one machine)")
    if problems:
        raise UnsafeSettings("; ".join(problems))
