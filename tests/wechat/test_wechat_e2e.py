"""A report by chat travels all six steps, the resident rates by chat, and every
push the resident should get reaches the fake WeChat server, in order."""
import re

import pytest

from models import Item, Outbox, local_now
from pipeline.steps.handling import claim, progress, resolve
from pipeline.steps.intake import classify
from pipeline.steps.oversight import supervise
from wechat.client import make_client
from wechat.outbound import deliver

RESIDENT = "o-e2e-resident"


@pytest.fixture
def dispatch(app, wechat_api):
    """Send every queued outbox row in order, as the jobs process does."""
    clients = {"oa": make_client(app.config, "oa"), "mp": make_client(app.config, "mp")}

    def run():
        rows = list(Outbox.select().where(Outbox.status == "queued").order_by(Outbox.id))
        for row in rows:
            result = deliver(row, clients)
            assert result.outcome == "sent", (row.kind, result)
            Outbox.update(status="sent", wechat_msgid=result.msgid, sent_at=local_now()).where(
                Outbox.id == row.id).execute()
        return len(rows)

    return run


def notes_to(fake, openid):
    return [(c["json"]["template_id"], c["json"]["data"]["thing5"]["value"]) for c in fake.sends(openid)]


def test_report_by_chat_through_all_six_steps(wx, world, wechat_api, dispatch):
    office, unit, supervisor = world.actor("office"), world.actor("jianshe"), world.actor("supervisor")
    assert "欢迎关注" in wx.event(RESIDENT, "subscribe").content

    # Step 1: the resident reports by chat, then adds a photo.
    answer = wx.text(RESIDENT, "全椒路社区12号楼楼道灯坏了半个月，老人晚上上下楼很危险")
    number = re.search(r"\d{8}-\d{4}", answer.content).group(0)
    wx.clock.advance(minutes=3)
    assert number in wx.image(RESIDENT, media_id="media-stairs").content
    dispatch()

    # Step 2: the office classifies and fills the assignment sheet.
    item = Item.get(Item.number == number)
    item = classify(item, office, category="housing", leader=world.staff["leader"].id, unit=world.units["jianshe"].id,
                    tier="limited", roadmap="建设办牵头，物业配合，三个工作日内修复", now=wx.clock.advance(hours=1))
    first_due = item.due
    dispatch()
    # Step 3: the unit claims; step 5: a cadre supervisor urges; step 4: progress and result.
    item = claim(item, unit, now=wx.clock.advance(hours=1))
    supervise(item, supervisor, note="老人出行安全，请加快", urge=True, now=wx.clock.advance(minutes=30))
    item = progress(item, unit, note="已联系电工，明天上午更换", now=wx.clock.advance(hours=2))
    status = wx.text(RESIDENT, f"查询 {number}").content
    assert "状态：办理中" in status and "已联系电工" in status
    item = resolve(item, unit, result="已更换楼道灯", now=wx.clock.advance(days=1))
    dispatch()

    # Step 6: not satisfied → back for reassignment (round 2).
    assert "返回重新交办" in wx.text(RESIDENT, "3 三楼的灯还是不亮").content
    item = Item.get(Item.number == number)
    assert (item.status, item.round) == ("classified", 2)
    dispatch()
    item = claim(item, unit, now=wx.clock.advance(hours=2))
    item = resolve(item, unit, result="已更换整条楼道线路和全部灯具", now=wx.clock.advance(days=1))
    dispatch()
    assert "已办结归档" in wx.text(RESIDENT, "满意").content
    dispatch()
    assert Item.get(Item.number == number).status == "closed"

    # The reply that told the number acknowledged the report: no separate 受理 push.
    progress_tpl, result_tpl = "tpl-item-progress", "tpl-item-result"
    assert notes_to(wechat_api, RESIDENT) == [
        (progress_tpl, f"已交办建设办，{first_due:%m月%d日}前办结"),
        (progress_tpl, "建设办已领办"),
        (progress_tpl, "已联系电工，明天上午更换"),
        (result_tpl, "已办理完毕，请您评价"),
        (progress_tpl, "已返回重新交办，直至您满意"),
        (progress_tpl, "建设办已领办"),
        (result_tpl, "已办理完毕，请您评价"),
        (result_tpl, "已办结：已更换整条楼道线路和全部灯具"),
    ]
    # Officials were told too: the unit of its task, the leader of the urge.
    assert any("待领办" in note for _, note in notes_to(wechat_api, "staff-openid-jianshe"))
    assert any("督办" in note for _, note in notes_to(wechat_api, "staff-openid-leader"))
    assert all(c["json"]["miniprogram"]["pagepath"] == f"pages/item/item?number={number}"
               for c in wechat_api.sends(RESIDENT))
