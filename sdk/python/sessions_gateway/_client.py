from __future__ import annotations

import os
from typing import Optional

from ._resources import Inboxes, Messages, Sessions, Waits
from ._transport import Transport
from .errors import SessionsGatewayError

DEFAULT_BASE_URL = "http://localhost:4000"


class SessionsGateway:
    """The sessions-gateway client::

        client = SessionsGateway(api_key=..., base_url=...)
        session = client.sessions.create(name="user-signup-flow")

    ``api_key`` defaults to SESSIONS_GATEWAY_API_KEY, ``base_url`` to SESSIONS_GATEWAY_URL, else
    http://localhost:4000. Reads and creates are retried ``max_retries`` times (default 2) on connection
    errors, 429 and 5xx; ``timeout`` is in seconds per attempt (default 60).
    """

    def __init__(self, api_key: Optional[str] = None, base_url: Optional[str] = None, *, max_retries: int = 2, timeout: float = 60.0) -> None:
        api_key = api_key or os.environ.get("SESSIONS_GATEWAY_API_KEY") or None
        if not api_key:
            raise SessionsGatewayError(
                "No API key: pass api_key= to SessionsGateway() or set SESSIONS_GATEWAY_API_KEY",
                error="Missing API key",
            )
        self.base_url = base_url or os.environ.get("SESSIONS_GATEWAY_URL") or DEFAULT_BASE_URL
        transport = Transport(api_key=api_key, base_url=self.base_url, max_retries=max_retries, timeout=timeout)
        self.sessions = Sessions(transport)
        self.messages = Messages(transport)
        self.waits = Waits(transport)
        self.inboxes = Inboxes(transport, self.messages, self.waits)
