"""The session event stream (GET /sessions/{id}/events, Server-Sent Events) as a generator that resumes
by cursor after a dropped connection."""

from __future__ import annotations

import http.client
import json
import socket
import time
from typing import Any, Callable, Dict, Iterator, Optional

from .errors import AuthenticationError, ConnectionError, InternalServerError, RateLimitError, SessionsGatewayError
from .types import CursorEvent

TERMINAL = {"session.completed", "session.failed"}
DEFAULT_RETRY_SECONDS = 1.0


def _messages(response: Any) -> Iterator[Dict[str, str]]:
    """The SSE messages of a streamed response; a ``retry:`` line comes as ``{"event": "retry"}``."""
    current: Dict[str, Any] = {"data": []}
    for raw in response:
        line = raw.decode("utf-8").rstrip("\r\n")
        if line == "":
            if current["data"] or "event" in current:
                yield {"id": current.get("id"), "event": current.get("event", "message"), "data": "\n".join(current["data"])}
            current = {"data": []}
            continue
        if line.startswith(":"):
            continue  # a comment (heartbeat)
        field, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if field == "data":
            current["data"].append(value)
        elif field in ("id", "event"):
            current[field] = value
        elif field == "retry" and value.isdigit():
            yield {"event": "retry", "data": value}


def stream_events(open_stream: Callable[[Optional[str]], Any], after: Optional[str], max_retries: int) -> Iterator[CursorEvent]:
    """Yields events from ``open_stream(after)``; on a drop (or an early end by the server) reopens it
    after the last cursor received, so nothing is skipped or repeated. Ends after the terminal event;
    raises the last error after ``max_retries`` reconnections in a row that brought no event."""
    failures = 0
    retry_seconds = DEFAULT_RETRY_SECONDS
    while True:
        failure: SessionsGatewayError
        try:
            response = open_stream(after)
            try:
                failure = ConnectionError("The stream ended before the session did", error="Connection error")
                for message in _messages(response):
                    if message["event"] == "retry":
                        retry_seconds = int(message["data"]) / 1000
                        continue
                    if message["event"] == "error":
                        reason = json.loads(message["data"])
                        # A revoked key does not come back by reconnecting; shutdown and slow consumer do.
                        if reason.get("error") == "Unauthorized":
                            raise AuthenticationError(str(reason.get("message")), error="Unauthorized", status=401)
                        failure = ConnectionError(f"The server ended the stream: {reason.get('message')}", error="Connection error")
                        continue
                    data = json.loads(message["data"])
                    event = CursorEvent(timestamp=data["timestamp"], type=data["type"], payload=data["payload"], cursor=str(message["id"]))
                    after = event.cursor
                    failures = 0
                    yield event
                    if event.type in TERMINAL:
                        return
            finally:
                response.close()
        except (ConnectionError, InternalServerError, RateLimitError) as err:
            failure = err
        except (http.client.HTTPException, socket.timeout, OSError) as err:
            failure = ConnectionError(f"Connection lost: {err}", error="Connection error")
        failures += 1
        if failures > max_retries:
            raise failure
        if isinstance(failure, RateLimitError) and failure.retry_after is not None:
            delay = float(failure.retry_after)
        else:
            delay = retry_seconds * 2 ** (failures - 1)
        time.sleep(min(delay, 60.0))
