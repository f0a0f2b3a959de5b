"""Outgoing mail over SMTP, from the ``[mail]`` settings.

The standard library's smtplib, run in a worker thread so the event loop
never waits on a mail server.
"""

from __future__ import annotations

import asyncio
import logging
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

from intranet_core.settings import MailSettings

log = logging.getLogger("intranet.mail")


def build_message(
    settings: MailSettings, *, to: str, subject: str, text: str, html: str | None = None, site_name: str = ""
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = formataddr((site_name, settings.from_address)) if site_name else settings.from_address
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain=settings.from_address.rpartition("@")[2] or None)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    return message


def _send(settings: MailSettings, message: EmailMessage) -> None:
    context = ssl.create_default_context()
    smtp: smtplib.SMTP
    if settings.ssl:
        smtp = smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout_seconds, context=context)
    else:
        smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout_seconds)
    with smtp:
        if settings.starttls and not settings.ssl:
            smtp.starttls(context=context)
        if settings.username:
            smtp.login(settings.username, settings.password)
        smtp.send_message(message)


async def send_mail(
    settings: MailSettings, *, to: str, subject: str, text: str, html: str | None = None, site_name: str = ""
) -> None:
    """Send one message; raises ``smtplib.SMTPException`` or ``OSError`` on failure."""
    message = build_message(settings, to=to, subject=subject, text=text, html=html, site_name=site_name)
    await asyncio.to_thread(_send, settings, message)
    log.info("mail sent: subject=%r", subject)  # never the address or body: personal data
