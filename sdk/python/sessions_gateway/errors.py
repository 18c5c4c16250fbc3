"""The errors the client raises: one base class, one subclass per kind of failure."""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional, Type

if TYPE_CHECKING:
    from .types import Wait


class SessionsGatewayError(Exception):
    """Every error the client raises.

    ``status`` is the HTTP status (None when no answer came), ``error`` the body's title (e.g.
    "Not found"), ``message`` its detail and ``request_id`` the server's X-Request-Id.
    """

    def __init__(self, message: str, *, error: str, status: Optional[int] = None, request_id: Optional[str] = None) -> None:
        super().__init__(message)
        self.message: str = message
        self.error: str = error
        self.status: Optional[int] = status
        self.request_id: Optional[str] = request_id

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status={self.status!r}, error={self.error!r}, message={self.message!r})"


class BadRequestError(SessionsGatewayError):
    """400: the request was refused as invalid (the message names the field)."""


class AuthenticationError(SessionsGatewayError):
    """401: the API key is missing, unknown or revoked."""


class NotFoundError(SessionsGatewayError):
    """404: no such session, inbox, message or wait."""


class ConflictError(SessionsGatewayError):
    """409: the request conflicts with the resource's state (e.g. a session that has already ended)."""


class InternalServerError(SessionsGatewayError):
    """5xx: the server failed; the message is "Failed to <action>"."""


class RateLimitError(SessionsGatewayError):
    """429: the key's rate limit is spent; ``retry_after`` is how many seconds until it refills."""

    def __init__(self, message: str, *, error: str, status: Optional[int] = None, request_id: Optional[str] = None, retry_after: Optional[int] = None) -> None:
        super().__init__(message, error=error, status=status, request_id=request_id)
        self.retry_after: Optional[int] = retry_after


class ConnectionError(SessionsGatewayError):  # noqa: A001 - the documented name; it shadows the builtin only inside this package
    """No answer: the connection failed, was dropped, or the request timed out."""


class WaitTimeoutError(SessionsGatewayError):
    """wait_for / wait_for_otp / wait_for_link: the time ran out before a matching message arrived."""

    def __init__(self, wait: "Wait", message: str) -> None:
        super().__init__(message, error="Wait timed out")
        self.wait = wait


def error_class_for(status: int) -> Type[SessionsGatewayError]:
    """The error class for an HTTP status."""
    if status == 400:
        return BadRequestError
    if status == 401:
        return AuthenticationError
    if status == 404:
        return NotFoundError
    if status == 409:
        return ConflictError
    if status == 429:
        return RateLimitError
    if status >= 500:
        return InternalServerError
    return SessionsGatewayError
