"""What is wrong with a server certificate, in the user's words (config-flow error keys).

The engine's :class:`~pop3_mail.errors.TlsError` carries OpenSSL's English text; the verify
code of the :class:`ssl.SSLCertVerificationError` it was made from (kept as its context) says
what went wrong, which decides the advice: a private server needs its CA file, a wrong host
name needs the name from the certificate, an expired certificate needs the server's admin.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from typing import Final

from pop3_mail.errors import TlsError

# OpenSSL's X509_V_ERR_* codes (include/openssl/x509_vfy.h).
_EXPIRED: Final = frozenset({9, 10})  # not yet valid, expired
_SELF_SIGNED: Final = frozenset({18, 19})  # self-signed leaf, self-signed CA in the chain
_UNKNOWN_CA: Final = frozenset({2, 20, 21})  # issuer unknown / not found locally
_WRONG_HOST: Final = frozenset({62, 64})  # host name / IP address mismatch

CERT_SELF_SIGNED: Final = "cert_self_signed"
CERT_UNKNOWN_CA: Final = "cert_unknown_ca"
CERT_EXPIRED: Final = "cert_expired"
CERT_WRONG_HOST: Final = "cert_wrong_host"
CERT_NOT_TRUSTED: Final = "cert_not_trusted"
CERTIFICATE_ERRORS: Final = (
    CERT_SELF_SIGNED,
    CERT_UNKNOWN_CA,
    CERT_EXPIRED,
    CERT_WRONG_HOST,
    CERT_NOT_TRUSTED,
)
"""Every error key :func:`certificate_error_key` may return."""

# Without a verify code (another TLS library, a wrapped error), OpenSSL's words decide.
_BY_TEXT: Final = (
    ("self-signed", CERT_SELF_SIGNED),
    ("self signed", CERT_SELF_SIGNED),
    ("expired", CERT_EXPIRED),
    ("not yet valid", CERT_EXPIRED),
    ("hostname mismatch", CERT_WRONG_HOST),
    ("ip address mismatch", CERT_WRONG_HOST),
    ("local issuer", CERT_UNKNOWN_CA),
    ("unknown ca", CERT_UNKNOWN_CA),
)


def _chain(err: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = err
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def certificate_error_key(err: BaseException) -> str | None:
    """The error key for a certificate that did not verify (``None`` for any other error)."""
    if not (isinstance(err, TlsError) and err.certificate_error):
        return None
    for cause in _chain(err):
        if isinstance(cause, ssl.SSLCertVerificationError):
            code = cause.verify_code
            if code in _SELF_SIGNED:
                return CERT_SELF_SIGNED
            if code in _UNKNOWN_CA:
                return CERT_UNKNOWN_CA
            if code in _EXPIRED:
                return CERT_EXPIRED
            if code in _WRONG_HOST:
                return CERT_WRONG_HOST
    text = str(err).lower()
    return next((key for words, key in _BY_TEXT if words in text), CERT_NOT_TRUSTED)
