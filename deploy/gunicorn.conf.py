"""gunicorn settings for sixstep's web hosts: `gunicorn -c deploy/gunicorn.conf.py app:app`.

Sync workers: every request is short (WeChat's calls from web requests wait
WECHAT_WEB_TIMEOUT at most), and a worker per CPU-ish keeps memory flat.
"""
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "4"))
worker_class = "sync"
timeout = 30  # a stuck worker is killed and replaced
graceful_timeout = 30  # on SIGTERM (systemctl stop/restart) in-flight requests finish
keepalive = 5  # the proxy keeps connections open to us
max_requests = 5000  # recycle workers now and then, so slow leaks never pile up
max_requests_jitter = 500
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = None  # sixstep logs one line per request itself (request id, route, actor kind)
errorlog = "-"
