"""What each kind of message and event does, driven through /wechat."""
import re

from models import Follower, Item, Outbox, Photo, Resident, StaffUser
from pipeline.accounts import staff_binding
from pipeline.steps.intake import collect

NUMBER = re.compile(r"\d{8}-\d{4}")
REPORT = "全椒路社区5号楼门口的路灯坏了一个星期，晚上很黑"


def reported(wx, openid="o-new", content=REPORT):
    answer = wx.text(openid, content)
    number = NUMBER.search(answer.content).group(0)
    return Item.get(Item.number == number), answer


# -- text -----------------------------------------------------------------------


def test_text_report_is_collected_with_its_number(wx, world):
    item, answer = reported(wx, "o-new")
    assert item.number.startswith("20261123-")
    assert (item.status, item.channel, item.content) == ("collected", "wechat", REPORT)
    assert item.reporter.openid == "o-new" and item.reporter.source == "oa"
    assert "30分钟内" in answer.content and "照片" in answer.content and "位置" in answer.content
    # The reply is the acknowledgement: no push is queued for a new report (the office triages its list).
    assert Outbox.select().where(Outbox.item == item).count() == 0


def test_a_message_sent_again_gets_the_number_it_already_has(wx, world):
    first, _ = reported(wx, "o-new")
    again = wx.text("o-new", "  " + REPORT + " ")  # a new MsgId: the resident pressed send again
    assert first.number in again.content and "已经登记过了" in again.content
    assert first.number not in wx.text("o-other", REPORT).content  # someone else's report is new
    wx.clock.advance(minutes=11)
    later, _ = reported(wx, "o-new")  # the same words much later: a new occurrence
    assert later.number != first.number
    assert Item.select().count() == 3


def test_chat_reports_stop_at_the_daily_limit(wx, world, monkeypatch):
    from pipeline.steps import intake

    monkeypatch.setattr(intake, "CHAT_REPORTS_PER_DAY", 3)
    for n in range(3):
        reported(wx, "o-busy", f"{REPORT}（第{n}处）")
    refused = wx.text("o-busy", f"{REPORT}（第4处）")
    assert "今天已通过公众号反映了3件问题" in refused.content and not NUMBER.search(refused.content)
    assert Item.select().count() == 3
    assert NUMBER.search(wx.text("o-neighbour", REPORT).content)  # one account's limit, not everyone's
    wx.clock.advance(days=1)
    reported(wx, "o-busy", f"{REPORT}（第4处）")
    assert Item.select().where(Item.content.endswith("（第4处）")).count() == 1


def test_greetings_and_too_short_texts_create_nothing(wx):
    assert "发送文字描述" in wx.text("o-1", "你好").content
    assert "再具体一些" in wx.text("o-1", "路灯坏了").content
    assert "没有待评价" in wx.text("o-1", "1").content
    assert "还没有反映过" in wx.text("o-1", "查询").content  # menu words work typed too
    assert "请直接在对话框发送文字" in wx.text("o-1", "我要反映").content
    assert Item.select().count() == 0


def test_status_query_by_number(wx, flow):
    item = flow.classified(reporter="zhang")
    for text in (item.number, f"查询 {item.number}", f"查询：{item.number}"):
        content = wx.text("o-anyone", text).content
        assert f"事项 {item.number}" in content
        assert "状态：待领办" in content and "承办单位：建设办" in content
        assert f"办结时限：{item.due:%Y-%m-%d}" in content
        assert "最新进展" in content and "梳理分类" in content
    assert "不存在" in wx.text("o-anyone", "20990101-0001").content


def test_work_style_items_are_not_shown_to_others(wx, world, now):
    item = collect(world.actor("zhang"), "某干部办事推诿，态度很差", "wechat", category="cadre_conduct", now=now)
    assert "不存在" in wx.text("o-stranger", item.number).content
    assert f"事项 {item.number}" in wx.text("oa-openid-zhang", item.number).content


# -- photos, voice, place within 30 minutes of a report ---------------------------


def test_image_voice_and_location_attach_to_the_recent_report(wx):
    item, _ = reported(wx, "o-detail")
    wx.clock.advance(minutes=5)
    answer = wx.image("o-detail", media_id="media-abc")
    assert f"照片已补充到事项 {item.number}" in answer.content
    photo = Photo.get(Photo.item == item)
    assert (photo.media_id, photo.path, photo.kind) == ("media-abc", None, "report")  # fetched later by jobs

    answer = wx.voice("o-detail", recognition="灯杆旁边还有积水", media_id="voice-abc")
    assert f"语音已补充到事项 {item.number}" in answer.content and "积水" in answer.content
    answer = wx.location("o-detail", lat="31.2304", lng="121.4737", label="全椒路5号楼")
    assert f"位置已补充到事项 {item.number}" in answer.content
    item = Item.get_by_id(item.id)
    assert "积水" in item.content
    assert (item.lat, item.lng, item.address) == (31.2304, 121.4737, "全椒路5号楼")
    assert Photo.select().where(Photo.item == item).count() == 2  # the photo and the voice note


def test_details_after_30_minutes_ask_for_a_new_report(wx):
    reported(wx, "o-late")
    wx.clock.advance(minutes=31)
    assert "请先用文字描述" in wx.image("o-late").content
    assert "请先用文字描述" in wx.location("o-late").content
    assert Photo.select().count() == 0


def test_voice_without_a_recent_report_starts_one(wx):
    answer = wx.voice("o-voice", recognition="幸福小区北门的垃圾三天没人清运了")
    item = Item.get(Item.number == NUMBER.search(answer.content).group(0))
    assert item.content == "幸福小区北门的垃圾三天没人清运了"
    assert "没能识别" in wx.voice("o-voice2", recognition=None).content


# -- rating after the "please rate" push ------------------------------------------


def test_rating_satisfied_closes_the_item(wx, flow):
    item = flow.resolved(reporter="zhang")
    answer = wx.text("oa-openid-zhang", "1")
    assert "满意" in answer.content and "已办结归档" in answer.content
    item = Item.get_by_id(item.id)
    assert item.status == "closed"
    assert item.ratings[0].source == "wechat"


def test_rating_unsatisfied_with_reason_goes_back_for_reassignment(wx, flow):
    item = flow.resolved(reporter="zhang")
    answer = wx.text("oa-openid-zhang", "不满意，灯还是一闪一闪的")
    assert "返回重新交办" in answer.content
    item = Item.get_by_id(item.id)
    assert (item.status, item.round) == ("classified", 2)
    rating = item.ratings[0]
    assert (rating.score, rating.comment) == ("unsatisfied", "灯还是一闪一闪的")


def test_rating_words(wx, flow):
    item = flow.resolved(reporter="zhang")
    assert "基本满意" in wx.text("oa-openid-zhang", "2 还行").content
    assert Item.get_by_id(item.id).ratings[0].score == "basically_satisfied"


def test_a_chat_rating_of_a_wide_concern_item_waits_for_the_meeting(wx, flow):
    from pipeline.steps.judging import mark_wide_concern

    item = mark_wide_concern(flow.resolved(reporter="zhang"), flow.a("office"), wide_concern=True, now=flow.now)
    answer = wx.text("oa-openid-zhang", "1")
    assert "群众评议会" in answer.content and "已办结归档" not in answer.content
    assert Item.get_by_id(item.id).status == "resolved" and Item.get_by_id(item.id).ratings.count() == 1
    # Rated already: a second "1" finds nothing left to rate, and records nothing.
    assert "没有待评价" in wx.text("oa-openid-zhang", "1").content
    assert Item.get_by_id(item.id).ratings.count() == 1


def test_only_the_reporter_rates(wx, flow):
    item = flow.resolved(reporter="zhang")
    # Someone else's "1" is not a rating of zhang's item.
    assert "没有待评价" in wx.text("oa-openid-li", "1").content
    assert Item.get_by_id(item.id).status == "resolved"


# -- follow, unfollow, QR codes ---------------------------------------------------


def test_subscribe_and_unsubscribe(wx, world):
    answer = wx.event("o-fan", "subscribe")
    assert "欢迎关注" in answer.content and "编号" in answer.content
    assert Resident.get(Resident.openid == "o-fan").subscribed
    answer = wx.event("oa-openid-zhang", "unsubscribe")
    assert answer.reply == "success"
    assert not Resident.get(Resident.openid == "oa-openid-zhang").subscribed


def test_staff_who_unfollow_get_no_pushes_until_they_follow_again(wx, flow, world, client, auth):
    jianshe = world.staff["jianshe"]
    assert wx.event("staff-openid-jianshe", "unsubscribe").reply == "success"
    assert not StaffUser.get_by_id(jianshe.id).following
    first = flow.classified(reporter="zhang")  # the unit is told of a new assignment
    assert Outbox.select().where((Outbox.item == first) & (Outbox.staff == jianshe)).count() == 0
    assert Outbox.select().where((Outbox.item == first) & (Outbox.staff == world.staff["leader"])).count() == 1
    users = {u["id"]: u for u in client.get("/api/v1/staff/users", headers=auth("office")).get_json()}
    assert users[jianshe.id]["bound"] and not users[jianshe.id]["receives_pushes"]
    assert users[world.staff["leader"].id]["receives_pushes"]

    wx.event("staff-openid-jianshe", "subscribe")
    assert StaffUser.get_by_id(jianshe.id).following
    second = flow.classified(reporter="li")
    assert Outbox.select().where((Outbox.item == second) & (Outbox.staff == jianshe)).count() == 1


def test_scanning_an_item_code_follows_it(wx, flow):
    item = flow.classified(reporter="zhang")
    answer = wx.event("o-neighbour", "SCAN", f"item-{item.number}")
    assert "已关注该事项" in answer.content and f"事项 {item.number}" in answer.content
    follower = Follower.get(Follower.item == item)
    assert follower.resident.openid == "o-neighbour"
    # A new follower scanning: subscribe with qrscene_ prefix.
    answer = wx.event("o-newcomer", "subscribe", f"qrscene_item-{item.number}")
    assert "已关注该事项" in answer.content
    assert Resident.get(Resident.openid == "o-newcomer").subscribed
    assert Follower.select().where(Follower.item == item).count() == 2
    assert "二维码无效" in wx.event("o-neighbour", "SCAN", "nonsense").content


def test_bound_staff_scanning_an_item_follows_as_staff(wx, flow, world):
    item = flow.classified(reporter="zhang")
    wx.event("staff-openid-supervisor", "SCAN", f"item-{item.number}")
    assert Follower.get(Follower.item == item).staff_id == world.staff["supervisor"].id


# -- staff binding ------------------------------------------------------------------


def test_staff_binding_by_scan(wx, world, now):
    user = world.staff["shirong"]
    ticket = staff_binding.issue(user, hours=24, now=now)
    answer = wx.event("o-zhaolei-phone", "SCAN", ticket.scene)
    assert "绑定成功" in answer.content and "赵磊" in answer.content and "市容办" in answer.content
    assert StaffUser.get_by_id(user.id).openid == "o-zhaolei-phone"
    # One use only.
    assert "已被使用" in wx.event("o-someone-else", "SCAN", ticket.scene).content
    assert StaffUser.get_by_id(user.id).openid == "o-zhaolei-phone"


def test_staff_binding_by_subscribe_moves_an_earlier_binding(wx, world, now):
    user = world.staff["jianshe"]
    ticket = staff_binding.issue(user, now=now)
    # This phone was bound to the office account before: one WeChat, one account.
    answer = wx.event("staff-openid-office", "subscribe", "qrscene_" + ticket.scene)
    assert "王强" in answer.content and "李敏" in answer.content
    assert StaffUser.get_by_id(user.id).openid == "staff-openid-office"
    assert StaffUser.get_by_id(world.staff["office"].id).openid is None


def test_expired_and_unknown_binding_codes(wx, world, now):
    ticket = staff_binding.issue(world.staff["shirong"], hours=1, now=now)
    wx.clock.advance(hours=2)
    assert "已过期" in wx.event("o-x", "SCAN", ticket.scene).content
    assert "无效" in wx.event("o-x", "SCAN", "bind-not-a-real-one").content
    assert StaffUser.get_by_id(world.staff["shirong"].id).openid == "staff-openid-shirong"


# -- menu clicks, delivery receipts ------------------------------------------------------


def test_menu_clicks(wx, flow, world):
    flow.closed(reporter="zhang")
    assert "请直接在对话框发送文字" in wx.event("o-x", "CLICK", "REPORT").content
    mine = wx.event("oa-openid-zhang", "CLICK", "MY_ITEMS").content
    assert "您反映的问题（最近1件，共1件）" in mine and "已办结" in mine
    assert "还没有反映过" in wx.event("o-nobody", "CLICK", "MY_ITEMS").content
    board = wx.event("o-x", "CLICK", "BOARD").content
    assert "最近办结公示" in board and "群众评价满意" in board
    assert "DB-TEST-1" in wx.event("oa-openid-liu", "CLICK", "SUPERVISOR").content
    assert "督办小组成员 吴刚" in wx.event("staff-openid-supervisor", "CLICK", "SUPERVISOR").content
    assert "活动办登记" in wx.event("o-x", "CLICK", "SUPERVISOR").content


def test_template_send_job_finish_marks_the_outbox_row(wx, flow):
    item = flow.classified(reporter="zhang")
    rows = list(Outbox.select().where(Outbox.item == item).order_by(Outbox.id))
    Outbox.update(status="sent", wechat_msgid="5001").where(Outbox.id == rows[0].id).execute()
    Outbox.update(status="sent", wechat_msgid="5002").where(Outbox.id == rows[1].id).execute()
    from wechat import simulate

    assert wx.send(simulate.template_finish(rows[0].openid, 5001, "success")).reply == "success"
    assert wx.send(simulate.template_finish(rows[1].openid, 5002, "failed:user block")).reply == "success"
    assert wx.send(simulate.template_finish("o-x", 9999, "success")).reply == "success"
    assert Outbox.get_by_id(rows[0].id).status == "sent"
    blocked = Outbox.get_by_id(rows[1].id)
    assert blocked.status == "undeliverable" and "block" in blocked.last_error


def test_a_chat_report_marked_as_conduct_is_kept_private(wx, world, client):
    item, answer = reported(wx, "o-conduct", "作风：" + REPORT)
    assert item.content == REPORT and item.suggested_category.code == "cadre_conduct"
    assert "仅您本人和街道活动办可以查看" in answer.content
    assert client.get(f"/api/v1/items/{item.number}").status_code == 404
    plain, answer = reported(wx, "o-plain", "楼下垃圾桶满了三天没人清运，气味很大")
    assert plain.suggested_category is None and "仅您本人" not in answer.content
    assert client.get(f"/api/v1/items/{plain.number}").status_code == 404  # unclassified: private all the same
