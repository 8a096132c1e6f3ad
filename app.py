"""The Flask application: `create_app(config)`, and `app` for WSGI servers."""
import logging

from flask import Flask, g

import models
from config import check_production, load_config


def create_app(config=None):
    """Build the app from the environment, with `config` overrides (tests)."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.update(load_config())
    if config:
        app.config.update(config)
    check_production(app.config)
    app.json.ensure_ascii = False
    models.open_database(app.config["DATABASE_URL"])

    @app.before_request
    def _connect():
        models.db.connect(reuse_if_open=True)

    @app.teardown_request
    def _close(exc):
        # A SQLite connection stays open for the process: closing the last one
        # checkpoints the WAL, which cost more than the request itself.
        if not models.db.is_closed() and models.base.is_postgres():
            models.db.close()
        g.pop("actor", None)

    from web import register_web
    from cli import register_cli
    from wechat.cli import register_cli as register_wechat_cli
    from web.limits import limiter
    from wechat.webhook import bp as wechat_webhook

    register_web(app)
    app.register_blueprint(wechat_webhook)
    limiter.exempt(wechat_webhook)  # WeChat's own servers: they must never be told to slow down
    register_cli(app)
    register_wechat_cli(app)
    logging.getLogger("sixstep").setLevel(logging.INFO)
    return app


app = create_app()
