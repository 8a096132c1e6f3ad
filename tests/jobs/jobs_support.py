"""Helpers the jobs tests share (plain functions; fixtures are in conftest.py)."""
from datetime import timedelta

import models
from pipeline.messages import notify


def queue_staff_rows(users, count, now, kind="test"):
    """`count` outbox rows per user, each with distinct data so every send is recognisable."""
    for n in range(count):
        for user in users:
            fields = notify.notice_fields(f"T{n:05d}", f"测试消息{n}", "测试", f"第{n}条", now)
            notify.staff_notice([user], kind, "task", fields, now, f"{kind}:{n}")


def sent_keys(fake):
    """What the fake WeChat delivered: (openid, the row's code field) per successful send."""
    return [(c["json"]["touser"], c["json"]["data"]["character_string1"]["value"]) for c in fake.sends()]


def later(now, **delta):
    return now + timedelta(**delta)


def outbox(**where):
    query = models.Outbox.select().order_by(models.Outbox.id)
    for name, value in where.items():
        query = query.where(getattr(models.Outbox, name) == value)
    return list(query)
