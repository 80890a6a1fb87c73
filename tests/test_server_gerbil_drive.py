"""The GERBIL driver: request building, reply reading and InKB strong-match scoring."""
from __future__ import annotations

from typing import Sequence

import pytest

from model.annotation import AnnotatorLike, Mention
from model.data.records import Document, LinkedMention
from nif.parse import parse_request
from nif.records import Annotation
from nif.write import AnsweredContext, serialize_answer
from scripts.bench.gerbil_client import drive, prepare, read_reply, request_body
from server.app import create_app

LINKS = {"Paris": "Paris", "Jo Smith": None, "Berlin": "Berlin_(band)", "Moody's": "Moody's"}


class DictAnnotator(AnnotatorLike):
    """Finds the surfaces of `LINKS` in the text and links them from the dict."""

    def annotate(self, text: str) -> list[Mention]:
        found = []
        for surface, entity in LINKS.items():
            start = text.find(surface)
            if start >= 0:
                found.append(Mention(start, start + len(surface), surface, "LOC", entity))
        return sorted(found, key=lambda m: m.start)

    def link(self, text: str, spans: Sequence[tuple[int, int]]) -> list[Mention]:
        return [Mention(b, e, text[b:e], None, LINKS.get(text[b:e])) for b, e in spans]


DOCUMENTS = [
    Document(
        1, "test",
        [["😀", "Paris", "and", "Jo", "Smith", "."], ["Berlin", "too", "."]],
        mentions=[LinkedMention(1, 2, "Paris", "Paris"), LinkedMention(3, 5, "Jo Smith", None),
                  LinkedMention(6, 7, "Berlin", "Berlin")],  # document-level token indices
    ),
    Document(2, "test", [["Nothing", "here", "."]]),
    Document(
        3, "test", [["Moody", "'s", "rates", "Germany", "."]],
        mentions=[LinkedMention(0, 2, "Moody's", "Moody's"), LinkedMention(3, 4, "Germany", "Germany")],
    ),
]


def flask_sender(query: str = ""):
    client = create_app({"ANNOTATOR": DictAnnotator()}).test_client()

    def send(body: bytes) -> tuple[int, str, bytes]:
        response = client.post(f"/gerbil{query}", data=body, headers={"Content-Type": "application/x-turtle"})
        return response.status_code, response.content_type, response.data

    return send


def test_prepare_maps_gold_tokens_to_rebuilt_text() -> None:
    first, _, third = (prepare(d, i) for i, d in enumerate(DOCUMENTS))
    assert first.text == "😀 Paris and Jo Smith. Berlin too."
    assert first.context_uri == "http://www.aksw.org/gerbil/NifWebService/request_0#char=0,33"
    assert [first.text[b:e] for b, e, _ in first.gold_mentions] == ["Paris", "Jo Smith", "Berlin"]
    assert third.gold_in_kb == {(0, 7, "Moody's"), (14, 21, "Germany")}
    [context] = parse_request(request_body(first, "d2kb"), "application/x-turtle")
    assert [(p.begin, p.end, p.anchor) for p in context.phrases] == [(2, 7, "Paris"), (12, 20, "Jo Smith"), (22, 28, "Berlin")]
    assert parse_request(request_body(first, "a2kb"), "application/x-turtle")[0].phrases == []


@pytest.mark.parametrize("offsets, query", [("gerbil", ""), ("nif", "?offsets=nif")])
def test_drive_scores_inkb_strong_match(offsets: str, query: str) -> None:
    report = drive(DOCUMENTS, flask_sender(query), ("a2kb", "d2kb"), offsets, concurrency=2)
    for task in ("a2kb", "d2kb"):
        scores = report[task]
        # tp 2 (Paris, Moody's), 3 KB predictions (Berlin_(band) wrong), 4 KB gold.
        assert (scores["true_positives"], scores["predicted"], scores["gold"]) == (2, 3, 4)
        assert scores["micro_p"] == pytest.approx(200 / 3)
        assert scores["micro_r"] == pytest.approx(50.0)
        assert scores["micro_f1"] == pytest.approx(400 / 7)
        # Per document F1: 0.5, 1 (no gold, no prediction), 2/3.
        assert scores["macro_f1"] == pytest.approx(100 * (0.5 + 1 + 2 / 3) / 3)
        assert scores["http_errors"] == 0 and scores["offset_mismatches"] == 0
        assert scores["documents"] == 3 and scores["latency_p95_ms"] >= scores["latency_p50_ms"] > 0


def test_reply_in_the_wrong_unit_counts_offset_mismatches() -> None:
    document = prepare(DOCUMENTS[0], 0)
    from nif.records import NifContext

    context = NifContext(document.context_uri, document.text)
    body = serialize_answer(
        [AnsweredContext(context, [Annotation(2, 7, "http://en.wikipedia.org/wiki/Paris")])],
        "text/turtle", "codepoints",
    )
    assert read_reply(document, body, "text/turtle", "nif").offset_mismatches == 0
    wrong = read_reply(document, body, "text/turtle", "gerbil")  # read as UTF-16: shifted
    assert wrong.offset_mismatches == 1 and wrong.predictions == {(1, 6, "Paris")}


def test_http_errors_are_counted_not_fatal() -> None:
    def failing(body: bytes) -> tuple[int, str, bytes]:
        return 500, "application/json", b'{"error": "boom"}'

    scores = drive(DOCUMENTS, failing, ("a2kb",), "gerbil", concurrency=1)["a2kb"]
    assert scores["http_errors"] == 3 and scores["micro_r"] == 0.0 and "500" in scores["error_examples"][0]
