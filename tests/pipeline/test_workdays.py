"""Chinese working days: the library, the office's own table, and years past the library."""
from datetime import date, datetime

import pytest

from pipeline.office.catalog import set_calendar_day
from pipeline.rules.errors import Invalid
from pipeline.rules.workdays import WorkCalendar
from pipeline.steps.intake import classify, default_due
from pipeline.steps.reminders import deadline_times

D = date.fromisoformat


def test_national_day_week_and_its_adjusted_saturday(db):
    calendar = WorkCalendar()
    assert calendar.add_workdays(D("2026-09-30"), 1) == D("2026-10-08")
    assert calendar.add_workdays(D("2026-09-30"), 3) == D("2026-10-10")  # Saturday, an adjusted workday
    assert calendar.is_workday(D("2026-09-20"))  # Sunday made a workday
    assert calendar.workdays_between(D("2026-09-30"), D("2026-10-10")) == 3


def test_deadlines_past_the_library_fall_back_to_weekends(db):
    calendar = WorkCalendar()
    assert calendar.add_workdays(D("2026-12-30"), 3) == D("2027-01-04")  # Thu, Fri, then Monday
    assert calendar.add_workdays(D("2027-06-04"), 1) == D("2027-06-07")


def test_the_office_table_overrides_everything(db):
    set_calendar_day("2027-01-01", False, "元旦")
    set_calendar_day("2026-11-28", True, "调休上班")  # a Saturday
    calendar = WorkCalendar()
    assert calendar.add_workdays(D("2026-12-30"), 3) == D("2027-01-05")
    assert calendar.add_workdays(D("2026-11-27"), 1) == D("2026-11-28")
    with pytest.raises(Invalid):
        set_calendar_day("not-a-date", False)


def test_tier_defaults(world, flow):
    from models import Category

    housing = Category.get(Category.code == "housing")  # 10 working days
    calendar = WorkCalendar()
    friday = D("2026-11-27")
    at_ten = datetime(2026, 11, 27, 10)
    assert default_due("on_spot", housing, at_ten, calendar) == friday
    assert default_due("on_spot", housing, datetime(2026, 11, 28, 10), calendar) == D("2026-11-30")
    assert default_due("limited", housing, at_ten, calendar) == D("2026-12-11")
    assert default_due("long_term", housing, at_ten, calendar) == D("2026-12-25")
    # classify across National Day: 10 working days from 29 September
    item = flow.collected()
    item = classify(item, flow.a("office"), category="housing", leader=world.staff["leader"].id,
                    unit=world.units["jianshe"].id, tier="limited", roadmap="修缮", now=datetime(2026, 9, 29, 15))
    assert item.due == D("2026-10-19")  # 9-30, 10-8, 10-9, 10-10 (Sat), 10-12 … 10-16, 10-19


def test_reminder_times_land_on_working_mornings(db):
    times = deadline_times(datetime(2026, 9, 29, 15), D("2026-10-09"))
    assert times["day_before"] == datetime(2026, 10, 8, 9)
    assert times["overdue"] == datetime(2026, 10, 10, 9)  # the adjusted Saturday is a working day
    assert WorkCalendar().is_workday(times["half_time"].date())
    assert times["half_time"] == datetime(2026, 10, 8, 9)  # midpoint falls in the holiday: first morning after


def test_the_same_day_after_office_hours_is_the_next_working_day(db):
    calendar = WorkCalendar()
    assert calendar.same_day(datetime(2026, 11, 27, 17, 29)) == D("2026-11-27")  # Friday, still open
    assert calendar.same_day(datetime(2026, 11, 27, 17, 30)) == D("2026-11-30")  # closed: Monday
    assert calendar.same_day(datetime(2026, 9, 30, 20)) == D("2026-10-08")  # the evening before National Day
    assert calendar.same_day(datetime(2026, 10, 10, 9)) == D("2026-10-10")  # an adjusted Saturday is open


def test_an_on_spot_item_classified_in_the_evening_is_due_the_next_working_day(client, world, auth, flow):
    item = flow.collected()
    leader, unit = world.staff["leader"].id, world.units["jianshe"].id
    evening = datetime(2026, 11, 27, 19, 30)  # Friday
    item = classify(item, flow.a("office"), category="housing", leader=leader, unit=unit, tier="on_spot",
                    roadmap="现场处理", now=evening)
    assert item.due == D("2026-11-30")
    shown = client.get(f"/api/v1/items/{item.number}").get_json()
    assert shown["due"] == "2026-11-30"


@pytest.mark.parametrize("day, next_one", [("2026-12-06", "12月07日"), ("2027-01-02", "01月04日")])
def test_a_deadline_the_office_gives_must_be_a_working_day(client, world, auth, flow, day, next_one):
    item = flow.collected()
    office = auth("office")
    body = {"category": "housing", "leader": world.staff["leader"].id, "unit": world.units["jianshe"].id,
            "tier": "limited", "roadmap": "修缮", "due": day}
    r = client.post(f"/api/v1/staff/items/{item.number}/classify", headers=office, json=body)
    assert r.status_code == 400
    error = r.get_json()["error"]
    assert error["code"] == "not_workday" and error["field"] == "due" and next_one in error["message"]
    assert client.get(f"/api/v1/staff/items/{item.number}", headers=office).get_json()["status"] == "collected"


def test_a_consultation_due_on_a_sunday_is_refused(client, world, auth, flow):
    item = flow.claimed(tier="escalated")
    leader = auth("leader")
    r = client.post(f"/api/v1/staff/items/{item.number}/consult", headers=leader,
                    json={"conclusion": "会诊：先行修缮", "due": "2026-12-06"})
    assert r.status_code == 400 and r.get_json()["error"]["code"] == "not_workday"
    assert "12月07日" in r.get_json()["error"]["message"]
    r = client.post(f"/api/v1/staff/items/{item.number}/consult", headers=leader,
                    json={"conclusion": "会诊：先行修缮", "due": "2026-12-07"})
    assert r.status_code == 200 and r.get_json()["due"] == "2026-12-07"


def test_lateness_is_counted_in_working_days_like_the_deadline(db):
    from pipeline.views.actions import overdue_label
    calendar = WorkCalendar()
    friday = D("2026-11-27")
    assert calendar.workdays_left(friday, D("2026-11-25")) == 2
    assert calendar.workdays_left(friday, D("2026-12-01")) == -2  # Monday and Tuesday
    assert overdue_label(friday, D("2026-11-28"), calendar) == "已超期"  # past, but no working day lost yet
    assert overdue_label(friday, D("2026-12-01"), calendar) == "超期2个工作日"  # not 4 calendar days
