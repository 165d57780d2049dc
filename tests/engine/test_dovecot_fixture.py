import poplib
import ssl

from tests.support.dovecot import DovecotServer, MailUser


def test_messages_are_numbered_in_delivery_order(
    dovecot: DovecotServer, mail_user: MailUser
) -> None:
    for n in range(30):
        mail_user.deliver(f"Subject: message {n}\r\n\r\nbody {n}\r\n".encode())
    context = ssl.create_default_context(cafile=dovecot.cafile)
    client = poplib.POP3_SSL(dovecot.host, dovecot.pop3s_port, context=context)
    try:
        client.user(mail_user.username)
        client.pass_(mail_user.password)
        subjects = [client.top(n, 0)[1][0] for n in range(1, 31)]
    finally:
        client.quit()
    assert subjects == [f"Subject: message {n}".encode() for n in range(30)]
