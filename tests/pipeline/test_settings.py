"""Pipeline code reads its settings through `pipeline.rules.settings`, never through
Flask: it runs the same inside a request, in the jobs process and with no app."""
import threading
from datetime import timedelta

from flask import has_app_context

import models
from config import DEFAULT_TEMPLATES
from pipeline.messages import notify
from pipeline.rules.settings import Settings
from pipeline.steps import handling


def outside_any_app(work):
    """Run `work()` in a fresh thread, where no Flask app context exists; its result or error."""
    outcome = {}

    def run():
        outcome["app_context"] = has_app_context()
        try:
            outcome["value"] = work()
        except Exception as error:  # reported to the test below
            outcome["error"] = error
        finally:
            models.db.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    assert outcome["app_context"] is False
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def test_an_evaluation_meeting_is_judged_by_the_configured_threshold_without_an_app(app, flow):
    app.config["MEETING_SATISFACTION_THRESHOLD"] = 0.6
    app.config["TEMPLATE_ITEM_RESULT"] = "tpl-configured-result"
    item = flow.resolved()

    item = outside_any_app(lambda: handling.record_meeting(
        item, flow.a("office"), kind="evaluation", held_at=(flow.now - timedelta(hours=1)).isoformat(),
        attendees=["居民甲", "居民乙"], minutes="评议会纪要", satisfaction=0.7, now=flow.now))

    assert item.status == "closed"  # 0.7 passes the configured 0.6, not the default 0.8
    closed = models.Outbox.get((models.Outbox.item == item) & (models.Outbox.kind == "closed")
                               & (models.Outbox.resident == flow.world.residents["zhang"]))
    assert closed.template_id == "tpl-configured-result"


def test_unconfigured_settings_are_config_defaults():
    fresh = Settings()
    assert fresh.template_id("TEMPLATE_OVERDUE") == DEFAULT_TEMPLATES["TEMPLATE_OVERDUE"]
    assert fresh.meeting_satisfaction_threshold == 0.8
    fresh.configure({"TEMPLATE_OVERDUE": "tpl-real-overdue", "MEETING_SATISFACTION_THRESHOLD": "0.75"})
    assert fresh.template_id("TEMPLATE_OVERDUE") == "tpl-real-overdue"
    assert fresh.meeting_satisfaction_threshold == 0.75


def test_notify_uses_the_app_configuration(app):
    app.config["SUBSCRIBE_ITEM_PROGRESS"] = "sub-real-progress"
    assert notify.template_id("SUBSCRIBE_ITEM_PROGRESS") == "sub-real-progress"
