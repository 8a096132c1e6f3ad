"""The Flask application: `create_app(config)`, and `app` for WSGI servers."""
import logging

from flask import Flask, g

import models
from config import check_settings, load_config
from pipeline import settings as pipeline_settings


def create_app(config=None):
    """Build the app from the environment, with `config` overrides (tests)."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.update(load_config())
    if config:
        app.config.update(config)
    check_settings(app.config)
    pipeline_settings.configure(app.config)
    app.json.ensure_ascii = False
    models.open_database(app.config["DATABASE_URL"])

    _use_database(app)

    from cli import register_cli
    from web import register_web
    from wechat.cli import register_cli as register_wechat_cli
    register_web(app)
    app.wsgi_app = _serve_path("/wechat", _webhook_app(app).wsgi_app, app.wsgi_app)
    register_cli(app)
    register_wechat_cli(app)
    logging.getLogger("sixstep").setLevel(logging.INFO)
    return app


def _use_database(flask_app):
    @flask_app.before_request
    def _connect():
        models.db.connect(reuse_if_open=True)

    @flask_app.teardown_request
    def _close(exc):
        # A SQLite connection stays open for the process: closing the last one
        # checkpoints the WAL, which cost more than the request itself.
        if not models.db.is_closed() and models.base.is_postgres():
            models.db.close()
        g.pop("actor", None)


def _webhook_app(app):
    """WeChat's pushes get an app of their own, sharing `app`'s configuration.

    The console's rate limiter, sessions and error pages have nothing to do
    with WeChat's servers (which must never be told to slow down), and their
    hooks cost a push about a third of what the bare verify-parse-reply does.
    """
    from wechat.webhook import bp

    webhook = Flask("wechat.webhook")
    webhook.config = app.config  # one configuration: changes to either are seen by both
    webhook.register_blueprint(bp)
    _use_database(webhook)
    return webhook


def _serve_path(path, special, rest):
    """A WSGI app sending requests for exactly `path` (or `path/`, as an admin may
    type the server URL) to `special`, the rest to `rest`."""

    def dispatch(environ, start_response):
        if environ.get("PATH_INFO") == path + "/":
            environ["PATH_INFO"] = path
        target = special if environ.get("PATH_INFO") == path else rest
        return target(environ, start_response)

    return dispatch


app = create_app()
