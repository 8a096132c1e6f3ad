"""Flask commands for the official account: push the menu, print staff binding codes.

    flask --app app wechat-menu
    flask --app app staff-bind-qr USERNAME [--hours 72] [--save code.png]

`staff-bind-qr` prints the code's image URL, its scene, and the `wechat.simulate`
line that scans it against a fake WeChat (the demo).

`register_cli(app)` adds them (called from the app factory). These commands
call WeChat's API directly: they run by hand, not inside a webhook request.
wechatpy and `requests` are imported by the commands that use them: every web
worker builds the app that registers them, and needs neither for the API.
"""
import json
import shlex
from pathlib import Path

import click
from flask import current_app

from config import local_url
from pipeline.accounts import staff_binding
from pipeline.rules.errors import DomainError

MENU_FILE = Path(__file__).with_name("menu.json")


def load_menu(config, path=MENU_FILE):
    """The menu definition with `{SETTING}` placeholders filled from the settings.

    Refused (click.ClickException) when it would send a real account's followers
    to this machine: PUBLIC_BASE_URL local while WECHAT_API_BASE is not."""
    base = config.get("PUBLIC_BASE_URL")
    if (not base or local_url(base)) and not local_url(config.get("WECHAT_API_BASE")):
        raise click.ClickException(f"PUBLIC_BASE_URL（{base or '未设置'}）是本机地址，"
                                   "菜单里小程序按钮的备用链接会打不开：请先设置服务器的公网 https 地址")
    text = Path(path).read_text(encoding="utf-8")
    for name in ("MINIPROGRAM_APPID", "PUBLIC_BASE_URL"):
        text = text.replace("{" + name + "}", str(config.get(name) or ""))
    return json.loads(text)


def push_menu(config, path=MENU_FILE):
    """Create the official account's menu from the data file; returns WeChat's answer."""
    from .client import make_client

    return make_client(config, "oa").menu.create(load_menu(config, path))


def print_bind_code(config, username, hours, now=None):
    """Issue a one-time binding ticket for `username` and a temporary QR code for it."""
    from .client import make_client

    user = staff_binding.staff_by_username(username)
    ticket = staff_binding.issue(user, hours=hours, now=now)
    client = make_client(config, "oa")
    answer = client.qrcode.create({
        "expire_seconds": int(hours) * 3600,
        "action_name": "QR_STR_SCENE",
        "action_info": {"scene": {"scene_str": ticket.scene}},
    })
    url = client.qrcode_image_url(answer["ticket"])
    staff_binding.attach_qr(ticket, answer["ticket"], url)
    return user, ticket, url


def simulate_scan_line(config, username, scene):
    """The `wechat.simulate` command that sends WeChat's SCAN event for `scene` to this server's webhook."""
    webhook = str(config.get("PUBLIC_BASE_URL") or "http://127.0.0.1:5000").rstrip("/") + "/wechat"
    return shlex.join(["python", "-m", "wechat.simulate", "--url", webhook, "--from", f"o-wechat-{username}",
                       "--event", f"SCAN:{scene}"])


def wechat_failures():
    """The exceptions a call to WeChat's API raises when it fails."""
    import requests
    from wechatpy.exceptions import WeChatClientException

    return WeChatClientException, requests.RequestException


def _wechat_failure(exc):
    from wechatpy.exceptions import WeChatClientException

    if isinstance(exc, WeChatClientException):
        return click.ClickException(f"微信接口返回错误 {exc.errcode}：{exc.errmsg}")
    return click.ClickException(f"无法连接微信接口：{exc.__class__.__name__}")


def register_cli(app):
    """Add `wechat-menu` and `staff-bind-qr` to the app's commands."""

    @app.cli.command("wechat-menu")
    @click.option("--file", "path", default=str(MENU_FILE), show_default=True, help="菜单定义文件（JSON）")
    def wechat_menu(path):
        """Push the official account's menu (wechat/menu.json) to WeChat."""
        try:
            push_menu(current_app.config, path)
        except wechat_failures() as exc:
            raise _wechat_failure(exc) from None
        click.echo("菜单已发布。")

    @app.cli.command("staff-bind-qr")
    @click.argument("username")
    @click.option("--hours", default=staff_binding.DEFAULT_HOURS, show_default=True, type=int,
                  help="二维码有效小时数（最长30天）")
    @click.option("--save", "save_to", type=click.Path(dir_okay=False), help="把二维码图片保存到此文件")
    def staff_bind_qr(username, hours, save_to):
        """Print a one-time QR code that binds USERNAME's WeChat to the account."""
        import requests

        try:
            user, ticket, url = print_bind_code(current_app.config, username, hours)
            if save_to:
                image = requests.get(url, timeout=10)
                image.raise_for_status()
                Path(save_to).write_bytes(image.content)
        except DomainError as error:
            raise click.ClickException(error.message) from None
        except wechat_failures() as exc:
            raise _wechat_failure(exc) from None
        click.echo(f"{user.name}（{user.username}）的微信绑定二维码，{ticket.expires_at:%Y-%m-%d %H:%M} 前有效，仅可使用一次：")
        click.echo(url)
        if save_to:
            click.echo(f"图片已保存到 {save_to}")
        click.echo("请本人用微信扫码（未关注的会先关注公众号），扫码后即完成绑定。")
        click.echo(f"二维码的场景值（scene）：{ticket.scene}")
        click.echo("在演示或测试环境（模拟微信）里，用这条命令模拟本人扫码：")
        click.echo("  " + simulate_scan_line(current_app.config, user.username, ticket.scene))
