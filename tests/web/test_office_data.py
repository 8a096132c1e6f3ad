"""The office's own data through the API: the category tree (GET/POST/PATCH
/api/v1/staff/categories) placed by meaning, and the working-day calendar
(GET/PUT /api/v1/staff/calendar/<year>) that deadlines use at once."""
from datetime import date

from models import Category, local_now
from pipeline.office.catalog import DEFAULT_CATEGORIES, ensure_default_categories
from pipeline.rules.workdays import WorkCalendar


def tree(client, headers=None, path="/api/v1/categories"):
    return {top["name"]: [c["name"] for c in top["children"]] for top in client.get(path, headers=headers).get_json()}


def test_the_default_tree_puts_each_sub_item_under_the_top_category_its_meaning_fits(client, world):
    shown = tree(client)
    assert shown["经济"] == ["社保就业", "企业服务", "市场经营"]
    assert {"房屋设施", "市容环境", "物业管理", "社会治安", "文明创建", "文化体育", "交通出行"} == set(shown["民生"])
    assert shown["作风"] == ["为民服务", "干部作风"]
    named = {name for names in shown.values() for name in names}
    assert {"物业管理", "社会治安", "文明创建", "社保就业", "文化体育"} <= named  # the seed's five


def test_the_seeds_roof_and_vendor_cases_are_livelihood_not_economy(client, world, auth, flow):
    office = auth("office")
    for content, code in (("屋顶漏水，雨天家里接水", "housing"), ("菜市场门口流动摊贩占道经营", "market_environment")):
        item = flow.collected(content=content)
        answer = client.post(f"/api/v1/staff/items/{item.number}/classify", headers=office, json={
            "category": code, "leader": world.staff["leader"].id, "unit": world.units["jianshe"].id,
            "tier": "limited", "roadmap": "现场查看后处理"})
        assert answer.status_code == 200 and answer.get_json()["category"]["parent"] == "民生"


def test_the_office_edits_the_tree_with_chinese_errors(client, world, auth):
    office, path = auth("office"), "/api/v1/staff/categories"
    made = client.post(path, headers=office, json={"name": "招商引资", "parent": "economy", "default_tier": "limited",
                                                   "limit_days": 8})
    assert made.status_code == 201
    code = made.get_json()["code"]
    assert made.get_json()["parent"] == "economy" and made.get_json()["limit_days"] == 8
    assert "招商引资" in tree(client)["经济"]

    def refused(body, method="post", url=path):
        answer = getattr(client, method)(url, headers=office, json=body)
        assert answer.status_code == 400, answer.get_json()
        return answer.get_json()["error"]

    assert refused({"name": "某项", "parent": "nowhere"})["code"] == "unknown_parent"
    deep = refused({"name": "某项", "parent": "housing"})
    assert deep["code"] == "too_deep" and "房屋设施" in deep["message"]
    assert refused({"name": "社保就业", "parent": "economy"})["code"] == "duplicate_name"
    assert refused({"name": "民生"})["code"] == "duplicate_name"
    assert "办理方式" in refused({"name": "某项", "parent": "economy", "default_tier": "fast"})["message"]
    assert refused({"name": "某项", "parent": "economy", "limit_days": 0})["field"] == "limit_days"
    assert refused({"name": ""})["field"] == "name"
    assert client.post(path, headers=auth("jianshe"), json={"name": "某项", "parent": "economy"}).status_code == 403
    assert client.post(path, headers=auth("leader"), json={"name": "某项", "parent": "economy"}).status_code == 403

    moved = client.patch(f"{path}/{code}", headers=office, json={"parent": "work_style", "limit_days": 3})
    assert moved.status_code == 200 and moved.get_json()["public"] is False and moved.get_json()["code"] == code
    assert refused({"parent": "housing"}, "patch", f"{path}/{code}")["code"] == "too_deep"
    assert refused({"name": "干部作风"}, "patch", f"{path}/{code}")["code"] == "duplicate_name"
    assert refused({"parent": "economy"}, "patch", f"{path}/livelihood")["code"] == "too_deep"
    assert client.patch(f"{path}/nothing", headers=office, json={"name": "x"}).status_code == 404

    top = client.post(path, headers=office, json={"name": "平安建设", "public": True})
    assert top.status_code == 201 and top.get_json()["parent"] is None
    assert refused({"name": "某大类", "limit_days": 5})["field"] == "limit_days"


def test_a_retired_category_leaves_the_pickers_and_classify_but_items_keep_it(client, world, auth, flow):
    office = auth("office")
    item = flow.classified()  # housing
    assert client.patch("/api/v1/staff/categories/housing", headers=office, json={"active": False}).status_code == 200
    assert "房屋设施" not in tree(client)["民生"]
    staff_view = {top["code"]: top for top in client.get("/api/v1/staff/categories", headers=office).get_json()}
    assert {c["code"]: c["active"] for c in staff_view["livelihood"]["children"]}["housing"] is False
    assert client.get(f"/api/v1/items/{item.number}").get_json()["category"]["name"] == "房屋设施"
    fresh = flow.collected(content="楼道灯坏了一个月了")
    answer = client.post(f"/api/v1/staff/items/{fresh.number}/classify", headers=office, json={
        "category": "housing", "leader": world.staff["leader"].id, "unit": world.units["jianshe"].id,
        "tier": "limited", "roadmap": "x"})
    assert answer.status_code == 400 and answer.get_json()["error"]["field"] == "category"
    assert client.patch("/api/v1/staff/categories/economy", headers=office, json={"active": False}).status_code == 200
    assert "经济" not in tree(client)
    social = flow.collected(content="社保卡补办在哪里办")
    answer = client.post(f"/api/v1/staff/items/{social.number}/classify", headers=office, json={
        "category": "social_security", "leader": world.staff["leader"].id, "unit": world.units["jianshe"].id,
        "tier": "limited", "roadmap": "x"})
    assert answer.status_code == 400  # its top category is retired: so is it


def test_the_first_tree_is_moved_by_its_migration(db, world):
    from models.migrations import MIGRATIONS

    economy = Category.get(Category.code == "economy")
    for code in ("housing", "market_environment"):  # as the first release made them
        Category.update(parent=economy).where(Category.code == code).execute()
    Category.update(name="市容管理").where(Category.code == "market_environment").execute()  # the office's rename
    dict(MIGRATIONS)[9](None)
    livelihood = Category.get(Category.code == "livelihood")
    moved = {c.code: (c.parent_id, c.name, c.public) for c in Category.select().where(
        Category.code.in_(["housing", "market_environment"]))}
    assert moved == {"housing": (livelihood.id, "房屋设施", True), "market_environment": (livelihood.id, "市容管理", True)}
    assert ensure_default_categories() == 0
    codes = {child[0] for _, _, _, children in DEFAULT_CATEGORIES for child in children}
    assert codes <= {c.code for c in Category.select()}


def test_the_calendar_is_replaced_a_year_at_a_time_and_deadlines_use_it_at_once(client, world, auth, flow, now):
    office, path = auth("office"), "/api/v1/staff/calendar/2026"
    assert client.get(path, headers=auth("jianshe")).get_json() == {"year": 2026, "days": []}
    body = {"days": [{"date": "2026-11-24", "kind": "holiday", "note": "街道停电检修"},
                     {"date": "2026-11-28", "kind": "workday", "note": "调休上班"}]}
    assert client.put(path, headers=auth("jianshe"), json=body).status_code == 403
    assert client.put(path, headers=auth("leader"), json=body).status_code == 403
    saved = client.put(path, headers=office, json=body)
    assert saved.status_code == 200
    assert [(d["date"], d["label"]) for d in saved.get_json()["days"]] == [("2026-11-24", "放假"), ("2026-11-28", "调休上班")]
    calendar = WorkCalendar()
    assert not calendar.is_workday(date(2026, 11, 24)) and calendar.is_workday(date(2026, 11, 28))

    # The API works at the real time: make the next working day after today a holiday.
    today = local_now().date()
    before = WorkCalendar().add_workdays(today, 3)
    day_off = WorkCalendar().add_workdays(today, 1)
    year_path = f"/api/v1/staff/calendar/{day_off.year}"
    kept = client.get(year_path, headers=office).get_json()["days"]
    assert client.put(year_path, headers=office, json={"days": [
        *({"date": d["date"], "kind": d["kind"], "note": d["note"]} for d in kept),
        {"date": day_off.isoformat(), "kind": "holiday", "note": "临时放假"}]}).status_code == 200
    item = flow.collected(content="小区门口井盖松动")
    classified = client.post(f"/api/v1/staff/items/{item.number}/classify", headers=office, json={
        "category": "market_environment", "leader": world.staff["leader"].id, "unit": world.units["jianshe"].id,
        "tier": "limited", "roadmap": "x"}).get_json()
    assert classified["due"] == WorkCalendar().add_workdays(today, 3).isoformat()
    assert classified["due"] > before.isoformat()  # 3 working days, one of them now a holiday

    replaced = client.put(path, headers=office, json={"days": [{"date": "2026-12-31", "kind": "holiday"}]})
    assert [d["date"] for d in replaced.get_json()["days"]] == ["2026-12-31"]
    assert WorkCalendar().is_workday(date(2026, 11, 24))

    def refused(days, year="2026"):
        answer = client.put(f"/api/v1/staff/calendar/{year}", headers=office, json={"days": days})
        assert answer.status_code == 400, answer.get_json()
        return answer.get_json()["error"]

    assert refused([{"date": "2027-01-04", "kind": "holiday"}])["code"] == "wrong_year"
    assert refused([{"date": "2026-12-01", "kind": "holiday"}, {"date": "2026-12-01", "kind": "holiday"}])["code"] \
        == "duplicate_date"
    assert "放假" in refused([{"date": "2026-12-01", "kind": "off"}])["message"]
    assert refused([{"date": "2026-12-01", "kind": "workday"}])["code"] == "already_workday"
    assert refused([{"date": "2026-13-01", "kind": "holiday"}])["field"] == "days[0].date"
    assert refused([], year="1999")["field"] == "year"
    assert [d["date"] for d in client.get(path, headers=office).get_json()["days"]] == ["2026-12-31"]  # nothing changed
