"""Domain errors: a stable code for programs, a Chinese message for people."""


class DomainError(Exception):
    status = 400
    code = "invalid"

    def __init__(self, message: str, code: str | None = None, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.field = field


class Invalid(DomainError):
    status = 400
    code = "invalid"


class Unauthorized(DomainError):
    status = 401
    code = "unauthorized"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class WrongState(DomainError):
    status = 409
    code = "wrong_state"


class TooMany(DomainError):
    status = 429
    code = "rate_limited"


class UpstreamError(DomainError):
    status = 502
    code = "wechat_error"
