"""The profile: the binding QR (kept until it is scanned), the line that scans it
in the demo, and whether pushes reach the person — down to the last push's fate."""
from console_support import csrf_of, sign_in

import models
from pipeline.accounts import staff_binding
from pipeline.messages import notify


def test_the_binding_code_stays_on_the_profile_until_scanned(client, world, wechat_api):
    models.StaffUser.update(openid=None).where(models.StaffUser.username == "leader").execute()
    sign_in(client, "leader")
    page = client.get("/profile").get_data(as_text=True)
    assert "收不到微信提醒：尚未绑定微信" in page and "showqrcode" not in page
    client.post("/profile/bind-code", data={"csrf_token": csrf_of(page)})
    ticket = models.StaffBindTicket.get()
    page = client.get("/profile").get_data(as_text=True)
    assert ticket.qr_url in page and "只能使用一次" in page
    # The test's WeChat is the local fake: the page says how to scan it there.
    assert f"python -m wechat.simulate --url http://127.0.0.1:5000/wechat --from o-wechat-leader --event SCAN:{ticket.scene}" \
        in page
    other = client.application.test_client()
    sign_in(other, "office")
    assert ticket.qr_url not in other.get("/profile").get_data(as_text=True)  # it is the leader's, not a session's

    staff_binding.bind(ticket.scene, "o-wechat-leader")
    page = client.get("/profile").get_data(as_text=True)
    assert "能收到微信提醒" in page and ticket.qr_url not in page


def test_the_profile_tells_what_became_of_the_last_push(client, world, now):
    leader = world.staff["leader"]
    sign_in(client, "leader")
    assert "还没有发给您的提醒" in client.get("/profile").get_data(as_text=True)
    fields = notify.notice_fields("T1", "测试提醒", "测试", "内容", now)
    notify.staff_notice([leader], "task", "task", fields, now, "profile-test")
    assert "等待发送" in client.get("/profile").get_data(as_text=True)
    models.Outbox.update(status="undeliverable", last_error="43004 require subscribe").execute()
    page = client.get("/profile").get_data(as_text=True)
    assert "无法送达" in page and "43004 require subscribe" in page
    models.Outbox.update(status="sent", sent_at=now, last_error=None).execute()
    assert "已送达微信" in client.get("/profile").get_data(as_text=True)
