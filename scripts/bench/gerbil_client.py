"""A GERBIL-style NIF client: AIDA documents sent as GERBIL sends them, replies read back and
scored (`scripts.gerbil_drive`'s engine; `scripts.nif_eval`, the soak and the tests use it too).

What it does and why: `scripts.gerbil_drive`'s module documentation.
"""
from __future__ import annotations

import logging
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Callable

from model.data.records import Document
from model.metrics import strong_match_scores
from nif.answers import read_answer
from nif.aida_text import rebuild_text
from nif.offsets import OffsetMap
from nif.records import NifContext, NifError, NifPhrase
from nif.uris import title_from_uri
from nif.write import serialize_request

LOGGER = logging.getLogger("gerbil_drive")
CONTEXT_URI = "http://www.aksw.org/gerbil/NifWebService/request_{index}#char=0,{length}"
REQUEST_HEADERS = {"Content-Type": "application/x-turtle;charset=UTF-8", "Accept": "application/x-turtle"}
TASKS: tuple[str, ...] = ("a2kb", "d2kb")

Item = tuple[int, int, str]
# send(body) -> (HTTP status, Content-Type, body); raises OSError-like on connection failure.
Sender = Callable[[bytes], tuple[int, str, bytes]]


@dataclass
class PreparedDocument:
    """One document as GERBIL sees it: text, gold mentions in code points, its context."""

    doc_id: int
    text: str
    context_uri: str
    gold_mentions: list[tuple[int, int, str | None]]

    @property
    def gold_in_kb(self) -> set[Item]:
        return {(b, e, entity) for b, e, entity in self.gold_mentions if entity}


def prepare(document: Document, index: int) -> PreparedDocument:
    """Rebuild the document's text and map its gold mentions to character spans."""
    # LinkedMention offsets are document-level token indices (sentences concatenated).
    text, spans = rebuild_text([token for sentence in document.sentences for token in sentence])
    gold = [(spans[m.start][0], spans[m.end - 1][1], m.entity) for m in document.mentions]
    uri = CONTEXT_URI.format(index=index, length=len(text))
    return PreparedDocument(document.doc_id, text, uri, gold)


def request_body(document: PreparedDocument, task: str) -> bytes:
    """The NIF request GERBIL would send for this document and task."""
    phrases: list[NifPhrase] = []
    if task == "d2kb":
        spans = sorted({(b, e) for b, e, _ in document.gold_mentions})
        phrases = [NifPhrase("", b, e, document.text[b:e]) for b, e in spans]
    return serialize_request([NifContext(document.context_uri, document.text, phrases)])


@dataclass
class ReplyReading:
    """What one reply contributed: InKB predictions and offset mismatches."""

    predictions: set[Item] = field(default_factory=set)
    offset_mismatches: int = 0


def read_reply(document: PreparedDocument, body: bytes, content_type: str, offsets: str) -> ReplyReading:
    """Predictions of a reply in code points; NIL / emerging / other-KB URIs dropped."""
    reading = ReplyReading()
    offset_map = OffsetMap(document.text)
    for phrase in read_answer(body, content_type):
        if phrase.context_uri != document.context_uri:
            continue
        try:
            if offsets == "gerbil":
                begin, end = offset_map.from_utf16(phrase.begin), offset_map.from_utf16(phrase.end)
            else:
                begin, end = phrase.begin, phrase.end
                if end > len(document.text):
                    raise ValueError("offset past the end of the text")
        except ValueError:
            reading.offset_mismatches += 1
            continue
        if phrase.anchor is not None and document.text[begin:end] != phrase.anchor:
            reading.offset_mismatches += 1
        titles = [t for t in (title_from_uri(uri) for uri in phrase.entity_uris) if t]
        if titles:
            reading.predictions.add((begin, end, titles[0]))
    return reading


@dataclass
class TaskResult:
    """Everything measured for one task over all documents."""

    gold: list[set[Item]] = field(default_factory=list)
    predictions: list[set[Item]] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    http_errors: int = 0
    offset_mismatches: int = 0
    error_examples: list[str] = field(default_factory=list)


def run_task(documents: list[PreparedDocument], task: str, send: Sender, offsets: str, concurrency: int) -> tuple[TaskResult, float]:
    """Send every document for `task`; returns the result and the wall time in seconds."""
    result = TaskResult()
    readings: list[ReplyReading | None] = [None] * len(documents)
    lock = threading.Lock()

    def one(index: int) -> None:
        document = documents[index]
        body = request_body(document, task)
        started = time.perf_counter()
        try:
            status, content_type, reply = send(body)
        except Exception as error:  # connection refused, timeout: counted, not fatal
            status, content_type, reply = -1, "", str(error).encode()
        elapsed = time.perf_counter() - started
        reading: ReplyReading | None = None
        if status == 200:
            try:
                reading = read_reply(document, reply, content_type, offsets)
            except (NifError, ValueError) as error:
                status, reply = -2, f"unparseable reply: {error}".encode()
        with lock:
            result.latencies.append(elapsed)
            if reading is None:
                result.http_errors += 1
                if len(result.error_examples) < 5:
                    result.error_examples.append(f"doc {document.doc_id}: {status} {reply[:200]!r}")
            readings[index] = reading

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        list(pool.map(one, range(len(documents))))
    wall = time.perf_counter() - started
    for document, reading in zip(documents, readings):
        result.gold.append(document.gold_in_kb)
        predictions = reading.predictions if reading else set()
        if task == "d2kb":
            # GERBIL's D2KB evaluation drops answers on spans it did not send (the server
            # annotates a context sent without phrases A2KB).
            spans = {(b, e) for b, e, _ in document.gold_mentions}
            predictions = {p for p in predictions if p[:2] in spans}
        result.predictions.append(predictions)
        result.offset_mismatches += reading.offset_mismatches if reading else 0
    return result, wall


def percentile(values: list[float], fraction: float) -> float:
    """The `fraction` percentile, interpolated between observations (0 for no values)."""
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[round(fraction * 100) - 1]


def summarize(result: TaskResult, wall: float) -> dict:
    """Scores and service measurements of one task as a JSON-ready dict."""
    documents = len(result.gold)
    return {
        **strong_match_scores(result.gold, result.predictions),
        "documents": documents,
        "docs_per_s": documents / wall if wall > 0 else 0.0,
        "latency_p50_ms": 1000 * percentile(result.latencies, 0.5),
        "latency_p95_ms": 1000 * percentile(result.latencies, 0.95),
        "latency_mean_ms": 1000 * statistics.fmean(result.latencies) if result.latencies else 0.0,
        "http_errors": result.http_errors,
        "offset_mismatches": result.offset_mismatches,
        "error_examples": result.error_examples,
    }


def http_sender(url: str, timeout: float) -> Sender:
    """A thread-safe sender posting to `url` (one requests.Session per thread)."""
    import requests

    local = threading.local()

    def send(body: bytes) -> tuple[int, str, bytes]:
        if not hasattr(local, "session"):
            local.session = requests.Session()
        response = local.session.post(url, data=body, headers=REQUEST_HEADERS, timeout=timeout)
        return response.status_code, response.headers.get("Content-Type", ""), response.content

    return send


def drive(documents: list[Document], send: Sender, tasks: tuple[str, ...], offsets: str, concurrency: int) -> dict:
    """Run the tasks over the documents; one summary dict per task."""
    prepared = [prepare(document, index) for index, document in enumerate(documents)]
    report: dict = {}
    for task in tasks:
        LOGGER.info("%s: sending %d documents (concurrency %d)", task, len(prepared), concurrency)
        result, wall = run_task(prepared, task, send, offsets, concurrency)
        report[task] = summarize(result, wall)
    return report
