"""The API reference's Python lines, verbatim, against a real server."""

import contextlib
import io
import unittest

from sessions_gateway import Session, SessionsGateway

from .support import API_KEY, URL


class ReferenceExamples(unittest.TestCase):
    def setUp(self) -> None:
        self.client = SessionsGateway(api_key=API_KEY, base_url=URL)

    def test_create_a_session(self) -> None:
        client = self.client
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            session = client.sessions.create(name="user-signup-flow", metadata={"environment": "staging"})
            print(session.id)  # "sess_789"
        self.assertRegex(out.getvalue(), r"^sess_\w+\n$")
        self.assertIsInstance(session, Session)
        self.assertEqual(session.name, "user-signup-flow")
        self.assertEqual(session.status, "active")
        self.assertEqual(session.metadata, {"environment": "staging"})
        self.assertIsNone(session.completed_at)
        self.assertEqual((session.inboxes, session.waits), ([], []))

    def test_list_get_and_timeline(self) -> None:
        client = self.client
        created = client.sessions.create(name="user-signup-flow", metadata={"environment": "staging"})
        # The TypeScript tab's calls, in the Python client's words.
        sessions = client.sessions.list(status="active", limit=20, offset=0)
        self.assertGreaterEqual(len(sessions.data), 1)
        self.assertEqual(sessions.pagination.limit, 20)
        session = client.sessions.get(created.id)
        self.assertEqual((session.status, session.inboxes, session.waits), ("active", [], []))
        timeline = client.sessions.timeline(created.id)
        self.assertEqual([e.type for e in timeline.events], ["session.created"])
        self.assertEqual(timeline.events[0].payload["sessionId"], created.id)
