"""Staff endpoints: offline intake, work lists, the sheet, every action over HTTP."""
import models


def act(client, headers, number, action, **body):
    return client.post(f"/api/v1/staff/items/{number}/{action}", headers=headers, json=body)


def test_offline_intake_then_every_step_over_http(client, world, auth):
    office, unit, leader = auth("office"), auth("jianshe"), auth("leader")
    created = client.post("/api/v1/staff/items", headers=office, json={
        "content": "座谈会上居民反映：20余户屋顶漏水", "channel": "symposium", "reporter_name": "王建华",
        "reporter_phone": "13900001111", "community": "全椒路社区"})
    assert created.status_code == 201
    number = created.get_json()["number"]
    assert created.get_json()["sheet"]["reporter"] == {"name": "王建华", "phone": "13900001111"}
    wrong = client.post("/api/v1/staff/items", headers=office, json={"content": "内容", "channel": "wechat"})
    assert wrong.status_code == 400 and wrong.get_json()["error"]["field"] == "channel"

    units = client.get("/api/v1/staff/units", headers=office).get_json()
    leaders = client.get("/api/v1/staff/users?role=leader", headers=office).get_json()
    jianshe = next(u for u in units if u["name"] == "建设办")
    r = act(client, office, number, "classify", category="housing", leader=leaders[0]["id"], unit=jianshe["id"],
            tier="escalated", roadmap="建设办牵头，施工方返修", wide_concern=True)
    assert r.status_code == 200 and r.get_json()["status"] == "classified"
    assert r.get_json()["sheet"]["unit"]["name"] == "建设办"

    board = client.get("/api/v1/staff/items?status=classified", headers=unit).get_json()
    assert [row["number"] for row in board["items"]] == [number]
    r = act(client, unit, number, "claim")
    assert r.get_json()["status"] == "claimed"
    assert r.get_json()["sheet"]["reporter"] == {"name": "王**", "phone": "139****1111"}
    assert act(client, unit, number, "progress", note="已联系施工方").status_code == 200
    assert act(client, unit, number, "escalate", reason="施工方拒不返修").status_code == 409  # already escalated tier
    assert act(client, unit, number, "resolve", result="修好了").get_json()["error"]["code"] == "consultation_required"
    r = act(client, leader, number, "consult", conclusion="由街道出资先行修缮，再向施工方追偿", due="2026-12-31")
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["due"] == "2026-12-31"
    assert act(client, auth("supervisor"), number, "supervise", note="督办：注意雨季前完成", urge=True).status_code == 200
    assert act(client, auth("liu"), number, "supervise", note="群众督办员现场查看").status_code == 200
    assert act(client, auth("zhang"), number, "supervise", note="我也想督办").status_code == 403
    assert act(client, unit, number, "resolve", result="屋顶防水全部返修").get_json()["status"] == "resolved"
    assert act(client, office, number, "evaluate", kind="org", score="satisfied").status_code == 200
    assert act(client, auth("supervisor"), number, "evaluate", kind="supervisor", score="satisfied").status_code == 200
    r = act(client, office, number, "meeting", kind="evaluation", held_at="2026-11-20T15:00:00",
            attendees=["居民代表12人", "督办员"], minutes="居民代表现场验收", satisfaction=0.92)
    assert r.status_code == 200 and r.get_json()["status"] == "closed"
    sheet = client.get(f"/api/v1/staff/items/{number}", headers=office).get_json()["sheet"]
    assert [m["kind"] for m in sheet["meetings"]] == ["consultation", "evaluation"]
    assert len(sheet["supervision"]) == 2 and len(sheet["evaluations"]) == 2
    assert sheet["ratings"][0]["source"] == "meeting"


def test_work_lists_filter_and_page(client, world, auth, flow):
    overdue_item = flow.classified()
    models.Item.update(due="2026-11-01").where(models.Item.id == overdue_item.id).execute()
    for _ in range(3):
        flow.collected()
    office = auth("office")
    everything = client.get("/api/v1/staff/items?per_page=2", headers=office).get_json()
    assert everything["total"] == 4 and len(everything["items"]) == 2
    overdue = client.get("/api/v1/staff/items?overdue=1", headers=office).get_json()
    assert [row["number"] for row in overdue["items"]] == [overdue_item.number]
    assert client.get(f"/api/v1/staff/items?q={overdue_item.number}", headers=office).get_json()["total"] == 1
    assert client.get("/api/v1/staff/items?category=housing", headers=office).get_json()["total"] == 1
    unit_view = client.get("/api/v1/staff/items", headers=auth("shirong")).get_json()
    assert unit_view["total"] == 1  # the claim board only
    assert client.get("/api/v1/staff/items?status=bogus", headers=office).status_code == 400


def test_stats_give_rates_by_unit(client, world, auth, flow):
    flow.closed()
    flow.classified()
    stats = client.get("/api/v1/staff/stats?from=2026-11-01&to=2026-11-30", headers=auth("leader")).get_json()
    unit = next(row for row in stats["by_unit"] if row["name"] == "建设办")
    assert unit["total"] == 2 and unit["resolved"] == 1 and unit["satisfaction_rate"] == 1.0
    assert unit["response_rate"] == 0.5 and unit["on_time_rate"] == 1.0
    assert client.get("/api/v1/staff/stats?from=2026-12-01&to=2026-11-01", headers=auth("leader")).status_code == 400


def test_a_page_of_the_board_costs_a_fixed_number_of_queries(client, world, flow, sql_log):
    for _ in range(7):  # more after both pages: each is counted (a last page is not)
        flow.closed()
    sql_log.clear()
    small = client.get("/api/v1/board?per_page=2")
    small_count = len(sql_log)
    sql_log.clear()
    large = client.get("/api/v1/board?per_page=6")
    assert len(small.get_json()["items"]) == 2 and len(large.get_json()["items"]) == 6
    assert len(sql_log) == small_count


def test_a_work_list_says_whether_its_total_is_exact_and_whether_more_follows(client, world, auth, flow, monkeypatch):
    from pipeline.views import lists

    for _ in range(3):
        flow.collected()
    office = auth("office")
    first = client.get("/api/v1/staff/items?per_page=2", headers=office).get_json()
    assert (first["total"], first["total_exact"], first["has_more"]) == (3, True, True)
    last = client.get("/api/v1/staff/items?per_page=2&page=2", headers=office).get_json()
    assert (len(last["items"]), last["has_more"]) == (1, False)
    monkeypatch.setattr(lists, "COUNT_EXACT_UP_TO", 2)  # beyond it: an estimate on PostgreSQL, a count on SQLite
    capped = client.get("/api/v1/staff/items?per_page=2", headers=office).get_json()
    assert capped["has_more"] is True and [r["number"] for r in capped["items"]] == [r["number"] for r in first["items"]]
    if models.base.is_postgres():
        assert capped["total_exact"] is False and capped["total"] >= 3
    else:
        assert (capped["total"], capped["total_exact"]) == (3, True)


def test_the_work_list_pages_by_cursor_over_http(client, world, auth, flow):
    for _ in range(5):
        flow.collected()
    office = auth("office")
    by_page = [client.get(f"/api/v1/staff/items?per_page=2&page={n}", headers=office).get_json() for n in (1, 2, 3)]
    assert [p["has_more"] for p in by_page] == [True, True, False] and by_page[2]["next"] is None
    after = client.get(f"/api/v1/staff/items?per_page=2&after={by_page[0]['next']}", headers=office).get_json()
    assert after["items"] == by_page[1]["items"] and after["next"] == by_page[1]["next"] and "total" not in after
    refused = client.get("/api/v1/staff/items?after=%E5%9D%8F", headers=office)
    assert refused.status_code == 400 and refused.get_json()["error"]["field"] == "after"


def test_the_work_lists_first_page_is_read_in_index_order(app, world):
    query = models.Item.select().order_by(models.Item.due.is_null(), models.Item.due, models.Item.created_at.desc(),
                                           models.Item.id.desc()).limit(20)
    sql, params = query.sql()
    if models.base.is_postgres():
        models.db.execute_sql("SET enable_seqscan = off")  # an empty table: make the planner show it can
        plan = " ".join(row[0] for row in models.db.execute_sql("EXPLAIN " + sql, params).fetchall())
        models.db.execute_sql("RESET enable_seqscan")
    else:
        plan = " ".join(str(row[-1]) for row in models.db.execute_sql("EXPLAIN QUERY PLAN " + sql, params).fetchall())
    assert models.items.WORK_ORDER_INDEX in plan and "TEMP B-TREE" not in plan.upper() and "Sort" not in plan


def test_every_answer_of_a_write_is_the_view_a_read_gives(client, world, auth, flow):
    """The views read with hand-written SQL (PreparedSelect) match the item as read back,
    sheet, timeline, ratings and all, at every step of a full loop."""
    office, unit = auth("office"), auth("jianshe")
    created = client.post("/api/v1/staff/items", headers=office, json={
        "content": "居民反映：路灯坏了", "channel": "phone", "reporter_name": "王建华", "community": "全椒路社区"})
    number = created.get_json()["number"]
    assert created.get_json() == client.get(f"/api/v1/staff/items/{number}", headers=office).get_json()
    item = flow.classified()
    claimed = client.post(f"/api/v1/staff/items/{item.number}/claim", headers=unit, json={})
    assert claimed.status_code == 200
    assert claimed.get_json() == client.get(f"/api/v1/staff/items/{item.number}", headers=unit).get_json()
    assert claimed.get_json()["sheet"]["claims"] and len(claimed.get_json()["timeline"]) >= 3
    closed = flow.closed()
    seen = client.get(f"/api/v1/staff/items/{closed.number}", headers=office).get_json()
    assert seen["rating"] is not None and seen["sheet"]["ratings"][-1]["score"] == seen["rating"]["score"]
