"""Items for the dashboards' browser tests: a month of work across units, categories,
communities and weeks, moved through the real operations at their own times."""
from datetime import timedelta

from pipeline.steps import handling, intake, judging, oversight

CASES = (
    # (days before now, community, category, unit, how far it goes, content)
    (21, "全椒路社区", "housing", "jianshe", "closed", "3号楼屋顶漏水，雨天严重"),
    (20, "安居苑社区", "market_environment", "shirong", "closed", "菜市场门口占道经营"),
    (15, "全椒路社区", "housing", "jianshe", "redo", "楼道灯坏了一个月"),
    (14, "安居苑社区", "market_environment", "shirong", "judged", "小区垃圾清运不及时"),
    (9, "全椒路社区", "market_environment", "shirong", "returned", "路边广告牌松动"),
    (8, "安居苑社区", "housing", "jianshe", "claimed", "单元门禁损坏"),
    (7, "全椒路社区", "housing", "jianshe", "resolved", "下水道堵塞返味"),
    (2, "安居苑社区", "market_environment", "shirong", "claimed", "夜市噪音扰民"),
    (1, "全椒路社区", "housing", "jianshe", "classified", "外墙瓷砖脱落"),
    (0, "安居苑社区", "market_environment", "shirong", "collected", "共享单车乱停放"),
)


def dashboard_items(world, now):
    """The CASES as items; returns them by content."""
    office, made = world.actor("office"), {}
    for days, community, category, unit, stage, content in CASES:
        at = now - timedelta(days=days)
        item = intake.collect(world.actor("zhang"), content, "wechat", community=community, now=at)
        if stage != "collected":
            item = intake.classify(item, office, category=category, leader=world.staff["leader"].id,
                                   unit=world.units[unit].id, tier="limited", roadmap="按期办理", now=at)
        if stage == "returned":
            item = handling.return_to_office(item, world.actor(unit), reason="不属于本单位职责",
                                             now=at + timedelta(hours=2))
        if stage in ("claimed", "resolved", "closed", "redo", "judged"):
            item = handling.claim(item, world.actor(unit), now=at + timedelta(hours=1))
        if stage in ("resolved", "closed", "redo", "judged"):
            item = handling.resolve(item, world.actor(unit), result="已处理", now=at + timedelta(days=1))
        if stage == "closed":
            item = judging.rate(item, world.actor("zhang"), "satisfied", now=at + timedelta(days=2))
        if stage == "redo":
            item = judging.rate(item, world.actor("zhang"), "unsatisfied", "灯还是不亮", now=at + timedelta(days=2))
        if stage == "judged":
            item = oversight.evaluate(item, office, kind="org", score="satisfied", now=at + timedelta(days=2))
            item = oversight.evaluate(item, world.actor("supervisor"), kind="supervisor", score="basically_satisfied",
                                      now=at + timedelta(days=2))
        made[content] = item
    return made
