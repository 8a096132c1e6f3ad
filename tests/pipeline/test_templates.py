"""Our notice fields → each template's keys, with WeChat's value rules (pipeline/messages/templates.py)."""
import pytest

from pipeline.messages import notify, templates
from pipeline.messages.templates import TemplateSettingError, parse_keys, value_for


def test_a_mapping_names_our_fields_and_the_template_keys():
    assert parse_keys("number:character_string3, title:thing1,time:time2") == {
        "number": "character_string3", "title": "thing1", "time": "time2"}
    assert parse_keys({"note": "keyword2", "time": "keyword3"}) == {"note": "keyword2", "time": "keyword3"}


@pytest.mark.parametrize("text, says", [
    ("title=thing2", "应写成 字段:模板关键词"),
    ("subject:thing2", "未知的字段 'subject'"),
    ("title:thingy2", "未知的模板字段 'thingy2'"),
    ("title:time2", "time 字段只能对应 time/date"),
    ("time:thing4", "time 字段只能对应 time/date"),
    ("title:thing2,note:thing2", "同一个模板关键词"),
    ("", "至少要对应一个字段"),
])
def test_a_malformed_mapping_says_what_is_wrong(text, says):
    with pytest.raises(TemplateSettingError, match=says):
        parse_keys(text)


def test_values_follow_wechats_rule_for_each_key_type():
    assert value_for("thing7", "小区东门路灯坏了三天晚上很黑老人出门不方便请尽快修") == "小区东门路灯坏了三天晚上很黑老人出门不…"
    assert len(value_for("thing7", "x" * 40)) == 20
    assert value_for("phrase3", "待领办 (new)") == "待领办"
    assert value_for("phrase3", "待领办理中啊啊") == "待领办理中"
    assert value_for("character_string1", "第12期") == "12"
    assert value_for("character_string1", "20261123-0001") == "20261123-0001"
    assert value_for("time4", "2026-11-23 09:05") == "2026年11月23日 09:05"
    assert value_for("date2", "2026-11-23 09:05") == "2026年11月23日"
    assert value_for("number3", "共 12 件") == "12"
    assert len(value_for("name2", "欧阳" * 8)) == 10
    assert value_for("thing5", None) == "无" and value_for("phrase1", "") == "无"
    assert value_for("keyword1", "任意长度" * 10) == "任意长度" * 10  # old-style keys have no type


def test_a_row_gets_the_keys_of_its_templates_mapping(app, world, flow):
    app.config.update(TEMPLATE_ITEM_PROGRESS="real-progress",
                      TEMPLATE_ITEM_PROGRESS_KEYS="number:character_string3,title:thing1,time:time2")
    item = flow.classified(reporter="zhang")
    row = notify.Outbox.get((notify.Outbox.item == item) & (notify.Outbox.resident == world.residents["zhang"]))
    assert row.template_id == "real-progress"
    assert row.data == {"character_string3": {"value": item.number}, "thing1": {"value": "小区3号楼楼道灯坏了一个多月，晚上看不见"},
                        "time2": {"value": "2026年11月23日 10:00"}}


def test_mismatches_found_against_wechats_template():
    mapping = {"number": "character_string1", "title": "thing2"}
    assert templates.compare("SUBSCRIBE_ITEM_RESULT", "t1", mapping, ["character_string1", "thing2"]) == []
    assert templates.compare("SUBSCRIBE_ITEM_RESULT", "t1", mapping, ["first", "character_string1", "thing2",
                                                                        "remark"]) == []
    assert templates.compare("SUBSCRIBE_ITEM_RESULT", "t1", mapping, ["character_string1", "thing3", "time4"]) == [
        "SUBSCRIBE_ITEM_RESULT_KEYS：模板 t1 没有关键词 thing2",
        "SUBSCRIBE_ITEM_RESULT_KEYS：模板 t1 的关键词 thing3, time4 没有对应字段"]
    assert templates.compare("SUBSCRIBE_ITEM_RESULT", "t1", mapping, None) == [
        "SUBSCRIBE_ITEM_RESULT：模板 t1 不在微信后台的模板列表中"]
    assert templates.keys_in("事项：{{thing1.DATA}}\n时间：{{ time2.DATA }}") == ["thing1", "time2"]
