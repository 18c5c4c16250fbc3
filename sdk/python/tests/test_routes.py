"""Every REST route, pagination and the agent helpers (wait_for_otp over real SMTP) against a real server."""

import os
import smtplib
import threading
import unittest
from email.message import EmailMessage
from typing import Dict

from sessions_gateway import Inbox, Message, MessageSummary, SessionsGateway, SessionsGatewayError, Wait, WaitFilters, WaitTimeoutError

from .support import API_KEY, URL, env


def send_mail(to: str, subject: str, text: str = "", html: str = "", sender: str = "auth@example.test") -> None:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, to, subject
    message.set_content(text or "see the HTML part")
    if html:
        message.add_alternative(html, subtype="html")
    with smtplib.SMTP("127.0.0.1", int(env("SG_TEST_SMTP_PORT")), timeout=30) as smtp:
        smtp.send_message(message)


class Routes(unittest.TestCase):
    def setUp(self) -> None:
        self.client = SessionsGateway(api_key=API_KEY, base_url=URL)

    def test_sessions_complete_fail_replay(self) -> None:
        done = self.client.sessions.create(name="to-complete")
        inbox = self.client.inboxes.create(session_id=done.id, ttl_seconds=600)
        completed = self.client.sessions.complete(done.id)
        self.assertEqual((completed.id, completed.status), (done.id, "completed"))
        self.assertIsNotNone(completed.completed_at)
        replay = self.client.sessions.replay(done.id)
        steps = [s for s in replay.steps if s.action == "create_inbox"]
        self.assertEqual(steps[0].output["id"], inbox.id)
        self.assertGreaterEqual(steps[0].duration_ms, 0)

        failing = self.client.sessions.create(name="to-fail")
        failed = self.client.sessions.fail(failing.id, reason="captcha")
        self.assertEqual((failed.status, failed.failure_reason), ("failed", "captcha"))

    def test_inboxes_messages(self) -> None:
        session = self.client.sessions.create(name="mail")
        inbox = self.client.inboxes.create(session_id=session.id, metadata={"purpose": "signup"})
        self.assertIsInstance(inbox, Inbox)
        self.assertEqual((inbox.session_id, inbox.status, inbox.metadata), (session.id, "active", {"purpose": "signup"}))
        self.assertEqual(self.client.inboxes.get(inbox.id), inbox)
        self.assertIn(inbox.id, [i.id for i in self.client.inboxes.list(status="active").data])

        from_parts = self.client.inboxes.deliver(inbox.id, from_="a@example.test", subject="Hello", text="Your code is 123456")
        raw = f"From: b@example.test\r\nTo: {inbox.email_address}\r\nSubject: Raw\r\n\r\nRaw body\r\n"
        from_raw = self.client.messages.deliver(inbox.id, raw=raw)
        self.assertIsInstance(from_raw, MessageSummary)
        self.assertEqual((from_raw.subject, from_raw.from_), ("Raw", "b@example.test"))
        page = self.client.inboxes.messages(inbox.id, limit=10)
        self.assertEqual(page.pagination.total, 2)
        self.assertEqual(sorted(m.id for m in page.data), sorted([from_parts.id, from_raw.id]))
        message = self.client.messages.get(from_parts.id)
        self.assertIsInstance(message, Message)
        self.assertIn("123456", message.text or "")

        self.client.inboxes.delete(inbox.id)
        with self.assertRaises(SessionsGatewayError) as caught:
            self.client.inboxes.get(inbox.id)
        self.assertEqual(caught.exception.status, 404)

    def test_waits(self) -> None:
        inbox = self.client.inboxes.create()
        wait = self.client.waits.create(inbox_id=inbox.id, type="otp", timeout_seconds=60, filters=WaitFilters(subject_contains="code"))
        self.assertIsInstance(wait, Wait)
        self.assertEqual((wait.status, wait.filters.subject_contains, wait.result), ("pending", "code", None))
        self.assertEqual(self.client.waits.get(wait.id).status, "pending")

        result: Dict[str, Wait] = {}
        waiter = threading.Thread(target=lambda: result.setdefault("wait", self.client.waits.wait_for(wait.id, timeout_seconds=30)))
        waiter.start()
        self.client.inboxes.deliver(inbox.id, from_="a@example.test", subject="Your code", text="Code: 424242")
        waiter.join(60)
        ended = result["wait"]
        assert ended.result is not None, ended
        self.assertEqual((ended.status, ended.result.type, ended.result.value), ("completed", "otp", "424242"))

        other = self.client.waits.create(inbox_id=inbox.id, type="magic_link", filters={"from": "x@example.test"})
        self.assertEqual(self.client.waits.cancel(other.id).status, "canceled")
        self.assertEqual(self.client.waits.wait_for(other.id).status, "canceled")

    def test_iterate_walks_every_page(self) -> None:
        tagged = self.client.sessions.create(name="paged")
        inboxes = [self.client.inboxes.create(session_id=tagged.id).id for _ in range(5)]
        for i in range(5):
            self.client.inboxes.deliver(inboxes[0], from_="a@example.test", subject=f"m{i}", text="x")

        session_ids = [s.id for s in self.client.sessions.iterate(limit=2)]
        total = self.client.sessions.list().pagination.total
        self.assertEqual(len(session_ids), total)
        self.assertEqual(len(set(session_ids)), total)
        self.assertIn(tagged.id, session_ids)

        inbox_ids = [i.id for i in self.client.inboxes.iterate(limit=2)]
        self.assertTrue(set(inboxes) <= set(inbox_ids))
        self.assertEqual(len(inbox_ids), self.client.inboxes.list().pagination.total)

        subjects = sorted(m.subject for m in self.client.messages.iterate(inboxes[0], limit=2))
        self.assertEqual(subjects, ["m0", "m1", "m2", "m3", "m4"])


class AgentHelpers(unittest.TestCase):
    def setUp(self) -> None:
        self.client = SessionsGateway(api_key=API_KEY, base_url=URL)

    def test_wait_for_otp_over_smtp(self) -> None:
        inbox = self.client.inboxes.create()
        result: Dict[str, str] = {}
        waiter = threading.Thread(
            target=lambda: result.setdefault("code", self.client.inboxes.wait_for_otp(inbox.id, from_="auth@example.test", subject_contains="verification", timeout_seconds=30))
        )
        waiter.start()
        # Not matching the filters (another sender): not taken.
        send_mail(inbox.email_address, "verification", "Code 111111", sender="spam@example.test")
        send_mail(inbox.email_address, "Your verification code", "Your code is 987654.")
        waiter.join(60)
        self.assertEqual(result.get("code"), "987654")

    def test_wait_for_link_over_smtp(self) -> None:
        inbox = self.client.inboxes.create()
        result: Dict[str, str] = {}
        waiter = threading.Thread(target=lambda: result.setdefault("link", self.client.inboxes.wait_for_link(inbox.id, timeout_seconds=30)))
        waiter.start()
        send_mail(inbox.email_address, "Sign in", html='<p><a href="https://app.example.test/magic?token=abc">Sign in</a></p>')
        waiter.join(60)
        self.assertEqual(result.get("link"), "https://app.example.test/magic?token=abc")

    def test_wait_for_otp_times_out(self) -> None:
        inbox = self.client.inboxes.create()
        with self.assertRaises(WaitTimeoutError) as caught:
            self.client.inboxes.wait_for_otp(inbox.id, timeout_seconds=1)
        self.assertEqual((caught.exception.wait.inbox_id, caught.exception.wait.status), (inbox.id, "timed_out"))

    def test_wait_for_gives_up_first(self) -> None:
        inbox = self.client.inboxes.create()
        wait = self.client.waits.create(inbox_id=inbox.id, type="otp", timeout_seconds=120)
        with self.assertRaises(WaitTimeoutError) as caught:
            self.client.waits.wait_for(wait.id, timeout_seconds=1)
        self.assertEqual(caught.exception.wait.status, "pending")


class Construction(unittest.TestCase):
    def test_environment_defaults(self) -> None:
        saved = {k: os.environ.get(k) for k in ("SESSIONS_GATEWAY_API_KEY", "SESSIONS_GATEWAY_URL")}
        try:
            os.environ["SESSIONS_GATEWAY_API_KEY"] = API_KEY
            os.environ["SESSIONS_GATEWAY_URL"] = URL
            client = SessionsGateway()
            self.assertEqual(client.base_url, URL)
            self.assertEqual(client.sessions.list(limit=1).pagination.limit, 1)
            del os.environ["SESSIONS_GATEWAY_URL"]
            self.assertEqual(SessionsGateway().base_url, "http://localhost:4000")
            del os.environ["SESSIONS_GATEWAY_API_KEY"]
            with self.assertRaisesRegex(SessionsGatewayError, "SESSIONS_GATEWAY_API_KEY"):
                SessionsGateway()
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
