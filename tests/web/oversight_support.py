"""Items for the console's paper and supervision tests: one whose sheet carries
every record (units, meetings, evaluations, ratings, supervision), and resolved
items waiting for a call-back."""
from datetime import timedelta

from pipeline.steps import chasing, handling, intake, judging, oversight

FULL_CONTENT = "全椒路XX小区40多户阳台年久失修需要加固，联系电话13912345678"


def full_item(world, now):
    """A long-term 民生 item, two rounds: explanation meeting, assisting unit, supervision,
    an unsatisfying evaluation meeting that sent it back, and a second result evaluated."""
    office, leader = world.actor("office"), world.staff["leader"]
    item = intake.collect(office, FULL_CONTENT, "symposium", reporter_name="王秀英", reporter_phone="13912345678",
                          community="全椒路社区", address="全椒路XX小区5栋", now=now)
    item = intake.classify(item, office, category="housing", leader=leader.id, unit=world.units["jianshe"].id,
                           tier="long_term", roadmap="建设办牵头，纳入老旧小区改造计划，分两批加固", wide_concern=True,
                           now=now + timedelta(hours=1))
    item = handling.claim(item, world.actor("jianshe"), now=now + timedelta(hours=2))
    item = handling.claim(item, world.actor("office"), unit=world.units["community"].id, role="assist",
                          now=now + timedelta(hours=3))
    item = oversight.supervise(item, world.actor("supervisor"), note="已到现场查看，施工方本周进场",
                               now=now + timedelta(days=1))
    item = handling.record_meeting(item, office, kind="explanation", held_at=(now + timedelta(days=2)).isoformat(),
                                   attendees=["居民代表8人", "建设办", "督办员刘师傅"],
                                   minutes="阳台加固需统一设计和资金申请，分两批完成，居民表示理解",
                                   now=now + timedelta(days=2))
    item = handling.resolve(item, world.actor("jianshe"), result="第一批20户阳台加固完成",
                            now=now + timedelta(days=5))
    item = handling.record_meeting(item, office, kind="evaluation", held_at=(now + timedelta(days=6)).isoformat(),
                                   attendees=["居民代表12人", "建设办", "全椒路社区"], minutes="第二批尚未开工，居民不满意",
                                   satisfaction=0.4, now=now + timedelta(days=6))
    item = handling.claim(item, world.actor("jianshe"), now=now + timedelta(days=7))
    item = handling.claim(item, world.actor("office"), unit=world.units["volunteers"].id, role="assist",
                          now=now + timedelta(days=7))
    item = handling.record_meeting(item, office, kind="explanation", held_at=(now + timedelta(days=7)).isoformat(),
                                   attendees=["居民代表6人", "建设办"], minutes="第二批施工排期说明", now=now + timedelta(days=7))
    item = handling.resolve(item, world.actor("jianshe"), result="40余户阳台全部加固，居民代表验收通过",
                            now=now + timedelta(days=9))
    return oversight.evaluate(item, office, kind="org", score="satisfied", comment="按时完成，群众认可",
                              now=now + timedelta(days=9, hours=1))


def awaiting_callback(world, now):
    """Two resolved items nobody rated for a week: one reported by phone (its number
    recorded in full), one from WeChat; swept onto the call-back list."""
    office = world.actor("office")
    by_phone = intake.collect(office, "小区健身器材损坏，老人锻炼不安全", "phone", reporter_name="陈大爷",
                              reporter_phone="13800138000", community="全椒路社区", now=now)
    by_chat = intake.collect(world.actor("zhang"), "楼下垃圾桶满了没人清运", "wechat", community="全椒路社区", now=now)
    done = []
    for item in (by_phone, by_chat):
        item = intake.classify(item, office, category="market_environment", leader=world.staff["leader"].id,
                               unit=world.units["shirong"].id, tier="limited", roadmap="市容办处理", now=now)
        item = handling.claim(item, world.actor("shirong"), now=now)
        done.append(handling.resolve(item, world.actor("shirong"), result="已处理", now=now + timedelta(hours=1)))
    chasing.sweep(now + timedelta(days=8))
    return done


def rate_by_phone(item, world, now):
    return judging.callback(item, world.actor("office"), score="satisfied", comment="电话回访，满意",
                            now=now + timedelta(days=9))
