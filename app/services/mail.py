"""Account mail (verification and password-reset links), over SMTP or into files.

A service commits its write and then posts the message; a background task delivers it.
So a slow or unreachable mail server never holds a request or a database connection,
and how long a request takes does not tell whether a message was sent (password reset
answers alike for any address). With no SMTP_HOST, each message is written as an RFC 5322
`.eml` file under DATA_DIR/mail/ and its subject and links are logged: development only."""

import asyncio
import logging
import re
import uuid
from collections.abc import Collection
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path
from urllib.parse import urlencode

import aiosmtplib
import anyio

from app.config import Settings

log = logging.getLogger("cop_api.mail")

_LINK = re.compile(r"https?://\S+")


class Mailer:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._pending: set[asyncio.Task[None]] = set()

    def link(self, path: str, token: str) -> str:
        return f"{self.settings.public_url.rstrip('/')}{path}?{urlencode({'token': token})}"

    def compose(self, to: str, subject: str, text: str) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self.settings.mail_from
        message["To"] = to
        message["Subject"] = subject
        message["Date"] = format_datetime(datetime.now(UTC))
        domain = parseaddr(self.settings.mail_from)[1].rpartition("@")[2] or "localhost"
        message["Message-ID"] = make_msgid(domain=domain)
        message.set_content(text)
        return message

    def post(self, message: EmailMessage) -> None:
        """Deliver in the background; a failure is logged (the person can ask again)."""
        task = asyncio.get_running_loop().create_task(self._deliver(message))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def drain(self, within: float | None = None) -> None:
        """Wait for the messages posted so far (at shutdown, and in tests)."""
        with anyio.move_on_after(within):
            while self._pending:
                await asyncio.gather(*list(self._pending), return_exceptions=True)

    async def _deliver(self, message: EmailMessage) -> None:
        try:
            await self.send(message)
        except Exception:
            log.exception("could not send %r to %s", message["Subject"], message["To"])

    async def send(self, message: EmailMessage) -> None:
        settings = self.settings
        if not settings.smtp_host:
            path = await anyio.to_thread.run_sync(self._write, message)
            log.info(
                "mail to %s: %s %s (in %s)",
                message["To"],
                message["Subject"],
                " ".join(_links(message)),
                path,
            )
            return
        await aiosmtplib.send(
            message,
            hostname=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_username,
            password=settings.smtp_password,
            use_tls=settings.smtp_tls,
            start_tls=False if settings.smtp_tls else settings.smtp_starttls,
            timeout=settings.smtp_timeout_seconds,
        )

    def _write(self, message: EmailMessage) -> Path:
        folder = self.settings.data_dir / "mail"
        folder.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        path = folder / f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
        path.write_bytes(message.as_bytes(policy=policy.SMTP))
        return path


def _links(message: EmailMessage) -> Collection[str]:
    body = message.get_body(preferencelist=("plain",))
    text = body.get_content() if body is not None else ""
    return _LINK.findall(str(text))
