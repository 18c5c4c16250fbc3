"""Sends calls over urllib: auth, JSON, error classes, timeouts, retries and idempotency keys."""

from __future__ import annotations

import http.client
import json
import random
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass
from typing import Any, Dict, Iterable, Mapping, Optional, Tuple

from .errors import ConflictError, ConnectionError, RateLimitError, SessionsGatewayError, error_class_for

IN_PROGRESS = "A request with this Idempotency-Key is still in progress"
# Retry-After beyond this is not waited for: the error is raised instead.
MAX_RETRY_AFTER_SECONDS = 60


@dataclass
class RequestOptions:
    """Per-call options: ``timeout`` in seconds per attempt, ``max_retries``, and for creates the
    ``idempotency_key`` to send instead of a generated one."""

    timeout: Optional[float] = None
    max_retries: Optional[int] = None
    idempotency_key: Optional[str] = None


@dataclass
class _Answer:
    status: int
    headers: Mapping[str, str]
    text: str
    body: bytes = b""


@dataclass
class Download:
    """A downloaded file: its bytes as received and the answer's headers (lower-case names)."""

    data: bytes
    headers: Mapping[str, str]


class Transport:
    def __init__(self, *, api_key: str, base_url: str, max_retries: int, timeout: float) -> None:
        self.api_key = api_key
        self.base_url = base_url.rstrip("/")
        self.max_retries = max_retries
        self.timeout = timeout

    def request(
        self,
        method: str,
        path: str,
        *,
        retry: str,
        query: Optional[Mapping[str, Any]] = None,
        body: Any = None,
        raw_body: Optional[str] = None,
        content_type: Optional[str] = None,
        headers: Optional[Mapping[str, str]] = None,
        mode: str = "json",
        options: Optional[RequestOptions] = None,
    ) -> Any:
        """``retry`` is "read" (retried), "create" (retried with one Idempotency-Key) or "none".
        ``mode``: "json" (the parsed body), "bytes" (a Download) or "stream" (the open response, for
        Server-Sent Events; the caller reads and closes it; not retried here)."""
        extra_headers = dict(headers or {})
        options = options or RequestOptions()
        max_retries = 0 if retry == "none" else (options.max_retries if options.max_retries is not None else self.max_retries)
        accept = {"json": "application/json", "bytes": "*/*", "stream": "text/event-stream"}[mode]
        headers = {"Authorization": f"Bearer {self.api_key}", "Accept": accept, **extra_headers}
        data: Optional[bytes] = None
        if raw_body is not None:
            headers["Content-Type"] = content_type or "text/plain"
            data = raw_body.encode("utf-8")
        elif body is not None:
            headers["Content-Type"] = "application/json"
            data = json.dumps(body).encode("utf-8")
        if retry == "create":
            # One key for the call: every retry carries the same one, so the server creates at most once.
            headers["Idempotency-Key"] = options.idempotency_key or f"sgk-{uuid.uuid4()}"
        url = self.base_url + path
        params = {k: _query_value(v) for k, v in (query or {}).items() if v is not None}
        if params:
            url += "?" + urllib.parse.urlencode(params)
        timeout = options.timeout if options.timeout is not None else self.timeout

        if mode == "stream":
            return _open(urllib.request.Request(url, headers=headers, method=method), timeout)
        attempt = 0
        while True:
            try:
                answer = _send(urllib.request.Request(url, data=data, headers=headers, method=method), timeout)
                if answer.status < 300:
                    return Download(answer.body, answer.headers) if mode == "bytes" else _parse(answer)
                failure: SessionsGatewayError = _error_from(answer)
            except ConnectionError as err:
                failure = err
            delay = _retry_delay(failure, retry, attempt) if attempt < max_retries else None
            if delay is None:
                raise failure
            time.sleep(delay)
            attempt += 1


def _query_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _lower(items: Iterable[Tuple[str, str]]) -> Dict[str, str]:
    return {name.lower(): value for name, value in items}


def _open(request: urllib.request.Request, timeout: float) -> Any:
    """Opens a streamed answer: the response once its headers are in (errors raised like any call's)."""
    try:
        return urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as err:
        with err:
            raise _error_from(_Answer(err.code, _lower(err.headers.items()), err.read().decode("utf-8", "replace"))) from None
    except (urllib.error.URLError, http.client.HTTPException, OSError) as err:
        raise ConnectionError(f"Connection failed: {getattr(err, 'reason', err)}", error="Connection error") from err


def _send(request: urllib.request.Request, timeout: float) -> _Answer:
    """One HTTP exchange; network failures and timeouts become ConnectionError."""
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read()
            return _Answer(response.status, _lower(response.headers.items()), body.decode("utf-8", "replace"), body)
    except urllib.error.HTTPError as err:
        with err:
            return _Answer(err.code, _lower(err.headers.items()), err.read().decode("utf-8", "replace"))
    except (socket.timeout, TimeoutError) as err:
        raise ConnectionError(f"Request timed out after {timeout} s", error="Connection error") from err
    except (urllib.error.URLError, http.client.HTTPException, OSError) as err:
        reason = getattr(err, "reason", err)
        if isinstance(reason, (socket.timeout, TimeoutError)):
            raise ConnectionError(f"Request timed out after {timeout} s", error="Connection error") from err
        raise ConnectionError(f"Connection failed: {reason}", error="Connection error") from err


def _retry_delay(failure: SessionsGatewayError, retry: str, attempt: int) -> Optional[float]:
    """Seconds to wait before the next attempt, or None when this failure is final."""
    status = failure.status
    retriable = (
        isinstance(failure, ConnectionError)
        or status == 429
        or (status is not None and status >= 500)
        # The first try of this create is still running on the server: its answer will be replayed.
        or (retry == "create" and isinstance(failure, ConflictError) and failure.message == IN_PROGRESS)
    )
    if not retriable:
        return None
    if isinstance(failure, RateLimitError) and failure.retry_after is not None:
        return None if failure.retry_after > MAX_RETRY_AFTER_SECONDS else float(failure.retry_after)
    # Exponential backoff (0.5 s, 1 s, 2 s, ... up to 8 s) with full jitter over its upper half.
    base = min(0.5 * 2.0**attempt, 8.0)
    return base / 2 + random.random() * (base / 2)


def _parse(answer: _Answer) -> Any:
    if not answer.text:
        return None
    try:
        return json.loads(answer.text)
    except ValueError:
        raise SessionsGatewayError(f"The server's answer is not JSON: {answer.text[:200]!r}", error="Invalid response", status=answer.status, request_id=answer.headers.get("x-request-id")) from None


def _error_from(answer: _Answer) -> SessionsGatewayError:
    error = f"HTTP {answer.status}"
    message = answer.text[:500] or error
    try:
        parsed = json.loads(answer.text)
        if isinstance(parsed, dict) and "error" in parsed and "message" in parsed:
            error, message = str(parsed["error"]), str(parsed["message"])
    except ValueError:
        pass  # not JSON (e.g. a proxy's page): keep the text
    request_id = answer.headers.get("x-request-id")
    cls = error_class_for(answer.status)
    if cls is RateLimitError:
        header = answer.headers.get("retry-after")
        retry_after = int(header) if header is not None and header.isdigit() else None
        return RateLimitError(message, error=error, status=answer.status, request_id=request_id, retry_after=retry_after)
    return cls(message, error=error, status=answer.status, request_id=request_id)
