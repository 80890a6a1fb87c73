"""Reading a request body within a deadline.

gunicorn's threads read a body with blocking reads and no time limit, and one read call
returns only when all the bytes asked for have come, so a client that trickles its body a
byte at a time holds a server thread for as long as it likes (a socket timeout does not
help: every byte resets it). Under gunicorn (``environ["gunicorn.socket"]``) a timer shuts
the socket's reading side when BODY_TIMEOUT has passed, which ends the blocked read; the
answer is 408, and gunicorn then closes the connection. Without a socket (tests) the
deadline is checked between chunks.
"""
from __future__ import annotations

import socket
import threading
import time

from flask import Request
from werkzeug.exceptions import ClientDisconnected

from server.errors import ClientError

CHUNK_BYTES = 64 * 1024


class BodyTimeout(ClientError):
    """The body did not arrive within BODY_TIMEOUT (408)."""

    def __init__(self, timeout: float, received: int) -> None:
        super().__init__(408, f"request body not received within {timeout:g} s (BODY_TIMEOUT); got {received} bytes")


def _stop_reading(client_socket: socket.socket) -> None:
    try:
        client_socket.shutdown(socket.SHUT_RD)  # a blocked recv returns b"" at once
    except OSError:
        pass  # already closed by the client


def read_body(request: Request, timeout: float) -> bytes:
    """The whole body (413 past MAX_CONTENT_LENGTH, raised by werkzeug), or `BodyTimeout`."""
    client_socket = request.environ.get("gunicorn.socket")
    deadline = time.monotonic() + timeout
    timer = None
    if isinstance(client_socket, socket.socket):
        timer = threading.Timer(timeout, _stop_reading, (client_socket,))
        timer.daemon = True
        timer.start()
    stream = request.stream
    chunks: list[bytes] = []
    received = 0
    try:
        while True:
            if time.monotonic() > deadline:
                raise BodyTimeout(timeout, received)
            chunk = stream.read(CHUNK_BYTES)
            if not chunk:
                if timer is not None and not timer.is_alive() and time.monotonic() >= deadline:
                    raise BodyTimeout(timeout, received)  # the timer cut a body werkzeug took as complete
                return b"".join(chunks)
            chunks.append(chunk)
            received += len(chunk)
    except ClientDisconnected:  # werkzeug's name for a body that ended early: the timer's cut, or the client
        if time.monotonic() >= deadline:
            raise BodyTimeout(timeout, received) from None
        raise
    finally:
        if timer is not None:
            timer.cancel()
