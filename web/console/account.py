"""Signing in and out (password or WeChat OAuth), password change, profile."""
import secrets
from urllib.parse import urlencode

from flask import current_app, flash, g, redirect, render_template, request, session, url_for
from flask_limiter.util import get_remote_address

from config import local_url
from pipeline.accounts import lockout
from pipeline.accounts.people import change_password, check_staff_password
from pipeline.accounts.staff_binding import bound_staff, open_ticket
from pipeline.messages.dispatch import last_staff_push
from pipeline.messages.notify import reachable
from pipeline.rules.errors import Unauthorized
from web.auth import allow
from wechat.cli import simulate_scan_line, wechat_failures

from . import bp, local_target, sign_in
from .forms import EmptyForm, LoginForm, PasswordForm


def _next_page():
    return local_target(request.values.get("next"), url_for("console.home"))


@bp.route("/login", methods=["GET", "POST"])
@allow("sign_in")
def login():
    if g.get("console_user"):
        return redirect(_next_page())
    form = LoginForm()
    error = None
    status = 200
    if form.validate_on_submit():
        username, address = form.username.data.strip(), get_remote_address()
        try:
            lockout.check(username, address)
            try:
                user = check_staff_password(username, form.password.data)
            except Unauthorized:
                lockout.record_failure(username, address)
                lockout.check(username, address)  # the failure that locks says so at once
                raise
            lockout.clear(username)
            sign_in(user)
            return redirect(_next_page())
        except (Unauthorized, lockout.LockedOut) as exc:
            error, status = exc.message, exc.status
    elif request.method == "POST":
        error, status = "请输入用户名和密码", 400
    return render_template("console/login.html", form=form, error=error, next=request.values.get("next", "")), status


@bp.post("/logout")
@allow("account.own")
def logout():
    session.clear()
    flash("您已安全退出", "info")
    return redirect(url_for("console.login"))


@bp.get("/login/wechat")
@allow("sign_in")
def wechat_login():
    """Inside WeChat's browser: off to WeChat's OAuth page (snsapi_base: no prompt)."""
    state = secrets.token_urlsafe(16)
    session["oauth_state"] = state
    session["oauth_next"] = _next_page()
    config = current_app.config
    query = urlencode({
        "appid": config["WECHAT_APPID"],
        "redirect_uri": config["PUBLIC_BASE_URL"].rstrip("/") + url_for("console.wechat_callback"),
        "response_type": "code",
        "scope": "snsapi_base",
        "state": state,
    })
    return redirect(f"{config['WECHAT_OAUTH_AUTHORIZE_URL']}?{query}#wechat_redirect")


@bp.get("/login/wechat/callback")
@allow("sign_in")
def wechat_callback():
    """WeChat sends the browser back with `code`: its openid names the bound staff account."""
    expected = session.pop("oauth_state", None)
    target = session.pop("oauth_next", None) or url_for("console.home")
    if not expected or not secrets.compare_digest(expected, request.args.get("state", "")):
        return _login_page("微信登录已失效，请重新打开链接或使用账号密码登录")
    from wechat.logins import WeChatAPIError, oauth_openid  # `requests` alone, on first use

    try:
        openid = oauth_openid(current_app.config, request.args.get("code"))
    except WeChatAPIError as exc:
        return _login_page(f"微信登录失败（{exc.message}），请使用账号密码登录")
    user = bound_staff(openid)
    if user is None:
        return _login_page("您的微信尚未绑定工作账号：请用账号密码登录，在“我的”页面扫码绑定")
    sign_in(user)
    return redirect(target)


def _login_page(error):
    return render_template("console/login.html", form=LoginForm(), error=error, next=""), 401


@bp.route("/password", methods=["GET", "POST"])
@allow("account.own")
def password():
    form = PasswordForm()
    error = None
    if form.validate_on_submit():
        try:
            user = change_password(g.console_user, form.old_password.data, form.new_password.data)
        except Unauthorized:
            error = "原密码不正确"
        else:
            sign_in(user)  # this session stays; every other one ends
            flash("密码已修改", "success")
            return redirect(url_for("console.profile"))
    elif request.method == "POST":
        error = next(iter(m for messages in form.errors.values() for m in messages), "请检查输入")
    return render_template("console/password.html", form=form, error=error), 400 if error else 200


@bp.get("/profile")
@allow("account.own")
def profile():
    """Who I am, whether WeChat pushes reach me (and what became of the last one), my binding code."""
    user = g.console_user
    ticket = open_ticket(user)
    simulate = None
    if ticket is not None and local_url(current_app.config.get("WECHAT_API_BASE")):
        simulate = simulate_scan_line(current_app.config, user.username, ticket.scene)  # the demo's fake WeChat
    return render_template("console/profile.html", form=EmptyForm(), reachable=reachable(user), ticket=ticket,
                           last_push=last_staff_push(user.id), simulate=simulate)


@bp.post("/profile/bind-code")
@allow("account.own")
def bind_code():
    """A fresh binding QR code for the signed-in person (scan it in WeChat to get pushes)."""
    from wechat.cli import print_bind_code
    from wechat.logins import WeChatAPIError

    try:
        print_bind_code(current_app.config, g.console_user.username, 24)
    except (*wechat_failures(), WeChatAPIError, OSError) as exc:
        current_app.logger.warning("binding QR failed: %s", exc)
        flash("暂时无法生成绑定二维码（微信接口不可用），请稍后再试", "error")
    else:
        flash("绑定二维码已生成，24小时内有效：请用微信扫码", "success")
    return redirect(url_for("console.profile"))
