"""Scoring NIF gold standards as GERBIL does, in process or through a server, with the error
breakdown: the engine of `scripts.nif_eval` (which documents it), shared with
`scripts.calibrate`'s open-world calibration and the tests.
"""
from __future__ import annotations

import logging
import time
from collections import Counter
from dataclasses import dataclass, replace
from typing import Iterable, Sequence

from model.annotation import AnnotatorLike, Mention
from model.metrics import strong_match_scores
from model.settings import data_dir
from nif.gold import GoldDocument, GoldMention, read_gold
from scripts.bench.gerbil_client import PreparedDocument, Sender, run_task, summarize

LOGGER = logging.getLogger("nif_eval")
SUITE: tuple[tuple[str, str], ...] = (
    ("OKE2015-Task1-train.ttl", "a2kb"), ("DBpedia-Spotlight.ttl", "a2kb"),
    ("DBpedia-Spotlight.ttl", "d2kb"), ("WNED-WIKI.ttl", "d2kb"),
)
ERRORS = ("span_missed", "not_in_candidates", "nil", "wrong_entity", "spurious")
CATEGORIES = ("correct",) + ERRORS
BATCH = 8  # texts per annotate_many call


@dataclass(frozen=True)
class Prediction:
    """One predicted mention: span, entity title (None = NIL), candidate titles best first."""

    begin: int
    end: int
    entity: str | None
    candidates: tuple[str, ...] = ()


Classified = tuple[str, GoldMention | None, Prediction | None]


def classify(gold: Iterable[GoldMention], predictions: Iterable[Prediction]) -> list[Classified]:
    """(category, gold, prediction) for every linked gold mention, then every spurious link."""
    predictions = list(predictions)
    by_span = {(p.begin, p.end): p for p in predictions}
    linked = [g for g in gold if g.title]
    found: list[Classified] = []
    for g in linked:
        p = by_span.get((g.begin, g.end))
        if p is None:
            category = "span_missed"
        elif p.entity == g.title:
            category = "correct"
        elif g.title not in p.candidates:
            category = "not_in_candidates"
        else:
            category = "nil" if p.entity is None else "wrong_entity"
        found.append((category, g, p))
    gold_spans = {(g.begin, g.end) for g in linked}
    found += [("spurious", None, p) for p in predictions if p.entity and (p.begin, p.end) not in gold_spans]
    return found


def _example(document: GoldDocument, gold: GoldMention | None, pred: Prediction | None) -> dict:
    begin, end = (gold.begin, gold.end) if gold else (pred.begin, pred.end)
    text = document.text
    context = f"{text[max(0, begin - 40):begin]}[[{text[begin:end]}]]{text[end:end + 40]}"
    return {"document": document.uri, "span": [begin, end], "surface": text[begin:end],
            "context": " ".join(context.split()), "gold": gold.title if gold else None,
            "predicted": pred.entity if pred else None,
            "candidates": list(pred.candidates[:5]) if pred else []}


def in_batches(documents: Sequence[GoldDocument], task: str, many, one) -> list:
    """`many(texts)` over batches of `BATCH` texts (A2KB) or `one(text, gold spans)` per
    document (D2KB, every gold span, NIL ones too, as GERBIL sends every gold marking)."""
    results = []
    for first in range(0, len(documents), BATCH):
        chunk = documents[first:first + BATCH]
        if task == "a2kb":
            results.extend(many([d.text for d in chunk]))
        else:
            results.extend(one(d.text, [(m.begin, m.end) for m in d.mentions]) for d in chunk)
        LOGGER.info("%s: %d/%d documents", task, min(first + BATCH, len(documents)), len(documents))
    return results


def decode_in_process(annotator, documents: Sequence[GoldDocument], task: str) -> list:
    """Each document decoded by `annotator` (a `model.annotator.Annotator`) for `task`, links
    undecided (`Annotator.decide` decides them), so linking settings can be compared on one decoding."""
    return in_batches(documents, task, annotator.decode_texts, annotator.decode_spans)


def score_answers(documents: Sequence[GoldDocument], answers: Sequence[Sequence[Mention]], task: str,
                  examples: int = 0) -> dict:
    """Scores, error breakdown and up to `examples` examples per error class of one task's answers."""
    gold_sets: list[set] = []
    pred_sets: list[set] = []
    counts: Counter[str] = Counter()
    shown: dict[str, list[dict]] = {category: [] for category in ERRORS}
    for document, mentions in zip(documents, answers):
        predictions = [Prediction(m.start, m.end, m.entity,  # candidates best first
                                  tuple(t for t, _ in sorted(m.candidates, key=lambda c: -c[1])))
                       for m in mentions]
        if task == "d2kb":  # as GERBIL (and scripts.gerbil_drive): answers on gold spans only
            spans = {(g.begin, g.end) for g in document.mentions}
            predictions = [p for p in predictions if (p.begin, p.end) in spans]
        gold_sets.append({(m.begin, m.end, m.title) for m in document.linked})
        pred_sets.append({(p.begin, p.end, p.entity) for p in predictions if p.entity})
        for category, gold, pred in classify(document.mentions, predictions):
            counts[category] += 1
            if category in shown and len(shown[category]) < examples:
                shown[category].append(_example(document, gold, pred))
    return {**strong_match_scores(gold_sets, pred_sets), "documents": len(documents),
            "breakdown": {category: counts[category] for category in CATEGORIES},
            "examples": {k: v for k, v in shown.items() if v}}


def evaluate_in_process(annotator: AnnotatorLike, documents: Sequence[GoldDocument], task: str,
                        examples: int = 0) -> dict:
    """Scores, error breakdown and up to `examples` examples per error class of one task."""
    started = time.perf_counter()
    answers = in_batches(documents, task, annotator.annotate_many, annotator.link)
    wall = time.perf_counter() - started
    return {**score_answers(documents, answers, task, examples),
            "docs_per_s": len(documents) / wall if wall > 0 else 0.0}


# The open-knowledge-base NIL threshold that decides each task's mentions (`model.linking.nil_threshold`).
THRESHOLD_FIELDS = {"a2kb": "open_nil_threshold", "d2kb": "given_span_open_nil_threshold"}


def threshold_curve(annotator, documents: Sequence[GoldDocument], task: str, thresholds: Sequence[float]) -> dict:
    """Micro F1 of one task at each open-knowledge-base NIL threshold of that task
    (`THRESHOLD_FIELDS`), from one decoding; the annotator's own linking settings otherwise."""
    decoded = decode_in_process(annotator, documents, task)
    curve = {}
    for threshold in thresholds:
        linking = replace(annotator.linking, **{THRESHOLD_FIELDS[task]: threshold})
        answers = [annotator.decide(d, linking) for d in decoded]
        curve[threshold] = score_answers(documents, answers, task)["micro_f1"]
    return curve


def row_documents(name: str, data_dir_arg: str | None = None) -> list[GoldDocument]:
    """The gold documents of a dev row: ``AIDA-<split>`` (`aida_documents`) or an ood-dev file name."""
    if name.startswith("AIDA-"):
        return aida_documents(name[len("AIDA-"):], data_dir_arg)
    return read_gold(data_dir(data_dir_arg) / "ood-dev" / name)


def aida_documents(split: str, data_dir_arg: str | None = None) -> list[GoldDocument]:
    """AIDA/CoNLL documents of `split` as GERBIL sends them (text rebuilt by `nif.aida_text`),
    every PPRforNED mention as gold (NIL ones with no title)."""
    from model.data.aida import load_aida
    from scripts.bench.gerbil_client import prepare

    documents = []
    for index, document in enumerate(load_aida(data_dir_arg)[split]):
        p = prepare(document, index)
        documents.append(GoldDocument(p.context_uri, p.text, [GoldMention(b, e, t) for b, e, t in p.gold_mentions]))
    return documents


def prepared(documents: Sequence[GoldDocument]) -> list[PreparedDocument]:
    """The gold documents as `scripts.gerbil_drive` sends them (their own context URIs)."""
    return [PreparedDocument(index, d.text, d.uri, [(m.begin, m.end, m.title) for m in d.mentions])
            for index, d in enumerate(documents)]


def evaluate_server(send: Sender, documents: Sequence[GoldDocument], task: str, concurrency: int = 1) -> dict:
    """Scores of one task through a NIF endpoint (offsets read back in GERBIL's UTF-16 units)."""
    result, wall = run_task(prepared(documents), task, send, "gerbil", concurrency)
    return summarize(result, wall)


