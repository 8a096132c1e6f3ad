"""The Flask application: `create_app(config)`, and `app` for WSGI servers."""
import logging

from flask import Flask, g

import models
from ops.logs import configure_logging
from pipeline.rules.boundary import start

log = logging.getLogger("sixstep.web")


def create_app(config=None):
    """Build the app from the environment, with `config` overrides (tests)."""
    app = Flask(__name__, instance_relative_config=True)
    start(app.config, config)
    app.json.ensure_ascii = False

    from cli import register_cli
    from web import register_web
    from web.requestlog import RequestLog, init_request_log
    from wechat.cli import register_cli as register_wechat_cli
    _use_database(app)
    init_request_log(app)
    register_web(app)
    app.wsgi_app = RequestLog(_serve_path("/wechat", _webhook_app(app).wsgi_app, app.wsgi_app))
    if app.config.get("PROXY_COUNT"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    register_cli(app)
    register_wechat_cli(app)
    if not app.config.get("TESTING"):
        configure_logging(app.config)
    logging.getLogger("sixstep").setLevel(logging.INFO)
    return app


def _use_database(flask_app):
    """Each request connects when it first touches the database (peewee's
    autoconnect), inside the handler's own error handling: during an outage a
    health check that needs no database still answers, the API a JSON 503 and
    the webhook a reply residents can read."""

    @flask_app.teardown_request
    def _close(exc):
        # A SQLite connection stays open for the process: closing the last one
        # checkpoints the WAL, which cost more than the request itself.
        if not models.db.is_closed() and models.base.is_postgres():
            try:
                models.db.close()
            except Exception as error:  # the server went away mid-request; the pool drops the connection
                if not models.base.unavailable(error):
                    raise
                log.warning("closing a connection after the database went away: %s", error.__class__.__name__)
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
    from web.requestlog import init_request_log

    _use_database(webhook)
    init_request_log(webhook, caller="wechat")
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
