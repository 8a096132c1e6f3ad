"""Log output for the web and jobs processes, set up in one place.

In production (`SIXSTEP_ENV=production`) or with `LOG_FORMAT=json` every line
is one JSON object (python-json-logger): a log collector parses it without
rules, and fields given as `extra=` (request id, route, counts) are fields of
their own. Otherwise lines are plain text for a person at a terminal.

What goes into a log line is chosen by its caller: never a phone number or
the text of a resident's message.
"""
import logging
import sys

from pythonjsonlogger.json import JsonFormatter

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_HANDLER_NAME = "sixstep"


def json_wanted(config):
    fmt = str(config.get("LOG_FORMAT") or "").lower()
    if fmt:
        return fmt == "json"
    return config.get("SIXSTEP_ENV") == "production"


def formatter(config):
    if json_wanted(config):
        return JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s",
                             rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
                             json_ensure_ascii=False)
    return logging.Formatter(TEXT_FORMAT)


def configure_logging(config, stream=None):
    """One handler on the root logger in the format `config` asks for; calling again replaces it."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if handler.get_name() == _HANDLER_NAME:
            root.removeHandler(handler)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(formatter(config))
    root.addHandler(handler)
    if root.level > logging.INFO or root.level == logging.NOTSET:
        root.setLevel(logging.INFO)
    return handler
