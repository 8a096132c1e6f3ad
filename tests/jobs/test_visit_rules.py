"""每月不少于2整天: whole days count, half days on different dates don't (unless the
office's setting says so); the party–government office records its spot-check
findings for the sampled cadres, and the next weekly bulletin reports them."""
from datetime import date, datetime, time, timedelta

from models import local_now
from pipeline.routines import bulletins, visits
from pipeline.rules.workdays import WorkCalendar


def _next_week_draft(day: date) -> datetime:
    """08:30 on the first working day of the week after `day`'s: when that week's issue is drafted."""
    monday = day - timedelta(days=day.weekday()) + timedelta(days=7)
    return datetime.combine(WorkCalendar().next_workday(monday), time(8, 30))


def _visit(client, headers, day, days, community="全椒路社区"):
    answer = client.post("/api/v1/staff/visits", headers=headers,
                         json={"community": community, "date": day, "days": days, "content": "入户走访"})
    assert answer.status_code == 201, answer.get_json()


def _days(client, auth, month="2026-10"):
    view = client.get(f"/api/v1/staff/visit-checks/{month}", headers=auth("party")).get_json()
    return {row["name"]: (row["days"], row["half_days"], row["met"]) for row in view["results"]}


def test_two_half_days_on_different_dates_are_not_a_whole_day(app, world, client, auth):
    leader, jianshe, shirong = auth("leader"), auth("jianshe"), auth("shirong")
    for day in ("2026-10-08", "2026-10-09", "2026-10-15", "2026-10-16"):
        _visit(client, leader, day, 0.5)  # four half days: no whole day
    _visit(client, jianshe, "2026-10-08", 1)
    _visit(client, jianshe, "2026-10-09", 0.5)
    _visit(client, jianshe, "2026-10-09", 0.5, community="安居苑社区")  # morning here, afternoon there: a whole day
    _visit(client, shirong, "2026-10-20", 1)
    _visit(client, shirong, "2026-10-21", 0.5)
    visits.monthly_check(datetime(2026, 11, 2, 9, 0), seed="beef")
    days = _days(client, auth)
    assert days["陈建国"] == (0.0, 4, False)
    assert days["王强"] == (2.0, 0, True)
    assert days["赵磊"] == (1.0, 1, False)


def test_the_office_setting_lets_half_days_add_up(app, world, client, auth, monkeypatch):
    monkeypatch.setitem(app.config, "VISIT_HALF_DAYS_ADD_UP", True)
    for day in ("2026-10-08", "2026-10-09", "2026-10-15", "2026-10-16"):
        _visit(client, auth("leader"), day, 0.5)
    visits.monthly_check(datetime(2026, 11, 2, 9, 0), seed="beef")
    assert _days(client, auth)["陈建国"] == (2.0, 4, True)


def test_the_party_office_records_findings_for_sampled_cadres_and_the_bulletin_reports_them(
        app, world, client, auth, now):
    _visit(client, auth("leader"), "2026-10-08", 1)
    _visit(client, auth("jianshe"), "2026-10-09", 1)
    party = auth("party")
    path = "/api/v1/staff/visit-checks/2026-10/findings"
    body = {"staff": world.staff["leader"].id, "result": "confirmed", "note": "社区书记确认当天在场"}
    early = client.post(path, headers=party, json=body)
    assert early.status_code == 404 and "尚未核查" in early.get_json()["error"]["message"]
    visits.monthly_check(datetime(2026, 11, 2, 9, 0), seed="beef")  # two records: both sampled

    assert client.post(path, headers=auth("office"), json=body).status_code == 403
    assert client.post(path, headers=auth("leader"), json=body).status_code == 403
    outsider = client.post(path, headers=party, json=dict(body, staff=world.staff["shirong"].id))
    assert outsider.status_code == 400 and outsider.get_json()["error"]["code"] == "not_sampled"
    assert "陈建国" in outsider.get_json()["error"]["message"]
    wrong = client.post(path, headers=party, json=dict(body, result="maybe"))
    assert wrong.status_code == 400 and "属实" in wrong.get_json()["error"]["message"]
    bare = client.post(path, headers=party, json={"staff": world.staff["jianshe"].id, "result": "not_confirmed"})
    assert bare.status_code == 400 and bare.get_json()["error"]["field"] == "note"

    recorded = client.post(path, headers=party, json=body)
    assert recorded.status_code == 201 and recorded.get_json()["label"] == "属实"
    assert client.post(path, headers=party, json=body).get_json()["error"]["code"] == "finding_exists"
    assert client.post(path, headers=party, json={"staff": world.staff["jianshe"].id, "result": "not_confirmed",
                                                 "note": "社区未见其走访记录"}).status_code == 201
    check = client.get("/api/v1/staff/visit-checks/2026-10", headers=party).get_json()
    assert [(f["staff"]["name"], f["result"]) for f in check["findings"]] == [
        ("陈建国", "confirmed"), ("王强", "not_confirmed")]

    # The API records findings at the real time: the issue drafted in the week after today reports them.
    bulletin = bulletins.draft_weekly(_next_week_draft(local_now().date()))
    assert [f["staff"]["name"] for f in bulletin.content["visit_findings"]] == ["陈建国", "王强"]
    section = bulletin.body.split("六、干部走访抽查结果")[1]
    assert "陈建国（2026-10走访）：属实" in section and "王强（2026-10走访）：不属实，社区未见其走访记录" in section
    following = bulletins.draft_weekly(_next_week_draft(bulletin.week_start))
    assert following.content["visit_findings"] == [] and "本期无抽查结果" in following.body
