"""Blueprints: the JSON API (/api/v1), uploads, badges and their pages, the staff console."""
from web.auth import refuse_undeclared
from web.console import register_console
from web.edge import init_edge
from web.errors import register_errors
from web.headers import init_headers
from web.limits import init_limits


def register_web(app):
    from web import (
        api_badges,
        api_me,
        api_office,
        api_public,
        api_resident,
        api_routines,
        api_staff,
        api_uploads,
        health,
    )

    init_edge(app)  # first: bounded path ids, and its check before every other hook
    register_errors(app)
    refuse_undeclared(app)
    init_headers(app)
    init_limits(app)
    app.register_blueprint(api_public.bp)
    app.register_blueprint(api_resident.bp)
    app.register_blueprint(api_staff.bp)
    app.register_blueprint(api_routines.bp)
    app.register_blueprint(api_office.bp)
    app.register_blueprint(api_uploads.bp)
    app.register_blueprint(api_badges.bp)
    app.register_blueprint(api_me.bp)
    app.register_blueprint(health.bp)
    register_console(app)
