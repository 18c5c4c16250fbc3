"""The API's resources: ``client.sessions``, ``client.inboxes``, ``client.waits``, ``client.messages``."""

from __future__ import annotations

import math
import time
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional, TypeVar, Union
from urllib.parse import quote

from ._transport import RequestOptions, Transport
from .errors import SessionsGatewayError, WaitTimeoutError
from .types import (
    CompleteSessionResponse,
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


def _paginate(fetch_page: Callable[[int, int], Any], limit: Optional[int], offset: Optional[int]) -> Iterator[Any]:
    """Walks every page of an offset-paginated list (lists are newest first: items created meanwhile
    may shift the pages)."""
    offset = offset or 0
    limit = limit or MAX_PAGE
    while True:
        page = fetch_page(limit, offset)
        yield from page.data
        offset += len(page.data)
        pagination: Pagination = page.pagination
        if not page.data or offset >= pagination.total:
            return


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

    def list(self, *, status: Optional[str] = None, limit: Optional[int] = None, offset: Optional[int] = None, options: Optional[RequestOptions] = None) -> SessionList:
        """GET /sessions: one page, newest first."""
        query = {"status": status, "limit": limit, "offset": offset}
        return from_json(SessionList, self._t.request("GET", "/api/v1/sessions", query=query, retry="read", options=options))

    def iterate(self, *, status: Optional[str] = None, limit: Optional[int] = None, offset: Optional[int] = None, options: Optional[RequestOptions] = None) -> Iterator[SessionListItem]:
        """Every session matching ``status``, page after page (``limit`` items a page)."""
        return _paginate(lambda l, o: self.list(status=status, limit=l, offset=o, options=options), limit, offset)

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

    def timeline(self, id: str, *, options: Optional[RequestOptions] = None) -> Timeline:
        """GET /sessions/{id}/timeline: the session's events, oldest first."""
        return from_json(Timeline, self._t.request("GET", f"/api/v1/sessions/{_id(id)}/timeline", retry="read", options=options))

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

    def list(self, inbox_id: str, *, limit: Optional[int] = None, offset: Optional[int] = None, options: Optional[RequestOptions] = None) -> MessageList:
        """GET /inboxes/{inbox_id}/messages: one page, newest first."""
        answer = self._t.request("GET", f"/api/v1/inboxes/{_id(inbox_id)}/messages", query={"limit": limit, "offset": offset}, retry="read", options=options)
        return from_json(MessageList, answer)

    def iterate(self, inbox_id: str, *, limit: Optional[int] = None, offset: Optional[int] = None, options: Optional[RequestOptions] = None) -> Iterator[MessageSummary]:
        """Every message of an inbox, page after page."""
        return _paginate(lambda l, o: self.list(inbox_id, limit=l, offset=o, options=options), limit, offset)

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
        options: Optional[RequestOptions] = None,
    ) -> Wait:
        """POST /waits (retried safely: an Idempotency-Key is sent). ``filters``: a WaitFilters or a
        dict with the API's names (``{"from": ..., "subjectContains": ...}``)."""
        body: Dict[str, Any] = {"inboxId": inbox_id, "type": type}
        if session_id is not None:
            body["sessionId"] = session_id
        if timeout_seconds is not None:
            body["timeoutSeconds"] = timeout_seconds
        if filters is not None:
            body["filters"] = to_json(filters)
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

    def list(self, *, status: Optional[str] = None, limit: Optional[int] = None, offset: Optional[int] = None, options: Optional[RequestOptions] = None) -> InboxList:
        """GET /inboxes: one page, newest first."""
        query = {"status": status, "limit": limit, "offset": offset}
        return from_json(InboxList, self._t.request("GET", "/api/v1/inboxes", query=query, retry="read", options=options))

    def iterate(self, *, status: Optional[str] = None, limit: Optional[int] = None, offset: Optional[int] = None, options: Optional[RequestOptions] = None) -> Iterator[Inbox]:
        """Every inbox matching ``status``, page after page."""
        return _paginate(lambda l, o: self.list(status=status, limit=l, offset=o, options=options), limit, offset)

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
        options: Optional[RequestOptions] = None,
    ) -> str:
        """Creates an OTP wait on the inbox and returns the code of the first matching message."""
        return self._wait_for_value(id, "otp", from_, subject_contains, timeout_seconds, session_id, options)

    def wait_for_link(
        self,
        id: str,
        *,
        from_: Optional[str] = None,
        subject_contains: Optional[str] = None,
        timeout_seconds: int = DEFAULT_WAIT_SECONDS,
        session_id: Optional[str] = None,
        options: Optional[RequestOptions] = None,
    ) -> str:
        """Creates a magic-link wait on the inbox and returns the link of the first matching message."""
        return self._wait_for_value(id, "magic_link", from_, subject_contains, timeout_seconds, session_id, options)

    def _wait_for_value(self, id: str, type: str, from_: Optional[str], subject_contains: Optional[str], timeout_seconds: int, session_id: Optional[str], options: Optional[RequestOptions]) -> str:
        filters = WaitFilters(from_=from_, subject_contains=subject_contains)
        wait = self._waits.create(inbox_id=id, type=type, session_id=session_id, timeout_seconds=timeout_seconds, filters=filters, options=options)
        return self._waits.value_of(wait, timeout_seconds, options)
