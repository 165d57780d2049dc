"""A minimal inetd: one TCP listener on 127.0.0.1 that runs a program per connection.

popa3d only runs from inetd: the program gets the connection as standard input and output.
Started inside a server's sandbox as ``python inetd.py PORT PROGRAM [ARG...]``.
"""

from __future__ import annotations

import os
import signal
import socket
import sys


def main() -> None:
    """Accept forever; each connection gets a forked ``PROGRAM`` with the socket on fd 0 and 1."""
    port, argv = int(sys.argv[1]), sys.argv[2:]
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # no zombies
    # As the first process of its PID namespace it would ignore SIGTERM without a handler.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", port))
        listener.listen(16)
        while True:
            connection, _ = listener.accept()
            if os.fork() == 0:
                listener.close()
                os.dup2(connection.fileno(), 0)
                os.dup2(connection.fileno(), 1)
                connection.close()
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                os.execv(argv[0], argv)
            connection.close()


if __name__ == "__main__":
    main()
