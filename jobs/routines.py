"""The jobs over the six-step operations: public results, the weekly bulletin, the
monthly visit check and badge expiry, housekeeping (reminders and the overdue digest:
jobs/reminders.py). Each takes `now`, decides itself whether anything is due, and does it
once however often it runs."""
from datetime import timedelta

from flask import current_app

from pipeline.accounts import personal_data, ratelimits
from pipeline.files import uploads
from pipeline.messages import inbound, publicity
from pipeline.routines import bulletins, visits
from pipeline.views import figures


def publish_results(now):
    """公示: results of closed items of wide concern, to their community."""
    return publicity.publish_results(now)


def weekly_bulletin(now):
    """08:30 on the week's first working day: the draft of the next 作风效能建设周通报."""
    bulletin = bulletins.draft_weekly(now)
    return None if bulletin is None else bulletin.issue


def visit_check(now):
    """The month's first working day: last month's visit compliance and spot-check draw."""
    check = visits.monthly_check(now)
    return None if check is None else check.month


def badge_expiry(now):
    """Tell supervision-badge holders before their badge expires."""
    return publicity.badge_expiry(now)


def housekeeping(now):
    """Forget WeChat pushes older than two days (WeChat stops retrying within
    seconds), delete uploads nobody attached to a report within two days, and
    drop rate-limit hits whose window has passed."""
    pushes = inbound.purge(now - timedelta(days=2))
    photos = uploads.purge_unattached(current_app.config["UPLOAD_DIR"], now=now)
    return {"pushes": pushes, "uploads": photos, "rate_hits": ratelimits.forget_expired(now)}


def recount_figures(now):
    """At night: recount the assessment's figures of every collection day the day's
    operations changed, so the morning's first dashboard has nothing to recount. The
    figures depend on the items alone (overdue is counted against the reader's today),
    so `now` decides nothing here."""
    return figures.refresh()


def retention(now):
    """个人信息保护法: RETENTION_MONTHS after an item closed, its personal data goes
    (reporter, name, phone, exact place, numbers in the text); each item once."""
    return personal_data.deidentify_expired(now)
