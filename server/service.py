"""Glue between the model's `Mention`s and the NIF / JSON answers.

Runs A2KB (no phrases: `annotate`) or D2KB (phrases: `link` on exactly those spans) per
context and turns mentions into `nif.records.Annotation`s under the request's options.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from model.annotation import AnnotatorLike, Mention
from nif.records import Annotation, NifContext
from nif.uris import emerging_uri, entity_uri
from nif.vocab import NER_CLASS
from nif.write import AnsweredContext


class AnnotatorContractError(RuntimeError):
    """The annotator returned something the interface forbids (a server bug, 500)."""


@dataclass(frozen=True)
class AnswerOptions:
    """Per-request answer options (defaults from config, overridable by query params)."""

    offset_mode: str = "gerbil"
    uri_style: str = "wikipedia"
    nil_mode: str = "omit"


def check_mentions(text: str, mentions: Sequence[Mention], spans: Sequence[tuple[int, int]] | None) -> None:
    """Raise AnnotatorContractError if mentions are out of range or do not answer `spans`."""
    for mention in mentions:
        if not 0 <= mention.start < mention.end <= len(text):
            raise AnnotatorContractError(
                f"annotator returned span {mention.start},{mention.end} outside a text of "
                f"{len(text)} characters"
            )
    if spans is not None:
        returned = [(m.start, m.end) for m in mentions]
        if returned != [tuple(span) for span in spans]:
            raise AnnotatorContractError(
                f"annotator.link returned spans {returned[:5]}... for requested {list(spans)[:5]}..."
            )


def run_annotator(annotator: AnnotatorLike, text: str, spans: Sequence[tuple[int, int]] | None) -> list[Mention]:
    """A2KB when `spans` is None, else D2KB on exactly `spans`; output checked."""
    if spans is None:
        mentions = list(annotator.annotate(text))
    elif not spans:
        mentions = []
    else:
        mentions = list(annotator.link(text, list(spans)))
    check_mentions(text, mentions, spans)
    return mentions


def mention_uri(mention: Mention, options: AnswerOptions) -> str | None:
    """Entity URI for a mention; for NIL mentions an emerging URI or None (omit)."""
    if mention.entity:
        return entity_uri(mention.entity, options.uri_style)
    if options.nil_mode == "emerging":
        return emerging_uri(mention.surface)
    return None


def mention_confidence(mention: Mention) -> float:
    """The confidence of the decision the answer states: the linking score of a linked
    mention, the NIL score of a NIL one (written only with ``nil=emerging``), else the NER score."""
    score = mention.el_score if mention.entity else mention.nil_score
    return score if score is not None else mention.ner_score


def to_annotations(mentions: Sequence[Mention], options: AnswerOptions) -> list[Annotation]:
    """NIF annotations for mentions; NIL mentions dropped unless NIL mode is emerging."""
    annotations: list[Annotation] = []
    for mention in mentions:
        uri = mention_uri(mention, options)
        if uri is None:
            continue
        class_ref = NER_CLASS.get(mention.ner_type or "")
        annotations.append(
            Annotation(
                mention.start,
                mention.end,
                uri,
                None if class_ref is None else str(class_ref),
                mention_confidence(mention),
            )
        )
    return annotations


def answer_contexts(
    annotator: AnnotatorLike, contexts: Sequence[NifContext], options: AnswerOptions
) -> list[AnsweredContext]:
    """Annotate every context: D2KB if it carries phrases, else A2KB."""
    answers: list[AnsweredContext] = []
    for context in contexts:
        spans = [(p.begin, p.end) for p in context.phrases] if context.phrases else None
        mentions = run_annotator(annotator, context.text, spans)
        answers.append(AnsweredContext(context, to_annotations(mentions, options)))
    return answers


def mention_json(mention: Mention, options: AnswerOptions) -> dict[str, Any]:
    """A mention as JSON; offsets are code points (Python string indices)."""
    return {
        "start": mention.start,
        "end": mention.end,
        "surface": mention.surface,
        "type": mention.ner_type,
        "entity": mention.entity,
        "uri": entity_uri(mention.entity, options.uri_style) if mention.entity else None,
        "ner_score": mention.ner_score,
        "el_score": mention.el_score,
        "nil_score": mention.nil_score,
        "candidates": [[title, score] for title, score in mention.candidates],
    }
