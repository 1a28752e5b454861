"""An app whose account mail goes to a real SMTP server on loopback (aiosmtpd), so that
the tests read each message as a person would and follow its link through the API."""

import asyncio
import re
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy.ext.asyncio import AsyncEngine

from app.config import Settings
from app.main import create_app
from tests.routers.conftest import client  # noqa: F401 (the fixture, with its problem checks)
from tests.support import free_port

PUBLIC_URL = "https://cop.example.org"


class Mailbox:
    """Every message the SMTP server accepted, parsed."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


@pytest.fixture(scope="package")
def smtp_server() -> Iterator[tuple[Mailbox, int]]:
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield mailbox, port
    finally:
        controller.stop()


@pytest.fixture(scope="package")
def mail_settings(settings: Settings, smtp_server: tuple[Mailbox, int]) -> Settings:
    return settings.model_copy(
        update={
            "smtp_host": "127.0.0.1",
            "smtp_port": smtp_server[1],
            "smtp_starttls": False,
            "public_url": PUBLIC_URL,
            "mail_from": "Community <accounts@cop.example.org>",
        }
    )


@pytest.fixture(scope="package")
def app(mail_settings: Settings, engine: AsyncEngine) -> Any:
    return create_app(mail_settings, engine=engine)


@pytest.fixture
def mailbox(smtp_server: tuple[Mailbox, int]) -> Iterator[Mailbox]:
    smtp_server[0].messages.clear()
    yield smtp_server[0]
    smtp_server[0].messages.clear()


async def delivered(app: Any, mailbox: Mailbox, address: str, count: int = 1) -> EmailMessage:
    """The `count`-th message to `address`, once the app's background sending is done."""
    await app.state.mailer.drain(within=10)
    await asyncio.sleep(0)
    messages = mailbox.to(address)
    assert len(messages) == count, [m["Subject"] for m in messages]
    return messages[-1]


def link_in(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    links = re.findall(r"https?://\S+", str(body.get_content()))
    assert len(links) == 1, links
    return str(links[0])


def token_in(message: EmailMessage, path: str) -> str:
    link = urlsplit(link_in(message))
    assert f"{link.scheme}://{link.netloc}" == PUBLIC_URL
    assert link.path == path
    return parse_qs(link.query)["token"][0]
