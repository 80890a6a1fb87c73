"""Reader for CoNLL-2003 English NER files (IOB1 tags).

Each file is a sequence of documents opened by ``-DOCSTART-``; sentences are separated
by blank lines; each token line is ``TOKEN POS CHUNK NER``. In IOB1 an entity starts
with ``I-X`` unless it directly follows another entity of the same type, in which
case it starts with ``B-X``.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from model.data.records import NerSpan


@dataclass
class ConllDocument:
    """Tokens and IOB1 tags of one CoNLL document, sentence by sentence."""

    sentences: list[list[str]]
    tags: list[list[str]]


def iob1_to_spans(tags: list[str]) -> list[tuple[int, int, str]]:
    """Typed spans ``(start, end_exclusive, type)`` from one sentence of IOB1 tags.

    A span opens at ``B-X``, at ``I-X`` after ``O``, or at ``I-X`` after a tag of
    another type; it continues over ``I-X`` of the same type.
    """
    spans: list[tuple[int, int, str]] = []
    start, kind = -1, ""
    for i, tag in enumerate(tags + ["O"]):
        prefix, _, label = tag.partition("-")
        continues = prefix == "I" and label == kind and start >= 0
        if continues:
            continue
        if start >= 0:
            spans.append((start, i, kind))
            start, kind = -1, ""
        if prefix in ("B", "I"):
            start, kind = i, label
    return spans


def spans_to_iob1(length: int, spans: list[tuple[int, int, str]]) -> list[str]:
    """Inverse of `iob1_to_spans`: ``B-`` only where an entity touches one of its type."""
    tags = ["O"] * length
    for start, end, kind in sorted(spans):
        for i in range(start, end):
            tags[i] = f"I-{kind}"
        if start > 0 and tags[start - 1] in (f"I-{kind}", f"B-{kind}"):
            tags[start] = f"B-{kind}"
    return tags


def read_conll(path: Path) -> list[ConllDocument]:
    """All documents of one CoNLL-2003 file, in file order."""
    docs: list[ConllDocument] = []
    tokens: list[str] = []
    tags: list[str] = []

    def close_sentence() -> None:
        if tokens:
            docs[-1].sentences.append(list(tokens))
            docs[-1].tags.append(list(tags))
            tokens.clear()
            tags.clear()

    with open(path, encoding="utf-8") as handle:
        for line_no, line in enumerate(handle, 1):
            fields = line.split()
            if not fields:
                close_sentence()
                continue
            if fields[0] == "-DOCSTART-":
                close_sentence()
                docs.append(ConllDocument([], []))
                continue
            if len(fields) != 4 or not docs:
                raise ValueError(f"{path}:{line_no}: expected 'TOKEN POS CHUNK NER' inside a document")
            tokens.append(fields[0])
            tags.append(fields[3])
    close_sentence()
    return docs


def ner_spans(doc: ConllDocument) -> list[NerSpan]:
    """The document's typed entities as `NerSpan`s with document-level token offsets."""
    spans, offset = [], 0
    for tags in doc.tags:
        spans.extend(NerSpan(offset + start, offset + end, kind) for start, end, kind in iob1_to_spans(tags))
        offset += len(tags)
    return spans
