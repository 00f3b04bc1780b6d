"""Email over SMTP (standard library only): plain + HTML, a stable Message-ID, attachments.

The Message-ID is derived from the notification, so a message re-sent after a worker crash
carries the same ID as the first copy and mail clients (and tests) recognise it as one message.

Headers built from data (the subject, the sender's display name) are made one line and encoded
by the email package (RFC 2047), so no stored value can break a send; a message that still
can't be built fails permanently at once instead of being retried for hours.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Mapping, Sequence
from datetime import datetime
from email.errors import MessageError
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from types import TracebackType
from typing import Any

from autoshop.domain.bounds import one_line
from autoshop.models import Notification
from autoshop.notifications.errors import PermanentDeliveryError, TemporaryDeliveryError

#: (filename, mimetype, content), e.g. ("appointment.ics", "text/calendar", b"BEGIN:...").
Attachment = tuple[str, str, bytes]


def message_id_for(notification_id: int, sender: str) -> str:
    domain = parseaddr(sender)[1].rpartition("@")[2] or "autoshop.localhost"
    return f"<notification-{notification_id}@{domain}>"


def _address(address: str, display_name: str = "") -> Address:
    """An address header value: the display name on one line (the email package encodes it),
    or PermanentDeliveryError if `address` can't be an email address at all."""
    try:
        parsed = Address(display_name=one_line(display_name), addr_spec=address.strip())
    except (ValueError, IndexError) as exc:  # email's parser raises both for junk
        raise PermanentDeliveryError(f"Invalid email address {address!r}: {exc}") from exc
    if not parsed.username or not parsed.domain:
        raise PermanentDeliveryError(f"Invalid email address {address!r}.")
    return parsed


def _recipient(address: str) -> str:
    """The bare address, or PermanentDeliveryError if it can't be an email address at all."""
    return _address(address).addr_spec


def _sender(sender: str) -> Address:
    """The configured sender ('AutoShop <shop@example.com>' or a bare address)."""
    display_name, address = parseaddr(one_line(sender))
    return _address(address, display_name)


def build_message(
    row: Notification,
    *,
    sender: str,
    now: datetime,
    attachments: Sequence[Attachment] = (),
    content: tuple[str, str, str] | None = None,
) -> EmailMessage:
    """The MIME message for an email row: text (+ HTML alternative) (+ attachments).

    `content` is (subject, text, html) when the row was rendered at send time; else the row's own.
    """
    subject, text, html = content or (row.subject, row.body_text, row.body_html)
    message = EmailMessage()
    message["Subject"] = one_line(subject)
    message["From"] = _sender(sender)
    message["To"] = _recipient(row.recipient)
    message["Date"] = format_datetime(now)
    message["Message-ID"] = message_id_for(row.id, sender)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(text or "")
    if html:
        message.add_alternative(html, subtype="html")
    for filename, mimetype, content in attachments:
        maintype, _, subtype = mimetype.partition("/")
        # A text file (the .ics) says its charset: a Spanish one isn't ASCII.
        params = {"charset": "utf-8"} if maintype == "text" else {}
        message.add_attachment(
            content,
            maintype=maintype,
            subtype=subtype or "octet-stream",
            filename=filename,
            params=params,
        )
    return message


def _reason(code: int, text: bytes | str) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {text}".strip()


class SmtpMailer:
    """One SMTP connection, opened on first use and reused for a batch; `close()` ends it.

    Errors are sorted: a 5xx for the recipient or a malformed address is permanent; anything the
    network or a 4xx says is temporary. After any error the connection is dropped, so the next
    message starts from a clean one.
    """

    def __init__(self, config: Mapping[str, Any]) -> None:
        self.host: str = config["MAIL_SERVER"]
        self.port: int = int(config["MAIL_PORT"])
        self.username: str = config.get("MAIL_USERNAME", "")
        self.password: str = config.get("MAIL_PASSWORD", "")
        self.use_tls: bool = bool(config.get("MAIL_USE_TLS"))
        self.use_ssl: bool = bool(config.get("MAIL_USE_SSL"))
        self.timeout: float = float(config.get("MAIL_TIMEOUT", 10))
        self.sender: str = config["MAIL_DEFAULT_SENDER"]
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> SmtpMailer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _connect(self) -> smtplib.SMTP:
        if self._smtp is not None:
            return self._smtp
        context = ssl.create_default_context()
        smtp: smtplib.SMTP
        if self.use_ssl:
            smtp = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            if self.use_tls and not self.use_ssl:
                smtp.starttls(context=context)
            if self.username:
                smtp.login(self.username, self.password)
        except BaseException:
            smtp.close()
            raise
        self._smtp = smtp
        return smtp

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()

    def send(
        self,
        row: Notification,
        *,
        now: datetime,
        attachments: Sequence[Attachment] = (),
        content: tuple[str, str, str] | None = None,
    ) -> str:
        """Send one email row (with `content` if rendered at send time); return its Message-ID,
        or raise a DeliveryError."""
        try:
            message = build_message(
                row, sender=self.sender, now=now, attachments=attachments, content=content
            )
        except (ValueError, TypeError, MessageError) as exc:  # no retry can build it either
            raise PermanentDeliveryError(f"The message can't be built: {exc}") from exc
        try:
            smtp = self._connect()
            refused = smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            self.close()
            code, text = next(iter(exc.recipients.values()))
            reason = f"Recipient refused: {_reason(code, text)}"
            if code >= 500:
                raise PermanentDeliveryError(reason) from exc
            raise TemporaryDeliveryError(reason) from exc
        except smtplib.SMTPNotSupportedError as exc:
            # e.g. an address that needs SMTPUTF8 and a server that can't take it
            self.close()
            raise PermanentDeliveryError(f"The mail server can't take this address: {exc}") from exc
        except smtplib.SMTPDataError as exc:
            self.close()
            reason = f"Message refused: {_reason(exc.smtp_code, exc.smtp_error)}"
            if exc.smtp_code >= 500:
                raise PermanentDeliveryError(reason) from exc
            raise TemporaryDeliveryError(reason) from exc
        except smtplib.SMTPResponseException as exc:
            # sender refused, authentication, HELO: the shop's setup, not this recipient
            self.close()
            raise TemporaryDeliveryError(
                f"Mail server said {_reason(exc.smtp_code, exc.smtp_error)}"
            ) from exc
        except (smtplib.SMTPException, OSError) as exc:  # refused, reset, timed out
            self.close()
            raise TemporaryDeliveryError(
                f"Mail server {self.host}:{self.port} unavailable: {exc.__class__.__name__}: {exc}"
            ) from exc
        if refused:  # only possible with several recipients; we send to one
            raise PermanentDeliveryError(f"Recipient refused: {refused}")
        return str(message["Message-ID"])
