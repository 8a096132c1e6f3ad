"""Subscribe-message events (consents) and the menu's scan buttons, driven through /wechat."""
import itertools
from pathlib import Path

import pytest

from models import Follower, InboundMessage, Outbox, Resident, SubscriptionGrant
from pipeline.steps.handling import claim
from pipeline.steps.intake import collect
from wechat import cli, events, handlers, replies
from wechat.client import make_client
from wechat.outbound import deliver
from wechat.security import parse

SAMPLES = Path(__file__).parent / "samples"
# CreateTime of each push: events are told apart by sender + CreateTime + event.
CREATE_TIMES = itertools.count(1795000000)
FOREIGN_TEMPLATE = "VRR0UEO9VJOLs0MHlU0OilqX6MVFDwH3_3gz3Oc0NIc"  # in WeChat's sample, not one of ours


def _element(name, value):
    return f"<{name}><![CDATA[{value}]]></{name}>"


def event_xml(openid, event, body, create_time=None):
    create_time = next(CREATE_TIMES) if create_time is None else create_time
    return ("<xml>" + _element("ToUserName", "gh_sixstep_demo") + _element("FromUserName", openid)
            + f"<CreateTime>{create_time}</CreateTime>" + _element("MsgType", "event") + _element("Event", event)
            + body + "</xml>")


def subscribe_xml(openid, event, entries, container=None, **kw):
    """A subscribe_msg_* event with one <List> per entry (a dict of its fields)."""
    container = container or {"subscribe_msg_popup_event": "SubscribeMsgPopupEvent",
                              "subscribe_msg_change_event": "SubscribeMsgChangeEvent",
                              "subscribe_msg_sent_event": "SubscribeMsgSentEvent"}[event]
    lists = "".join("<List>" + "".join(_element(k, v) for k, v in entry.items()) + "</List>" for entry in entries)
    return event_xml(openid, event, f"<{container}>{lists}</{container}>", **kw)


def popup(openid, *choices, **kw):
    """choices: (template_id, "accept" | "reject")."""
    return subscribe_xml(openid, "subscribe_msg_popup_event",
                         [{"TemplateId": t, "SubscribeStatusString": s, "PopupScene": "1"} for t, s in choices], **kw)


def change(openid, *choices, **kw):
    return subscribe_xml(openid, "subscribe_msg_change_event",
                         [{"TemplateId": t, "SubscribeStatusString": s} for t, s in choices], **kw)


def scancode_xml(openid, result, event="scancode_waitmsg", key="SCAN_ITEM", scan_type="qrcode", **kw):
    body = (_element("EventKey", key) + "<ScanCodeInfo>" + _element("ScanType", scan_type)
            + _element("ScanResult", result) + "</ScanCodeInfo>")
    return event_xml(openid, event, body, **kw)


def grants(openid):
    rows = (SubscriptionGrant.select().join(Resident, on=(SubscriptionGrant.resident == Resident.id))
            .where(Resident.openid == openid))
    return {row.template_id: row.remaining for row in rows}


@pytest.fixture
def tpl(app):
    """The official account's subscribe-notice template ids, as configured."""
    return {name: app.config[f"OA_SUBSCRIBE_ITEM_{name.upper()}"] for name in ("received", "progress", "result")}


# -- routing ---------------------------------------------------------------------------------


def test_unknown_message_events_are_routed_by_their_event_name():
    xml = popup("o-1", ("t", "accept"))
    message = parse(xml)
    assert message.type == "unknown"  # wechatpy has no class for it
    assert handlers.handler_key(message) == "event:subscribe_msg_popup_event"
    assert handlers.HANDLERS[handlers.handler_key(message)] is events.on_subscribe_popup
    assert handlers.handler_key(parse(scancode_xml("o-1", "x", event="scancode_push"))) == "event:scancode_push"
    assert handlers.handler_key(parse((SAMPLES / "event-annual_renew.xml").read_text())) == "event:annual_renew"


@pytest.mark.parametrize("container, expected", [
    ("<SubscribeMsgPopupEvent><List><TemplateId>a</TemplateId></List></SubscribeMsgPopupEvent>", ["a"]),
    ("<SubscribeMsgPopupEvent><List><TemplateId>a</TemplateId></List><List><TemplateId>b</TemplateId></List>"
     "</SubscribeMsgPopupEvent>", ["a", "b"]),
    ("<SubscribeMsgPopupEvent></SubscribeMsgPopupEvent>", []),
    ("<SubscribeMsgPopupEvent><List>text</List></SubscribeMsgPopupEvent>", []),
    ("", []),
], ids=["one-dict", "several-list", "empty", "not-a-dict", "missing"])
def test_subscribe_entries_are_always_a_list_of_dicts(container, expected):
    message = parse(event_xml("o-1", "subscribe_msg_popup_event", container))
    entries = events.subscribe_entries(message, "SubscribeMsgPopupEvent")
    assert [e["TemplateId"] for e in entries] == expected


# -- subscribe popup ----------------------------------------------------------------------------


def test_popup_accepting_one_template_adds_one_consent(wx, tpl):
    answer = wx.send(popup("o-new-fan", (tpl["progress"], "accept")))
    assert answer.status == 200 and answer.reply == "success"
    resident = Resident.get(Resident.openid == "o-new-fan")  # created on first contact
    assert resident.source == "oa"
    assert grants("o-new-fan") == {tpl["progress"]: 1}
    assert InboundMessage.get(InboundMessage.openid == "o-new-fan").msg_type == "event:subscribe_msg_popup_event"
    wx.send(popup("o-new-fan", (tpl["progress"], "accept")))  # a second popup, later: one more message
    assert grants("o-new-fan") == {tpl["progress"]: 2}


def test_wechat_sample_with_several_templates(wx, tpl):
    # WeChat's own sample (two <List>: accept, reject) with our template ids in it.
    xml = (SAMPLES / "event-subscribe_msg_popup_event.xml").read_text(encoding="utf-8")
    xml = xml.replace(FOREIGN_TEMPLATE, tpl["progress"]).replace(
        "9nLIlbOQZC5Y89AZteFEux3WCXRRRG5Wfzkpssu4bLI", tpl["result"])
    assert wx.send(xml).reply == "success"
    assert grants("otFpruAK8D-E6EfStSYonYSBZ8_4") == {tpl["progress"]: 1}


def test_popup_with_several_templates(wx, tpl):
    answer = wx.send(popup("oa-openid-zhang", (tpl["progress"], "accept"), (tpl["result"], "accept"),
                           (tpl["received"], "reject")))
    assert answer.reply == "success"
    assert grants("oa-openid-zhang") == {tpl["progress"]: 1, tpl["result"]: 1}


def test_popup_reject_records_nothing_new(wx, tpl):
    wx.send(popup("oa-openid-zhang", (tpl["progress"], "accept")))
    assert wx.send(popup("oa-openid-zhang", (tpl["progress"], "reject"), (tpl["result"], "reject"))).reply == "success"
    assert grants("oa-openid-zhang") == {tpl["progress"]: 1}  # kept, and no row for the rejected one


def test_unknown_and_mini_program_template_ids_are_ignored(wx, app, tpl):
    answer = wx.send(popup("o-someone", (FOREIGN_TEMPLATE, "accept"), (app.config["SUBSCRIBE_ITEM_PROGRESS"], "accept"),
                           (app.config["TEMPLATE_OVERDUE"], "accept"), ("", "accept")))
    assert answer.reply == "success"
    assert Resident.get(Resident.openid == "o-someone").source == "oa"
    assert grants("o-someone") == {}


def test_configured_template_ids_are_the_ones_counted(wx, app, tpl):
    app.config["OA_SUBSCRIBE_ITEM_RESULT"] = "real-oa-result-template"
    wx.send(popup("o-1", ("real-oa-result-template", "accept"), (tpl["result"], "accept")))
    assert grants("o-1") == {"real-oa-result-template": 1}


def test_a_retried_popup_counts_once(wx, tpl):
    xml = popup("oa-openid-zhang", (tpl["progress"], "accept"), (tpl["result"], "accept"))
    first = wx.send(xml)
    again = wx.send(xml)  # WeChat's retry: same sender, CreateTime and event
    assert first.reply == again.reply == "success"
    assert grants("oa-openid-zhang") == {tpl["progress"]: 1, tpl["result"]: 1}
    assert InboundMessage.select().where(InboundMessage.msg_type == "event:subscribe_msg_popup_event").count() == 1


def test_consents_stop_at_the_cap(wx, tpl, monkeypatch):
    monkeypatch.setattr("pipeline.messages.oa_consents.MAX_GRANTS_PER_TEMPLATE", 2)
    for _ in range(3):
        wx.send(popup("o-1", (tpl["progress"], "accept")))
    assert grants("o-1") == {tpl["progress"]: 2}


def test_official_account_consents_never_become_mini_program_consents(wx, world, flow, app, tpl):
    # A push from a mini-program resident's openid (never happens: openids are per app) records nothing,
    # so notify can't spend it as a mini-program consent.
    wx.send(popup("mp-openid-wang", (tpl["progress"], "accept")))
    assert grants("mp-openid-wang") == {}
    # An official-account resident's consent is not spent: they get template messages while following.
    wx.send(popup("oa-openid-zhang", (tpl["received"], "accept"), (tpl["progress"], "accept")))
    item = flow.classified(reporter="zhang")
    sent = Outbox.select().where((Outbox.item == item) & (Outbox.resident == world.residents["zhang"]))
    assert sent.count() >= 1 and {row.channel for row in sent} == {"oa_template"}
    assert grants("oa-openid-zhang") == {tpl["received"]: 1, tpl["progress"]: 1}


# -- subscription changes and receipts -------------------------------------------------------------


def test_change_event_reject_clears_the_remaining_consents(wx, world, app, tpl):
    mp_grant = SubscriptionGrant.create(resident=world.residents["mp"], remaining=3,
                                        template_id=app.config["SUBSCRIBE_ITEM_PROGRESS"])
    for _ in range(3):
        wx.send(popup("oa-openid-zhang", (tpl["progress"], "accept"), (tpl["result"], "accept")))
    assert wx.send(change("oa-openid-zhang", (tpl["progress"], "reject"))).reply == "success"
    assert grants("oa-openid-zhang") == {tpl["progress"]: 0, tpl["result"]: 3}
    # An accept here grants nothing; unknown ids and other people's consents are untouched.
    wx.send(change("oa-openid-zhang", (tpl["progress"], "accept"), (FOREIGN_TEMPLATE, "reject"),
                   (app.config["SUBSCRIBE_ITEM_PROGRESS"], "reject")))
    assert grants("oa-openid-zhang") == {tpl["progress"]: 0, tpl["result"]: 3}
    assert SubscriptionGrant.get_by_id(mp_grant.id).remaining == 3
    # Several templates at once (a list), also in the wrapper WeChat's documentation shows.
    wx.send(change("oa-openid-zhang", (tpl["result"], "reject"), container="SubscribeMsgPopupEvent"))
    assert grants("oa-openid-zhang") == {tpl["progress"]: 0, tpl["result"]: 0}
    wx.send(popup("oa-openid-zhang", (tpl["result"], "accept")))  # asked again later
    assert grants("oa-openid-zhang")[tpl["result"]] == 1


def test_wechat_change_sample_with_our_template(wx, tpl):
    xml = (SAMPLES / "event-subscribe_msg_change_event.xml").read_text(encoding="utf-8")
    openid = "otFpruAK8D-E6EfStSYonYSBZ8_4"
    wx.send(popup(openid, (tpl["progress"], "accept")))
    assert wx.send(xml.replace(FOREIGN_TEMPLATE, tpl["progress"])).reply == "success"
    assert grants(openid) == {tpl["progress"]: 0}


def test_sent_receipts_clear_only_a_blocked_template(wx, tpl):
    wx.send(popup("o-1", (tpl["progress"], "accept"), (tpl["result"], "accept")))
    wx.send(popup("o-1", (tpl["progress"], "accept"), (tpl["result"], "accept")))
    receipts = [{"TemplateId": tpl["progress"], "MsgID": "1", "ErrorCode": "0", "ErrorStatus": "success"},
                {"TemplateId": tpl["result"], "MsgID": "2", "ErrorCode": "20001", "ErrorStatus": "failed:user block"}]
    assert wx.send(subscribe_xml("o-1", "subscribe_msg_sent_event", receipts)).reply == "success"
    assert grants("o-1") == {tpl["progress"]: 2, tpl["result"]: 0}


# -- menu scan buttons ---------------------------------------------------------------------------


def item_url(app, item):
    return app.config["PUBLIC_BASE_URL"].rstrip("/") + f"/i/{item.number}"


def followers(item):
    rows = Follower.select().where(Follower.item == item)
    return [row.resident.openid if row.resident_id else row.staff.username for row in rows]


@pytest.mark.parametrize("code", ["url", "url-slash", "url-query", "item-scene", "mini-program-scene", "bare"])
def test_scan_button_with_an_item_code_follows_it(wx, flow, app, code):
    item = flow.classified(reporter="zhang")
    result = {"url": item_url(app, item), "url-slash": item_url(app, item) + "/",
              "url-query": item_url(app, item) + "?from=sheet#top", "item-scene": f"item-{item.number}",
              "mini-program-scene": f"i={item.number}", "bare": f" {item.number}\n"}[code]
    answer = wx.send(scancode_xml("o-neighbour", result))
    assert "已关注该事项" in answer.content and f"事项 {item.number}" in answer.content
    assert "状态：待领办" in answer.content and "承办单位：建设办" in answer.content
    assert followers(item) == ["o-neighbour"]
    # The same words as scanning the item's parametric QR code.
    assert answer.content == wx.event("o-other", "SCAN", f"item-{item.number}").content


def test_scan_button_answer_is_the_scan_handlers(wx, flow):
    item = flow.classified(reporter="zhang")
    scanned = wx.send(scancode_xml("o-neighbour", item.number)).content
    assert scanned == wx.event("o-neighbour", "SCAN", f"item-{item.number}").content


@pytest.mark.parametrize("result", [
    "hello", "", "EAN_13,6901234567892", "https://example.com/",
    "https://elsewhere.example.com/i/{number}", "http://127.0.0.1:5000/x/i/{number}", "{number}-1", "item-",
])
def test_scan_button_with_another_code_says_so(wx, flow, app, result):
    item = flow.classified(reporter="zhang")
    answer = wx.send(scancode_xml("o-neighbour", result.format(number=item.number)))
    assert answer.content == replies.NOT_ITEM_CODE and "不是" in answer.content
    assert followers(item) == []


def test_scan_button_under_a_base_url_with_a_path(wx, flow, app):
    app.config["PUBLIC_BASE_URL"] = "https://JieDao.example.cn/sixstep/"
    item = flow.classified(reporter="zhang")
    ours = f"http://jiedao.example.cn/sixstep/i/{item.number}"
    assert "已关注该事项" in wx.send(scancode_xml("o-a", ours)).content
    assert wx.send(scancode_xml("o-b", f"https://jiedao.example.cn/i/{item.number}")).content == replies.NOT_ITEM_CODE
    assert followers(item) == ["o-a"]


def test_scan_button_with_an_unknown_number(wx, world):
    assert "不存在" in wx.send(scancode_xml("o-x", "20990101-0001")).content
    assert Follower.select().count() == 0


def test_work_style_items_follow_the_scan_rules(wx, world, now, app):
    item = collect(world.actor("zhang"), "某干部办事推诿，态度很差", "wechat", category="cadre_conduct", now=now)
    stranger = wx.send(scancode_xml("o-stranger", item_url(app, item)))
    assert "不存在" in stranger.content and item.number not in stranger.content
    assert followers(item) == []
    # Its reporter and bound staff may follow it; a badge holder may not read it, so may not follow it either.
    assert f"事项 {item.number}" in wx.send(scancode_xml("oa-openid-zhang", item_url(app, item))).content
    badge_holder = wx.send(scancode_xml("oa-openid-liu", f"i={item.number}"))
    assert "不存在" in badge_holder.content and "推诿" not in badge_holder.content
    assert f"事项 {item.number}" in wx.send(scancode_xml("staff-openid-supervisor", item.number)).content
    assert sorted(followers(item)) == sorted(["oa-openid-zhang", "duban"])
    # scancode_push too.
    pushed = wx.send(scancode_xml("o-stranger", item.number, event="scancode_push"))
    assert "不存在" in pushed.content and len(followers(item)) == 2


# person (as `auth` and `world` name them), their WeChat openid, whether they may see a 作风 item they didn't
# report (a unit handler only once the office gives it to their unit)
FOLLOWERS = [("zhang", "oa-openid-zhang", True), ("li", "oa-openid-li", False), ("liu", "oa-openid-liu", False),
             ("supervisor", "staff-openid-supervisor", True), ("jianshe", "staff-openid-jianshe", False)]


@pytest.mark.parametrize("person, openid, may", FOLLOWERS, ids=[row[0] for row in FOLLOWERS])
def test_following_an_item_is_one_rule_on_every_channel(wx, world, now, app, client, auth, person, openid, may):
    """The scan button, the item's parametric QR code and the API give each person the same answer."""
    item = collect(world.actor("zhang"), "某干部办事推诿，态度很差", "wechat", category="cadre_conduct", now=now)
    answers = {
        "scancode_waitmsg": wx.send(scancode_xml(openid, item_url(app, item))).content,
        "scan": wx.event(openid, "SCAN", f"item-{item.number}").content,
    }
    followed = {channel: f"事项 {item.number}" in text for channel, text in answers.items()}
    for channel, text in answers.items():
        assert followed[channel] or ("不存在" in text and "推诿" not in text), channel
    api = client.post(f"/api/v1/items/{item.number}/follow", headers=auth(person))
    assert api.status_code in (200, 404)
    followed["api"] = api.status_code == 200
    assert followed == {"scancode_waitmsg": may, "scan": may, "api": may}
    assert (client.get(f"/api/v1/items/{item.number}", headers=auth(person)).status_code == 200) is may
    username = world.staff[person].username if person in world.staff else openid
    assert followers(item) == ([username] if may else [])


def test_scancode_push_replies_the_status_too(wx, flow, app):
    item = flow.classified(reporter="zhang")
    answer = wx.send(scancode_xml("o-neighbour", item_url(app, item), event="scancode_push"))
    assert "已关注该事项" in answer.content and f"事项 {item.number}" in answer.content
    assert followers(item) == ["o-neighbour"]
    # Anything else: WeChat has already shown or opened it; nothing to add.
    assert wx.send(scancode_xml("o-neighbour", "https://example.com/", event="scancode_push")).reply == "success"


def test_a_retried_scan_gets_the_same_reply(wx, flow, app):
    item = flow.classified(reporter="zhang")
    xml = scancode_xml("o-neighbour", item_url(app, item))
    first = wx.send(xml)
    wx.clock.advance(seconds=3)
    assert wx.send(xml).reply == first.reply and "已关注该事项" in first.content
    assert InboundMessage.select().where(InboundMessage.msg_type == "event:scancode_waitmsg").count() == 1


def test_wechat_scan_samples(wx):
    waitmsg = wx.send((SAMPLES / "event-scancode_waitmsg.xml").read_text(encoding="utf-8"))
    assert waitmsg.content == replies.NOT_ITEM_CODE
    assert wx.send((SAMPLES / "event-scancode_push.xml").read_text(encoding="utf-8")).reply == "success"


# -- the menu ------------------------------------------------------------------------------------------


def test_menu_has_a_scan_button_within_wechat_limits(app):
    menu = cli.load_menu(app.config)
    top = menu["button"]
    assert len(top) <= 3 and all(len(b.get("sub_button", [])) <= 5 for b in top)
    buttons = [s for b in top for s in b.get("sub_button", [])] + [b for b in top if "sub_button" not in b]
    scan = [b for b in buttons if b.get("key") == "SCAN_ITEM"]
    assert scan == [{"type": "scancode_waitmsg", "name": "扫码督办", "key": "SCAN_ITEM"}]
    assert f"event:{scan[0]['type']}" in handlers.HANDLERS
    clicks = [b["key"] for b in buttons if b.get("type") == "click"]
    assert set(clicks) <= set(handlers.CLICK_HANDLERS) and len(set(clicks)) == len(clicks)


def test_two_scans_in_the_same_second_are_two_pushes(wx, flow, app):
    first, second = flow.classified(reporter="zhang"), flow.classified(reporter="li")
    stamp = next(CREATE_TIMES)
    answers = [wx.send(scancode_xml("o-neighbour", item_url(app, item), create_time=stamp))
               for item in (first, second)]
    assert f"事项 {first.number}" in answers[0].content and f"事项 {second.number}" in answers[1].content
    assert followers(first) == followers(second) == ["o-neighbour"]


# -- spending official-account consents: subscribe notices (bizsend) ---------------------------------


def test_a_consent_sends_a_subscribe_notice_when_template_messages_cant_reach(wx, world, flow, app, tpl, wx_fake):
    wx.send(popup("oa-openid-zhang", (tpl["progress"], "accept"), (app.config["TEMPLATE_ITEM_PROGRESS"], "accept")))
    assert grants("oa-openid-zhang") == {tpl["progress"]: 1}  # a template message's id is no consent
    Resident.update(subscribed=False).where(Resident.openid == "oa-openid-zhang").execute()
    item = flow.classified(reporter="zhang")
    row, = Outbox.select().where((Outbox.item == item) & (Outbox.resident == world.residents["zhang"]))
    assert (row.channel, row.template_id) == ("oa_subscribe", tpl["progress"])
    assert grants("oa-openid-zhang") == {tpl["progress"]: 0}  # spent

    clients = {"oa": make_client(app.config, "oa"), "mp": make_client(app.config, "mp")}
    assert deliver(row, clients).outcome == "sent"
    sent, = wx_fake.sends("oa-openid-zhang")
    assert sent["path"] == "cgi-bin/message/subscribe/bizsend"
    assert sent["json"]["template_id"] == tpl["progress"]
    assert sent["json"]["miniprogram"] == {"appid": "wx-test-mp", "pagepath": f"pages/item/item?number={item.number}"}
    assert sent["json"]["data"]["character_string1"]["value"] == item.number

    # No consent left: the next notice has no channel (the item page still shows it).
    claim(item, world.actor("jianshe"), now=flow.now)
    assert Outbox.select().where((Outbox.item == item) & (Outbox.resident == world.residents["zhang"])).count() == 1


def test_a_refused_subscribe_notice_is_undeliverable(wx, world, flow, app, tpl, wx_fake):
    wx.send(popup("oa-openid-zhang", (tpl["progress"], "accept")))
    Resident.update(subscribed=False).where(Resident.openid == "oa-openid-zhang").execute()
    item = flow.classified(reporter="zhang")
    row, = Outbox.select().where((Outbox.item == item) & (Outbox.resident == world.residents["zhang"]))
    wx_fake.refused.add("oa-openid-zhang")
    result = deliver(row, {"oa": make_client(app.config, "oa"), "mp": make_client(app.config, "mp")})
    assert (result.outcome, result.errcode) == ("undeliverable", 43101)
