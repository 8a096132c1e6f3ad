"""Every error under /api as {"error": {"code", "message", "request_id"}} with the right status.

The database being away (stopped, restarting, every connection busy) is a 503
`unavailable` with Retry-After, not a 500: the caller can try again shortly,
and monitoring tells an outage from a bug.
"""
import logging

from flask import jsonify, request
from werkzeug.exceptions import HTTPException

from pipeline.rules.boundary import forget_idle_connections, unavailable
from pipeline.rules.errors import DomainError
from web.requestlog import request_id

log = logging.getLogger("sixstep.web")

HTTP_MESSAGES = {
    400: ("invalid", "请求格式有误"),
    401: ("unauthorized", "请先登录"),
    403: ("forbidden", "没有权限"),
    404: ("not_found", "请求的内容不存在"),
    405: ("method_not_allowed", "不支持该请求方法"),
    413: ("too_large", "提交的内容过大"),
    415: ("unsupported_media_type", "不支持的内容类型"),
    429: ("rate_limited", "操作过于频繁，请稍后再试"),
    500: ("server_error", "服务器出错了，请稍后再试"),
    503: ("unavailable", "系统繁忙，请稍后再试"),
}
RETRY_AFTER_SECONDS = "5"


def error_response(status, code, message, field=None):
    body = {"error": {"code": code, "message": message}}
    if field:
        body["error"]["field"] = field
    rid = request_id()
    if rid:
        body["error"]["request_id"] = rid
    return jsonify(body), status


def wants_json():
    return request.path.startswith("/api/")


def register_errors(app):
    @app.errorhandler(DomainError)
    def _domain(error):
        return error_response(error.status, error.code, error.message, error.field)

    @app.errorhandler(HTTPException)
    def _http(error):
        if not wants_json():
            return error
        code, message = HTTP_MESSAGES.get(error.code, ("http_error", error.description or "请求失败"))
        return error_response(error.code, code, message)

    @app.errorhandler(Exception)
    def _unexpected(error):
        if unavailable(error):
            forget_idle_connections()
            log.warning("database unavailable on %s %s: %s", request.method, request.url_rule,
                        error.__class__.__name__)
            code, message = HTTP_MESSAGES[503]
            body, status = error_response(503, code, message)
            body.headers["Retry-After"] = RETRY_AFTER_SECONDS
            return body, status
        log.exception("unhandled error on %s %s", request.method, request.url_rule)
        code, message = HTTP_MESSAGES[500]
        return error_response(500, code, message)
