"""Every error under /api as {"error": {"code", "message"}} with the right status."""
import logging

from flask import jsonify, request
from werkzeug.exceptions import HTTPException

from pipeline.errors import DomainError

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
}


def error_response(status, code, message, field=None):
    body = {"error": {"code": code, "message": message}}
    if field:
        body["error"]["field"] = field
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
        log.exception("unhandled error on %s %s", request.method, request.path)
        code, message = HTTP_MESSAGES[500]
        return error_response(500, code, message)
