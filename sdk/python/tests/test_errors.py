"""Every error class caused for real, and retried creates proven to create once."""

import socket
import unittest

from sessions_gateway import (
    AuthenticationError,
    BadRequestError,
    ConflictError,
    ConnectionError,
    InternalServerError,
    NotFoundError,
    RateLimitError,
    RequestOptions,
    SessionsGateway,
    SessionsGatewayError,
)

from .support import API_KEY, URL, FlakyProxy, env


def dead_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


class Errors(unittest.TestCase):
    def setUp(self) -> None:
        self.client = SessionsGateway(api_key=API_KEY, base_url=URL)

    def test_wrong_key(self) -> None:
        with self.assertRaises(AuthenticationError) as caught:
            SessionsGateway(api_key="sgk_wrong", base_url=URL).sessions.list()
        e = caught.exception
        self.assertEqual((e.status, e.error, e.message), (401, "Unauthorized", "Invalid or missing API key"))
        self.assertTrue(e.request_id)

    def test_missing_id(self) -> None:
        with self.assertRaises(NotFoundError) as caught:
            self.client.sessions.get("sess_doesnotexist")
        self.assertEqual((caught.exception.status, caught.exception.message), (404, "Session not found"))

    def test_bad_body(self) -> None:
        with self.assertRaises(BadRequestError) as caught:
            self.client.sessions.create(name="")
        self.assertEqual((caught.exception.status, caught.exception.error), (400, "Invalid request"))
        self.assertIn("name", caught.exception.message)

    def test_completed_session(self) -> None:
        session = self.client.sessions.create(name="done")
        self.client.sessions.complete(session.id)
        with self.assertRaises(ConflictError) as caught:
            self.client.sessions.fail(session.id, reason="too late")
        self.assertEqual((caught.exception.status, caught.exception.error), (409, "Conflict"))

    def test_rate_limit(self) -> None:
        tight = SessionsGateway(api_key=env("SG_TEST_LIMITED_API_KEY"), base_url=env("SG_TEST_LIMITED_URL"), max_retries=0)
        error = None
        # The first request spends the limit; a new minute can refill it once, so a few tries suffice.
        for _ in range(4):
            try:
                tight.sessions.list()
            except RateLimitError as e:
                error = e
                break
        assert error is not None, "no 429 in four requests with a limit of one a minute"
        self.assertEqual((error.status, error.error), (429, "Too many requests"))
        assert error.retry_after is not None
        self.assertTrue(0 <= error.retry_after <= 60)

    def test_nothing_listening(self) -> None:
        with self.assertRaises(ConnectionError) as caught:
            SessionsGateway(api_key=API_KEY, base_url=dead_url(), max_retries=0).sessions.list()
        self.assertIsNone(caught.exception.status)
        self.assertIsInstance(caught.exception, SessionsGatewayError)

    def test_timeout(self) -> None:
        inbox = self.client.inboxes.create()
        wait = self.client.waits.create(inbox_id=inbox.id, type="otp", timeout_seconds=120)
        # The server holds this long-poll for 30 s; the client gives up long before.
        with self.assertRaises(ConnectionError) as caught:
            self.client.waits.get(wait.id, wait_seconds=30, options=RequestOptions(timeout=0.3, max_retries=0))
        self.assertIn("timed out", caught.exception.message)
        self.client.waits.cancel(wait.id)


class Retries(unittest.TestCase):
    def setUp(self) -> None:
        self.client = SessionsGateway(api_key=API_KEY, base_url=URL)
        self.proxy = FlakyProxy(URL)
        self.via_proxy = SessionsGateway(api_key=API_KEY, base_url=self.proxy.url)

    def tearDown(self) -> None:
        self.proxy.close()

    def count(self) -> int:
        return self.client.sessions.list().pagination.total

    def test_dropped_create_is_retried_with_the_same_key_and_creates_once(self) -> None:
        before = self.count()
        self.proxy.plan("forward-then-drop")
        session = self.via_proxy.sessions.create(name="exactly-once")
        steps = [step for (_, _, _, step) in self.proxy.seen]
        keys = [key for (_, _, key, _) in self.proxy.seen]
        self.assertEqual(steps, ["forward-then-drop", "forward"])
        self.assertTrue(keys[0] and keys[0].startswith("sgk-"))
        self.assertEqual(keys[1], keys[0])
        self.assertEqual(self.count(), before + 1)
        self.assertEqual(self.client.sessions.get(session.id).name, "exactly-once")

    def test_503_then_drop_then_success(self) -> None:
        self.proxy.plan("503", "drop")
        inbox = self.via_proxy.inboxes.create()
        self.assertEqual([s for (_, _, _, s) in self.proxy.seen], ["503", "drop", "forward"])
        self.assertEqual(len({k for (_, _, k, _) in self.proxy.seen}), 1)
        self.assertEqual(self.client.inboxes.get(inbox.id).id, inbox.id)

    def test_429_honours_retry_after_and_other_writes_are_not_retried(self) -> None:
        self.proxy.plan("429")
        self.assertEqual(self.via_proxy.sessions.list(limit=1).pagination.limit, 1)
        self.assertEqual([s for (_, _, _, s) in self.proxy.seen], ["429", "forward"])

        session = self.client.sessions.create(name="no-retry")
        self.proxy.plan("503")
        with self.assertRaises(InternalServerError) as caught:
            self.via_proxy.sessions.complete(session.id)
        self.assertEqual(caught.exception.status, 503)
        self.assertEqual(self.client.sessions.get(session.id).status, "active")
        self.assertIsNone(self.proxy.seen[-1][2])

    def test_5xx_raises_once_retries_are_spent(self) -> None:
        self.proxy.plan("503", "503")
        with self.assertRaises(InternalServerError):
            SessionsGateway(api_key=API_KEY, base_url=self.proxy.url, max_retries=1).sessions.list()
        self.assertEqual(len(self.proxy.seen), 2)
