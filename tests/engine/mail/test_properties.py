"""Property-based tests: summarize never raises, every field stays clean and bounded, and
well-formed mail written by the stdlib comes back with exactly what was put in."""

from __future__ import annotations

import base64
import quopri
from email.message import EmailMessage
from email.policy import SMTP

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pop3_mail.mail.charsets import all_labels
from pop3_mail.mail.text import collapse
from tests.engine.mail.checks import summarize_bytes

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(
    raw=st.binary(max_size=4000),
    complete=st.booleans(),
    snippet_length=st.integers(min_value=-5, max_value=400),
)
def test_arbitrary_bytes(raw: bytes, complete: bool, snippet_length: int) -> None:
    summary = summarize_bytes(raw, complete=complete, snippet_length=snippet_length)
    assert "internal_error" not in summary.problems


# --- structured messages, then mangled

LABELS = st.sampled_from([*sorted(all_labels()), "x-unknown", "", "unknown-8bit", "idna", "utf-7"])
NASTY_TEXT = st.text(max_size=40) | st.binary(max_size=40).map(lambda b: b.decode("latin-1"))


@st.composite
def encoded_word(draw: st.DrawFn) -> str:
    label = draw(LABELS)
    payload = draw(st.binary(max_size=30))
    if draw(st.booleans()):
        return f"=?{label}?B?{base64.b64encode(payload).decode()}?="
    return f"=?{label}?Q?{quopri.encodestring(payload, header=True).decode()}?="


ADDRESS = st.sampled_from(
    ["a@example.com", '"Doe, J" <j@example.org>', "(c) x@y.z", "<bad", "Group: a@b.c;", "@@"]
)
HEADER_VALUE = st.one_of(
    NASTY_TEXT,
    st.lists(encoded_word() | NASTY_TEXT, max_size=5).map(" ".join),
    st.lists(ADDRESS, max_size=6).map(", ".join),
    st.sampled_from(["Mon, 3 Mar 2025 08:15:00 +0100", "3 Mar 2025 08:15", "garbage", ""]),
)
HEADER_NAME = st.sampled_from(
    ["Subject", "From", "To", "Cc", "Date", "Message-ID", "X-Junk", "Subjéct", "No colon"]
)


@st.composite
def leaf(draw: st.DrawFn) -> tuple[list[str], bytes]:
    subtype = draw(st.sampled_from(["plain", "html", "calendar"]))
    maintype = draw(st.sampled_from(["text", "text", "application", "image", "message"]))
    label = draw(LABELS)
    encoding = draw(st.sampled_from(["7bit", "8bit", "base64", "quoted-printable", "x-junk"]))
    payload = draw(st.binary(max_size=200)) if draw(st.booleans()) else draw(NASTY_TEXT).encode()
    if encoding == "base64":
        payload = base64.encodebytes(payload)
    elif encoding == "quoted-printable":
        payload = quopri.encodestring(payload)
    headers = [
        f'Content-Type: {maintype}/{subtype}; charset="{label}"',
        f"Content-Transfer-Encoding: {encoding}",
    ]
    if draw(st.booleans()):
        headers.append(f"Content-Disposition: attachment; filename*=utf-8''{draw(NASTY_TEXT)}")
    return headers, payload


def tree() -> st.SearchStrategy[tuple[list[str], bytes]]:
    def multipart(children: st.SearchStrategy[list[tuple[list[str], bytes]]]) -> st.SearchStrategy:
        return st.tuples(
            st.sampled_from(["mixed", "alternative", "related", "digest"]),
            st.text(alphabet="abcXYZ'()+_,-./:=?", min_size=1, max_size=20),
            children,
            st.booleans(),
        ).map(_render_multipart)

    return st.recursive(leaf(), lambda inner: multipart(st.lists(inner, max_size=4)), max_leaves=8)


def _render_multipart(
    spec: tuple[str, str, list[tuple[list[str], bytes]], bool],
) -> tuple[list[str], bytes]:
    subtype, boundary, children, closed = spec
    body = b"preamble\r\n"
    for headers, payload in children:
        body += b"--" + boundary.encode() + b"\r\n" + _part(headers, payload) + b"\r\n"
    if closed:
        body += b"--" + boundary.encode() + b"--\r\nepilogue\r\n"
    return [f'Content-Type: multipart/{subtype}; boundary="{boundary}"'], body


def _part(headers: list[str], payload: bytes) -> bytes:
    return "\r\n".join(headers).encode("utf-8", "surrogatepass") + b"\r\n\r\n" + payload


@st.composite
def mangled_message(draw: st.DrawFn) -> bytes:
    headers = [
        f"{name}: {value}"
        for name, value in draw(st.lists(st.tuples(HEADER_NAME, HEADER_VALUE), max_size=8))
    ]
    content_headers, body = draw(tree())
    raw = bytearray(_part(headers + content_headers, body))
    for _ in range(draw(st.integers(min_value=0, max_value=4))):
        operation = draw(st.sampled_from(["cut", "insert", "delete", "lf", "duplicate"]))
        position = draw(st.integers(min_value=0, max_value=len(raw)))
        if operation == "cut":
            del raw[position:]
        elif operation == "insert":
            raw[position:position] = draw(
                st.sampled_from(
                    [b"\x00", b"\r", b"\n", b"\r\n\r\n", b"\xff\xfe", b"=?", b"--", b"("]
                )
            )
        elif operation == "delete":
            del raw[position : position + draw(st.integers(min_value=1, max_value=20))]
        elif operation == "lf":
            raw = bytearray(raw.replace(b"\r\n", b"\n"))
        else:
            raw[position:position] = raw[position : position + 40]
    return bytes(raw)


@SETTINGS
@given(raw=mangled_message(), complete=st.booleans())
def test_structured_but_mangled_messages(raw: bytes, complete: bool) -> None:
    summary = summarize_bytes(raw, complete=complete, size=len(raw) + 100)
    assert "internal_error" not in summary.problems


TOKENS = [
    *(b"\r\n", b"\n", b" ", b"\t", b"\x00", b"\xff", b"=", b"%", b"'", b'"', b",", b":", b";"),
    *(b"<", b">", b"(", b")", b"<!--", b"=?", b"?=", b"=?utf-8?q?", b"=C3", b"w6Q", b"a@b.c"),
    *(b"=?iso-8859-1?q?", b"=?utf-7?b?", b"+APY-", b"\xc3\xb6", b"\\", b"@", b".", b"[x]"),
    *(b"Subject: ", b"From: ", b"To: ", b"Date: ", b"1 Jan 2000 ", b"+0100", b"--b", b"--b--"),
    b"Content-Type: multipart/mixed; boundary=b",
    b"Content-Type: text/html",
    b"Content-Transfer-Encoding: base64",
    b"Content-Transfer-Encoding: quoted-printable",
    b"Content-Disposition: attachment; filename*0*=utf-8''",
]


@SETTINGS
@given(raw=st.lists(st.sampled_from(TOKENS), max_size=200).map(b"".join), complete=st.booleans())
def test_messages_made_of_syntax_fragments(raw: bytes, complete: bool) -> None:
    summary = summarize_bytes(raw, complete=complete)
    assert "internal_error" not in summary.problems


# --- oracle: what the stdlib writes, we read back

TEXT = st.text(
    alphabet=st.characters(categories=("L", "N", "P", "S", "Zs"), exclude_characters="\x85"),
    max_size=120,
).filter(lambda text: "=?" not in text)
LOCAL = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789._-", min_size=1, max_size=12).filter(
    lambda local: not local.startswith(".") and not local.endswith(".") and ".." not in local
)
ADDRESS_SPEC = LOCAL.map(lambda local: f"{local}@example.com")


@SETTINGS
@given(
    subject=TEXT,
    sender=st.tuples(TEXT, ADDRESS_SPEC),
    recipients=st.lists(ADDRESS_SPEC, min_size=1, max_size=5),
    body=TEXT,
    html=st.booleans(),
    attachment=st.none() | st.tuples(TEXT.filter(str.strip), st.binary(max_size=300)),
    crlf=st.booleans(),
)
def test_what_the_stdlib_writes_comes_back(
    subject: str,
    sender: tuple[str, str],
    recipients: list[str],
    body: str,
    html: bool,
    attachment: tuple[str, bytes] | None,
    crlf: bool,
) -> None:
    message = EmailMessage(policy=SMTP)
    message["Subject"] = subject
    message["From"] = f'"{_quote(sender[0])}" <{sender[1]}>'
    message["To"] = ", ".join(recipients)
    message.set_content(body + "\n")
    if html:
        message.add_alternative(
            "<p>" + body.replace("&", "&amp;").replace("<", "&lt;") + "</p>", subtype="html"
        )
    if attachment is not None:
        message.add_attachment(
            attachment[1], maintype="application", subtype="octet-stream", filename=attachment[0]
        )
    raw = message.as_bytes()  # our own, trusted message
    if not crlf:
        raw = raw.replace(b"\r\n", b"\n")
    summary = summarize_bytes(raw)
    assert summary.subject == collapse(subject)[0]
    assert (summary.from_name, summary.from_address) == (collapse(sender[0])[0], sender[1])
    assert summary.to == tuple(recipients)
    assert summary.snippet == collapse(body)[0][:200]
    if attachment is None:
        assert summary.attachments == ()
    else:
        filename = collapse(attachment[0])[0].replace("\\", "/").rpartition("/")[2]
        assert [(a.filename, a.size) for a in summary.attachments] == [
            (filename, len(attachment[1]))
        ]
    assert summary.problems == ()


def _quote(name: str) -> str:
    return name.replace("\\", "\\\\").replace('"', '\\"')


# Raw bytes inside and around encoded words, in every header that is decoded: they take the
# surrogateescape path of decode_header_bytes and must never leak into a field.
WORD = st.builds(
    lambda charset, kind, payload: b"=?" + charset + b"?" + kind + b"?" + payload + b"?=",
    st.sampled_from([b"utf-8", b"iso-8859-1", b"utf-7", b"shift_jis", b"x-unknown", b"\xf6"]),
    st.sampled_from([b"q", b"B"]),
    st.binary(max_size=30).map(lambda data: data.replace(b"?", b"").replace(b"\n", b"")),
)
HEADER_TEXT = st.lists(
    st.one_of(WORD, st.binary(max_size=10).map(lambda data: data.replace(b"\n", b" "))),
    max_size=8,
).map(b" ".join)


@SETTINGS
@given(subject=HEADER_TEXT, sender=HEADER_TEXT, recipient=HEADER_TEXT, filename=HEADER_TEXT)
def test_raw_bytes_in_and_around_encoded_words(
    subject: bytes, sender: bytes, recipient: bytes, filename: bytes
) -> None:
    raw = (
        b"Subject: "
        + subject
        + b"\r\nFrom: "
        + sender
        + b" <a@example.com>\r\nTo: "
        + recipient
        + b"\r\nMessage-ID: <"
        + recipient
        + b'>\r\nContent-Disposition: attachment; filename="'
        + filename.replace(b'"', b"")
        + b'"\r\n\r\nbody'
    )
    summary = summarize_bytes(raw)  # checks that no surrogate or control character survives
    assert "internal_error" not in summary.problems
