"""Demo data: units, accounts and the seed's own cases, driven through the operations:
among them a wide-concern item announced and waiting for its 群众评议会, a problem
answered on the spot, a leader's visit and a symposium with the opinions heard."""
from datetime import date, datetime, timedelta

from models import Resident, StaffUser, Unit, local_now
from pipeline.accounts import staff_binding
from pipeline.accounts.badges import bind_badge, issue_badge
from pipeline.accounts.people import create_staff, create_unit, resident_for_openid, update_profile
from pipeline.messages import publicity
from pipeline.office.communities import create_community
from pipeline.routines import gatherings, visits
from pipeline.rules.actors import Actor, actor_for_resident, actor_for_staff
from pipeline.rules.workdays import WorkCalendar
from pipeline.steps import handling, intake, judging, oversight, spot

DEMO_PASSWORD = "sixstep-demo"
# Each demo account's WeChat at the fake server: its pushes are listed there under this openid.
STAFF_OPENID = "demo-staff-{username}"

# The office's communities with their centre points (a report sent with a place takes the nearest).
COMMUNITIES = [("全椒路社区", 32.2950, 118.3120), ("安居苑社区", 32.3100, 118.3300)]

UNITS = [
    ("建设办", "department", None),
    ("市容办", "department", None),
    ("党政办", "department", None),
    ("全椒路社区", "community", "全椒路社区"),
    ("安居苑社区", "community", "安居苑社区"),
    ("区供电公司党支部", "jurisdiction_org", None),
    ("街道党员志愿者服务队", "volunteer_org", None),
]

ACCOUNTS = [
    ("office", "office", None, "活动办 李敏", None),
    ("leader", "leader", None, "分管领导 陈建国", None),
    ("jianshe", "unit", "建设办", "建设办 王强", None),
    ("shirong", "unit", "市容办", "市容办 赵磊", None),
    ("quanjiao", "unit", "全椒路社区", "全椒路社区 孙丽", None),
    ("dangzheng", "party_office", "党政办", "党政办 周洁", None),
    ("duban", "supervisor", None, "督办组 吴刚", "全椒路社区"),
    ("admin", "admin", None, "系统管理员", None),
]


def seed_demo(now: datetime | None = None) -> list[tuple[str, str, str]]:
    """Create the demo world once; later runs change nothing. Returns the accounts."""
    accounts = [(username, role, DEMO_PASSWORD) for username, role, *_ in ACCOUNTS]
    if Unit.get_or_none(Unit.name == UNITS[0][0]):
        return accounts
    now = now or local_now()
    for name, kind, community in UNITS:
        create_unit(name, kind, community)
    staff = {username: actor_for_staff(_bound(create_staff(username, role, DEMO_PASSWORD, name=name, unit=unit,
                                                           area=area), now))
             for username, role, unit, name, area in ACCOUNTS}
    for name, lat, lng in COMMUNITIES:
        create_community(staff["office"], name=name, lat=lat, lng=lng, now=now)
    _seed_cases(staff, now)
    return accounts


def _bound(user: StaffUser, now: datetime) -> StaffUser:
    """The account bound to its fake WeChat the way a scanned binding code binds it, so
    the cases below queue its staff pushes (task, overdue, digest) for the fake server."""
    ticket = staff_binding.issue(user, hours=1, now=now - timedelta(days=40))
    bound, _previous = staff_binding.bind(ticket.scene, STAFF_OPENID.format(username=user.username),
                                          now=now - timedelta(days=40))
    return bound


def _resident(openid: str, nickname: str, community: str) -> Resident:
    resident = resident_for_openid(openid, source="oa")
    resident.nickname = nickname
    resident.save()
    return update_profile(resident, community=community)  # as the resident does (PATCH /api/v1/me)


def _seed_collection(staff: dict[str, Actor], now: datetime) -> None:
    """Collection by every cadre: a symposium and a leader's visit with the opinions they
    heard (each an item linked to it), and a problem a community answered on the spot."""
    gatherings.record_gathering(
        staff["duban"], kind="symposium", held_on=(now - timedelta(days=2)).date().isoformat(),
        place="全椒路社区议事厅", attendees=["居民代表12人", "社区党委书记", "督办组吴刚"], community="全椒路社区",
        opinions=["群众反映街居干部走居入户太少，作风不实，工作轻指导", "小区停车位不足，消防通道常被占用",
                  "希望社区开设老年助餐点"], now=now - timedelta(days=2))
    visits.record_visit(
        staff["leader"], community="安居苑社区", visit_date=(now - timedelta(days=4)).date().isoformat(), days=1,
        content="走访安居苑社区老旧小区，入户听取意见", people="居民20余户",
        opinions=["3栋化粪池堵塞外溢，气味很大", "小区门口路灯不亮，晚上出行不便"], now=now - timedelta(days=4))
    spot.collect_offline(
        staff["quanjiao"], content="居民反映健身广场单杠螺丝松动，担心老人孩子受伤", channel="interview",
        community="全椒路社区", category="housing", reporter_name="李大爷",
        on_spot={"result": "社区干部现场紧固螺丝并张贴安全提示，已当场答复居民"}, now=now - timedelta(days=1))


def _seed_cases(staff: dict[str, Actor], now: datetime) -> None:
    office, leader = staff["office"], staff["leader"]
    jianshe, shirong = staff["jianshe"], staff["shirong"]
    units = {u.name: u.id for u in Unit.select()}
    zhang = actor_for_resident(_resident("demo-openid-zhang", "张阿姨", "全椒路社区"), now.date())
    liu_resident = _resident("demo-openid-liu", "刘师傅", "全椒路社区")
    badge = issue_badge(office, name="刘师傅", kind="resident", phone="13955556666", area="全椒路社区",
                        valid_until=date(now.year + 1, 12, 31), now=now)
    bind_badge(actor_for_resident(liu_resident, now.date()), badge.token, now=now)
    liu = actor_for_resident(liu_resident, now.date())
    t = now - timedelta(days=30)

    roofs = intake.collect(zhang, "XX小区2013年整治后仍有20余户屋顶漏水，下雨天家里接水的盆都放满了", "wechat",
                           community="全椒路社区", address="全椒路XX小区", now=t)
    intake.classify(roofs, office, category="housing", leader=leader.id, unit=units["建设办"], tier="limited",
                    roadmap="建设办牵头，要求施工方限期返修屋顶防水层，社区跟进验收", wide_concern=True,
                    now=t + timedelta(hours=2))
    handling.claim(roofs, jianshe, now=t + timedelta(hours=3))
    oversight.supervise(roofs, liu, note="已到现场查看，施工方本周进场", now=t + timedelta(days=2))
    handling.progress(roofs, jianshe, note="施工方已进场，完成12户屋面防水", now=t + timedelta(days=4))
    handling.resolve(roofs, jianshe, result="20余户屋顶防水全部返修完毕，经居民代表验收通过", now=t + timedelta(days=6))
    # 涉及群众面较广: announced to 全椒路社区 once resolved; 张阿姨's rating is recorded, and the
    # item waits for its 群众评议会 (群众评议会待开 on its page).
    publicity.publish(roofs, now=t + timedelta(days=6, minutes=1))
    judging.rate(roofs, zhang, "satisfied", "修好了，谢谢街道", now=t + timedelta(days=7))

    balconies = intake.collect(zhang, "40多户阳台年久失修需要加固，还有部分居民房屋需要粉刷", "wechat",
                               community="全椒路社区", now=t + timedelta(days=1))
    intake.classify(balconies, office, category="housing", leader=leader.id, unit=units["建设办"], tier="long_term",
                    roadmap="纳入老旧小区改造计划，分批加固；召开情况说明会", now=t + timedelta(days=1, hours=2))
    handling.claim(balconies, jianshe, now=t + timedelta(days=2))
    handling.record_meeting(balconies, office, kind="explanation", held_at=(t + timedelta(days=8)).isoformat(),
                            attendees=["居民代表8人", "建设办", "督办员刘师傅"],
                            minutes="阳台加固需统一设计和资金申请，预计分两批完成，居民表示理解", now=t + timedelta(days=8))

    vendors = intake.collect(zhang, "学校周边流动摊点多，上下学时段堵塞通道，存在安全隐患", "wechat",
                             community="安居苑社区", now=t + timedelta(days=3))
    intake.classify(vendors, office, category="market_environment", leader=leader.id, unit=units["市容办"],
                    tier="limited", roadmap="市容办联合社区劝导，群众监督员全程参与", now=t + timedelta(days=3, hours=1))
    handling.claim(vendors, shirong, now=t + timedelta(days=3, hours=2))
    handling.resolve(vendors, shirong, result="已劝离摊贩并设置提示牌", now=t + timedelta(days=5))
    judging.rate(vendors, zhang, "unsatisfied", "傍晚摊贩又回来了", now=t + timedelta(days=6))
    handling.claim(vendors, shirong, now=t + timedelta(days=6, hours=1))
    oversight.supervise(vendors, liu, note="群众督办员每日放学时段到场劝导", now=t + timedelta(days=7))

    hallway = intake.collect(zhang, "楼道堆放杂物堵塞消防通道，多次反映没人管", "wechat", community="全椒路社区",
                             address="全椒路8号", now=t + timedelta(days=10))
    intake.classify(hallway, office, category="market_environment", leader=leader.id, unit=units["市容办"],
                    tier="limited", roadmap="市容办会同社区清理楼道杂物", now=t + timedelta(days=10, hours=1))
    handling.claim(hallway, shirong, now=t + timedelta(days=10, hours=2))  # and left: overdue, chased, in the digest

    _seed_collection(staff, now)
    intake.collect(zhang, "小区3号楼楼道灯坏了一个多月，晚上上下楼看不见", "wechat", community="全椒路社区",
                   now=now - timedelta(hours=3))
    oversight.evaluate(roofs, liu, kind="supervisor", score="satisfied", comment="返修到位，居民认可",
                       now=t + timedelta(days=8))
    _seed_supervised(staff, zhang, units, now)


def _seed_supervised(staff: dict[str, Actor], zhang: Actor, units: dict[str, int], now: datetime) -> None:
    """督办 by matter: the office assigns 吴刚 (whose area is 全椒路社区) to an item of 安居苑社区
    with a timetable; each step is pushed to him (see the fake server's page)."""
    jianshe, duban = staff["jianshe"], staff["duban"]
    yesterday = now - timedelta(days=1)
    calendar = WorkCalendar()
    drain = intake.collect(zhang, "安居苑小区门口排水沟堵塞，一下雨积水没过脚踝", "wechat", community="安居苑社区",
                           address="安居苑小区东门", now=yesterday - timedelta(hours=3))
    intake.classify(drain, staff["office"], category="housing", leader=staff["leader"].id, unit=units["建设办"],
                    tier="limited", roadmap="建设办牵头疏通排水沟、更换破损盖板，督办组全程督办",
                    milestones=[{"date": calendar.add_workdays(now.date(), 2).isoformat(), "text": "疏通排水沟"},
                                {"date": calendar.add_workdays(now.date(), 4).isoformat(), "text": "更换破损沟盖板"}],
                    supervisors=[duban.id], now=yesterday)
    handling.claim(drain, jianshe, now=yesterday + timedelta(hours=1))
    handling.progress(drain, jianshe, note="已联系疏通队，明天上午进场", now=yesterday + timedelta(hours=2))
