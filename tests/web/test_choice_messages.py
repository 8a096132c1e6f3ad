"""A wrong choice is answered in Chinese: the message names the valid values by
their labels and never shows the codes the API takes."""
import re

import pytest

CODES = re.compile(r"[A-Za-z_]{3,}")


def error_of(response):
    assert response.status_code == 400, response.get_json()
    return response.get_json()["error"]


def test_an_offline_channel_outside_the_list_names_the_chinese_channels(client, world, auth):
    error = error_of(client.post("/api/v1/staff/items", headers=auth("office"),
                                 json={"content": "意见箱里的纸条", "channel": "wechat"}))
    assert error["field"] == "channel"
    assert "个别访谈" in error["message"] and "群众意见箱" in error["message"]
    assert not CODES.search(error["message"]), error["message"]


@pytest.mark.parametrize("action, body, field, labels", [
    ("evaluate", {"kind": "boss", "score": "satisfied"}, "kind", ["组织评议", "督办评议"]),
    ("evaluate", {"kind": "org", "score": "great"}, "score", ["满意", "基本满意", "不满意"]),
    ("meeting", {"kind": "party", "held_at": "2026-11-20T15:00:00", "attendees": ["居民"], "minutes": "纪要"},
     "kind", ["情况说明会", "群众评议会"]),
    ("claim", {"role": "boss"}, "role", ["领办", "协办"]),
    ("resolve", {"result": "修好了", "outcome": "done"}, "outcome", ["已解决", "已说明"]),
])
def test_an_action_with_a_wrong_choice_names_the_valid_labels(client, world, auth, flow, action, body, field, labels):
    item = flow.resolved() if action == "evaluate" else flow.claimed() if action in ("meeting", "resolve") \
        else flow.classified()
    error = error_of(client.post(f"/api/v1/staff/items/{item.number}/{action}", headers=auth("office"), json=body))
    assert error["field"] == field
    assert all(label in error["message"] for label in labels), error["message"]
    assert not CODES.search(error["message"]), error["message"]


def test_classify_with_a_wrong_tier_names_the_four_tiers(client, world, auth, flow):
    item = flow.collected()
    error = error_of(client.post(f"/api/v1/staff/items/{item.number}/classify", headers=auth("office"), json={
        "category": "housing", "leader": world.staff["leader"].id, "unit": world.units["jianshe"].id,
        "tier": "soon", "roadmap": "修缮"}))
    assert error["field"] == "tier" and "现场答复、立时办结" in error["message"] and "上报会诊" in error["message"]
    assert not CODES.search(error["message"])


def test_a_badge_of_an_unknown_kind_names_both_kinds(client, world, auth):
    error = error_of(client.post("/api/v1/staff/badges", headers=auth("office"), json={
        "name": "刘师傅", "kind": "vip", "valid_until": "2027-06-30"}))
    assert error["field"] == "kind" and "群众督办员" in error["message"] and "督办小组" in error["message"]
    assert not CODES.search(error["message"])
