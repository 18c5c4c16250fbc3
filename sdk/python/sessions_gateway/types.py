"""Results as typed dataclasses with attribute access, in snake_case (``created_at`` for ``createdAt``).

Fields the server adds later are ignored, so an older client keeps working against a newer server.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Dict, List, Optional, Type, TypeVar, Union, get_args, get_origin, get_type_hints

T = TypeVar("T")


def _json_name(field: "dataclasses.Field[Any]") -> str:
    explicit = field.metadata.get("json")
    if explicit:
        return str(explicit)
    head, *rest = field.name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def _convert(tp: Any, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return from_json(tp, value)
    origin = get_origin(tp)
    if origin is list:
        (item,) = get_args(tp)
        return [_convert(item, v) for v in value]
    if origin is Union:
        for arg in get_args(tp):
            if arg is not type(None):
                return _convert(arg, value)
    return value


def from_json(cls: Type[T], data: Dict[str, Any]) -> T:
    """Builds dataclass ``cls`` from a JSON object with camelCase keys."""
    hints = get_type_hints(cls)
    kwargs = {}
    for field in dataclasses.fields(cls):  # type: ignore[arg-type]
        name = _json_name(field)
        if name in data:
            kwargs[field.name] = _convert(hints[field.name], data[name])
    return cls(**kwargs)


def to_json(value: Any) -> Any:
    """A dataclass (or dict of them) as JSON-ready data with camelCase keys, None fields left out."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {_json_name(f): to_json(getattr(value, f.name)) for f in dataclasses.fields(value) if getattr(value, f.name) is not None}
    if isinstance(value, dict):
        return {k: to_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_json(v) for v in value]
    return value


@dataclasses.dataclass
class Pagination:
    limit: int
    offset: int
    total: int
    next: Optional[str] = None


@dataclasses.dataclass
class Session:
    id: str
    name: str
    status: str
    created_at: str
    updated_at: str
    completed_at: Optional[str]
    metadata: Dict[str, Any]
    inboxes: List[str]
    waits: List[str]


@dataclasses.dataclass
class SessionListItem:
    id: str
    name: str
    status: str
    created_at: str


@dataclasses.dataclass
class SessionList:
    data: List[SessionListItem]
    pagination: Pagination


@dataclasses.dataclass
class CompleteSessionResponse:
    id: str
    status: str
    completed_at: Optional[str]


@dataclasses.dataclass
class FailSessionResponse:
    id: str
    status: str
    completed_at: Optional[str]
    failure_reason: Optional[str]


@dataclasses.dataclass
class TimelineEvent:
    timestamp: str
    type: str
    payload: Dict[str, Any]


@dataclasses.dataclass
class Timeline:
    events: List[TimelineEvent]


@dataclasses.dataclass
class CursorEvent:
    """A timeline event with its cursor (paged timeline, event stream): pass it as ``after``."""

    timestamp: str
    type: str
    payload: Dict[str, Any]
    cursor: str


@dataclasses.dataclass
class TimelinePage:
    """One page of a timeline: ``next`` is the cursor for the next page (None on the last)."""

    events: List[CursorEvent]
    next: Optional[str]


@dataclasses.dataclass
class ReplayStep:
    index: int
    timestamp: str
    action: str
    input: Dict[str, Any]
    output: Dict[str, Any]
    duration_ms: int


@dataclasses.dataclass
class Replay:
    steps: List[ReplayStep]


@dataclasses.dataclass
class Inbox:
    id: str
    email_address: str
    status: str
    session_id: Optional[str]
    metadata: Dict[str, Any]
    created_at: str
    expires_at: str


@dataclasses.dataclass
class InboxList:
    data: List[Inbox]
    pagination: Pagination


@dataclasses.dataclass
class MessageSummary:
    id: str
    inbox_id: str
    from_: str = dataclasses.field(metadata={"json": "from"})
    to: List[str] = dataclasses.field(default_factory=list)
    subject: str = ""
    size_bytes: int = 0
    received_at: str = ""


@dataclasses.dataclass
class MessageHeader:
    name: str
    value: str


@dataclasses.dataclass
class MessageAttachment:
    id: str
    filename: Optional[str]
    content_type: str
    size_bytes: int
    content_id: Optional[str]


@dataclasses.dataclass
class MessageCode:
    value: str
    part: str
    start: int
    end: int
    best: bool


@dataclasses.dataclass
class MessageLink:
    url: str
    text: str
    picked: bool


@dataclasses.dataclass
class Message(MessageSummary):
    text: Optional[str] = None
    html: Optional[str] = None
    cc: List[str] = dataclasses.field(default_factory=list)
    reply_to: List[str] = dataclasses.field(default_factory=list)
    message_id: Optional[str] = None
    in_reply_to: Optional[str] = None
    headers: List[MessageHeader] = dataclasses.field(default_factory=list)
    attachments: List[MessageAttachment] = dataclasses.field(default_factory=list)
    codes: List[MessageCode] = dataclasses.field(default_factory=list)
    links: List[MessageLink] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class AttachmentFile:
    """A downloaded attachment: its bytes, content type and file name."""

    data: bytes
    content_type: str
    filename: Optional[str]


@dataclasses.dataclass
class MessageList:
    data: List[MessageSummary]
    pagination: Pagination


@dataclasses.dataclass
class WaitFilters:
    """Conditions a message must meet (all that are set): the sender contains ``from_``, the subject
    ``subject_contains``, a recipient is ``to``, the subject / body match the regular expressions
    ``subject_matches`` / ``body_matches``; ``pattern`` (otp waits) is a regex whose one group is the code."""

    from_: Optional[str] = dataclasses.field(default=None, metadata={"json": "from"})
    subject_contains: Optional[str] = None
    to: Optional[str] = None
    subject_matches: Optional[str] = None
    body_matches: Optional[str] = None
    pattern: Optional[str] = None


@dataclasses.dataclass
class WaitResult:
    type: str
    value: str
    message_id: str


@dataclasses.dataclass
class Wait:
    id: str
    inbox_id: str
    session_id: Optional[str]
    type: str
    status: str
    timeout_seconds: int
    filters: WaitFilters
    result: Optional[WaitResult]
    created_at: str
    deadline: str
    ended_at: Optional[str]
    since: Optional[str] = None
