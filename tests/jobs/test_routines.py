"""The office's routines: the weekly bulletin and disciplinary entries, cadre visits
and the monthly check, public notices (公示) and badge expiry — through the
pipeline and the JSON endpoints."""
from datetime import date, datetime

import models
from pipeline.accounts.people import resident_for_openid, update_profile
from pipeline.messages import publicity
from pipeline.routines import bulletins, visits
from pipeline.steps import handling, judging

from jobs_support import later, outbox


def test_the_weekly_bulletin_reports_the_week_and_the_office_edits_and_publishes_it(
        app, world, loop, client, auth, now):
    last_week = datetime(2026, 11, 16, 10, 0)
    late = loop.claimed(last_week, category="market_environment")  # due the 19th
    sent_back = loop.classified(last_week, unit="shirong")
    handling.return_to_office(sent_back, world.actor("shirong"), reason="属于市容办以外职责", now=later(last_week, hours=1))
    redo = loop.resolved(last_week, unit="jianshe")
    judging.rate(redo, world.actor("zhang"), "unsatisfied", "漏水依旧", now=later(last_week, days=1))
    bulletins.record_discipline(world.actor("office"), kind="admonition", person="王强",
                                unit=world.units["jianshe"].id, reason="多次超期", now=later(last_week, days=2))
    bulletins.record_discipline(world.actor("office"), kind="notice", person="往期", reason="上上周",
                                on_date="2026-11-06", now=later(last_week, days=2))
    visits.record_visit(world.actor("leader"), community="全椒路社区", visit_date="2026-11-05", days=1,
                        content="走访", now=later(last_week, days=2))

    assert bulletins.draft_weekly(datetime(2026, 11, 23, 8, 29)) is None
    draft = bulletins.draft_weekly(datetime(2026, 11, 23, 8, 30))
    assert bulletins.draft_weekly(now) is None
    assert (draft.issue, draft.status, draft.period_from, draft.period_to) == (
        1, "draft", date(2026, 11, 16), date(2026, 11, 22))
    content = draft.content
    assert content["overdue"] == [{"unit": "建设办", "count": 1, "items": [late.number]}]
    assert content["returns"] == [{"number": sent_back.number, "unit": "市容办", "reason": "属于市容办以外职责"}]
    assert content["redos"] == [{"number": redo.number, "unit": "建设办"}]
    assert [(r["number"], r["label"]) for r in content["low_satisfaction"]] == [(redo.number, "不满意")]
    assert [(d["label"], d["person"]) for d in content["discipline"]] == [("诫勉谈话", "王强")]
    cadres = {c["name"]: c for c in content["visits"]["cadres"]}
    assert cadres["陈建国"]["days"] == 1.0 and not cadres["陈建国"]["met"]
    assert "作风效能建设周通报\n第1期\n（2026年11月16日—11月22日）" in draft.body
    assert "诫勉谈话：王强（建设办），多次超期" in draft.body
    assert [r.staff.username for r in outbox(kind="bulletin_draft")] == ["office"]

    office, unit = auth("office"), auth("jianshe")
    assert client.get("/api/v1/staff/bulletins", headers=unit).get_json()["items"] == []
    assert client.get(f"/api/v1/staff/bulletins/{draft.id}", headers=unit).status_code == 404
    edited = client.patch(f"/api/v1/staff/bulletins/{draft.id}", headers=office,
                          json={"issue": 19, "body": draft.body.replace("第1期", "第19期") + "\n（活动办）"})
    assert edited.status_code == 200 and edited.get_json()["issue"] == 19
    assert client.patch(f"/api/v1/staff/bulletins/{draft.id}", headers=unit, json={"title": "x"}).status_code == 403
    published = client.post(f"/api/v1/staff/bulletins/{draft.id}/publish", headers=office)
    assert published.status_code == 200 and published.get_json()["status"] == "published"
    assert client.post(f"/api/v1/staff/bulletins/{draft.id}/publish", headers=office).status_code == 409
    assert client.patch(f"/api/v1/staff/bulletins/{draft.id}", headers=office, json={"title": "改"}).status_code == 409
    seen = client.get(f"/api/v1/staff/bulletins/{draft.id}", headers=unit).get_json()
    assert seen["issue"] == 19 and seen["body"].endswith("（活动办）")
    assert len(outbox(kind="bulletin")) == len(world.staff)
    nxt = bulletins.draft_weekly(datetime(2026, 11, 30, 8, 30))
    assert nxt.issue == 20 and nxt.period_from == date(2026, 11, 23)


def test_the_first_issue_of_a_month_judges_the_month_that_ended(app, world, now):
    """A week running into a new month reports the visits of the whole month just ended:
    its last days must not hide October's visits behind an empty November."""
    visits.record_visit(world.actor("leader"), community="全椒路社区", visit_date="2026-10-08", days=1,
                        content="走访", now=datetime(2026, 10, 8, 18, 0))
    visits.record_visit(world.actor("leader"), community="全椒路社区", visit_date="2026-11-02", days=1,
                        content="走访", now=datetime(2026, 11, 2, 18, 0))
    crossing = bulletins.figures(date(2026, 10, 26), date(2026, 11, 1), date(2026, 11, 2))["visits"]
    assert (crossing["from"], crossing["to"]) == ("2026-10-01", "2026-10-31")
    assert {c["name"]: c["days"] for c in crossing["cadres"]}["陈建国"] == 1.0
    inside = bulletins.figures(date(2026, 11, 2), date(2026, 11, 8), date(2026, 11, 9))["visits"]
    assert (inside["from"], inside["to"]) == ("2026-11-01", "2026-11-08")
    assert {c["name"]: c["days"] for c in inside["cadres"]}["陈建国"] == 1.0


def test_disciplinary_entries_through_the_api(app, world, client, auth):
    office = auth("office")
    body = {"kind": "penalty", "person": "赵磊", "reason": "弄虚作假", "unit": world.units["shirong"].id}
    answer = client.post("/api/v1/staff/discipline", headers=office, json=body)
    assert answer.status_code == 201 and answer.get_json()["label"] == "处罚"
    assert client.post("/api/v1/staff/discipline", headers=office, json=dict(body, kind="warning")).status_code == 400
    assert client.post("/api/v1/staff/discipline", headers=auth("jianshe"), json=body).status_code == 403
    assert client.post("/api/v1/staff/discipline", headers=auth("party"), json=body).status_code == 201
    listed = client.get("/api/v1/staff/discipline", headers=auth("leader")).get_json()
    assert [e["person"] for e in listed] == ["赵磊", "赵磊"]


def test_cadres_record_visits_and_the_month_is_checked_with_a_reproducible_draw(app, world, client, auth, now):
    leader, office = auth("leader"), auth("office")
    for day in ("2026-10-08", "2026-10-09"):
        assert client.post("/api/v1/staff/visits", headers=leader, json={
            "community": "全椒路社区", "date": day, "days": 1, "content": "入户走访"}).status_code == 201
    half = {"community": "全椒路社区", "date": "2026-10-12", "days": 0.5, "content": "座谈"}
    assert client.post("/api/v1/staff/visits", headers=auth("jianshe"), json=half).status_code == 201
    assert client.post("/api/v1/staff/visits", headers=auth("jianshe"), json=half).status_code == 409
    assert client.post("/api/v1/staff/visits", headers=auth("jianshe"),
                       json=dict(half, community="其他社区", days=1)).status_code == 201  # capped at one day
    for_someone = dict(half, date="2026-10-13", staff=world.staff["party"].id)
    assert client.post("/api/v1/staff/visits", headers=leader, json=for_someone).status_code == 403
    assert client.post("/api/v1/staff/visits", headers=office, json=for_someone).status_code == 201
    assert client.post("/api/v1/staff/visits", headers=office,
                       json=dict(half, date="2099-01-01")).status_code == 400
    assert [v["date"] for v in client.get("/api/v1/staff/visits?month=2026-10", headers=auth("jianshe"))
            .get_json()] == ["2026-10-12", "2026-10-12"]

    check = visits.monthly_check(datetime(2026, 11, 2, 9, 0), seed="f00d")
    assert visits.monthly_check(now) is None
    days = {row["name"]: row["days"] for row in check.results}
    # department staff are cadres too; a day counts once however many communities it covered
    assert days == {"李敏": 0.0, "陈建国": 2.0, "王强": 1.0, "赵磊": 0.0, "吴刚": 0.0, "周洁": 0.0}  # half a day is not a whole day
    assert {row["name"] for row in check.shortfall} == {"李敏", "王强", "赵磊", "吴刚", "周洁"}
    ids = [v.id for v in models.Visit.select()]
    assert check.seed == "f00d" and check.sample == visits.draw_sample(ids, "f00d", 3) and len(check.sample) == 3
    assert [r.staff.username for r in outbox(kind="visit_check")] == ["dangzheng"]
    view = client.get("/api/v1/staff/visit-checks/2026-10", headers=auth("party")).get_json()
    assert [v["id"] for v in view["sample"]] == check.sample
    assert client.get("/api/v1/staff/visit-checks/2026-10", headers=auth("jianshe")).status_code == 403
    late = dict(half, date="2026-10-20")
    assert client.post("/api/v1/staff/visits", headers=leader, json=late).get_json()["error"]["code"] == "month_checked"


def test_a_resolved_item_of_wide_concern_is_published_to_its_community_once(app, world, loop, client, now):
    neighbours = [resident_for_openid(f"oa-neighbour-{n}", source="oa") for n in range(2)]
    for resident in [*neighbours, world.residents["zhang"]]:
        update_profile(resident, community="全椒路社区")  # as PATCH /api/v1/me does
    elsewhere = resident_for_openid("oa-far-away", source="oa")
    item = loop.resolved(now, wide_concern=True)
    judging.rate(item, world.actor("zhang"), "satisfied", now=later(now, hours=1))
    quiet = loop.resolved(now, category="cadre_conduct", wide_concern=True)  # 作风: never announced
    judging.rate(quiet, world.actor("zhang"), "satisfied", now=later(now, hours=1))

    assert publicity.publish_results(later(now, hours=2)) == 2
    assert publicity.publish_results(later(now, hours=3)) == 0
    assert sorted(r.resident.openid for r in outbox(kind="published") if r.resident_id) == [
        n.openid for n in neighbours]
    # The office is asked to hold each one's 群众评议会 (the rating above closed neither).
    assert [r.staff.username for r in outbox(kind="published") if r.staff_id] == ["office", "office"]
    assert {models.Item.get_by_id(i.id).status for i in (item, quiet)} == {"resolved"}
    assert elsewhere.openid not in {r.openid for r in outbox()}
    notice = models.PublicNotice.get(models.PublicNotice.item == item)
    assert notice.public and notice.recipients == 2
    assert not models.PublicNotice.get(models.PublicNotice.item == quiet).public
    board = client.get("/api/v1/notices").get_json()
    assert [n["number"] for n in board["items"]] == [item.number]
    assert [e.kind for e in models.TimelineEvent.select().where(models.TimelineEvent.item == item)][-1] == "publish"


def test_badge_holders_are_told_before_expiry_once_per_date(app, world, now):
    badge = models.Badge.create(number="DB-TEST-9", token="badge-token-li", kind="resident", name="李",
                                valid_until=date(2026, 11, 30), resident=world.residents["li"])
    models.Badge.create(number="DB-TEST-8", token="badge-token-cadre", kind="cadre", name="吴刚",
                        valid_until=date(2026, 11, 30), staff=world.staff["supervisor"])
    models.Badge.create(number="DB-TEST-7", token="badge-token-gone", kind="resident", name="张",
                        valid_until=date(2026, 11, 30), resident=world.residents["zhang"], revoked_at=now)
    models.Badge.create(number="DB-TEST-6", token="badge-token-later", kind="resident", name="王",
                        valid_until=date(2026, 12, 1), resident=world.residents["li"])
    assert publicity.badge_expiry(datetime(2026, 11, 23, 8, 59)) == 0
    assert publicity.badge_expiry(now) == 2  # within 7 days; the revoked one is not told
    assert publicity.badge_expiry(later(now, hours=1)) == 0
    assert publicity.badge_expiry(later(now, days=1)) == 1  # 1 December is now 7 days away
    assert sorted((r.resident.openid if r.resident_id else r.staff.username) for r in outbox(kind="badge_expiry")) == [
        "duban", "oa-openid-li", "oa-openid-li"]
    models.Badge.update(valid_until=date(2027, 6, 1)).where(models.Badge.id == badge.id).execute()
    assert publicity.badge_expiry(datetime(2027, 5, 25, 9, 0)) == 1  # renewed: told again before the new date


def test_the_call_back_list_and_the_digest_over_the_api(app, world, loop, run, client, auth, now):
    item = loop.resolved(now)
    loop.claimed(now, category="market_environment")
    run(later(now, days=7))
    listed = client.get("/api/v1/staff/callbacks", headers=auth("office")).get_json()
    assert [i["number"] for i in listed] == [item.number]
    digest = client.get("/api/v1/staff/digests/2026-11-30", headers=auth("leader")).get_json()
    assert digest["total"] == 1
    assert client.get("/api/v1/staff/digests/2026-11-29", headers=auth("leader")).status_code == 404
    assert client.get("/api/v1/staff/digests/2026-11-30", headers=auth("jianshe")).status_code == 403


def test_housekeeping_forgets_old_pushes_and_abandoned_uploads(app, world, now, tmp_path):
    from datetime import timedelta
    from pathlib import Path

    from jobs.routines import housekeeping
    from pipeline.messages import inbound

    inbound.remember("m:old", "o-1", "text", "旧回复", now=now - timedelta(days=3))
    inbound.remember("m:new", "o-1", "text", "新回复", now=now - timedelta(hours=1))
    upload_dir = Path(app.config["UPLOAD_DIR"])
    upload_dir.mkdir(parents=True, exist_ok=True)
    (upload_dir / "old.jpg").write_bytes(b"old")
    (upload_dir / "new.jpg").write_bytes(b"new")
    resident = world.residents["zhang"]
    old = models.Photo.create(path="old.jpg", uploader_resident=resident, created_at=now - timedelta(days=3))
    fresh = models.Photo.create(path="new.jpg", uploader_resident=resident, created_at=now - timedelta(hours=1))
    epoch = now.replace(tzinfo=models.base.TZ).timestamp()
    models.RateHit.create(key="addr:gone", at=epoch - 7200, expires_at=epoch - 3600)
    models.RateHit.create(key="addr:live", at=epoch - 60, expires_at=epoch + 3540)

    assert housekeeping(now) == {"pushes": 1, "uploads": 1, "rate_hits": 1}
    assert [h.key for h in models.RateHit.select()] == ["addr:live"]
    assert [m.dedup_key for m in models.InboundMessage.select()] == ["m:new"]
    assert [p.id for p in models.Photo.select()] == [fresh.id]
    assert not (upload_dir / "old.jpg").exists() and (upload_dir / "new.jpg").exists()
    assert old.id != fresh.id
    assert housekeeping(now) == {"pushes": 0, "uploads": 0, "rate_hits": 0}
