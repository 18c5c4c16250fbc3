"""The live event stream, the paged timeline, message sources and attachments, and waits with since."""

import base64
import unittest
from datetime import datetime, timedelta, timezone

from sessions_gateway import CursorEvent, SessionsGateway, TimelinePage, WaitTimeoutError

from .support import API_KEY, URL, CuttingProxy


def with_attachment(to: str, pdf: bytes) -> str:
    return "\r\n".join([
        "From: Sender <sender@example.test>", f"To: {to}", "Cc: copy@example.test", "Message-ID: <py1@example.test>",
        "Subject: Your invoice", "MIME-Version: 1.0", 'Content-Type: multipart/mixed; boundary="b1"', "",
        "--b1", "Content-Type: text/plain; charset=utf-8", "", "Your code is 246810. Open https://app.example.test/invoice?id=7",
        "--b1", 'Content-Type: application/pdf; name="invoice.pdf"', 'Content-Disposition: attachment; filename="invoice.pdf"',
        "Content-Transfer-Encoding: base64", "", base64.b64encode(pdf).decode("ascii"), "--b1--", "",
    ])


class Live(unittest.TestCase):
    def setUp(self) -> None:
        self.client = SessionsGateway(api_key=API_KEY, base_url=URL)

    def test_paged_timeline_equals_the_whole(self) -> None:
        session = self.client.sessions.create(name="py-paged")
        for _ in range(3):
            self.client.inboxes.create(session_id=session.id)
        whole = self.client.sessions.timeline(session.id)
        first = self.client.sessions.timeline(session.id, limit=2)
        assert isinstance(first, TimelinePage)
        self.assertEqual(len(first.events), 2)
        self.assertEqual(first.next, first.events[1].cursor)
        walked = [e.type for e in self.client.sessions.iterate_timeline(session.id, limit=2)]
        self.assertEqual(walked, [e.type for e in whole.events])

    def test_events_arrive_live_and_end_after_the_terminal_event(self) -> None:
        session = self.client.sessions.create(name="py-live")
        seen = []
        for event in self.client.sessions.events(session.id):
            self.assertIsInstance(event, CursorEvent)
            seen.append(event.type)
            if event.type == "session.created":
                self.client.inboxes.create(session_id=session.id)
            if event.type == "inbox.created":
                self.client.sessions.complete(session.id)
        self.assertEqual(seen, ["session.created", "inbox.created", "session.completed"])

    def test_events_resume_after_a_forced_disconnect(self) -> None:
        proxy = CuttingProxy(URL)
        try:
            via_proxy = SessionsGateway(api_key=API_KEY, base_url=proxy.url)
            session = self.client.sessions.create(name="py-resume")
            inbox = self.client.inboxes.create(session_id=session.id)
            got = []
            for event in via_proxy.sessions.events(session.id):
                got.append((event.cursor, event.type))
                if len(got) == 2:
                    proxy.cut()
                    self.client.inboxes.deliver(inbox.id, from_="a@example.test", subject="during the cut", text="x")
                    self.client.inboxes.create(session_id=session.id)
                    self.client.sessions.fail(session.id, reason="done")
            expected = [(e.cursor, e.type) for e in self.client.sessions.iterate_timeline(session.id)]
            self.assertEqual(got, expected)
            self.assertGreaterEqual(len(proxy.seen), 2)
            self.assertIn("after=", proxy.seen[1])
        finally:
            proxy.close()

    def test_raw_source_and_attachment(self) -> None:
        inbox = self.client.inboxes.create()
        pdf = b"%PDF-1.4\n" + b"x" * 300 + b"\n%%EOF\n"
        source = with_attachment(inbox.email_address, pdf)
        summary = self.client.inboxes.deliver(inbox.id, raw=source)
        message = self.client.messages.get(summary.id)
        self.assertEqual(message.cc, ["copy@example.test"])
        self.assertEqual(message.message_id, "<py1@example.test>")
        self.assertIn("Subject", [h.name for h in message.headers])
        self.assertEqual([c.value for c in message.codes if c.best], ["246810"])
        self.assertIn("https://app.example.test/invoice?id=7", [l.url for l in message.links])
        self.assertEqual(len(message.attachments), 1)
        self.assertEqual(message.attachments[0].filename, "invoice.pdf")
        self.assertEqual(self.client.messages.raw(summary.id), source.encode("utf-8"))
        file = self.client.messages.attachment(summary.id, message.attachments[0].id)
        self.assertEqual(file.data, pdf)
        self.assertEqual(file.filename, "invoice.pdf")
        self.assertTrue(file.content_type.startswith("application/pdf"))

    def test_wait_for_otp_with_since_and_filters(self) -> None:
        inbox = self.client.inboxes.create()
        before = datetime.now(timezone.utc) - timedelta(seconds=60)
        self.client.inboxes.deliver(inbox.id, from_="a@example.test", to=[inbox.email_address], subject="Login code", text="Your code is 135790")
        self.assertEqual(self.client.inboxes.wait_for_otp(inbox.id, since=before, subject_matches="^Login", to=inbox.email_address, timeout_seconds=5), "135790")
        with self.assertRaises(WaitTimeoutError):
            self.client.inboxes.wait_for_link(inbox.id, since=before, timeout_seconds=1)
        self.client.inboxes.deliver(inbox.id, from_="a@example.test", subject="Ticket", text="ticket REF-4321 opened")
        wait = self.client.waits.create(inbox_id=inbox.id, type="otp", since=before, timeout_seconds=5, filters={"bodyMatches": "REF-\\d+", "pattern": "REF-(\\d+)"})
        self.assertIsNotNone(wait.since)
        ended = self.client.waits.wait_for(wait.id, timeout_seconds=10)
        self.assertEqual(ended.result.value if ended.result else None, "4321")

    def test_list_cursors(self) -> None:
        for _ in range(3):
            self.client.sessions.create(name="py-cursor")
        first = self.client.sessions.list(limit=2)
        self.assertIsNotNone(first.pagination.next)
        second = self.client.sessions.list(limit=2, after=first.pagination.next)
        self.assertFalse({s.id for s in first.data} & {s.id for s in second.data})
        ids = [s.id for s in self.client.sessions.iterate(limit=2)]
        self.assertEqual(len(ids), len(set(ids)))
        self.assertEqual(len(ids), first.pagination.total)
