"""Blueprints: the JSON API (/api/v1), uploads and the WeChat webhook."""
import wechat.webhook
from web.errors import register_errors


def register_web(app):
    from web import api_public, api_resident, api_routines, api_staff

    register_errors(app)
    app.register_blueprint(api_public.bp)
    app.register_blueprint(api_resident.bp)
    app.register_blueprint(api_staff.bp)
    app.register_blueprint(api_routines.bp)
    app.register_blueprint(wechat.webhook.bp)
