"""Attachments in notifications from a real Dovecot: the only case that fetches whole (RETR)."""

from __future__ import annotations

import base64
from email.message import EmailMessage

from pop3_mail.mailbox import Mailbox
from tests.support.dovecot import MailUser

from .conftest import DispatcherFactory
from .helpers import HttpEndpoint


def message(subject: str, attachment: bytes | None = None) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = "Billing <billing@example.com>"
    mail["To"] = "me@example.com"
    mail["Subject"] = subject
    mail.set_content(f"Body of {subject}")
    if attachment is not None:
        mail.add_attachment(attachment, maintype="application", subtype="pdf", filename="a.pdf")
    return mail


async def test_only_messages_whose_notification_carries_attachments_are_fetched_whole(
    mail_user: MailUser,
    endpoint: HttpEndpoint,
    pop3_mailbox: Mailbox,
    make_dispatcher: DispatcherFactory,
) -> None:
    mailbox = pop3_mailbox
    rules = [
        {
            "name": "invoices",
            "match": {"subject": "invoice", "has_attachment": True},
            "actions": [{"notify": {"urls": [endpoint.url("json", "/files")], "attach": True}}],
            "stop": True,
        },
        {"name": "rest", "actions": [{"notify": {"urls": [endpoint.url("json", "/plain")]}}]},
    ]
    dispatcher = make_dispatcher(rules, mailbox=mailbox)
    await mailbox.poll(on_new=dispatcher.handle, wants_full=dispatcher.wants_full)
    pdf = b"%PDF-1.4 " + bytes(range(256)) * 40
    invoice = mail_user.deliver(message("Your invoice", pdf))
    hello = mail_user.deliver(message("Hello", pdf))

    await mailbox.poll(on_new=dispatcher.handle, wants_full=dispatcher.wants_full)
    (with_files,) = endpoint.on("/files")
    (attached,) = with_files.json["attachments"]
    assert attached["filename"] == "a.pdf"
    assert base64.b64decode(attached["base64"]) == pdf
    (plain,) = endpoint.on("/plain")
    assert not plain.json.get("attachments")
    seen = mail_user.seen_flags()
    assert seen[invoice.partition(":")[0]]  # RETR
    assert not seen[hello.partition(":")[0]]  # TOP only
