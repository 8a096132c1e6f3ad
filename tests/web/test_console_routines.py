"""The office's routines in the console: the weekly bulletin (review the job's
draft, edit, publish, archive, print), disciplinary entries with the year's
running total, cadres' visits and the monthly check with its random sample."""
from datetime import date, datetime

from console_support import csrf_of, sign_in

import models
from pipeline.routines import bulletins, visits


def _post(client, url, data, page="/profile"):
    token = csrf_of(client.get(page).get_data(as_text=True))
    return client.post(url, data={**data, "csrf_token": token})


def test_the_office_reviews_edits_and_publishes_the_draft(app, client, world, now):
    draft = bulletins.draft_weekly(now)
    app.config["OFFICE_NAME"] = "全椒路街道党政办公室"
    try:
        sign_in(client, "office")
        listing = client.get("/bulletins").get_data(as_text=True)
        assert "第1期" in listing and "草稿" in listing
        page = client.get(f"/bulletins/{draft.id}").get_data(as_text=True)
        assert "作风效能建设周通报" in page and "全椒路街道党政办公室" in page and "审核修改" in page
        assert page.count("第1期") >= 2 and "一、超期未办结事项" in page
        body = draft.body + "\n六、其他\n  请各单位对照检查。"
        saved = _post(client, f"/bulletins/{draft.id}/edit", {"issue": "19", "title": "作风效能建设周通报（第19期）",
                                                              "body": body})
        assert saved.status_code == 303
        row = models.Bulletin.get_by_id(draft.id)
        assert row.issue == 19 and row.body.endswith("请各单位对照检查。") and row.status == "draft"
        refused = _post(client, f"/bulletins/{draft.id}/edit", {"issue": "十九", "title": "x", "body": "y"})
        assert refused.status_code == 400 and "应为整数" in refused.get_data(as_text=True)
        assert models.Bulletin.get_by_id(draft.id).title == "作风效能建设周通报（第19期）"  # nothing changed
        published = _post(client, f"/bulletins/{draft.id}/publish", {})
        assert published.status_code == 303
        assert models.Bulletin.get_by_id(draft.id).status == "published"
        page = client.get(f"/bulletins/{draft.id}").get_data(as_text=True)
        assert "第19期" in page and "已发布" in page and "审核修改" not in page and "六、其他" in page
        late = _post(client, f"/bulletins/{draft.id}/edit", {"title": "改"})
        assert late.status_code == 409 and "已发布" in late.get_data(as_text=True)
    finally:
        app.config.pop("OFFICE_NAME")


def test_leaders_read_only_published_issues(client, world, now):
    draft = bulletins.draft_weekly(now)
    sign_in(client, "leader")
    assert "第1期" not in client.get("/bulletins").get_data(as_text=True)
    assert client.get(f"/bulletins/{draft.id}").status_code == 404  # a draft is the office's
    bulletins.publish(draft, world.actor("office"), now=now)
    page = client.get(f"/bulletins/{draft.id}").get_data(as_text=True)
    assert "第1期" in page and "审核修改" not in page
    assert _post(client, f"/bulletins/{draft.id}/publish", {}).status_code == 403


def test_discipline_entries_and_the_years_running_total(app, client, world, now):
    party = world.actor("party")
    bulletins.record_discipline(party, kind="criticism", person="钱某", reason="上班时间脱岗", on_date="2025-12-30",
                                now=now)
    sign_in(client, "dangzheng")
    answer = _post(client, "/discipline", {"kind": "admonition", "person": "孙某", "reason": "群众反映问题推诿",
                                           "date": "2026-11-20", "unit": str(world.units["jianshe"].id)})
    assert answer.status_code == 303
    _post(client, "/discipline", {"kind": "notice", "person": "周某", "reason": "超期未办结", "date": "2026-11-21"})
    page = client.get("/discipline?year=2026").get_data(as_text=True)
    assert "孙某" in page and "建设办" in page and "钱某" not in page
    totals = bulletins.year_totals(2026)
    assert totals["total"] == 2 and {k["label"]: k["count"] for k in totals["kinds"]} == \
        {"通报": 1, "批评": 0, "诫勉谈话": 1, "处罚": 0}
    assert '<b class="total">2</b>' in page
    assert '<b class="total">1</b>' in client.get("/discipline?year=2025").get_data(as_text=True)
    bad = _post(client, "/discipline", {"kind": "warning", "person": "吴某", "reason": "x"})
    assert bad.status_code == 400 and "处理方式" in bad.get_data(as_text=True)
    assert models.DisciplinaryEntry.select().count() == 3
    client = app.test_client()
    sign_in(client, "leader")
    page = client.get("/discipline?year=2026").get_data(as_text=True)
    assert "孙某" in page and 'name="person"' not in page  # leaders read, don't record
    client = app.test_client()
    sign_in(client, "jianshe")
    assert client.get("/discipline").status_code == 403


def test_a_cadre_records_visits_and_sees_the_month(client, world):
    sign_in(client, "jianshe")
    one = _post(client, "/visits", {"date": "2026-10-12", "days": "1", "community": "全椒路社区",
                                    "content": "走访3号楼居民，了解停车难问题", "people": "3号楼居民"})
    assert one.status_code == 303
    _post(client, "/visits", {"date": "2026-10-20", "days": "0.5", "community": "安居苑社区", "content": "社区座谈"})
    page = client.get("/visits?month=2026-10").get_data(as_text=True)
    assert "走访3号楼居民" in page and "社区座谈" in page
    assert "已下社区 <b class=\"short\">1</b> 整天" in page and "还差1天" in page  # a half day is not a whole day
    future = _post(client, "/visits", {"date": "2099-01-01", "days": "1", "community": "全椒路社区", "content": "x"})
    assert future.status_code == 400 and models.Visit.select().count() == 2
    assert client.get("/visit-checks").status_code == 403  # the organisation's page


def test_the_office_records_for_a_cadre_and_the_monthly_check_shows_compliance_and_sample(app, client, world):
    sign_in(client, "office")
    for day, who in (("2026-10-12", "leader"), ("2026-10-13", "leader"), ("2026-10-14", "jianshe")):
        answer = _post(client, "/visits", {"date": day, "days": "1", "community": "全椒路社区", "content": f"{day}走访",
                                           "staff": str(world.staff[who].id)})
        assert answer.status_code == 303
    assert {v.staff_id for v in models.Visit.select()} == {world.staff["leader"].id, world.staff["jianshe"].id}
    live = client.get("/visit-checks?month=2026-10").get_data(as_text=True)
    assert "尚未核查" in live and "陈建国" in live and "达标" in live
    check = visits.monthly_check(datetime(2026, 11, 2, 9, 30), seed="fixed-seed")
    assert check is not None
    client = app.test_client()
    sign_in(client, "dangzheng")
    page = client.get("/visit-checks?month=2026-10").get_data(as_text=True)
    assert "已于" in page and "fixed-seed" in page and "2026-10-12走访" in page
    leader_row = next(r for r in check.results if r["name"] == "陈建国")
    assert leader_row["met"] and "未达标" in page  # 王强 had one day
    leader_id, jianshe_id = world.staff["leader"].id, world.staff["jianshe"].id
    assert page.count('class="stack finding"') == 2  # one form per sampled cadre
    vague = _post(client, "/visit-checks/2026-10/findings", {"staff": str(jianshe_id), "result": "not_confirmed"})
    assert vague.status_code == 400 and "请写明情况" in vague.get_data(as_text=True)
    found = _post(client, "/visit-checks/2026-10/findings", {"staff": str(jianshe_id), "result": "not_confirmed",
                                                             "note": "社区称当日未见到该同志"})
    assert found.status_code == 303
    page = client.get("/visit-checks?month=2026-10").get_data(as_text=True)
    assert "社区称当日未见到该同志" in page and "不属实" in page and page.count('class="stack finding"') == 1
    again = _post(client, "/visit-checks/2026-10/findings", {"staff": str(jianshe_id), "result": "confirmed"})
    assert again.status_code == 409 and models.VisitFinding.select().count() == 1
    leader = app.test_client()
    sign_in(leader, "leader")
    read = leader.get("/visit-checks?month=2026-10").get_data(as_text=True)
    assert "社区称当日未见到该同志" in read and 'class="stack finding"' not in read  # leaders read the findings
    assert leader_id in {v.staff_id for v in models.Visit.select()}
    closed = _post(client, "/visits", {"date": "2026-10-30", "days": "1", "community": "全椒路社区", "content": "补登"})
    assert closed.status_code == 409 and "已核查" in closed.get_data(as_text=True)
    assert client.get("/visit-checks?month=2026-13").status_code == 400
    assert date(2026, 10, 1) <= models.Visit.select().first().visit_date


def test_the_organisation_opens_a_cadres_month_and_others_only_their_own(app, client, world, now):
    office = world.actor("office")
    visits.record_visit(office, community="全椒路社区", visit_date="2026-10-09", days=1, content="听取老旧小区改造意见",
                        staff=world.staff["leader"].id, now=now)
    sign_in(client, "dangzheng")
    check = client.get("/visit-checks?month=2026-10").get_data(as_text=True)
    assert f'href="/visits?month=2026-10&amp;staff={world.staff["leader"].id}"' in check
    page = client.get(f"/visits?month=2026-10&staff={world.staff['leader'].id}").get_data(as_text=True)
    assert "陈建国的走访" in page and "听取老旧小区改造意见" in page
    assert client.get("/visits?staff=99999").status_code == 404
    unit = app.test_client()
    sign_in(unit, "jianshe")
    own = unit.get(f"/visits?month=2026-10&staff={world.staff['leader'].id}").get_data(as_text=True)
    assert "我的走访" in own and "听取老旧小区改造意见" not in own  # a cadre reads only their own


def test_the_opinions_heard_on_a_visit_become_items(client, world):
    sign_in(client, "jianshe")
    answer = _post(client, "/visits", {"date": "2026-10-12", "days": "1", "community": "全椒路社区", "content": "走访8号楼",
                                       "opinions": "楼道灯坏了，晚上很黑\n\n垃圾桶满了没人清"})
    assert answer.status_code == 303
    items = list(models.Item.select().where(models.Item.channel == "visit").order_by(models.Item.id))
    assert [item.content for item in items] == ["楼道灯坏了，晚上很黑", "垃圾桶满了没人清"]  # commas stay in an opinion
    assert all(item.community == "全椒路社区" for item in items) and models.Visit.select().count() == 1
