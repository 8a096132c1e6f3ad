"""What both WSGI entry points share: `app.py` (the whole site) and `wechat_app.py`
(the webhook alone, for a proxy that sends `/wechat` to its own processes).

Settings are loaded and checked once per app, each request reaches the database
through peewee's autoconnect, and every request gets its log line. The webhook's
own small Flask app is built here, and within the whole site only on the first
push: an API worker that never sees `/wechat` never loads wechatpy and
`cryptography` (11 MB of each worker's memory).
"""
import logging
import threading

from flask import Flask, g

import models
from ops.logs import configure_logging
from pipeline.rules.boundary import start

log = logging.getLogger("sixstep.web")
WEBHOOK_PATH = "/wechat"


def configured_flask(name, config=None, **options):
    """A Flask app with the environment's settings (and `config` overrides), checked,
    applied to the pipeline, and the database opened (`boundary.start`, as the jobs
    process starts)."""
    app = Flask(name, **options)
    start(app.config, config)
    return app


def outermost(app, inner):
    """The WSGI stack around `inner`: the request log, then the proxy's headers when
    PROXY_COUNT says how many proxies stand in front."""
    from web.requestlog import RequestLog

    wsgi = RequestLog(inner)
    if app.config.get("PROXY_COUNT"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["PROXY_COUNT"]
        wsgi = ProxyFix(wsgi, x_for=hops, x_proto=hops, x_host=hops)
    return wsgi


def start_logging(app):
    if not app.config.get("TESTING"):
        configure_logging(app.config)
    logging.getLogger("sixstep").setLevel(logging.INFO)


def use_database(flask_app):
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


def webhook_app(config):
    """WeChat's pushes get an app of their own, with `config` as its configuration
    (the whole site passes its own: changes to either are seen by both).

    The console's rate limiter, sessions and error pages have nothing to do
    with WeChat's servers (which must never be told to slow down), and their
    hooks cost a push about a third of what the bare verify-parse-reply does.
    """
    from web.requestlog import init_request_log
    from wechat.webhook import bp

    webhook = Flask("wechat.webhook")
    webhook.config = config
    webhook.register_blueprint(bp)
    use_database(webhook)
    init_request_log(webhook, caller="wechat")
    return webhook


def webhook_path(config, rest, webhook=None):
    """A WSGI app sending requests for exactly WEBHOOK_PATH (or with a trailing
    slash, as an admin may type the server URL) to the webhook's WSGI app — `webhook`,
    or when None one built on the first push — and the rest to `rest`."""
    built = [webhook] if webhook is not None else []
    lock = threading.Lock()

    def target():
        if not built:
            with lock:
                if not built:
                    built.append(webhook_app(config).wsgi_app)
        return built[0]

    def dispatch(environ, start_response):
        if environ.get("PATH_INFO") == WEBHOOK_PATH + "/":
            environ["PATH_INFO"] = WEBHOOK_PATH
        if environ.get("PATH_INFO") == WEBHOOK_PATH:
            return target()(environ, start_response)
        return rest(environ, start_response)

    return dispatch
