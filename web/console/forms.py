"""The console's forms (Flask-WTF: each carries the session's CSRF token)."""
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from pipeline.accounts.people import PASSWORD_MAX, PASSWORD_MIN
from pipeline.rules.schemas import limit


class LoginForm(FlaskForm):
    username = StringField("用户名", validators=[DataRequired("请输入用户名"), Length(max=limit("staff_login", "username"))])
    password = PasswordField("密码", validators=[DataRequired("请输入密码"), Length(max=limit("staff_login", "password"))])


class PasswordForm(FlaskForm):
    old_password = PasswordField("原密码", validators=[DataRequired("请输入原密码")])
    new_password = PasswordField("新密码", validators=[
        DataRequired("请输入新密码"), Length(min=PASSWORD_MIN, max=PASSWORD_MAX, message=f"新密码至少{PASSWORD_MIN}位")])
    confirm = PasswordField("再次输入新密码", validators=[EqualTo("new_password", "两次输入的新密码不一致")])


class EmptyForm(FlaskForm):
    """A form with only the CSRF token (log out, make a binding code)."""
