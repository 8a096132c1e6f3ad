"""Several street offices in one installation (pipeline.rules.offices): an item belongs
to the office of its community, else of the staff member who recorded it, else the
default office; each office's staff see, claim, act on and count only their own
office's items; the district's own staff see every office's and may pick one."""
import pytest

import models
from pipeline.accounts import admin
from pipeline.office import communities
from pipeline.routines import visits
from pipeline.rules import offices
from pipeline.rules.errors import Forbidden, Invalid, NotFound
from pipeline.steps import handling, intake, spot, supervising
from pipeline.views import actions, figures, lists, queries, stats


def numbers(answer):
    return {row["number"] for row in answer["items"]}


def test_an_item_takes_its_office_from_its_community_else_its_collector_else_the_default(district, world, now):
    home, south = district.home.id, district.south.id
    assert district.items["home"].office_id == home and district.items["south"].office_id == south
    by_community = intake.collect(world.actor("zhang"), "城南社区路灯不亮", "miniprogram", community="城南社区", now=now)
    assert by_community.office_id == south
    # Recorded by 城南's office without a community: 城南's.
    heard = spot.collect_offline(district.actor("office"), content="电话反映噪音扰民", channel="phone", now=now)
    assert heard.office_id == south
    # A resident's chat report with nothing to place it: the installation's default office.
    chat = intake.collect(world.actor("li"), "有件事想反映", "wechat", now=now)
    assert chat.office_id == home == offices.default_office_id()


def test_each_office_lists_only_its_own_items_and_the_district_lists_all_or_one(district, world, now):
    home, south = district.items["home"].number, district.items["south"].number
    assert numbers(lists.work_list(world.actor("office"), now=now)) == {home}
    assert numbers(lists.work_list(world.actor("leader"), now=now)) == {home}
    assert numbers(lists.work_list(district.actor("office"), now=now)) == {south}
    assert numbers(lists.work_list(district.actor("district"), now=now)) == {home, south}
    assert numbers(lists.work_list(district.actor("district_admin"), now=now)) == {home, south}
    assert numbers(lists.work_list(district.actor("district"), now=now, office=district.south.id)) == {south}
    assert numbers(lists.work_list(district.actor("district"), now=now, office=str(district.home.id))) == {home}
    # An office's staff may name their own office, never another.
    assert numbers(lists.work_list(world.actor("office"), now=now, office=district.home.id)) == {home}
    with pytest.raises(Forbidden) as refused:
        lists.work_list(world.actor("office"), now=now, office=district.south.id)
    assert refused.value.code == "other_office"
    with pytest.raises(Invalid):
        lists.work_list(district.actor("district"), now=now, office="999")


def test_another_offices_item_is_hidden_or_refused(district, world, now):
    south = district.items["south"]
    # Public (classified into 房屋设施): the public view stays public, the staff detail is refused.
    with pytest.raises(Forbidden) as refused:
        queries.staff_item(south.number, world.actor("office"))
    assert refused.value.code == "other_office"
    assert queries.staff_item(south.number, district.actor("district")).id == south.id
    # Not yet classified: as if it didn't exist.
    waiting = intake.collect(world.actor("zhang"), "城南社区有人私搭乱建", "wechat", community="城南社区", now=now)
    assert not queries.can_view(waiting, world.actor("office"))
    assert queries.can_view(waiting, district.actor("office")) and queries.can_view(waiting, district.actor("district"))
    with pytest.raises(NotFound):
        queries.staff_item(waiting.number, world.actor("leader"))


def test_units_see_and_claim_only_their_own_offices_claim_board(district, world, now):
    home, south = district.items["home"], district.items["south"]
    board = actions.claim_board(district.actor("unit"))
    assert [row.id for row in board["open"]] == [south.id]
    assert south.id not in {row.id for row in actions.claim_board(world.actor("jianshe"))["open"]}
    assert numbers(lists.work_list(world.actor("jianshe"), board=True, now=now)) == {home.number}
    with pytest.raises(Forbidden) as refused:
        handling.claim(south, world.actor("jianshe"), now=now)
    assert refused.value.code == "other_office"
    with pytest.raises(Forbidden):
        handling.claim(home, district.actor("unit"), now=now)
    claimed = handling.claim(south, district.actor("unit"), now=now)
    assert claimed.claimed_unit.name == "城南建设办"
    assert not actions.may(home, district.actor("unit"), "claim", now)


def test_an_office_hands_its_items_only_to_its_own_units_and_leaders(district, world, now):
    item = intake.collect(world.actor("zhang"), "全椒路社区井盖松动", "wechat", community="全椒路社区", now=now)
    south_unit = models.Unit.get(models.Unit.name == "城南建设办")
    office = world.actor("office")
    with pytest.raises(Forbidden) as refused:
        intake.classify(item, office, category="housing", leader=world.staff["leader"].id, unit=south_unit.id,
                        tier="limited", roadmap="x", now=now)
    assert refused.value.code == "other_office"
    with pytest.raises(Forbidden):
        intake.classify(item, office, category="housing", leader=district.staff["leader"].id, tier="limited",
                        roadmap="x", now=now)
    with pytest.raises(Forbidden):  # nor move it to another office's community
        intake.classify(item, office, category="housing", leader=world.staff["leader"].id, community="城南社区",
                        tier="limited", roadmap="x", now=now)
    with pytest.raises(Forbidden):  # and the other office can't touch it at all
        intake.classify(item, district.actor("office"), category="housing", leader=district.staff["leader"].id,
                        tier="limited", roadmap="x", now=now)
    with pytest.raises(Forbidden):  # nor fold it into one of its own
        intake.merge(item, world.actor("office"), into=district.items["south"].number, now=now)
    assert models.Item.get_by_id(item.id).status == "collected"


def test_an_offices_items_and_communities_are_supervised_by_its_own_cadres(district, world, now):
    home_cadre = world.staff["supervisor"]
    with pytest.raises(Forbidden) as refused:
        supervising.assign_supervisor(district.items["south"], district.actor("office"), staff=[home_cadre.id], now=now)
    assert refused.value.code == "other_office"
    south_community = models.Community.get(models.Community.name == "城南社区")
    with pytest.raises(Forbidden):
        supervising.set_area_supervisors(district.actor("office"), south_community.id, [home_cadre.id])
    with pytest.raises(Forbidden):  # nor may the home office name the south's
        supervising.set_area_supervisors(world.actor("office"), south_community.id, [])
    assert supervising.assign_supervisor(district.items["home"], world.actor("office"), staff=[home_cadre.id],
                                         now=now).id == district.items["home"].id


def test_each_offices_figures_come_from_its_own_items(district, world, flow, now):
    flow.closed()  # one more for the home office
    day = now.date().isoformat()
    home = stats.stats(day, day, now, office=district.home.id)
    south = stats.stats(day, day, now, office=district.south.id)
    whole = stats.stats(day, day, now)
    assert (home["total"], south["total"], whole["total"]) == (2, 1, 3)
    assert {row["name"] for row in south["by_community"]} == {"城南社区"}
    assert south["office"] == district.south.id
    kept = figures.kept_groups(now.date(), now.date(), now.date(), district.south.id)
    assert kept == figures.live_groups(now.date(), now.date(), now.date(), district.south.id)
    assert offices.office_in_view(world.actor("leader"), None) == district.home.id
    assert offices.office_in_view(district.actor("district"), None) is None


def test_the_office_hears_only_of_its_own_items(district, world, now, wechat_api):
    south = handling.claim(district.items["south"], district.actor("unit"), now=now)
    handling.return_to_office(south, district.actor("unit"), reason="不属于本单位职责", now=now)
    told = {row.staff_id for row in models.Outbox.select().where(models.Outbox.kind == "returned")}
    assert district.staff["office"].id in told
    assert world.staff["office"].id not in told


def test_an_offices_admin_manages_only_its_own_units_accounts_and_communities(district, world):
    south_admin, district_admin = district.actor("admin"), district.actor("district_admin")
    unit = admin.add_unit(south_admin, name="城南市容所", kind="department")
    assert unit.office_id == district.south.id
    assert {u["name"] for u in admin.all_units(district.south.id)} == {"城南建设办", "城南市容所"}
    with pytest.raises(Forbidden):
        admin.update_unit(south_admin, world.units["jianshe"].id, name="改名")
    with pytest.raises(Forbidden):
        admin.reset_password(south_admin, world.staff["office"].id, "new-password-1")
    with pytest.raises(Forbidden):  # the district's own accounts are the district admin's
        admin.reset_password(south_admin, district.staff["district"].id, "new-password-1")
    with pytest.raises(Forbidden):
        admin.add_user(south_admin, username="x1", role="district", password="test-password")
    with pytest.raises(Forbidden):
        admin.add_user(south_admin, username="x2", role="unit", password="test-password", unit=world.units["jianshe"].id)
    added = admin.add_user(south_admin, username="x3", role="leader", password="test-password")
    assert added.office_id == district.south.id
    home_community = models.Community.get(models.Community.name == "全椒路社区")
    with pytest.raises(Forbidden):
        communities.update_community(south_admin, home_community.id, name="别的社区")
    # The district's admin manages everything, and names the office of what it adds.
    assert admin.add_unit(district_admin, name="区属单位", kind="department", office=district.south.id).office_id \
        == district.south.id
    assert admin.add_user(district_admin, username="qu2", role="district", password="test-password").office_id is None
    assert admin.update_unit(district_admin, world.units["jianshe"].id, name="建设办（全椒路）").name == "建设办（全椒路）"
    assert communities.create_community(district_admin, name="城北社区", office=district.south.id).office_id \
        == district.south.id


def test_an_offices_overseers_read_its_own_cadres_visits(district, world, now):
    visits.record_visit(world.actor("leader"), community="全椒路社区", visit_date="2026-11-20", days=1,
                        content="走访全椒路社区")
    visits.record_visit(district.actor("leader"), community="城南社区", visit_date="2026-11-20", days=1,
                        content="走访城南社区")
    def names(actor):
        return {row["staff"]["name"] for row in visits.readable_visits(actor, "2026-11")}
    assert names(world.actor("office")) == {"陈建国"} and names(district.actor("office")) == {"钱进"}
    assert names(district.actor("district")) == {"陈建国", "钱进"}
    assert "钱进" not in {cadre.name for cadre in visits.cadres(district.home.id)}
    with pytest.raises(Forbidden):  # nor records one for another office's cadre
        visits.record_visit(world.actor("office"), community="全椒路社区", visit_date="2026-11-19", days=1,
                            content="代登记", staff=district.staff["leader"].id)


def test_the_picker_shows_only_to_the_district_and_only_with_several_offices(district, world):
    assert [o["name"] for o in offices.picker(district.actor("district"))] == [district.home.name, "城南街道"]
    assert offices.picker(world.actor("office")) == [] and offices.picker(district.actor("admin")) == []
    models.Office.update(active=False).where(models.Office.id == district.south.id).execute()
    assert offices.picker(district.actor("district")) == []


def test_one_office_installation_is_as_before(world, flow, now):
    item = flow.classified()
    assert item.office_id == offices.default_office_id()
    assert models.Office.select().count() == 1
    assert numbers(lists.work_list(world.actor("office"), now=now)) == {item.number}
    assert offices.picker(world.actor("office")) == []


def test_one_office_puts_no_office_condition_on_its_lists_and_a_second_office_does(world, now):
    office = world.actor("office")
    # One office: every item is its own, so the lists keep to their indexes (no filter on office_id).
    assert offices.office_condition(office) is None
    south = models.Office.create(name="城南街道", code="02", created_at=now)
    assert offices.office_condition(office) is not None
    south.active = False
    south.save()
    assert offices.office_condition(office) is not None  # a retired office's items remain its own
