"""Reading a request body within a deadline.

gunicorn's threads read a body with blocking reads and no time limit, so a client that
trickles its body a byte at a time holds a server thread for as long as it likes. The body
is read here in chunks against one deadline for the whole body; under gunicorn the client
socket (``environ["gunicorn.socket"]``) also gets the remaining time as its read timeout, so
a read that never returns is cut too. Late bodies get 408; gunicorn then drains what is
left of the body for a few seconds at most and closes the connection.
"""
from __future__ import annotations

import socket
import time

from flask import Request
from werkzeug.exceptions import ClientDisconnected

from server.errors import ClientError

CHUNK_BYTES = 64 * 1024


class BodyTimeout(ClientError):
    """The body did not arrive within BODY_TIMEOUT (408)."""

    def __init__(self, timeout: float, received: int) -> None:
        super().__init__(408, f"request body not received within {timeout:g} s (BODY_TIMEOUT); got {received} bytes")


def read_body(request: Request, timeout: float) -> bytes:
    """The whole body (413 past MAX_CONTENT_LENGTH, raised by werkzeug), or `BodyTimeout`."""
    client_socket = request.environ.get("gunicorn.socket")
    deadline = time.monotonic() + timeout
    stream = request.stream
    chunks: list[bytes] = []
    received = 0
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise BodyTimeout(timeout, received)
            if isinstance(client_socket, socket.socket):
                client_socket.settimeout(remaining)
            chunk = stream.read(CHUNK_BYTES)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)
            received += len(chunk)
    except (socket.timeout, TimeoutError):
        raise BodyTimeout(timeout, received) from None
    except ClientDisconnected as error:  # werkzeug's stream turns the socket's timeout into this
        if isinstance(error.__context__, (socket.timeout, TimeoutError)):
            raise BodyTimeout(timeout, received) from None
        raise
    finally:
        if isinstance(client_socket, socket.socket):
            client_socket.settimeout(None)
