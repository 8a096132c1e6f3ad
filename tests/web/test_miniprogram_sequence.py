"""The mini-program's own request sequence against the real app.

Each request below is what `miniprogram/utils/api.js` sends for the page named
in the comment (path under /api/v1, method, body and headers): JSON requests
carry `Authorization: Bearer <token>` and `Content-Type: application/json`,
uploads are `wx.uploadFile` multipart with the field `file` and only the
Authorization header, and `api.post(path)` without data sends `{}`. Login goes
through the fake WeChat server (code → openid "mp-" + code). The office and
unit steps in between are driven through the staff API.
"""
import io
import json

from PIL import Image

import models

from shared_support import fetch

API = "/api/v1"


class MiniProgram:
    """utils/api.js in Python: one token from wx.login, one re-login on a 401."""

    def __init__(self, client, code):
        self.client = client
        self.code = code
        self.token = None
        self.user = None
        self.log = []

    def login(self):
        # doLogin(): wx.login → POST /auth/wxlogin {code}, no token yet.
        res = self.client.post(API + "/auth/wxlogin", data=json.dumps({"code": self.code}),
                               headers={"Content-Type": "application/json"})
        self.log.append(("POST", "/auth/wxlogin", res.status_code))
        assert res.status_code == 200, res.get_json()
        body = res.get_json()
        self.token, self.user = body["token"], body["user"]
        return body

    def _headers(self, json_body=True):
        headers = {"Authorization": "Bearer " + self.token}
        if json_body:
            headers["Content-Type"] = "application/json"
        return headers

    def call(self, method, path, data=None):
        if self.token is None:
            self.login()
        res = self._send(method, path, data)
        if res.status_code == 401:
            self.login()
            res = self._send(method, path, data)
        return res

    def _send(self, method, path, data):
        kwargs = {"headers": self._headers()}
        if data is not None:
            kwargs["data"] = json.dumps(data, ensure_ascii=False).encode("utf-8")
        res = self.client.open(API + path, method=method, **kwargs)
        self.log.append((method, path, res.status_code))
        return res

    def get(self, path):
        return self.call("GET", path)

    def post(self, path, data=None):
        return self.call("POST", path, {} if data is None else data)

    def patch(self, path, data=None):
        return self.call("PATCH", path, {} if data is None else data)

    def upload(self, content, file_path="wxfile://tmp/a.jpg"):
        if self.token is None:
            self.login()
        res = self.client.post(API + "/uploads", headers=self._headers(json_body=False),
                               content_type="multipart/form-data",
                               data={"file": (io.BytesIO(content), file_path.rsplit("/", 1)[-1])})
        self.log.append(("UPLOAD", "/uploads", res.status_code))
        return res


def camera_photo():
    out = io.BytesIO()
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (31.0, 51.0, 36.0), 3: "E", 4: (117.0, 17.0, 2.0)}
    Image.new("RGB", (120, 90), (90, 120, 60)).save(out, "JPEG", exif=exif)
    return out.getvalue()


def staff_action(client, headers, number, action, body):
    res = client.post(f"{API}/staff/items/{number}/{action}", headers=headers, json=body)
    assert res.status_code == 200, (action, res.get_json())
    return res.get_json()


def test_report_follow_and_rate_as_the_mini_program_does(client, world, auth, wechat_api):
    mp = MiniProgram(client, "wx-code-resident-1")

    # app.js onLaunch → api.login()
    login = mp.login()
    assert login["user"]["kind"] == "resident" and login["user"]["is_supervisor"] is False
    assert "session_key" not in json.dumps(login)
    assert [c["query"]["js_code"] for c in wechat_api.calls_to("jscode2session")] == ["wx-code-resident-1"]
    resident = models.Resident.get(models.Resident.openid == "mp-wx-code-resident-1")
    assert resident.source == "mp" and login["user"]["id"] == resident.id

    # pages/report onLoad: loadCategories, loadTemplates
    categories = mp.get("/categories")
    assert categories.status_code == 200
    tops = categories.get_json()
    assert [t["name"] for t in tops] == ["经济", "民生", "作风"]
    property_code = next(c["code"] for t in tops for c in t["children"] if c["name"] == "物业管理")
    templates = mp.get("/subscriptions/templates")
    assert templates.status_code == 200
    template_ids = [t["id"] for t in templates.get_json()]
    titled = {t["title"]: t["id"] for t in templates.get_json()}
    assert set(titled) == {"办理进度通知", "办理结果通知"}

    # choosePhotos → uploadPhotos: one wx.uploadFile per photo
    uploaded = mp.upload(camera_photo())
    assert uploaded.status_code == 201
    photo = uploaded.get_json()
    assert set(photo) >= {"id", "url"}
    preview = fetch(client, photo["url"])  # the report page shows api.absUrl(up.url) before submitting
    assert preview.status_code == 200 and preview.mimetype == "image/jpeg"
    assert b"Exif" not in preview.data

    # onSubmit: askConsent (all accepted) → POST /items body() → POST /me/subscriptions
    body = {"content": "小区3号楼电梯经常停运，老人上下楼困难", "category": property_code, "community": "全椒路社区",
            "address": "全椒路88号（幸福小区） 3号楼", "lat": 31.8612, "lng": 117.2857, "photos": [photo["id"]],
            "anonymous": False}
    created = mp.post("/items", body)
    assert created.status_code == 201, created.get_json()
    item = created.get_json()
    number = item["number"]
    assert item["status"] == "collected" and item["status_label"] == "已收集"
    assert [p["id"] for p in item["photos"]] == [photo["id"]]
    consent = mp.post("/me/subscriptions", {"accepted": template_ids})
    assert consent.status_code == 200
    assert consent.get_json() == {"granted": {tid: 1 for tid in template_ids}}

    # viewResult → pages/item onLoad(?number=) → GET /items/<n>
    detail = mp.get(f"/items/{number}")
    assert detail.status_code == 200
    assert detail.get_json()["can_rate"] is False and detail.get_json()["following"] is False

    # pages/mine onLoad → load(1) → GET /items/mine?page=1
    mine = mp.get("/items/mine?page=1")
    assert mine.status_code == 200
    assert [i["number"] for i in mine.get_json()["items"]] == [number] and mine.get_json()["total"] == 1

    # pages/item toggleFollow → api.post(path) → POST /items/<n>/follow {}
    followed = mp.post(f"/items/{number}/follow")
    assert followed.status_code == 200 and followed.get_json() == {"following": True}

    # The office classifies; the unit claims, uploads a result photo and resolves (staff API).
    office, unit = auth("office"), auth("jianshe")
    staff_action(client, office, number, "classify", {
        "category": property_code, "leader": world.staff["leader"].id, "unit": world.units["jianshe"].id,
        "tier": "limited", "roadmap": "建设办联系物业与电梯维保单位，限期检修"})
    staff_action(client, unit, number, "claim", {})
    result_photo = client.post(f"{API}/uploads", headers=unit, content_type="multipart/form-data",
                               data={"file": (io.BytesIO(camera_photo()), "result.jpg")})
    assert result_photo.status_code == 201
    staff_action(client, unit, number, "resolve", {"result": "已更换电梯控制板，恢复正常运行",
                                                   "photos": [result_photo.get_json()["id"]]})

    # Back on pages/item: the reporter sees can_rate and submits a rating.
    shown = mp.get(f"/items/{number}")
    assert shown.get_json()["status"] == "resolved" and shown.get_json()["can_rate"] is True
    assert shown.get_json()["following"] is True
    rated = mp.post(f"/items/{number}/rating", {"score": "satisfied", "comment": "修得很快，谢谢"})
    assert rated.status_code == 200, rated.get_json()
    final = rated.get_json()
    assert final["status"] == "closed" and final["status_label"] == "已办结"
    assert final["rating"]["score"] == "satisfied" and final["rating"]["label"] == "满意"
    assert final["result"] == "已更换电梯控制板，恢复正常运行" and final["can_rate"] is False
    kinds = [event["kind"] for event in final["timeline"]]
    assert kinds == ["collect", "classify", "claim", "resolve", "rate", "close"]
    assert sorted(p["kind"] for p in final["photos"]) == ["report", "result"]
    for shown_photo in final["photos"]:  # <image src> in pages/item, no token
        assert fetch(client, shown_photo["url"]).status_code == 200
        assert "?k=" not in shown_photo["url"]  # public once classified: a plain, cacheable URL

    # Final state in the database.
    row = models.Item.get(models.Item.number == number)
    assert row.status == "closed" and row.reporter_id == resident.id and row.channel == "miniprogram"
    assert row.lat == 31.8612 and row.address == "全椒路88号（幸福小区） 3号楼"
    assert models.Follower.select().where((models.Follower.item == row)
                                          & (models.Follower.resident == resident)).count() == 1
    pushes = (models.Outbox.select().where((models.Outbox.resident == resident)
                                           & (models.Outbox.channel == "mp_subscribe")).order_by(models.Outbox.id))
    # One consent per template: the first progress notice and the first result notice use them up.
    assert [(p.kind, p.template_id) for p in pushes] == [("classified", titled["办理进度通知"]),
                                                         ("resolved", titled["办理结果通知"])]
    assert {g.template_id: g.remaining for g in models.SubscriptionGrant.select()} == {t: 0 for t in template_ids}
    assert [entry for entry in mp.log if entry[2] >= 400] == []
    assert len(wechat_api.calls_to("jscode2session")) == 1  # one login for the whole visit


def test_an_expired_token_logs_in_again_once_as_api_js_does(client, world, wechat_api):
    mp = MiniProgram(client, "wx-code-resident-2")
    mp.login()
    models.ApiToken.update(revoked_at=models.local_now()).execute()  # the server forgot the token
    mine = mp.get("/items/mine?page=1")
    assert mine.status_code == 200 and mine.get_json()["total"] == 0
    assert [entry[:2] for entry in mp.log] == [("POST", "/auth/wxlogin"), ("GET", "/items/mine?page=1"),
                                                 ("POST", "/auth/wxlogin"), ("GET", "/items/mine?page=1")]
    assert [entry[2] for entry in mp.log] == [200, 401, 200, 200]


def test_first_report_picks_a_community_and_saves_it_as_the_report_page_does(client, world, wechat_api):
    mp = MiniProgram(client, "wx-code-resident-3")
    mp.login()

    # pages/report loadCommunities: api.communities() (once a session), then api.me()
    listed = mp.get("/communities")
    assert listed.status_code == 200
    names = [c["name"] for c in listed.get_json()]
    assert names == ["全椒路社区", "安居苑社区"]
    me = mp.get("/me")
    assert me.get_json()["user"]["community"] is None  # no community yet: the page asks

    # A name the office does not keep (a stale list) is refused, nothing created; the page picks again.
    refused = mp.post("/items", {"content": "菜场门口污水横流，气味很大", "community": "全椒路东社区",
                                 "photos": [], "anonymous": False})
    assert refused.status_code == 400
    error = refused.get_json()["error"]
    assert error["code"] == "unknown_community" and error["message"].startswith("社区不存在，应为：")
    assert "安居苑社区" in error["message"]
    assert models.Item.select().count() == 0

    # onSubmit with the picked community → POST /items, then saveOwnCommunity → PATCH /me
    created = mp.post("/items", {"content": "菜场门口污水横流，气味很大", "community": names[1],
                                 "photos": [], "anonymous": False})
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["community"] == "安居苑社区"
    saved = mp.patch("/me", {"community": names[1]})
    assert saved.status_code == 200 and saved.get_json()["user"]["community"] == "安居苑社区"

    # The next report pre-selects it; 不清楚 sends none and the report still takes the resident's own.
    assert mp.get("/me").get_json()["user"]["community"] == "安居苑社区"
    unsure = mp.post("/items", {"content": "楼道堆放杂物，存在消防隐患", "photos": [], "anonymous": False})
    assert unsure.status_code == 201 and unsure.get_json()["community"] == "安居苑社区"
    assert [entry[2] for entry in mp.log[1:]] == [200, 200, 400, 201, 200, 200, 201]
