"""The requests `scripts/soak.py` sends: valid GERBIL/JSON ones on AIDA text, and hostile ones.

Each kind builds one request from a random AIDA document and says which status it must
get. Hostile kinds: malformed Turtle, random bytes, an 8 MB body, wrong content types,
texts far over the work limits but under the byte limit (JSON and NIF), JSON-LD with a
remote ``@context`` (pointing at a listener the soak runs, which counts fetches: there
must be none), spans and phrases outside their text, nested D2KB phrases, and a client
that trickles its body (sent over a raw socket, see `trickle`).
"""
from __future__ import annotations

import json
import random
import select
import socket
import time
from dataclasses import dataclass, field

from scripts.bench.gerbil_client import PreparedDocument, request_body

TURTLE = "application/x-turtle;charset=UTF-8"
JSON = "application/json"
HUGE_TEXT_BYTES = 1000 * 1000  # under the 1 MiB body limit, 100x the character limit


@dataclass
class SoakRequest:
    """One HTTP request of a kind and the status it must get."""

    kind: str
    path: str
    body: bytes
    content_type: str
    expected: int
    trickle: bool = False
    headers: dict[str, str] = field(default_factory=dict)


def nif_context(uri: str, text: str, phrases: list[tuple[int, int]] = ()) -> bytes:
    """A one-context Turtle request with literal phrases (no check that they fit the text)."""
    lines = [
        "@prefix nif: <http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#> .",
        "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .",
        f"<{uri}> a nif:Context, nif:String ; nif:isString {json.dumps(text, ensure_ascii=False)} ;",
        f'  nif:beginIndex "0"^^xsd:nonNegativeInteger ; nif:endIndex "{len(text)}"^^xsd:nonNegativeInteger .',
    ]
    base = uri.split("#")[0]
    for begin, end in phrases:
        lines.append(
            f"<{base}#char={begin},{end}> a nif:Phrase ; nif:referenceContext <{uri}> ;"
            f' nif:beginIndex "{begin}"^^xsd:nonNegativeInteger ; nif:endIndex "{end}"^^xsd:nonNegativeInteger .'
        )
    return "\n".join(lines).encode("utf-8")


def gold_spans(document: PreparedDocument) -> list[list[int]]:
    return [[b, e] for b, e in sorted({(b, e) for b, e, _ in document.gold_mentions})]


def huge_text(documents: list[PreparedDocument]) -> str:
    """Real AIDA text repeated to just under the body limit (a 2.8 MB one held a worker for minutes)."""
    joined = " ".join(d.text for d in documents)
    text = (joined * (HUGE_TEXT_BYTES // max(1, len(joined)) + 1))[: HUGE_TEXT_BYTES - 1000]
    return text.encode("ascii", "ignore").decode()  # ASCII: characters = bytes, so the body stays under the limit


class RequestFactory:
    """Builds soak requests of every kind from prepared AIDA documents."""

    VALID = ("nif_a2kb", "nif_d2kb", "json_a2kb", "json_d2kb")
    HOSTILE = ("malformed_turtle", "random_bytes", "body_8mb", "wrong_content_type", "json_huge_text",
               "nif_huge_text", "jsonld_remote_context", "json_span_outside", "nif_phrase_outside",
               "nif_nested_phrases", "trickled_body")

    def __init__(self, documents: list[PreparedDocument], remote_context_url: str) -> None:
        self.documents = documents
        self.remote_context_url = remote_context_url
        self.huge = huge_text(documents[:50])
        self.longest = sorted(documents, key=lambda d: len(d.text))[-20:]

    def build(self, kind: str, rng: random.Random) -> SoakRequest:
        document = rng.choice(self.documents)
        return getattr(self, kind)(document, rng)

    # valid: what GERBIL and JSON clients send
    def nif_a2kb(self, document: PreparedDocument, rng: random.Random) -> SoakRequest:
        return SoakRequest("nif_a2kb", "/gerbil", request_body(document, "a2kb"), TURTLE, 200)

    def nif_d2kb(self, document: PreparedDocument, rng: random.Random) -> SoakRequest:
        return SoakRequest("nif_d2kb", "/gerbil", request_body(document, "d2kb"), TURTLE, 200)

    def json_a2kb(self, document: PreparedDocument, rng: random.Random) -> SoakRequest:
        return SoakRequest("json_a2kb", "/annotate", json.dumps({"text": document.text}).encode(), JSON, 200)

    def json_d2kb(self, document: PreparedDocument, rng: random.Random) -> SoakRequest:
        body = json.dumps({"text": document.text, "spans": gold_spans(document)}).encode()
        return SoakRequest("json_d2kb", "/annotate", body, JSON, 200)

    # hostile
    def malformed_turtle(self, document: PreparedDocument, rng: random.Random) -> SoakRequest:
        body = request_body(document, "a2kb")
        cut = rng.randrange(len(body) // 3, len(body) - 1)  # truncated mid-statement
        return SoakRequest("malformed_turtle", "/gerbil", body[:cut] + b" <broken", TURTLE, 400)

    def random_bytes(self, document: PreparedDocument, rng: random.Random) -> SoakRequest:
        body = bytes([0xFF]) + rng.randbytes(rng.randrange(10, 200_000))  # 0xFF: never valid UTF-8
        path, content_type = rng.choice([("/gerbil", TURTLE), ("/annotate", JSON), ("/", "application/n-triples")])
        return SoakRequest("random_bytes", path, body, content_type, 400)

    def body_8mb(self, document: PreparedDocument, rng: random.Random) -> SoakRequest:
        path, content_type = rng.choice([("/gerbil", TURTLE), ("/annotate", JSON)])
        return SoakRequest("body_8mb", path, b"x" * (8 * 1024 * 1024), content_type, 413)

    def wrong_content_type(self, document: PreparedDocument, rng: random.Random) -> SoakRequest:
        path, body, content_type = rng.choice([
            ("/gerbil", document.text.encode(), "text/plain"),
            ("/gerbil", b"text=" + document.text.encode(), "application/x-www-form-urlencoded"),
            ("/annotate", request_body(document, "a2kb"), TURTLE),
        ])
        return SoakRequest("wrong_content_type", path, body, content_type, 415)

    def json_huge_text(self, document: PreparedDocument, rng: random.Random) -> SoakRequest:
        return SoakRequest("json_huge_text", "/annotate", json.dumps({"text": self.huge}).encode(), JSON, 413)

    def nif_huge_text(self, document: PreparedDocument, rng: random.Random) -> SoakRequest:
        uri = f"http://soak.example/huge#char=0,{len(self.huge)}"
        return SoakRequest("nif_huge_text", "/gerbil", nif_context(uri, self.huge), TURTLE, 413)

    def jsonld_remote_context(self, document: PreparedDocument, rng: random.Random) -> SoakRequest:
        body = json.dumps({"@context": self.remote_context_url, "@id": document.context_uri,
                           "@type": "nif:Context", "nif:isString": document.text})
        return SoakRequest("jsonld_remote_context", "/gerbil", body.encode(), "application/ld+json", 400)

    def json_span_outside(self, document: PreparedDocument, rng: random.Random) -> SoakRequest:
        end = len(document.text) + rng.randrange(1, 50)
        body = json.dumps({"text": document.text, "spans": [[0, 3], [end - 5, end]]}).encode()
        return SoakRequest("json_span_outside", "/annotate", body, JSON, 400)

    def nif_phrase_outside(self, document: PreparedDocument, rng: random.Random) -> SoakRequest:
        end = len(document.text) + rng.randrange(1, 50)
        body = nif_context(document.context_uri, document.text, [(end - 4, end)])
        return SoakRequest("nif_phrase_outside", "/gerbil", body, TURTLE, 400)

    def nif_nested_phrases(self, document: PreparedDocument, rng: random.Random) -> SoakRequest:
        # 20 phrases that all overlap in one of the longest documents: each overlap layer would
        # decode the whole text again (20 x its 500+ tokens is over the token limit)
        document = rng.choice(self.longest)
        phrases = [(0, len(document.text) - i) for i in range(20)]
        return SoakRequest("nif_nested_phrases", "/gerbil", nif_context(document.context_uri, document.text, phrases),
                           TURTLE, 413)

    def trickled_body(self, document: PreparedDocument, rng: random.Random) -> SoakRequest:
        body = json.dumps({"text": document.text}).encode()
        return SoakRequest("trickled_body", "/annotate", body, JSON, 408, trickle=True)


def trickle(port: int, request: SoakRequest, interval: float, give_up: float) -> int:
    """Send the headers, then the body one byte per `interval` s until the server answers; its status."""
    head = (f"POST {request.path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: {request.content_type}\r\n"
            f"Content-Length: {len(request.body)}\r\nConnection: close\r\n\r\n").encode()
    deadline = time.monotonic() + give_up
    with socket.create_connection(("127.0.0.1", port), timeout=give_up) as client:
        client.sendall(head)
        for byte in request.body:
            readable, _, _ = select.select([client], [], [], interval)
            if readable or time.monotonic() > deadline:
                break
            client.sendall(bytes([byte]))
        client.settimeout(max(1.0, deadline - time.monotonic()))
        status_line = client.recv(64).split(b"\r\n", 1)[0]
    parts = status_line.split()
    if len(parts) < 2 or not parts[1].isdigit():
        raise ConnectionError(f"no HTTP status line from the server: {status_line!r}")
    return int(parts[1])
