"""Helpers for the console's tests: the CSRF token of a page, signing in, items."""
import io
import re
from datetime import timedelta

from flask import current_app
from PIL import Image

import models
from pipeline.files.uploads import store_upload
from pipeline.steps import handling, intake

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_of(html):
    match = CSRF_RE.search(html if isinstance(html, str) else html.decode())
    assert match, "the page has no CSRF token"
    return match.group(1)


def sign_in(client, username, password="test-password"):
    token = csrf_of(client.get("/login").get_data(as_text=True))
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token})


def make_items(world, now):
    """A public item waiting for triage, one claimed and overdue, one 作风 complaint given to 建设办."""
    zhang, office = world.actor("zhang"), world.actor("office")
    waiting = intake.collect(zhang, "小区门口路灯坏了三盏，晚上很黑", "wechat", community="全椒路社区",
                             address="全椒路12号", now=now)
    late = intake.collect(world.actor("li"), "楼道堆放杂物堵塞消防通道", "wechat", community="全椒路社区",
                          address="全椒路8号3单元", lat=32.0857, lng=118.3031,
                          photo_ids=[photo(world.actor("li"), now).id], now=now)
    late = intake.classify(late, office, category="market_environment", leader=world.staff["leader"].id,
                           unit=world.units["shirong"].id, tier="limited", roadmap="市容办清理", now=now)
    late = handling.claim(late, world.actor("shirong"), now=now + timedelta(hours=1))
    # The pages judge lateness by today's date, not the frozen `now`.
    models.Item.update(due=models.local_now().date() - timedelta(days=2)).where(models.Item.id == late.id).execute()
    conduct = intake.collect(zhang, "某科室工作人员办事推诿，态度恶劣", "wechat", community="全椒路社区",
                             photo_ids=[photo(zhang, now).id], now=now)
    conduct = intake.classify(conduct, office, category="cadre_conduct", leader=world.staff["leader"].id,
                              unit=world.units["jianshe"].id, tier="limited", roadmap="纪工委核查", now=now)
    return {"waiting": waiting, "late": late, "conduct": conduct}


def photo(actor, now, colour=(180, 120, 60)):
    """A small JPEG uploaded by `actor`, not yet attached."""
    data = io.BytesIO()
    Image.new("RGB", (320, 240), colour).save(data, "JPEG")
    data.seek(0)
    return store_upload(actor, data, current_app.config["UPLOAD_DIR"], now=now)
