"""Every item knows its community (社区): the office keeps the list, a resident sets
theirs once, a report takes it (or the nearest to a sent place), the office sets or
corrects it at classify — and 公示 pushes and area supervisors then reach the item."""
from models import Item

# Centre points the world fixture gives the two communities.
NEAR_QUANJIAO = (32.2960, 118.3125)
NEAR_ANJUYUAN = (32.3095, 118.3310)
FAR_AWAY = (31.2304, 121.4737)  # another city


def names(client, path="/api/v1/communities", headers=None):
    return [c["name"] for c in client.get(path, headers=headers).get_json()]


def test_the_office_keeps_the_list_of_communities(client, world, auth):
    assert names(client) == ["全椒路社区", "安居苑社区"]
    office = auth("office")
    made = client.post("/api/v1/staff/communities", headers=office, json={"name": "幸福里社区", "lat": 32.3, "lng": 118.3})
    assert made.status_code == 201 and made.get_json()["lat"] == 32.3
    assert names(client)[-1] == "幸福里社区"
    assert client.post("/api/v1/staff/communities", headers=auth("jianshe"),
                       json={"name": "别的社区"}).status_code == 403
    twice = client.post("/api/v1/staff/communities", headers=office, json={"name": "幸福里社区"})
    assert twice.status_code == 400 and twice.get_json()["error"]["code"] == "exists"
    half = client.post("/api/v1/staff/communities", headers=office, json={"name": "半个坐标", "lat": 32.3})
    assert half.status_code == 400 and half.get_json()["error"]["field"] == "lat"

    community_id = made.get_json()["id"]
    retired = client.patch(f"/api/v1/staff/communities/{community_id}", headers=office, json={"active": False})
    assert retired.status_code == 200 and "幸福里社区" not in names(client)
    assert "幸福里社区" in names(client, "/api/v1/staff/communities", office)
    assert client.patch("/api/v1/staff/communities/999", headers=office, json={"name": "x"}).status_code == 404


def test_a_rename_follows_into_every_item_and_resident_naming_it(client, world, auth, flow):
    item = flow.collected()
    assert client.patch("/api/v1/me", headers=auth("zhang"), json={"community": "全椒路社区"}).status_code == 200
    quanjiao = next(c for c in client.get("/api/v1/communities").get_json() if c["name"] == "全椒路社区")
    r = client.patch(f"/api/v1/staff/communities/{quanjiao['id']}", headers=auth("office"),
                     json={"name": "全椒路新社区"})
    assert r.status_code == 200 and r.get_json()["name"] == "全椒路新社区"
    assert Item.get_by_id(item.id).community == "全椒路新社区"
    assert client.get("/api/v1/me", headers=auth("zhang")).get_json()["user"]["community"] == "全椒路新社区"
    assert world.staff["supervisor"].__class__.get_by_id(world.staff["supervisor"].id).area == "全椒路新社区"


def test_a_resident_sets_their_community_and_their_reports_take_it(client, world, auth):
    mp = auth("mp")
    wrong = client.patch("/api/v1/me", headers=mp, json={"community": "不存在社区"})
    assert wrong.status_code == 400
    assert wrong.get_json()["error"]["code"] == "unknown_community"
    assert "全椒路社区、安居苑社区" in wrong.get_json()["error"]["message"]
    bad_phone = client.patch("/api/v1/me", headers=mp, json={"phone": "call me"})
    assert bad_phone.status_code == 400 and bad_phone.get_json()["error"]["field"] == "phone"
    assert client.patch("/api/v1/me", headers=mp, json={}).status_code == 400
    assert client.patch("/api/v1/me", headers=auth("office"), json={"community": "安居苑社区"}).status_code == 403

    r = client.patch("/api/v1/me", headers=mp, json={"community": "安居苑社区", "name": "王阿姨",
                                                     "phone": "139-0000-1111"})
    assert r.status_code == 200
    assert {k: r.get_json()["user"][k] for k in ("community", "name", "phone")} == {
        "community": "安居苑社区", "name": "王阿姨", "phone": "13900001111"}
    assert client.patch("/api/v1/me", headers=mp, json={"name": "王芳"}).get_json()["user"]["community"] == "安居苑社区"

    created = client.post("/api/v1/items", headers=mp, json={"content": "安居苑小区门口垃圾堆了三天没人清运"})
    assert created.status_code == 201 and created.get_json()["community"] == "安居苑社区"
    named = client.post("/api/v1/items", headers=mp, json={"content": "全椒路菜场门口占道经营", "community": "全椒路社区"})
    assert named.get_json()["community"] == "全椒路社区"  # the report names another community: it wins
    unknown = client.post("/api/v1/items", headers=mp, json={"content": "某处路灯坏了很久了", "community": "火星社区"})
    assert unknown.status_code == 400 and unknown.get_json()["error"]["field"] == "community"


def test_a_report_with_a_place_takes_the_nearest_community(client, world, auth):
    mp = auth("mp")  # no community of their own
    for (lat, lng), expected in ((NEAR_ANJUYUAN, "安居苑社区"), (NEAR_QUANJIAO, "全椒路社区"), (FAR_AWAY, None)):
        r = client.post("/api/v1/items", headers=mp, json={"content": f"这里的路灯坏了{lat}", "lat": lat, "lng": lng})
        assert r.status_code == 201 and r.get_json()["community"] == expected


def test_the_office_sets_or_corrects_the_community_at_classify(client, world, auth):
    mp, office = auth("mp"), auth("office")
    number = client.post("/api/v1/items", headers=mp, json={"content": "小区游乐设施损坏，孩子容易受伤"}).get_json()["number"]
    body = {"category": "housing", "leader": world.staff["leader"].id, "unit": world.units["jianshe"].id,
            "tier": "limited", "roadmap": "建设办牵头"}
    wrong = client.post(f"/api/v1/staff/items/{number}/classify", headers=office, json={**body, "community": "火星社区"})
    assert wrong.status_code == 400 and wrong.get_json()["error"]["code"] == "unknown_community"
    r = client.post(f"/api/v1/staff/items/{number}/classify", headers=office, json={**body, "community": "安居苑社区"})
    assert r.status_code == 200 and r.get_json()["community"] == "安居苑社区"
    assert r.get_json()["timeline"][-1]["kind"] == "classify"
    # Classified again without it: the community stays.
    r = client.post(f"/api/v1/staff/items/{number}/classify", headers=office, json=body)
    assert r.get_json()["community"] == "安居苑社区"
