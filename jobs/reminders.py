"""The jobs over deadlines (pipeline.steps.chasing): the reminder sweep and the 09:00
overdue digest. A module of their own, so that a run of the sweep alone (`python -m jobs
--once --only sweep_reminders`, cron or a benchmark) loads only what it needs."""
from pipeline.steps import chasing


def sweep_reminders(now):
    """Fire due reminders: unclaimed, half time, day before, overdue (催办), rating follow-ups."""
    return chasing.sweep(now)


def overdue_digest(now):
    """09:00 on working days: all overdue items to leaders and the office."""
    data = chasing.overdue_digest(now)
    return None if data is None else data["total"]
