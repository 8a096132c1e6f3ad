"""The settings pipeline code reads, in one object, so it runs without a Flask app.

`create_app()` (the web server and the jobs process alike) hands its
configuration to `configure()`; before that, and in scripts and tests that
build no app, the defaults from config.py apply. The mapping is kept, not
copied: Flask's `app.config` is the one configuration, and a setting changed
on it later is seen here too.
"""
from collections.abc import Mapping
from typing import Any

from config import (
    DEFAULT_MEETING_SATISFACTION_THRESHOLD,
    DEFAULT_OFFICE_NAME,
    DEFAULT_OFFICE_PHONE,
    DEFAULT_RETENTION_MONTHS,
    DEFAULT_TEMPLATES,
    DEFAULT_URGE_DAILY_LIMIT,
    DEFAULT_VISIT_HALF_DAYS_ADD_UP,
    UNSAFE_SECRET,
)

DEFAULTS: dict[str, Any] = {
    **DEFAULT_TEMPLATES,
    "MEETING_SATISFACTION_THRESHOLD": DEFAULT_MEETING_SATISFACTION_THRESHOLD,
    "URGE_DAILY_LIMIT": DEFAULT_URGE_DAILY_LIMIT,
    "RETENTION_MONTHS": DEFAULT_RETENTION_MONTHS,
    "VISIT_HALF_DAYS_ADD_UP": DEFAULT_VISIT_HALF_DAYS_ADD_UP,
    "SECRET_KEY": UNSAFE_SECRET,
    "OFFICE_NAME": DEFAULT_OFFICE_NAME,
    "OFFICE_PHONE": DEFAULT_OFFICE_PHONE,
}


class Settings:
    """Named settings over a configured mapping, each with its default."""

    def __init__(self) -> None:
        self._mapping: Mapping[str, Any] = {}

    def configure(self, mapping: Mapping[str, Any]) -> None:
        self._mapping = mapping

    @property
    def mapping(self) -> Mapping[str, Any]:
        """The configured mapping itself, for settings named at run time (a template's `_KEYS`)."""
        return self._mapping

    def get(self, name: str) -> Any:
        """The configured value of `name`, or its default (KeyError for an unknown name)."""
        value = self._mapping.get(name)
        return DEFAULTS[name] if value is None else value

    def template_id(self, setting: str) -> str:
        """The WeChat template id configured for a template setting (TEMPLATE_*, SUBSCRIBE_*)."""
        return self.get(setting)

    @property
    def meeting_satisfaction_threshold(self) -> float:
        """Below this share of satisfied votes an evaluation meeting sends the item back."""
        return float(self.get("MEETING_SATISFACTION_THRESHOLD"))

    @property
    def secret_key(self) -> bytes:
        """The installation's secret (shared by every worker), for signing links."""
        return str(self.get("SECRET_KEY")).encode()

    @property
    def urge_daily_limit(self) -> int:
        """How many times one person may urge (催办) one item a day."""
        return int(self.get("URGE_DAILY_LIMIT"))

    @property
    def retention_months(self) -> int:
        """Months after closing when an item's personal data is de-identified."""
        return int(self.get("RETENTION_MONTHS"))

    @property
    def office_name(self) -> str:
        """The office's name as printed on public pages, site notices and the bulletin."""
        return str(self.get("OFFICE_NAME"))

    @property
    def office_phone(self) -> str:
        """The office's telephone for residents (site notices, public pages); may be empty."""
        return str(self.get("OFFICE_PHONE"))

    @property
    def visit_half_days_add_up(self) -> bool:
        """Whether half days in communities on different dates add up to whole days
        (每月不少于2整天 is strict by default: only a whole day on one date counts)."""
        return bool(self.get("VISIT_HALF_DAYS_ADD_UP"))


settings = Settings()


def configure(mapping: Mapping[str, Any]) -> None:
    """Use `mapping` (an app's config) for every setting pipeline code reads."""
    settings.configure(mapping)
