"""The console's sign-in, lock-out, CSRF, WeChat OAuth, password change and reading pages."""
from urllib.parse import parse_qs, urlsplit

import pytest
from console_support import csrf_of, make_items, sign_in

import models
from pipeline.accounts import lockout


@pytest.fixture
def items(world, now):
    return make_items(world, now)


def test_anonymous_pages_send_to_login_and_wechat_browsers_to_oauth(client, world):
    answer = client.get("/items?status=collected")
    assert answer.status_code == 302 and answer.headers["Location"].startswith("/login?next=")
    answer = client.get("/", headers={"User-Agent": "Mozilla/5.0 MicroMessenger/8.0.50"})
    assert answer.status_code == 302 and answer.headers["Location"].startswith("/login/wechat")


def test_sign_in_sets_a_safe_cookie_and_shows_the_home_page(client, world, items):
    answer = sign_in(client, "office")
    assert answer.status_code == 302 and answer.headers["Location"] == "/"
    cookie = answer.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    page = client.get("/").get_data(as_text=True)
    assert "李敏" in page and "活动办" in page
    assert "待分类" in page and "待回访" in page
    assert page.index(items["late"].number) < page.index(items["waiting"].number)  # overdue first


def test_wrong_password_is_refused_in_chinese(client, world):
    answer = sign_in(client, "office", "wrong-password")
    assert answer.status_code == 401 and "用户名或密码错误" in answer.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_post_without_csrf_token_is_refused(client, world):
    answer = client.post("/login", data={"username": "office", "password": "test-password"})
    assert answer.status_code == 400 and "页面已过期" in answer.get_data(as_text=True)
    sign_in(client, "office")
    assert client.post("/logout").status_code == 400
    assert client.get("/").status_code == 200  # still signed in


def test_five_failures_lock_the_account_then_the_right_password_is_refused(client, world):
    for _ in range(lockout.MAX_FAILURES - 1):
        assert "用户名或密码错误" in sign_in(client, "office", "nope").get_data(as_text=True)
    answer = sign_in(client, "office", "nope")
    assert answer.status_code == 429 and "该账号已被锁定" in answer.get_data(as_text=True)
    answer = sign_in(client, "office")
    assert answer.status_code == 429 and "15分钟后再试" in answer.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_one_address_trying_many_accounts_is_locked(client, world):
    for name in ("a1", "a2", "a3", "a4", "a5"):
        sign_in(client, name, "nope")
    answer = sign_in(client, "leader")
    assert answer.status_code == 429 and "网络地址已被锁定" in answer.get_data(as_text=True)


def test_the_lock_ends_after_its_time(world, app):
    start = 1_000_000.0
    for i in range(lockout.MAX_FAILURES):
        lockout.record_failure("office", "10.0.0.9", now=start + i)
    with pytest.raises(lockout.LockedOut):
        lockout.check("office", "10.0.0.9", now=start + 60)
    lockout.check("office", "10.0.0.9", now=start + lockout.MAX_FAILURES + lockout.LOCK_SECONDS)


def test_logout_ends_the_session(client, world):
    sign_in(client, "office")
    token = csrf_of(client.get("/").get_data(as_text=True))
    answer = client.post("/logout", data={"csrf_token": token})
    assert answer.status_code == 302 and client.get("/").status_code == 302


def test_password_change_checks_the_old_one_and_ends_other_sessions(app, world):
    desk, phone = app.test_client(), app.test_client()
    sign_in(desk, "jianshe")
    sign_in(phone, "jianshe")
    token = csrf_of(desk.get("/password").get_data(as_text=True))
    wrong = desk.post("/password", data={"old_password": "nope-nope", "new_password": "new-password-1",
                                         "confirm": "new-password-1", "csrf_token": token})
    assert wrong.status_code == 400 and "原密码不正确" in wrong.get_data(as_text=True)
    answer = desk.post("/password", data={"old_password": "test-password", "new_password": "new-password-1",
                                          "confirm": "new-password-1", "csrf_token": token})
    assert answer.status_code == 302
    assert desk.get("/").status_code == 200
    assert phone.get("/").status_code == 302
    assert sign_in(app.test_client(), "jianshe", "new-password-1").status_code == 302


def test_wechat_oauth_signs_in_the_bound_account(client, world, wechat_api, app):
    answer = client.get("/login/wechat?next=/items")
    location = urlsplit(answer.headers["Location"])
    assert location.netloc == "open.weixin.qq.com" and location.fragment == "wechat_redirect"
    query = parse_qs(location.query)
    assert query["scope"] == ["snsapi_base"] and query["appid"] == [app.config["WECHAT_APPID"]]
    assert query["redirect_uri"][0].endswith("/login/wechat/callback")
    answer = client.get(f"/login/wechat/callback?code=staff-openid-jianshe&state={query['state'][0]}")
    assert answer.status_code == 302 and answer.headers["Location"] == "/items"
    assert "王强" in client.get("/").get_data(as_text=True)
    assert wechat_api.calls_to("sns/oauth2/access_token")[0]["query"]["code"] == "staff-openid-jianshe"


def test_wechat_oauth_refuses_unbound_and_forged_state(client, world, wechat_api):
    state = parse_qs(urlsplit(client.get("/login/wechat").headers["Location"]).query)["state"][0]
    answer = client.get(f"/login/wechat/callback?code=someone-else&state={state}")
    assert answer.status_code == 401 and "尚未绑定" in answer.get_data(as_text=True)
    client.get("/login/wechat")
    answer = client.get("/login/wechat/callback?code=staff-openid-jianshe&state=forged")
    assert answer.status_code == 401 and client.get("/").status_code == 302


def test_profile_says_whether_pushes_reach_and_makes_a_binding_code(client, world, wechat_api):
    models.StaffUser.update(following=False).where(models.StaffUser.username == "leader").execute()
    sign_in(client, "leader")
    page = client.get("/profile").get_data(as_text=True)
    assert "收不到微信提醒：已取消关注公众号" in page
    answer = client.post("/profile/bind-code", data={"csrf_token": csrf_of(page)})
    assert answer.status_code == 302
    page = client.get("/profile").get_data(as_text=True)
    assert "showqrcode?ticket=" in page and "绑定二维码已生成" in page
    assert models.StaffBindTicket.select().where(models.StaffBindTicket.qr_url.is_null(False)).count() == 1


def test_the_list_filters_and_keeps_the_staff_scope(client, world, items):
    sign_in(client, "office")
    page = client.get("/items?overdue=1").get_data(as_text=True)
    assert items["late"].number in page and items["waiting"].number not in page
    page = client.get("/items?q=路灯").get_data(as_text=True)
    assert items["waiting"].number in page and items["late"].number not in page
    page = client.get("/items?category=cadre_conduct&channel=wechat").get_data(as_text=True)
    assert items["conduct"].number in page and items["late"].number not in page
    page = client.get("/items?category=work_style").get_data(as_text=True)  # a top category: all under it
    assert items["conduct"].number in page and items["late"].number not in page
    assert client.get("/items?status=bogus").status_code == 400
    client.post("/logout", data={"csrf_token": csrf_of(page)})
    sign_in(client, "shirong")
    page = client.get("/items").get_data(as_text=True)
    assert items["late"].number in page
    assert items["conduct"].number not in page and items["waiting"].number not in page


def test_the_item_page_shows_the_sheet_timeline_and_followers(client, world, items):
    sign_in(client, "office")
    page = client.get(f"/items/{items['late'].number}").get_data(as_text=True)
    for text in ("楼道堆放杂物", "市容办清理", "陈建国", "意见收集", "梳理分类", "公开领办", "已超期",
                 "全椒路8号3单元", "32.08570"):
        assert text in page, text
    photo = models.Photo.get(models.Photo.item == items["late"])
    assert f'src="/photos/{photo.id}"' in page
    with client.get(f"/photos/{photo.id}") as answer:
        assert answer.status_code == 200 and answer.mimetype == "image/jpeg"


def test_a_conduct_items_reporter_never_reaches_a_unit(app, world, items):
    models.Resident.update(nickname="张阿姨").where(models.Resident.id == world.residents["zhang"].id).execute()
    unit, office = app.test_client(), app.test_client()
    sign_in(unit, "jianshe")
    sign_in(office, "office")
    number = items["conduct"].number
    page = unit.get(f"/items/{number}").get_data(as_text=True)
    assert "推诿" in page and "不向承办单位公开" in page and "张阿姨" not in page
    photo = models.Photo.get(models.Photo.item == items["conduct"])
    with unit.get(f"/photos/{photo.id}") as answer:
        assert answer.status_code == 200  # given to 建设办: its photos are theirs to see
    assert app.test_client().get(f"/uploads/{photo.id}").status_code == 404
    assert "张阿姨" in office.get(f"/items/{number}").get_data(as_text=True)
    assert unit.get(f"/items/{items['waiting'].number}").status_code == 404  # unclassified: not theirs yet


def test_staff_pushes_open_the_console(world, items, app):
    row = models.Outbox.select().where(models.Outbox.staff.is_null(False)).first()
    assert row is not None
    assert row.page == app.config["PUBLIC_BASE_URL"] + f"/items/{row.item.number}"



def test_the_session_cookie_is_secure_in_production(monkeypatch):
    from config import load_config
    monkeypatch.setenv("SIXSTEP_ENV", "production")
    settings = load_config()
    assert settings["SESSION_COOKIE_SECURE"] is True and settings["SESSION_COOKIE_SAMESITE"] == "Lax"
    monkeypatch.setenv("SIXSTEP_ENV", "development")
    assert load_config()["SESSION_COOKIE_SECURE"] is False


def test_the_list_pages_twenty_at_a_time(client, world, now):
    from pipeline.steps import intake
    numbers = [intake.collect(world.actor("zhang"), f"第{i}件：井盖松动", "wechat", now=now).number
               for i in range(23)]
    sign_in(client, "office")
    first = client.get("/items?q=井盖").get_data(as_text=True)
    second = client.get("/items?q=井盖&page=2").get_data(as_text=True)
    shown = [n for n in numbers if n in first], [n for n in numbers if n in second]
    assert len(shown[0]) == 20 and len(shown[1]) == 3 and not set(shown[0]) & set(shown[1])
    assert "第 1 / 2 页" in first and "下一页" in first and "上一页" in second
    assert client.get("/items?page=0").status_code == 400


@pytest.mark.parametrize("target", ["//evil.example/x", "/\\evil.example/x", "https://evil.example/", "items"])
def test_sign_in_goes_only_to_a_page_of_this_site(client, world, target):
    token = csrf_of(client.get("/login").get_data(as_text=True))
    answer = client.post(f"/login?next={target}", data={"username": "office", "password": "test-password",
                                                        "csrf_token": token})
    assert answer.status_code == 302 and answer.headers["Location"] == "/"


def test_the_home_page_costs_the_same_queries_however_many_wait(client, world, now, sql_log):
    from pipeline.steps import intake
    collect = [intake.collect(world.actor("zhang"), f"第{i}件：路灯不亮", "wechat", now=now) for i in range(3)]
    sign_in(client, "office")
    sql_log.clear()
    few = client.get("/").get_data(as_text=True)
    few_queries = len(sql_log)
    collect += [intake.collect(world.actor("li"), f"第{i}件：井盖松动", "wechat", now=now) for i in range(12)]
    sql_log.clear()
    many = client.get("/").get_data(as_text=True)
    # The 待分类 section now has more than it shows, so it is counted (PostgreSQL asks the planner first).
    assert len(sql_log) == few_queries + (2 if models.base.is_postgres() else 1)
    assert "<b>3</b><span>待分类</span>" in few and "<b>15</b><span>待分类</span>" in many
    assert "查看全部15件" in many and sum(item.number in many for item in collect) == 10
