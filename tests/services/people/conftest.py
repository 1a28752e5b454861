"""What the people services need besides a session: password hashing, and a mailer whose
messages are kept for the test to read instead of being sent."""

from email.message import EmailMessage
from urllib.parse import parse_qs, urlsplit

import pytest

from app.config import Settings
from app.services.mail import Mailer
from app.services.people.auth import Passwords


class Outbox(Mailer):
    """Keeps each message posted; the test follows the link in it."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self.sent: list[EmailMessage] = []

    def post(self, message: EmailMessage) -> None:
        self.sent.append(message)

    def last_token(self, to: str) -> str:
        """The token of the link in the last message to `to`."""
        message = next(m for m in reversed(self.sent) if m["To"] == to)
        body = message.get_content()
        link = next(word for word in body.split() if "?token=" in word)
        return parse_qs(urlsplit(link).query)["token"][0]


@pytest.fixture
def passwords(settings: Settings) -> Passwords:
    return Passwords(settings.password_hash_time_cost)


@pytest.fixture
def outbox(settings: Settings) -> Outbox:
    return Outbox(settings)
