"""A TLS listener in a thread that offers a certificate and nothing else.

For tests of what a client makes of a certificate: the handshake is all that happens. It runs
outside the event loop on purpose, so that the handshakes the client aborts are not reported
by the loop's exception handler (Home Assistant's test harness fails a test on those).
"""

from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress

from tests.support.certs import CertFiles


@contextmanager
def tls_listener(certs: CertFiles) -> Iterator[int]:
    """Listen on 127.0.0.1 with ``certs``; yields the port."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(certs.certfile, certs.keyfile)
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                connection, _address = listener.accept()
            except OSError:
                return
            with (
                connection,
                suppress(OSError),
                context.wrap_socket(connection, server_side=True) as tls,
            ):
                tls.sendall(b"+OK ready\r\n")

    thread = threading.Thread(target=serve, name="tls-listener", daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        with suppress(OSError):
            listener.shutdown(socket.SHUT_RDWR)  # wakes the accept() up
        listener.close()
        thread.join()
