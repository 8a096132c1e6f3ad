"""Public claiming follows the sheet (公开领办): the unit the office named leads, others
may assist; an item without a unit is open to every unit; 作风 items never reach the
claim board and go only to the unit the office names."""


def act(client, headers, number, action, **body):
    return client.post(f"/api/v1/staff/items/{number}/{action}", headers=headers, json=body)


def classify(client, auth, world, number, category="housing", unit="jianshe"):
    body = {"category": category, "leader": world.staff["leader"].id, "tier": "limited", "roadmap": "按交办单办理"}
    if unit:
        body["unit"] = world.units[unit].id
    return act(client, auth("office"), number, "classify", **body)


def board(client, headers):
    return [row["number"] for row in client.get("/api/v1/staff/items?board=1", headers=headers).get_json()["items"]]


def test_an_item_the_office_gave_a_unit_is_led_by_that_unit_and_others_assist(client, world, auth, flow):
    number = flow.collected().number
    assert classify(client, auth, world, number).status_code == 200
    jianshe, shirong = auth("jianshe"), auth("shirong")
    assert number in board(client, shirong)  # on the board: others may offer help

    refused = act(client, shirong, number, "claim")
    assert refused.status_code == 403
    assert refused.get_json()["error"]["code"] == "assigned_elsewhere"
    assert "协办" in refused.get_json()["error"]["message"]
    assert client.get(f"/api/v1/staff/items/{number}", headers=jianshe).get_json()["status"] == "classified"

    led = act(client, jianshe, number, "claim")
    assert led.status_code == 200 and led.get_json()["sheet"]["claimed_unit"]["name"] == "建设办"
    # Others join by invitation (通过沟通协调): not by themselves, but when the lead unit asks.
    assert act(client, shirong, number, "claim", role="assist").status_code == 404  # out of its reach now
    helped = act(client, jianshe, number, "claim", role="assist", unit=world.units["shirong"].id)
    assert helped.status_code == 200
    claims = helped.get_json()["sheet"]["claims"]
    assert [(c["unit"], c["role"]) for c in claims] == [("建设办", "lead"), ("市容办", "assist")]


def test_the_office_may_hand_an_assigned_item_to_another_unit(client, world, auth, flow):
    number = flow.collected().number
    classify(client, auth, world, number)
    r = act(client, auth("office"), number, "claim", unit=world.units["shirong"].id)
    assert r.status_code == 200 and r.get_json()["sheet"]["claimed_unit"]["name"] == "市容办"


def test_an_item_classified_without_a_unit_is_open_to_every_unit(client, world, auth, flow):
    number = flow.collected().number
    r = classify(client, auth, world, number, unit=None)
    assert r.status_code == 200 and r.get_json()["sheet"]["unit"] is None
    jianshe, shirong = auth("jianshe"), auth("shirong")
    assert number in board(client, jianshe) and number in board(client, shirong)
    r = act(client, shirong, number, "claim")
    assert r.status_code == 200 and r.get_json()["sheet"]["claimed_unit"]["name"] == "市容办"
    assert number not in board(client, jianshe)  # claimed: off the board
    assert act(client, jianshe, number, "claim").status_code == 404  # led by another unit: out of reach


def test_a_conduct_item_needs_a_named_unit_and_never_reaches_the_board(client, world, auth, flow):
    number = flow.collected(content="社区干部办事推诿，态度很差").number
    refused = classify(client, auth, world, number, category="cadre_conduct", unit=None)
    assert refused.status_code == 400 and refused.get_json()["error"]["field"] == "unit"
    assert client.get(f"/api/v1/staff/items/{number}", headers=auth("office")).get_json()["status"] == "collected"

    assert classify(client, auth, world, number, category="cadre_conduct", unit="jianshe").status_code == 200
    jianshe, shirong = auth("jianshe"), auth("shirong")
    assert number not in board(client, jianshe) and number not in board(client, shirong)
    assert client.get("/api/v1/staff/items?status=classified", headers=shirong).get_json()["items"] == []
    assert act(client, shirong, number, "claim").status_code == 404  # not theirs to see
    assert act(client, jianshe, number, "claim").status_code == 200
    assert act(client, shirong, number, "claim", role="assist").status_code == 404
    r = act(client, auth("office"), number, "claim", role="assist", unit=world.units["shirong"].id)
    assert r.status_code == 200
    assert [c["role"] for c in r.get_json()["sheet"]["claims"]] == ["lead", "assist"]

