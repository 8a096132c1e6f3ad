"""The Flask application: `create_app(config)`, and `app` for WSGI servers.

It serves the API, the console's pages and `/wechat` (whose own small app is
built on the first push; see `serving`). A proxy may instead send `/wechat` to
`wechat_app:app` processes, and then these never load wechatpy for pushes.
"""
from serving import configured_flask, outermost, start_logging, use_database, webhook_path


def create_app(config=None):
    """Build the app from the environment, with `config` overrides (tests)."""
    app = configured_flask(__name__, config, instance_relative_config=True)
    app.json.ensure_ascii = False

    from cli import register_cli
    from web import register_web
    from web.requestlog import init_request_log
    from wechat.cli import register_cli as register_wechat_cli
    use_database(app)
    init_request_log(app)
    register_web(app)
    app.wsgi_app = outermost(app, webhook_path(app.config, app.wsgi_app))
    register_cli(app)
    register_wechat_cli(app)
    start_logging(app)
    return app


app = create_app()
