"""The webhook alone: `gunicorn wechat_app:app` serves `/wechat` and nothing else.

For a proxy that sends WeChat's pushes to processes of their own (README,
Deployment): the API's workers then never load wechatpy and `cryptography`
for pushes, and a burst of pushes never queues behind console pages. Same
settings, checks, database and request log as `app.py`.
"""
from werkzeug.exceptions import NotFound

from serving import configured_flask, outermost, start_logging, webhook_app, webhook_path


def create_webhook_app(config=None):
    """The webhook's app from the environment, with `config` overrides (tests);
    any path but `/wechat` is 404."""
    webhook = webhook_app(configured_flask(__name__, config).config)
    webhook.wsgi_app = outermost(webhook, webhook_path(webhook.config, NotFound(), webhook.wsgi_app))
    start_logging(webhook)
    return webhook


app = create_webhook_app()
