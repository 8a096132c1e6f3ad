"""The resident and public endpoints of /api/v1, as the mini-program calls them."""
import models


def test_wxlogin_goes_through_code2session_and_never_leaks_the_session_key(client, wechat_api):
    response = client.post("/api/v1/auth/wxlogin", json={"code": "abc123"})
    assert response.status_code == 200
    body = response.get_json()
    assert body["user"]["kind"] == "resident" and body["token"]
    assert "session_key" not in response.get_data(as_text=True)
    assert any("jscode2session" in call["path"] for call in wechat_api.calls)
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.status_code == 200 and me.get_json()["user"]["id"] == body["user"]["id"]
    bad = client.post("/api/v1/auth/wxlogin", json={"code": "bad-code"})
    assert bad.status_code in (400, 401, 502) and bad.get_json()["error"]["message"]


def test_staff_login_logout_and_expired_tokens(client, world, now):
    bad = client.post("/api/v1/auth/staff", json={"username": "office", "password": "wrong-password"})
    assert bad.status_code == 401 and bad.get_json()["error"]["code"] == "bad_credentials"
    ok = client.post("/api/v1/auth/staff", json={"username": "office", "password": "test-password"})
    token = ok.get_json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/staff/items", headers=headers).status_code == 200
    assert client.post("/api/v1/auth/logout", headers=headers).status_code == 200
    revoked = client.get("/api/v1/staff/items", headers=headers)
    assert revoked.status_code == 401
    from datetime import timedelta

    from pipeline.accounts.people import issue_token

    old, _ = issue_token(now=models.local_now() - timedelta(days=2), staff=world.staff["office"],
                         lifetime=timedelta(hours=1))
    expired = client.get("/api/v1/staff/items", headers={"Authorization": f"Bearer {old}"})
    assert expired.status_code == 401 and expired.get_json()["error"]["code"] == "token_expired"


def test_report_list_follow_and_rate(client, world, auth, flow):
    zhang = auth("zhang")
    response = client.post("/api/v1/items", headers=zhang, json={
        "content": "小区东门路灯不亮已经一周", "community": "全椒路社区", "address": "东门", "lat": 31.86,
        "lng": 117.28, "category": "property"})
    assert response.status_code == 201
    item = response.get_json()
    assert item["status"] == "collected" and item["status_label"] == "已收集"
    assert item["timeline"][0]["label"] == "意见收集" and item["timeline"][0]["actor"] == "群众"
    number = item["number"]

    mine = client.get("/api/v1/items/mine", headers=zhang).get_json()
    assert mine["total"] == 1 and mine["items"][0]["number"] == number
    assert client.get("/api/v1/items/mine", headers=auth("li")).get_json()["total"] == 0

    li = auth("li")
    # Unclassified, it is the reporter's and the office's only.
    assert client.post(f"/api/v1/items/{number}/follow", headers=li).status_code == 404
    stored = models.Item.get(models.Item.number == number)
    from pipeline.steps import handling, intake

    intake.classify(stored, flow.a("office"), category="property", leader=world.staff["leader"].id,
                    unit=world.units["jianshe"].id, tier="on_spot", roadmap="当日修复")
    assert client.post(f"/api/v1/items/{number}/follow", headers=li).get_json() == {"following": True}
    assert client.get(f"/api/v1/items/{number}", headers=li).get_json()["following"] is True
    assert client.delete(f"/api/v1/items/{number}/follow", headers=li).get_json() == {"following": False}
    handling.claim(stored, flow.a("jianshe"))
    handling.resolve(stored, flow.a("jianshe"), result="已更换灯泡")

    view = client.get(f"/api/v1/items/{number}", headers=zhang).get_json()
    assert view["can_rate"] is True
    assert client.get(f"/api/v1/items/{number}", headers=li).get_json()["can_rate"] is False
    assert client.post(f"/api/v1/items/{number}/rating", headers=li,
                       json={"score": "satisfied"}).status_code == 403
    need_reason = client.post(f"/api/v1/items/{number}/rating", headers=zhang, json={"score": "unsatisfied"})
    assert need_reason.status_code == 400 and need_reason.get_json()["error"]["field"] == "comment"
    rated = client.post(f"/api/v1/items/{number}/rating", headers=zhang, json={"score": "satisfied", "comment": "好"})
    assert rated.status_code == 200 and rated.get_json()["status"] == "closed"
    again = client.post(f"/api/v1/items/{number}/rating", headers=zhang, json={"score": "satisfied"})
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "wrong_state"

    board = client.get("/api/v1/board").get_json()
    assert [row["number"] for row in board["items"]] == [number]
    assert client.get("/api/v1/board?category=livelihood").get_json()["total"] == 1
    assert client.get("/api/v1/board?category=housing").get_json()["total"] == 0
    assert client.get("/api/v1/board?community=安居苑社区").get_json()["total"] == 0


def test_public_view_masks_personal_data(client, world, flow):
    item = flow.classified(content="我家电话13812345678，楼下噪音扰民")
    view = client.get(f"/api/v1/items/{item.number}").get_json()
    assert "13812345678" not in str(view) and "138****5678" in view["content"]
    assert "reporter" not in view


def test_work_style_items_stay_off_the_public_view_and_board(client, world, flow, auth):
    from pipeline.steps import handling, intake, judging

    item = flow.collected(content="社区干部办事推诿，多次找不到人")
    item = intake.classify(item, flow.a("office"), category="cadre_conduct", leader=world.staff["leader"].id,
                           unit=world.units["community"].id, tier="limited", roadmap="党政办核查")
    assert client.get(f"/api/v1/items/{item.number}").status_code == 404
    assert client.get(f"/api/v1/items/{item.number}", headers=auth("li")).status_code == 404
    assert client.get(f"/api/v1/items/{item.number}", headers=auth("zhang")).status_code == 200
    office = auth("office")
    community_handler = models.StaffUser.create(username="shequ", name="孙丽", role="unit",
                                                unit=world.units["community"], password_hash="x")
    handling.claim(item, world.actor("office"), unit=world.units["community"].id)
    from pipeline.rules.actors import actor_for_staff
    from pipeline.views.sheet import staff_view

    assert staff_view(item, actor_for_staff(community_handler))["sheet"]["reporter"] is None
    sheet = client.get(f"/api/v1/staff/items/{item.number}", headers=office).get_json()["sheet"]
    assert sheet["reporter"]["name"]
    handling.resolve(item, world.actor("office"), result="已约谈相关干部")
    judging.rate(item, flow.a("zhang"), "satisfied")
    assert client.get("/api/v1/board").get_json()["total"] == 0


def test_categories_templates_and_scenes(client, flow):
    tree = client.get("/api/v1/categories").get_json()
    assert [top["name"] for top in tree] == ["经济", "民生", "作风"]
    names = {child["name"] for top in tree for child in top["children"]}
    assert {"物业管理", "社会治安", "文明创建", "社保就业", "文化体育"} <= names and len(names) == 12
    templates = client.get("/api/v1/subscriptions/templates").get_json()
    assert isinstance(templates, list) and all({"id", "title"} <= set(t) for t in templates)
    item = flow.classified()
    assert client.get(f"/api/v1/scenes/i={item.number}").get_json() == {"type": "item", "number": item.number}
    # An item not yet public (maybe a 作风 complaint): its code resolves for nobody who may not see it.
    private = flow.collected()
    assert client.get(f"/api/v1/scenes/i={private.number}").status_code == 404
    assert client.get("/api/v1/scenes/x=1").status_code == 404


def test_subscription_consents_are_counted(client, auth, world):
    templates = [t["id"] for t in client.get("/api/v1/subscriptions/templates").get_json()]
    mp = auth("mp")
    response = client.post("/api/v1/me/subscriptions", headers=mp, json={"accepted": templates[:1] * 1})
    assert response.get_json()["granted"] == {templates[0]: 1}
    client.post("/api/v1/me/subscriptions", headers=mp, json={"accepted": templates})
    grants = {g.template_id: g.remaining for g in models.SubscriptionGrant.select()}
    assert grants == {templates[0]: 2, templates[1]: 1}
    bad = client.post("/api/v1/me/subscriptions", headers=mp, json={"accepted": ["not-ours"]})
    assert bad.status_code == 400


def test_too_many_login_attempts_get_429(config, world):
    from app import create_app

    app = create_app({**config, "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://"})
    client = app.test_client()
    statuses = [client.post("/api/v1/auth/staff", json={"username": f"user-{i}", "password": "guess"}).status_code
                for i in range(21)]
    assert statuses[:20] == [401] * 20
    assert statuses[20] == 429
    body = client.post("/api/v1/auth/staff", json={"username": "office", "password": "x"}).get_json()
    assert body["error"]["code"] == "rate_limited" and body["error"]["message"] == "操作过于频繁，请稍后再试"


def test_wxlogin_with_wechat_too_slow_is_a_clear_error_soon(app, client, wechat_api):
    app.config["WECHAT_WEB_TIMEOUT"] = 0.2
    wechat_api.slow_seconds = 2.0
    wechat_api.fail_next("jscode2session", "timeout")
    answer = client.post("/api/v1/auth/wxlogin", json={"code": "abc123"})
    assert answer.status_code == 502
    assert answer.get_json()["error"]["code"] == "wechat_unreachable"
    assert answer.get_json()["error"]["message"] == "微信服务暂时不可用，请稍后再试"
    assert models.Resident.select().count() == 0
