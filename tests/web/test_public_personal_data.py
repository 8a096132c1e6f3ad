"""What the public sees of an item carries no personal data: every way of
writing a phone or ID number is masked, the place is the street without a
house number or coordinates, and item numbers can't be walked anonymously
(issue 13, finding 4)."""
import pytest

from pipeline.steps import intake
from pipeline.views.privacy import coarse_place, mask_phone


@pytest.mark.parametrize("text, shown", [
    ("电话13812345678", "电话138****5678"),
    ("139-0000-1111找我", "139****1111找我"),
    ("139 0000 2222", "139****2222"),
    ("+86 139 0000 3333", "139****3333"),
    ("+8613900004444", "139****4444"),
    ("１３９００００６６６６", "139****6666"),
    ("固话021-55556666", "固话021-****6666"),
    ("(021)55557777", "021-****7777"),
    ("0551 6543 2100", "0551-****2100"),
    ("身份证340104199001011234", "身份证340********1234"),
    ("34010419900101123X", "340********123X"),
    ("编号20261123-0001，2026-11-23 10:00", "编号20261123-0001，2026-11-23 10:00"),
])
def test_every_way_of_writing_a_number_is_masked(text, shown):
    assert mask_phone(text) == shown


@pytest.mark.parametrize("address, place", [
    ("幸福路12号3栋", "幸福路"),
    ("全椒路社区５号楼门口", "全椒路社区"),
    ("滨河小区三栋二单元", "滨河小区"),
    ("东门", "东门"),
    ("12号", None),
    (None, None),
])
def test_a_coarse_place(address, place):
    assert coarse_place(address) == place


def _public_item(client, world, auth):
    made = client.post("/api/v1/items", headers=auth("mp"), json={
        "content": "我的电话139-0000-1111，楼下积水一周了", "community": "全椒路社区",
        "address": "幸福路12号3栋", "lat": 31.861234, "lng": 117.281234}).get_json()
    import models
    item = models.Item.get(models.Item.number == made["number"])
    return intake.classify(item, world.actor("office"), category="property", leader=world.staff["leader"].id,
                           unit=world.units["jianshe"].id, tier="limited", roadmap="物业三日内疏通")


def test_the_public_view_has_the_street_but_no_house_number_or_coordinates(client, world, auth):
    item = _public_item(client, world, auth)
    public = client.get(f"/api/v1/items/{item.number}").get_json()
    assert public["address"] == "幸福路" and public["lat"] is None and public["lng"] is None
    assert "139-0000-1111" not in str(public) and "139****1111" in public["content"]
    assert "幸福路12号3栋" not in client.get(f"/i/{item.number}").get_data(as_text=True)
    mine = client.get(f"/api/v1/items/{item.number}", headers=auth("mp")).get_json()
    assert (mine["address"], mine["lat"]) == ("幸福路12号3栋", 31.861234)


def test_anonymous_readers_cannot_walk_the_numbers(config, world, auth):
    from app import create_app

    app = create_app({**config, "RATELIMIT_ENABLED": True, "RATELIMIT_PUBLIC_READ": "5/minute"})
    client = app.test_client()
    with app.app_context():
        number = _public_item(client, world, auth).number
    pages = [f"/api/v1/items/{number}", f"/i/{number}"] * 3
    assert [client.get(page).status_code for page in pages] == [200] * 5 + [429]
    # A logged-in reader isn't counted against the address.
    assert client.get(pages[0], headers=auth("li")).status_code == 200
