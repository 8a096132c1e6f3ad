"""Template key mappings against the fake WeChat, which refuses (47003) data that
doesn't fit a template it knows: sends, the start-up comparison, the digest."""
import logging

from jobs.sending import check_templates, dispatch_outbox
from pipeline.messages import templates
from pipeline.steps import chasing

from jobs_support import outbox

REAL_KEYS = ["character_string3", "thing1", "time2", "phrase5"]


def real_progress_template(app, wechat_api, keys_setting):
    wechat_api.define_template("real-progress", REAL_KEYS, kind="template", title="办理进度通知")
    app.config.update(TEMPLATE_ITEM_PROGRESS="real-progress", TEMPLATE_ITEM_PROGRESS_KEYS=keys_setting)


def resident_rows():
    return [row for row in outbox() if row.resident_id]


def test_a_mapping_that_fits_the_template_is_delivered(app, world, loop, wechat_api, now):
    real_progress_template(app, wechat_api, "number:character_string3,title:thing1,time:time2,state:phrase5")
    loop.classified(now)
    dispatch_outbox(now)
    row, = resident_rows()
    assert row.status == "sent"
    sent = [c["json"] for c in wechat_api.sends("oa-openid-zhang")]
    assert sent[0]["template_id"] == "real-progress" and set(sent[0]["data"]) == set(REAL_KEYS)
    assert sent[0]["data"]["phrase5"]["value"] == "待领办"


def test_wrong_keys_are_refused_logged_and_put_in_the_digest(app, world, loop, wechat_api, now, caplog):
    real_progress_template(app, wechat_api, None)  # the demo's keys: not this template's
    loop.classified(now)
    with caplog.at_level(logging.ERROR, logger="sixstep.jobs"):
        dispatch_outbox(now)
    row, = resident_rows()
    assert row.status == "undeliverable" and row.last_error.startswith("47003")
    assert "TEMPLATE_ITEM_PROGRESS_KEYS" in caplog.text and "real-progress" in caplog.text
    assert templates.office_report(now) == ["模板 real-progress：微信拒收1条消息（47003，关键词或取值不符）"]
    data = chasing.overdue_digest(now)
    assert data["template_problems"] == templates.office_report(now)
    digests = outbox(kind="digest")  # to the leader and the office, though nothing is overdue
    assert len(digests) == 2 and all(d.data["thing5"]["value"].startswith("1处消息模板设置有误") for d in digests)


def test_the_start_up_check_compares_every_setting_with_wechats_templates(app, world, wechat_api, now, caplog):
    assert check_templates(now) == {"problems": 0}  # the demo's templates and keys
    assert templates.office_report(now) == []

    real_progress_template(app, wechat_api, "number:character_string3,title:thing1,time:time2")
    app.config["SUBSCRIBE_ITEM_RESULT"] = "sub-not-in-the-account"
    with caplog.at_level(logging.ERROR, logger="sixstep.jobs"):
        assert check_templates(now) == {"problems": 2}
    expected = ["TEMPLATE_ITEM_PROGRESS_KEYS：模板 real-progress 的关键词 phrase5 没有对应字段",
                "SUBSCRIBE_ITEM_RESULT：模板 sub-not-in-the-account 不在微信后台的模板列表中"]
    assert templates.office_report(now) == expected
    assert all(problem in caplog.text for problem in expected)
    assert chasing.overdue_digest(now)["template_problems"] == expected

    app.config.update(TEMPLATE_ITEM_PROGRESS_KEYS="number:character_string3,title:thing1,time:time2,state:phrase5",
                      SUBSCRIBE_ITEM_RESULT="sub-item-result")
    assert check_templates(now) == {"problems": 0}
    assert templates.office_report(now) == []


def test_an_unreadable_template_list_is_not_reported_as_a_mismatch(app, world, wechat_api, now):
    wechat_api.fail_next("get_all_private_template", 48001)
    assert check_templates(now) == {"problems": 0}
    assert wechat_api.calls_to("wxaapi/newtmpl/gettemplate")  # the other accounts were still checked
