"""Python client for the sessions-gateway REST API (standard library only).

    from sessions_gateway import SessionsGateway
    client = SessionsGateway(api_key="sgk_...", base_url="http://localhost:4000")
    session = client.sessions.create(name="user-signup-flow", metadata={"environment": "staging"})
"""

from ._client import DEFAULT_BASE_URL, SessionsGateway
from ._resources import Inboxes, Messages, Sessions, Waits
from ._transport import RequestOptions
from .errors import (
    AuthenticationError,
    BadRequestError,
    ConflictError,
    ConnectionError,
    InternalServerError,
    NotFoundError,
    RateLimitError,
    SessionsGatewayError,
    WaitTimeoutError,
)
from .types import (
    AttachmentFile,
    CursorEvent,
    MessageAttachment,
    MessageCode,
    MessageHeader,
    MessageLink,
    TimelinePage,
    CompleteSessionResponse,
    FailSessionResponse,
    Inbox,
    InboxList,
    Message,
    MessageList,
    MessageSummary,
    Pagination,
    Replay,
    ReplayStep,
    Session,
    SessionList,
    SessionListItem,
    Timeline,
    TimelineEvent,
    Wait,
    WaitFilters,
    WaitResult,
)

__version__ = "0.1.0"

__all__ = [
    "DEFAULT_BASE_URL",
    "SessionsGateway",
    "Sessions",
    "Inboxes",
    "Messages",
    "Waits",
    "RequestOptions",
    "SessionsGatewayError",
    "BadRequestError",
    "AuthenticationError",
    "NotFoundError",
    "ConflictError",
    "RateLimitError",
    "InternalServerError",
    "ConnectionError",
    "WaitTimeoutError",
    "Session",
    "SessionList",
    "SessionListItem",
    "CompleteSessionResponse",
    "FailSessionResponse",
    "Timeline",
    "AttachmentFile",
    "CursorEvent",
    "MessageAttachment",
    "MessageCode",
    "MessageHeader",
    "MessageLink",
    "TimelinePage",
    "TimelineEvent",
    "Replay",
    "ReplayStep",
    "Inbox",
    "InboxList",
    "Message",
    "MessageSummary",
    "MessageList",
    "Wait",
    "WaitFilters",
    "WaitResult",
    "Pagination",
]
