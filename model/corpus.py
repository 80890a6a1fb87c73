"""Annotating a corpus: documents in, exactly one output row per document out.

The engine-independent half of ``python -m scripts.corpus``, which runs it on Ray Data
(`model.corpus_files` finds and reads the files):

- `CorpusDocument`: an id and a text, or the `problem` that makes it an ``error`` row;
- `annotate_documents`: one row per document, in order; a failure is that document's
  ``error`` row and never its neighbours' (a failing batch is redone one document at a time);
- `AnnotateBatch`: what each Ray actor runs, the annotator loaded once per actor; `done` hears
  of each batch (progress).

Rows follow `OUTPUT_SCHEMA`; offsets are code points (``text[start:end] == surface``). The
`uri` of a mention is filled by the caller's `mention_row` (URIs are the NIF layer's business),
and every row names the model that made it (`ModelIdentity`).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

import pyarrow as pa

from model.annotation import AnnotatorLike, Mention

OK, ERROR = "ok", "error"
DEFAULT_MAX_CHARS = 1_000_000  # longer documents become error rows (--max-chars)
CHUNK_CHARS = 50_000  # texts decoded together by one `annotate_many` call, at most (memory)
MENTION_TYPE = pa.struct([("start", pa.int64()), ("end", pa.int64()), ("surface", pa.string()),
                          ("type", pa.string()), ("entity", pa.string()), ("uri", pa.string()),
                          ("ner_score", pa.float64()), ("el_score", pa.float64()), ("nil_score", pa.float64())])
MENTION_FIELDS: tuple[str, ...] = tuple(MENTION_TYPE.names)
OUTPUT_SCHEMA = pa.schema([("id", pa.string()), ("status", pa.string()), ("error", pa.string()),
                           ("mentions", pa.list_(MENTION_TYPE)), ("checkpoint", pa.string()), ("kb", pa.string())])
# What the read stage hands to the actors: `problem` is set when the text cannot be annotated.
DOCUMENT_SCHEMA = pa.schema([("id", pa.string()), ("text", pa.string()), ("problem", pa.string())])

MentionRow = Callable[[Mention], dict[str, Any]]


class CorpusInputError(ValueError):
    """The input as a whole cannot be annotated (no id, duplicate ids, not JSON, no ``text``
    column): found before any work starts, so nothing is half done."""


@dataclass(frozen=True)
class CorpusDocument:
    """One input document; `text` is None and `problem` says why when it cannot be annotated."""

    id: str
    text: str | None
    problem: str | None = None


@dataclass(frozen=True)
class ModelIdentity:
    """What annotated a row, written on every row: rows of two models never mix unnoticed."""

    checkpoint: str  # "sha256:<16 hex>" of the checkpoint file, or "factory:<module:Name>"
    kb: str | None


@dataclass(frozen=True)
class Tally:
    """How many documents, mentions and error rows some rows hold (progress, summaries)."""

    documents: int = 0
    mentions: int = 0
    errors: int = 0

    @classmethod
    def of(cls, rows: Sequence[dict[str, Any]]) -> "Tally":
        return cls(len(rows), sum(len(r["mentions"]) for r in rows), sum(r["status"] == ERROR for r in rows))

    def __add__(self, other: "Tally") -> "Tally":
        return Tally(self.documents + other.documents, self.mentions + other.mentions, self.errors + other.errors)


def checkpoint_digest(path: str | Path) -> str:
    """The checkpoint file's identity: its content hash (a path or a date says nothing)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return "sha256:" + digest.hexdigest()[:16]


def documents_table(documents: Sequence[CorpusDocument]) -> pa.Table:
    """Documents as `DOCUMENT_SCHEMA` rows (what the read stage hands to the actors)."""
    return pa.Table.from_pylist([{"id": d.id, "text": d.text, "problem": d.problem} for d in documents],
                                schema=DOCUMENT_SCHEMA)


def table_to_documents(table: pa.Table) -> list[CorpusDocument]:
    return [CorpusDocument(*row) for row in zip(*(table.column(c).to_pylist() for c in DOCUMENT_SCHEMA.names))]


# ---- annotating ----------------------------------------------------------------------------

def error_row(doc_id: str, message: str, identity: ModelIdentity) -> dict[str, Any]:
    return {"id": doc_id, "status": ERROR, "error": message, "mentions": [],
            "checkpoint": identity.checkpoint, "kb": identity.kb}


def ok_row(doc_id: str, mentions: list[dict[str, Any]], identity: ModelIdentity) -> dict[str, Any]:
    return {"id": doc_id, "status": OK, "error": None, "mentions": mentions,
            "checkpoint": identity.checkpoint, "kb": identity.kb}


def plain_mention_row(mention: Mention) -> dict[str, Any]:
    """A mention's row without a URI (callers that know URIs pass their own `mention_row`)."""
    return {"start": mention.start, "end": mention.end, "surface": mention.surface, "type": mention.ner_type,
            "entity": mention.entity, "uri": None, "ner_score": mention.ner_score, "el_score": mention.el_score,
            "nil_score": mention.nil_score}


def checked_mentions(text: str, mentions: Sequence[Mention], mention_row: MentionRow) -> list[dict[str, Any]]:
    """Mention rows; ValueError if the annotator broke its contract (a span outside the text)."""
    for m in mentions:
        if not 0 <= m.start < m.end <= len(text):
            raise ValueError(f"the annotator returned span {m.start},{m.end} in a text of {len(text)} characters")
    return [{key: row[key] for key in MENTION_FIELDS} for row in map(mention_row, mentions)]


def chunks(indices: Sequence[int], lengths: Sequence[int], budget: int) -> Iterator[list[int]]:
    """`indices` cut into runs of at most `budget` characters (a longer text runs alone)."""
    run, size = [], 0
    for index in indices:
        if run and size + lengths[index] > budget:
            yield run
            run, size = [], 0
        run.append(index)
        size += lengths[index]
    if run:
        yield run


def annotate_documents(annotator: AnnotatorLike, documents: Sequence[CorpusDocument], identity: ModelIdentity,
                       max_chars: int = DEFAULT_MAX_CHARS, mention_row: MentionRow = plain_mention_row,
                       chunk_chars: int = CHUNK_CHARS) -> list[dict[str, Any]]:
    """One row per document, in order. Texts are decoded together (`annotate_many`: the same
    answers, faster) up to `chunk_chars` characters at a time; if such a call fails, its texts
    are annotated one by one, so only the document that fails gets an ``error`` row."""
    rows: list[dict[str, Any] | None] = [None] * len(documents)
    todo = []
    for index, d in enumerate(documents):
        if d.problem is not None or d.text is None:
            rows[index] = error_row(d.id, d.problem or "the document has no text", identity)
        elif len(d.text) > max_chars:
            rows[index] = error_row(d.id, f"{len(d.text):,} characters, more than the corpus limit of "
                                    f"{max_chars:,} (--max-chars)", identity)
        else:
            todo.append(index)
    lengths = [len(d.text or "") for d in documents]
    for run in chunks(todo, lengths, chunk_chars):
        texts = [documents[i].text for i in run]
        try:
            answers = annotator.annotate_many(texts)
            rows_of_run = [ok_row(documents[i].id, checked_mentions(t, a, mention_row), identity)
                           for i, t, a in zip(run, texts, answers, strict=True)]
        except Exception:  # noqa: BLE001 - which document failed is found below, one at a time
            rows_of_run = [annotate_one(annotator, documents[i], identity, mention_row) for i in run]
        for index, row in zip(run, rows_of_run):
            rows[index] = row
    return [row for row in rows if row is not None]


def annotate_one(annotator: AnnotatorLike, d: CorpusDocument, identity: ModelIdentity,
                 mention_row: MentionRow) -> dict[str, Any]:
    """One document's row; whatever the annotator raises becomes its error message."""
    try:
        return ok_row(d.id, checked_mentions(d.text, annotator.annotate(d.text), mention_row), identity)
    except Exception as error:  # noqa: BLE001 - a bad document must not stop the corpus
        return error_row(d.id, f"{type(error).__name__}: {error}", identity)


class AnnotateBatch:
    """The map stage's callable class: one per actor, so the annotator (1 GB, seconds to load)
    is loaded once per actor and not once per batch. Batches are `DOCUMENT_SCHEMA` tables,
    answers `OUTPUT_SCHEMA` tables with one row per document."""

    def __init__(self, factory: Callable[[], AnnotatorLike], identity: ModelIdentity,
                 max_chars: int = DEFAULT_MAX_CHARS, mention_row: MentionRow = plain_mention_row,
                 done: Callable[[Tally], None] | None = None) -> None:
        self.annotator = factory()
        self.identity, self.max_chars, self.mention_row, self.done = identity, max_chars, mention_row, done

    def __call__(self, batch: pa.Table) -> pa.Table:
        rows = annotate_documents(self.annotator, table_to_documents(batch), self.identity, self.max_chars,
                                  self.mention_row)
        if self.done is not None:
            self.done(Tally.of(rows))
        return pa.Table.from_pylist(rows, schema=OUTPUT_SCHEMA)
