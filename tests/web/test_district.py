"""Several street offices over HTTP: the staff API's lists, items, actions, pickers and
figures keep each office's staff to their own office (403 `other_office` for another
office's item); the district's 区级督查 sees both and narrows with `?office=`; the
console offers the district an office picker, and nobody else (one office looks as before)."""
from console_support import csrf_of, sign_in

import models
from pipeline.accounts.people import issue_token

ITEMS = "/api/v1/staff/items"
PERIOD = "from=2026-11-01&to=2026-11-30"


def numbers(answer):
    return {row["number"] for row in answer.get_json()["items"]}


def staff_headers(district, name):
    token, _ = issue_token(now=models.local_now(), staff=district.staff[name])
    return {"Authorization": f"Bearer {token}"}


def test_the_api_keeps_each_office_to_its_own_and_the_district_filters(client, district, auth):
    home, south = district.items["home"].number, district.items["south"].number
    district_headers = staff_headers(district, "district")
    assert numbers(client.get(ITEMS, headers=auth("office"))) == {home}
    assert numbers(client.get(ITEMS, headers=staff_headers(district, "office"))) == {south}
    assert numbers(client.get(ITEMS, headers=district_headers)) == {home, south}
    assert numbers(client.get(f"{ITEMS}?office={district.south.id}", headers=district_headers)) == {south}
    refused = client.get(f"{ITEMS}?office={district.south.id}", headers=auth("office"))
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "other_office"
    for wrong in ("abc", "999", "-1", "99999999999999999999"):
        unknown = client.get(f"{ITEMS}?office={wrong}", headers=district_headers)
        assert unknown.status_code == 400 and unknown.get_json()["error"]["code"] == "unknown_office", wrong


def test_another_offices_item_is_refused_with_its_own_code(client, district, auth):
    south = district.items["south"].number
    seen = client.get(f"{ITEMS}/{south}", headers=auth("jianshe"))
    assert seen.status_code == 403 and seen.get_json()["error"]["code"] == "other_office"
    claim = client.post(f"{ITEMS}/{south}/claim", json={}, headers=auth("jianshe"))
    assert claim.status_code == 403 and claim.get_json()["error"]["code"] == "other_office"
    assert client.get(f"/api/v1/items/{south}").status_code == 200  # the public view stays public
    mine = client.post(f"{ITEMS}/{south}/claim", json={}, headers=staff_headers(district, "unit"))
    assert mine.status_code == 200 and mine.get_json()["status"] == "claimed"


def test_pickers_and_figures_are_the_offices_own(client, district, auth):
    units = {row["name"] for row in client.get("/api/v1/staff/units", headers=auth("office")).get_json()}
    assert "城南建设办" not in units and "建设办" in units
    south_units = client.get("/api/v1/staff/units", headers=staff_headers(district, "office")).get_json()
    assert [row["name"] for row in south_units] == ["城南建设办"]
    leaders = client.get("/api/v1/staff/users?role=leader", headers=auth("office")).get_json()
    assert {row["name"] for row in leaders} == {"陈建国"}
    district_headers = staff_headers(district, "district")
    whole = client.get(f"/api/v1/staff/stats?{PERIOD}", headers=district_headers).get_json()
    south = client.get(f"/api/v1/staff/stats?{PERIOD}&office={district.south.id}", headers=district_headers).get_json()
    home = client.get(f"/api/v1/staff/stats?{PERIOD}", headers=auth("leader")).get_json()
    assert (whole["total"], south["total"], home["total"]) == (2, 1, 1)
    assert (whole["office"], south["office"], home["office"]) == (None, district.south.id, district.home.id)
    assert {row["key"]: row["total"] for row in whole["by_office"]} == {district.home.id: 1, district.south.id: 1}
    assert [row["name"] for row in south["by_office"]] == ["城南街道"]


def test_the_console_offers_the_district_an_office_picker(client, district, world):
    assert sign_in(client, "quji").status_code == 302
    page = client.get("/items").get_data(as_text=True)
    assert 'name="office"' in page and "城南街道" in page and "全区（全部街道）" in page
    assert '<span class="meta">城南街道 · ' in page  # each row says whose it is
    south_only = client.get(f"/items?office={district.south.id}").get_data(as_text=True)
    assert district.items["south"].number in south_only and district.items["home"].number not in south_only
    whole = client.get(f"/dashboard?{PERIOD}").get_data(as_text=True)
    assert '<section class="card" id="by-office">' in whole and "<th scope=\"row\">城南街道</th>" in whole
    assert f"office={district.south.id}&amp;measure" in whole or f"measure=counted&amp;office={district.south.id}" in whole
    dashboard = client.get(f"/dashboard?{PERIOD}&office={district.south.id}").get_data(as_text=True)
    assert f'<option value="{district.south.id}" selected>城南街道</option>' in dashboard
    assert f"office={district.south.id}" in dashboard  # its figures link to that office's items
    assert 'id="by-office"' not in dashboard  # one office picked: nothing to compare
    board = client.get(f"/claim-board?office={district.home.id}").get_data(as_text=True)
    assert district.items["home"].number in board and district.items["south"].number not in board


def test_an_offices_staff_get_no_picker_and_only_their_own(client, district, world):
    assert sign_in(client, "office").status_code == 302
    page = client.get("/items").get_data(as_text=True)
    assert "全区（全部街道）" not in page and '<span class="meta">本街道 · ' not in page
    assert district.items["home"].number in page and district.items["south"].number not in page
    assert client.get(f"/items/{district.items['south'].number}").status_code == 403
    assert client.get(f"/dashboard?office={district.south.id}").status_code == 403


def test_the_admin_pages_list_the_offices_own(app, client, district, world):
    assert sign_in(client, "south-admin").status_code == 302
    units = client.get("/admin/units").get_data(as_text=True)
    assert "城南建设办" in units and "市容办" not in units and "所属街道" not in units
    client = app.test_client()
    assert sign_in(client, "qu-admin").status_code == 302
    everything = client.get("/admin/units").get_data(as_text=True)
    assert "城南建设办" in everything and "市容办" in everything and "所属街道" in everything
    south = client.get(f"/admin/users?office={district.south.id}").get_data(as_text=True)
    assert "south-leader" in south and "jianshe" not in south


def test_the_district_admin_adds_and_retires_offices_and_an_offices_admin_may_not(app, client, district):
    assert sign_in(client, "qu-admin").status_code == 302
    page = client.get("/admin/offices").get_data(as_text=True)
    assert "城南街道" in page and "添加街道" in page
    token = csrf_of(page)
    assert client.post("/admin/offices", data={"name": "城北街道", "code": "03", "csrf_token": token}).status_code == 302
    again = client.post("/admin/offices", data={"name": "城北街道", "code": "04", "csrf_token": token})
    assert again.status_code == 400 and "街道已存在" in again.get_data(as_text=True)
    north = models.Office.get(models.Office.name == "城北街道")
    assert client.post(f"/admin/offices/{north.id}", data={"active": "0", "csrf_token": token}).status_code == 302
    assert not models.Office.get_by_id(north.id).active
    office_admin = app.test_client()
    assert sign_in(office_admin, "south-admin").status_code == 302
    assert office_admin.get("/admin/offices").status_code == 403
    assert "/admin/offices" not in office_admin.get("/admin/units").get_data(as_text=True)


def test_each_offices_sheet_is_issued_under_its_own_name(client, district, world):
    assert sign_in(client, "quji").status_code == 302
    south = client.get(f"/items/{district.items['south'].number}/sheet").get_data(as_text=True)
    home = client.get(f"/items/{district.items['home'].number}/sheet").get_data(as_text=True)
    assert '<p class="org">城南街道群众路线教育实践活动领导小组办公室</p>' in south
    assert '<p class="org">XX街道群众路线教育实践活动领导小组办公室</p>' in home  # the setting, as with one office
