"""`flask wechat-menu`, `flask staff-bind-qr` and `python -m wechat.simulate`."""
import io
import json
import re
import shlex
import threading
from pathlib import Path

import click
import pytest
from PIL import Image
from werkzeug.serving import make_server

from models import Item, StaffBindTicket, StaffUser, local_now
from wechat import simulate

from wechat_support import AES_KEY


@pytest.fixture
def cli(runner):
    return runner


def test_menu_is_pushed_from_the_data_file(cli, wechat_api):
    result = cli.invoke(args=["wechat-menu"])
    assert result.exit_code == 0, result.output
    assert "菜单已发布" in result.output
    menu = wechat_api.calls_to("cgi-bin/menu/create")[0]["json"]
    keys = [b.get("key") for b in menu["button"]] + [b.get("key") for b in menu["button"][2]["sub_button"]]
    assert {"REPORT", "MY_ITEMS", "BOARD", "SUPERVISOR"} <= set(keys)
    mini = menu["button"][2]["sub_button"][2]
    assert mini["appid"] == "wx-test-mp" and mini["url"].startswith("http")
    assert [b["name"] for b in menu["button"][:2]] == ["我要反映", "我的诉求"]


def test_menu_push_failure_is_explained(cli, wechat_api):
    wechat_api.fail_next("menu/create", 40016)
    result = cli.invoke(args=["wechat-menu"])
    assert result.exit_code != 0 and "40016" in result.output


def test_staff_bind_qr_prints_a_one_time_code(cli, world, wechat_api, tmp_path):
    target = tmp_path / "bind.png"
    result = cli.invoke(args=["staff-bind-qr", "shirong", "--hours", "48", "--save", str(target)])
    assert result.exit_code == 0, result.output
    assert "赵磊" in result.output and "仅可使用一次" in result.output
    url = re.search(r"http\S+showqrcode\?ticket=\S+", result.output).group(0)
    created = wechat_api.calls_to("qrcode/create")[0]["json"]
    assert created["action_name"] == "QR_STR_SCENE" and created["expire_seconds"] == 48 * 3600
    ticket = StaffBindTicket.get()
    assert created["action_info"]["scene"]["scene_str"] == ticket.scene and ticket.scene.startswith("bind-")
    assert ticket.qr_url == url and ticket.staff.username == "shirong"
    assert Image.open(io.BytesIO(target.read_bytes())).format == "PNG"


def test_a_new_code_replaces_the_unused_old_one(cli, world, wx):
    cli.invoke(args=["staff-bind-qr", "shirong"])
    cli.invoke(args=["staff-bind-qr", "shirong"])
    old, new = list(StaffBindTicket.select().order_by(StaffBindTicket.id))
    wx.clock.now = local_now()  # the command issued the codes at the real time
    assert "已过期" in wx.event("o-phone", "SCAN", old.scene).content
    assert "绑定成功" in wx.event("o-phone", "SCAN", new.scene).content
    assert StaffUser.get(StaffUser.username == "shirong").openid == "o-phone"


def test_staff_bind_qr_for_an_unknown_user(cli, world):
    result = cli.invoke(args=["staff-bind-qr", "nobody"])
    assert result.exit_code != 0 and "nobody" in result.output


@pytest.fixture
def live_webhook(app, monkeypatch):
    """The app served over real HTTP on loopback, for the simulate command."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setattr("config.load_config", lambda: dict(app.config))
    yield f"http://127.0.0.1:{server.server_port}/wechat"
    server.shutdown()


def test_staff_bind_qr_prints_the_scene_and_the_simulate_line_that_scans_it(cli, world, wechat_api, live_webhook):
    result = cli.invoke(args=["staff-bind-qr", "shirong"])
    assert result.exit_code == 0, result.output
    ticket = StaffBindTicket.get()
    assert f"场景值（scene）：{ticket.scene}" in result.output
    line = next(text.strip() for text in result.output.splitlines() if "wechat.simulate" in text)
    args = shlex.split(line)
    assert args[:3] == ["python", "-m", "wechat.simulate"] and args[-2:] == ["--event", f"SCAN:{ticket.scene}"]
    args[args.index("--url") + 1] = live_webhook  # the test's server, not PUBLIC_BASE_URL
    assert simulate.main(args[3:]) == 0
    assert StaffUser.get(StaffUser.username == "shirong").openid == "o-wechat-shirong"
    assert StaffBindTicket.get().used_at is not None


@pytest.mark.parametrize("aes", [False, True], ids=["plain", "aes"])
def test_simulate_sends_signed_pushes(live_webhook, app, capsys, aes):
    app.config["WECHAT_AES_KEY"] = AES_KEY if aes else None
    assert simulate.main(["--url", live_webhook, "--from", "o-sim", "全椒路社区8号楼下水道堵了，污水漫到路面"]) == 0
    out = capsys.readouterr().out
    number = re.search(r"\d{8}-\d{4}", out).group(0)
    assert Item.get(Item.number == number).reporter.openid == "o-sim"
    assert simulate.main(["--url", live_webhook, "--from", "o-sim", "--location", "31.23,121.47,8号楼"]) == 0
    assert f"位置已补充到事项 {number}" in capsys.readouterr().out
    assert simulate.main(["--url", live_webhook, "--from", "o-sim", "--event", "CLICK:MY_ITEMS"]) == 0
    assert number in capsys.readouterr().out
    assert simulate.main(["--url", live_webhook, "--event", "unsubscribe"]) == 0
    assert "success" in capsys.readouterr().out


def test_simulate_reports_a_refused_push(live_webhook, app, capsys, monkeypatch):
    monkeypatch.setattr("config.load_config", lambda: dict(app.config, WECHAT_TOKEN="not-the-apps-token"))
    assert simulate.main(["--url", live_webhook, "测试一下签名不对的情况会怎样"]) == 1
    assert "403" in capsys.readouterr().err
    assert Item.select().count() == 0


def test_simulate_without_a_server(capsys):
    assert simulate.main(["--url", "http://127.0.0.1:9/wechat", "测试一下没有服务的情况"]) == 2
    assert "无法连接" in capsys.readouterr().err


def test_the_menus_mini_program_button_opens_a_page_the_mini_program_has(cli, wechat_api):
    assert cli.invoke(args=["wechat-menu"]).exit_code == 0
    mini = wechat_api.calls_to("cgi-bin/menu/create")[0]["json"]["button"][2]["sub_button"][2]
    app_json = json.loads((Path(__file__).parents[2] / "miniprogram" / "app.json").read_text(encoding="utf-8"))
    assert mini["type"] == "miniprogram" and mini["pagepath"] in app_json["pages"]
    assert mini["pagepath"] == app_json["pages"][0]  # 反映问题


def test_the_menu_is_not_pushed_to_a_real_account_with_a_local_link(app):
    from wechat.cli import load_menu

    real = {**app.config, "WECHAT_API_BASE": "https://api.weixin.qq.com/"}
    for local in ("http://127.0.0.1:5000", "http://localhost:5000/", ""):
        with pytest.raises(click.ClickException, match="PUBLIC_BASE_URL"):
            load_menu({**real, "PUBLIC_BASE_URL": local})
    menu = load_menu({**real, "PUBLIC_BASE_URL": "https://sixstep.jiedao.example.cn"})
    assert menu["button"][2]["sub_button"][2]["url"] == "https://sixstep.jiedao.example.cn"
