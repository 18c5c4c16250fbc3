"""The API's resources: ``client.sessions``, ``client.inboxes``, ``client.waits``, ``client.messages``."""

from __future__ import annotations

import math
import re
import time
from datetime import datetime, timezone
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional, TypeVar, Union
from urllib.parse import quote, unquote

from ._events import stream_events
from ._transport import Download, RequestOptions, Transport
from .errors import SessionsGatewayError, WaitTimeoutError
from .types import (
    AttachmentFile,
    CompleteSessionResponse,
    CursorEvent,
    FailSessionResponse,
    Inbox,
    InboxList,
    Message,
    MessageList,
    MessageSummary,
    Pagination,
    Replay,
    Session,
    SessionList,
    SessionListItem,
    Timeline,
    TimelinePage,
    Wait,
    WaitFilters,
    from_json,
    to_json,
)

T = TypeVar("T")
MAX_PAGE = 100
# The longest long-poll the server holds (GET /waits/{id}?waitSeconds=), and room for its answer.
MAX_POLL_SECONDS = 60
POLL_MARGIN_SECONDS = 30
DEFAULT_WAIT_SECONDS = 120


def _id(value: str) -> str:
    return quote(value, safe="")


def _rfc3339(value: Union[datetime, str]) -> str:
    if isinstance(value, str):
        return value
    if value.tzinfo is None:
        raise ValueError("since must be timezone-aware (e.g. datetime.now(timezone.utc))")
    return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def _filename(disposition: Optional[str]) -> Optional[str]:
    """The file name of a Content-Disposition header: RFC 5987 ``filename*=UTF-8''...`` first."""
    if not disposition:
        return None
    extended = re.search(r"filename\*=UTF-8''([^;]+)", disposition, re.I)
    if extended:
        return unquote(extended.group(1).strip())
    plain = re.search(r'filename="((?:[^"\\]|\\.)*)"', disposition, re.I)
    return plain.group(1) if plain else None


def _paginate(fetch_page: Callable[[int, Optional[int], Optional[str]], Any], limit: Optional[int], offset: Optional[int], after: Optional[str] = None) -> Iterator[Any]:
    """Walks every page of a list by cursor: the first page from ``offset`` or ``after``, then each
    ``pagination.next`` as ``after`` until it is None (rows created meanwhile are neither skipped nor
    repeated)."""
    limit = limit or MAX_PAGE
    page = fetch_page(limit, offset, after)
    while True:
        yield from page.data
        pagination: Pagination = page.pagination
        if not page.data or pagination.next is None:
            return
        page = fetch_page(limit, None, pagination.next)


class Sessions:
    """``/api/v1/sessions``: workflows that group inboxes and waits."""

    def __init__(self, transport: Transport) -> None:
        self._t = transport

    def create(self, *, name: str, metadata: Optional[Mapping[str, Any]] = None, options: Optional[RequestOptions] = None) -> Session:
        """POST /sessions (retried safely: an Idempotency-Key is sent)."""
        body: Dict[str, Any] = {"name": name}
        if metadata is not None:
            body["metadata"] = dict(metadata)
        return from_json(Session, self._t.request("POST", "/api/v1/sessions", body=body, retry="create", options=options))

    def list(self, *, status: Optional[str] = None, limit: Optional[int] = None, offset: Optional[int] = None, after: Optional[str] = None, options: Optional[RequestOptions] = None) -> SessionList:
        """GET /sessions: one page, newest first (``after``: a ``pagination.next`` cursor)."""
        query = {"status": status, "limit": limit, "offset": offset, "after": after}
        return from_json(SessionList, self._t.request("GET", "/api/v1/sessions", query=query, retry="read", options=options))

    def iterate(self, *, status: Optional[str] = None, limit: Optional[int] = None, offset: Optional[int] = None, after: Optional[str] = None, options: Optional[RequestOptions] = None) -> Iterator[SessionListItem]:
        """Every session matching ``status``, page after page (``limit`` items a page)."""
        return _paginate(lambda l, o, a: self.list(status=status, limit=l, offset=o, after=a, options=options), limit, offset, after)

    def get(self, id: str, *, options: Optional[RequestOptions] = None) -> Session:
        """GET /sessions/{id}: the session with its inbox and wait ids."""
        return from_json(Session, self._t.request("GET", f"/api/v1/sessions/{_id(id)}", retry="read", options=options))

    def complete(self, id: str, *, options: Optional[RequestOptions] = None) -> CompleteSessionResponse:
        """POST /sessions/{id}/complete."""
        return from_json(CompleteSessionResponse, self._t.request("POST", f"/api/v1/sessions/{_id(id)}/complete", retry="none", options=options))

    def fail(self, id: str, *, reason: str, options: Optional[RequestOptions] = None) -> FailSessionResponse:
        """POST /sessions/{id}/fail with a reason."""
        answer = self._t.request("POST", f"/api/v1/sessions/{_id(id)}/fail", body={"reason": reason}, retry="none", options=options)
        return from_json(FailSessionResponse, answer)

    def timeline(self, id: str, *, limit: Optional[int] = None, after: Optional[str] = None, options: Optional[RequestOptions] = None) -> Union[Timeline, TimelinePage]:
        """GET /sessions/{id}/timeline: the session's events, oldest first (a Timeline). With ``limit``
        or ``after``, one page (a TimelinePage: events with cursors, and ``next``)."""
        path = f"/api/v1/sessions/{_id(id)}/timeline"
        if limit is None and after is None:
            return from_json(Timeline, self._t.request("GET", path, retry="read", options=options))
        return from_json(TimelinePage, self._t.request("GET", path, query={"limit": limit or 50, "after": after}, retry="read", options=options))

    def iterate_timeline(self, id: str, *, limit: int = 500, after: Optional[str] = None, options: Optional[RequestOptions] = None) -> Iterator[CursorEvent]:
        """Every timeline event after ``after`` (default: all), page after page."""
        while True:
            page = self.timeline(id, limit=limit, after=after, options=options)
            assert isinstance(page, TimelinePage)
            yield from page.events
            if page.next is None:
                return
            after = page.next

    def events(self, id: str, *, after: Optional[str] = None, options: Optional[RequestOptions] = None) -> Iterator[CursorEvent]:
        """GET /sessions/{id}/events: the session's events as they happen (first those after ``after``),
        ending after session.completed / session.failed. A dropped connection is resumed from the last
        cursor by itself, nothing skipped or repeated. Close the generator to stop."""
        path = f"/api/v1/sessions/{_id(id)}/events"
        max_retries = options.max_retries if options and options.max_retries is not None else self._t.max_retries

        def open_stream(cursor: Optional[str]) -> Any:
            return self._t.request("GET", path, query={"after": cursor}, retry="read", mode="stream", options=options)

        return stream_events(open_stream, after, max_retries)

    def replay(self, id: str, *, options: Optional[RequestOptions] = None) -> Replay:
        """POST /sessions/{id}/replay: the recorded steps."""
        return from_json(Replay, self._t.request("POST", f"/api/v1/sessions/{_id(id)}/replay", retry="none", options=options))


class Messages:
    """Messages received by inboxes."""

    def __init__(self, transport: Transport) -> None:
        self._t = transport

    def get(self, id: str, *, options: Optional[RequestOptions] = None) -> Message:
        """GET /messages/{id}: one message with its text and HTML bodies."""
        return from_json(Message, self._t.request("GET", f"/api/v1/messages/{_id(id)}", retry="read", options=options))

    def list(self, inbox_id: str, *, limit: Optional[int] = None, offset: Optional[int] = None, after: Optional[str] = None, options: Optional[RequestOptions] = None) -> MessageList:
        """GET /inboxes/{inbox_id}/messages: one page, newest first (``after``: a ``pagination.next`` cursor)."""
        query = {"limit": limit, "offset": offset, "after": after}
        answer = self._t.request("GET", f"/api/v1/inboxes/{_id(inbox_id)}/messages", query=query, retry="read", options=options)
        return from_json(MessageList, answer)

    def iterate(self, inbox_id: str, *, limit: Optional[int] = None, offset: Optional[int] = None, after: Optional[str] = None, options: Optional[RequestOptions] = None) -> Iterator[MessageSummary]:
        """Every message of an inbox, page after page."""
        return _paginate(lambda l, o, a: self.list(inbox_id, limit=l, offset=o, after=a, options=options), limit, offset, after)

    def raw(self, id: str, *, options: Optional[RequestOptions] = None) -> bytes:
        """GET /messages/{id}/raw: the RFC 5322 source, byte for byte as received."""
        download: Download = self._t.request("GET", f"/api/v1/messages/{_id(id)}/raw", retry="read", mode="bytes", options=options)
        return download.data

    def attachment(self, id: str, attachment_id: str, *, options: Optional[RequestOptions] = None) -> AttachmentFile:
        """GET /messages/{id}/attachments/{attachment_id}: the file (ids from ``message.attachments``)."""
        path = f"/api/v1/messages/{_id(id)}/attachments/{_id(attachment_id)}"
        download: Download = self._t.request("GET", path, retry="read", mode="bytes", options=options)
        content_type = download.headers.get("content-type", "application/octet-stream")
        return AttachmentFile(data=download.data, content_type=content_type, filename=_filename(download.headers.get("content-disposition")))

    def deliver(
        self,
        inbox_id: str,
        *,
        raw: Optional[str] = None,
        from_: Optional[str] = None,
        to: Optional[List[str]] = None,
        subject: Optional[str] = None,
        text: Optional[str] = None,
        html: Optional[str] = None,
        options: Optional[RequestOptions] = None,
    ) -> MessageSummary:
        """POST /inboxes/{inbox_id}/messages: a whole RFC 822 source (``raw``, sent as message/rfc822)
        or the parts. Retried safely with an Idempotency-Key."""
        path = f"/api/v1/inboxes/{_id(inbox_id)}/messages"
        if raw is not None:
            answer = self._t.request("POST", path, raw_body=raw, content_type="message/rfc822", retry="create", options=options)
        else:
            parts = {"from": from_, "to": to, "subject": subject, "text": text, "html": html}
            answer = self._t.request("POST", path, body={k: v for k, v in parts.items() if v is not None}, retry="create", options=options)
        return from_json(MessageSummary, answer)


class Waits:
    """``/api/v1/waits``: "tell me when a matching message arrives, and what it says"."""

    def __init__(self, transport: Transport) -> None:
        self._t = transport

    def create(
        self,
        *,
        inbox_id: str,
        type: str,
        session_id: Optional[str] = None,
        timeout_seconds: Optional[int] = None,
        filters: Union[WaitFilters, Mapping[str, str], None] = None,
        since: Union[datetime, str, None] = None,
        options: Optional[RequestOptions] = None,
    ) -> Wait:
        """POST /waits (retried safely: an Idempotency-Key is sent). ``filters``: a WaitFilters or a
        dict with the API's names (``{"from": ..., "subjectContains": ...}``). ``since`` (a datetime or
        an RFC 3339 string, at most 24 h back): messages received since then count too."""
        body: Dict[str, Any] = {"inboxId": inbox_id, "type": type}
        if session_id is not None:
            body["sessionId"] = session_id
        if timeout_seconds is not None:
            body["timeoutSeconds"] = timeout_seconds
        if filters is not None:
            body["filters"] = to_json(filters)
        if since is not None:
            body["since"] = _rfc3339(since)
        return from_json(Wait, self._t.request("POST", "/api/v1/waits", body=body, retry="create", options=options))

    def get(self, id: str, *, wait_seconds: Optional[int] = None, options: Optional[RequestOptions] = None) -> Wait:
        """GET /waits/{id}; with ``wait_seconds`` the server holds the request until the wait ends."""
        return from_json(Wait, self._t.request("GET", f"/api/v1/waits/{_id(id)}", query={"waitSeconds": wait_seconds}, retry="read", options=options))

    def cancel(self, id: str, *, options: Optional[RequestOptions] = None) -> Wait:
        """POST /waits/{id}/cancel."""
        return from_json(Wait, self._t.request("POST", f"/api/v1/waits/{_id(id)}/cancel", retry="none", options=options))

    def wait_for(self, id: str, *, timeout_seconds: Optional[float] = None, options: Optional[RequestOptions] = None) -> Wait:
        """Long-polls until the wait ends and returns it (completed, timed_out or canceled). Raises
        WaitTimeoutError when ``timeout_seconds`` pass first (default: until the wait itself ends)."""
        deadline = None if timeout_seconds is None else time.monotonic() + timeout_seconds
        base = options or RequestOptions()
        while True:
            remaining = MAX_POLL_SECONDS if deadline is None else max(0, math.ceil(deadline - time.monotonic()))
            wait_seconds = min(MAX_POLL_SECONDS, remaining)
            timeout = max(base.timeout if base.timeout is not None else self._t.timeout, wait_seconds + POLL_MARGIN_SECONDS)
            wait = self.get(id, wait_seconds=wait_seconds, options=RequestOptions(timeout=timeout, max_retries=base.max_retries))
            if wait.status != "pending":
                return wait
            if deadline is not None and time.monotonic() >= deadline:
                raise WaitTimeoutError(wait, f"Wait {id} was still pending after {timeout_seconds} s")

    def value_of(self, wait: Wait, timeout_seconds: float, options: Optional[RequestOptions] = None) -> str:
        """Waits for ``wait`` to end and returns its extracted value; WaitTimeoutError when it times out."""
        # The server ends the wait at its deadline; the client allows a little longer for that answer.
        ended = self.wait_for(wait.id, timeout_seconds=timeout_seconds + 10, options=options)
        if ended.status == "completed" and ended.result is not None:
            return ended.result.value
        if ended.status == "timed_out":
            raise WaitTimeoutError(ended, f"No matching message arrived in inbox {ended.inbox_id} within {timeout_seconds} s")
        raise SessionsGatewayError(f"Wait {ended.id} was canceled", error="Wait canceled")


class Inboxes:
    """``/api/v1/inboxes``: temporary email addresses."""

    def __init__(self, transport: Transport, messages: Messages, waits: Waits) -> None:
        self._t = transport
        self._messages = messages
        self._waits = waits

    def create(
        self,
        *,
        session_id: Optional[str] = None,
        ttl_seconds: Optional[int] = None,
        metadata: Optional[Mapping[str, Any]] = None,
        options: Optional[RequestOptions] = None,
    ) -> Inbox:
        """POST /inboxes (retried safely: an Idempotency-Key is sent)."""
        body = {k: v for k, v in {"sessionId": session_id, "ttlSeconds": ttl_seconds, "metadata": metadata}.items() if v is not None}
        return from_json(Inbox, self._t.request("POST", "/api/v1/inboxes", body=body, retry="create", options=options))

    def list(self, *, status: Optional[str] = None, limit: Optional[int] = None, offset: Optional[int] = None, after: Optional[str] = None, options: Optional[RequestOptions] = None) -> InboxList:
        """GET /inboxes: one page, newest first (``after``: a ``pagination.next`` cursor)."""
        query = {"status": status, "limit": limit, "offset": offset, "after": after}
        return from_json(InboxList, self._t.request("GET", "/api/v1/inboxes", query=query, retry="read", options=options))

    def iterate(self, *, status: Optional[str] = None, limit: Optional[int] = None, offset: Optional[int] = None, after: Optional[str] = None, options: Optional[RequestOptions] = None) -> Iterator[Inbox]:
        """Every inbox matching ``status``, page after page."""
        return _paginate(lambda l, o, a: self.list(status=status, limit=l, offset=o, after=a, options=options), limit, offset, after)

    def get(self, id: str, *, options: Optional[RequestOptions] = None) -> Inbox:
        """GET /inboxes/{id}."""
        return from_json(Inbox, self._t.request("GET", f"/api/v1/inboxes/{_id(id)}", retry="read", options=options))

    def delete(self, id: str, *, options: Optional[RequestOptions] = None) -> None:
        """DELETE /inboxes/{id}: the inbox stops accepting mail and disappears from reads."""
        self._t.request("DELETE", f"/api/v1/inboxes/{_id(id)}", retry="none", options=options)

    def messages(self, id: str, *, limit: Optional[int] = None, offset: Optional[int] = None, options: Optional[RequestOptions] = None) -> MessageList:
        """GET /inboxes/{id}/messages: one page (see also ``client.messages.iterate``)."""
        return self._messages.list(id, limit=limit, offset=offset, options=options)

    def deliver(
        self,
        id: str,
        *,
        raw: Optional[str] = None,
        from_: Optional[str] = None,
        to: Optional[List[str]] = None,
        subject: Optional[str] = None,
        text: Optional[str] = None,
        html: Optional[str] = None,
        options: Optional[RequestOptions] = None,
    ) -> MessageSummary:
        """POST /inboxes/{id}/messages: see ``client.messages.deliver``."""
        return self._messages.deliver(id, raw=raw, from_=from_, to=to, subject=subject, text=text, html=html, options=options)

    def wait_for_otp(
        self,
        id: str,
        *,
        from_: Optional[str] = None,
        subject_contains: Optional[str] = None,
        timeout_seconds: int = DEFAULT_WAIT_SECONDS,
        session_id: Optional[str] = None,
        since: Union[datetime, str, None] = None,
        to: Optional[str] = None,
        subject_matches: Optional[str] = None,
        body_matches: Optional[str] = None,
        pattern: Optional[str] = None,
        options: Optional[RequestOptions] = None,
    ) -> str:
        """Creates an OTP wait on the inbox and returns the code of the first matching message."""
        filters = WaitFilters(from_=from_, subject_contains=subject_contains, to=to, subject_matches=subject_matches, body_matches=body_matches, pattern=pattern)
        return self._wait_for_value(id, "otp", filters, timeout_seconds, session_id, since, options)

    def wait_for_link(
        self,
        id: str,
        *,
        from_: Optional[str] = None,
        subject_contains: Optional[str] = None,
        timeout_seconds: int = DEFAULT_WAIT_SECONDS,
        session_id: Optional[str] = None,
        since: Union[datetime, str, None] = None,
        to: Optional[str] = None,
        subject_matches: Optional[str] = None,
        body_matches: Optional[str] = None,
        pattern: Optional[str] = None,
        options: Optional[RequestOptions] = None,
    ) -> str:
        """Creates a magic-link wait on the inbox and returns the link of the first matching message."""
        filters = WaitFilters(from_=from_, subject_contains=subject_contains, to=to, subject_matches=subject_matches, body_matches=body_matches, pattern=pattern)
        return self._wait_for_value(id, "magic_link", filters, timeout_seconds, session_id, since, options)

    def _wait_for_value(self, id: str, type: str, filters: WaitFilters, timeout_seconds: int, session_id: Optional[str], since: Union[datetime, str, None], options: Optional[RequestOptions]) -> str:
        wait = self._waits.create(inbox_id=id, type=type, session_id=session_id, timeout_seconds=timeout_seconds, filters=filters, since=since, options=options)
        return self._waits.value_of(wait, timeout_seconds, options)
