"""The server's one error type for answers to a client: `nif.records.NifError` extended.

`NifError` already is what the server needs (an HTTP status and a message for the
client) and `nif/` must stay free of Flask, so the server extends it rather than keeping
a copy or adding a shared base module below `nif/`: a single Flask handler answers both.
"""
from __future__ import annotations

from nif.records import NifError

# Shared by the API routes (server.app) and the demo page (server.demo).
REQUEST_ID_HEADER = "X-Request-Id"  # echoed on every answer; error bodies carry it too
JSON_MEDIA_TYPE = "application/json"


class ClientError(NifError):
    """A request the server will not answer with 200 for a reason outside NIF parsing:
    a bad JSON body or query parameter (4xx), too much work (413), a body that does not
    arrive in time (408), a model still loading or too busy to queue more (503)."""
