"""The mailer on its own: files when no SMTP server is set, and a failing server logged
rather than raised (the request that posted the message has long answered)."""

import logging
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from app.config import Settings
from app.services.mail import Mailer
from tests.accounts.conftest import Mailbox
from tests.support import free_port


async def test_without_smtp_each_message_is_an_eml_file_and_a_log_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    mailer = Mailer(Settings(data_dir=tmp_path, public_url="https://cop.example.org/"))
    link = mailer.link("/verify-email", "a b&c")
    assert link == "https://cop.example.org/verify-email?token=a+b%26c"
    with caplog.at_level(logging.INFO, logger="cop_api.mail"):
        mailer.post(mailer.compose("ada@example.org", "Confirm", f"Open:\n\n{link}\n"))
        await mailer.drain()
    [written] = list((tmp_path / "mail").glob("*.eml"))
    raw = written.read_bytes()
    assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")  # RFC 5322 line ends
    message = message_from_bytes(raw, policy=policy.default)
    assert message["To"] == "ada@example.org" and message["Subject"] == "Confirm"
    assert message["Message-ID"] and message["Date"]
    [record] = caplog.records
    assert link in record.getMessage() and "Confirm" in record.getMessage()


async def test_an_unreachable_server_is_logged_not_raised(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = Settings(
        data_dir=tmp_path,
        smtp_host="127.0.0.1",
        smtp_port=free_port(),  # nobody listens there
        smtp_starttls=False,
        smtp_timeout_seconds=5,
    )
    mailer = Mailer(settings)
    with caplog.at_level(logging.ERROR, logger="cop_api.mail"):
        mailer.post(mailer.compose("ada@example.org", "Confirm", "text"))
        await mailer.drain()
    assert any("could not send" in r.getMessage() for r in caplog.records)
    assert not (tmp_path / "mail").exists()


async def test_a_message_arrives_whole_over_smtp(smtp_server: tuple[Mailbox, int]) -> None:
    """Sent inline with `send` (what the background task runs), non-ASCII text included."""
    mailbox, port = smtp_server
    mailbox.messages.clear()
    settings = Settings(smtp_host="127.0.0.1", smtp_port=port, smtp_starttls=False)
    mailer = Mailer(settings)
    await mailer.send(mailer.compose("li@example.org", "Hello", "Body ünïcode"))
    [message] = mailbox.to("li@example.org")
    body = message.get_body(preferencelist=("plain",))
    assert body is not None and "Body ünïcode" in str(body.get_content())
    mailbox.messages.clear()
