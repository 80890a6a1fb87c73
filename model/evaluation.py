"""Offline evaluation on AIDA documents: NER span F1 and end-to-end EL strong match,
and the calibration of the linking settings on validation."""
from __future__ import annotations

import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from model.coherence import WEIGHTS
from model.candidate_set import CandidateSource
from model.config import LinkingConfig
from model.data.records import Document
from model.features import SentenceExample
from model.data.cache import DataCache
from model.joint_model import JointNerElModel, TrainedSystem
from model.linking import LinkDecision
from model.metrics import span_f1, strong_match_scores

NIL_THRESHOLDS = (0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95)


@dataclass
class DocumentPrediction:
    """Predicted mentions of one document, in document token offsets; `text`: its words,
    whose names may confirm a candidate (`model.place_linking.favour_named_disambiguators`)."""

    mentions: list[LinkDecision]
    text: str | None = None


def sentence_examples(documents: list[Document], contextual: list[list[np.ndarray]] | None) -> list[SentenceExample]:
    """Plain sentences (no gold) for prediction."""
    return [
        SentenceExample(sentence, doc_index=d, offset=offset, contextual=None if contextual is None else contextual[d][s])
        for d, doc in enumerate(documents)
        for s, (sentence, offset) in enumerate(zip(doc.sentences, doc.sentence_starts))
    ]


def decode_documents(model: JointNerElModel, documents: list[Document], contextual: list[list[np.ndarray]] | None,
                     given_spans: bool = False,
                     mention_spans: list[list[tuple[int, int]]] | None = None) -> list[DocumentPrediction]:
    """Greedy predictions with links not yet decided (`link_predictions` decides them).

    With `given_spans` the gold linked mentions are imposed (D2KB); with
    `mention_spans` (document token offsets, one list per document) those mentions are
    linked instead, e.g. the mentions another model detected (the paper's Only-EL).
    """
    examples = sentence_examples(documents, contextual)
    spans = None
    if mention_spans is not None:
        spans = [_inside(mention_spans[e.doc_index], e) for e in examples]
    elif given_spans:
        spans = [_given(documents[e.doc_index], e) for e in examples]
    predictions = [DocumentPrediction(mentions, " ".join(document.tokens))
                   for document, mentions in zip(documents, model.decode_documents(examples, spans))]
    if spans is not None:  # the caller gave them, as a D2KB request does (model.linking.nil_threshold)
        for mention in (m for p in predictions for m in p.mentions):
            mention.given_span = True
    return predictions


def link_predictions(model: JointNerElModel, predictions: list[DocumentPrediction], linking: LinkingConfig) -> None:
    """(Re-)decide every link. EL decisions never feed back into the transitions, so this
    equals decoding again with these settings."""
    for doc in predictions:
        model.link(doc.mentions, linking, doc.text)


def predict_documents(model: JointNerElModel, documents: list[Document], contextual: list[list[np.ndarray]] | None,
                      linking: LinkingConfig, given_spans: bool = False,
                      mention_spans: list[list[tuple[int, int]]] | None = None) -> list[DocumentPrediction]:
    """Linked predictions (see `decode_documents` for the span options)."""
    predictions = decode_documents(model, documents, contextual, given_spans, mention_spans)
    link_predictions(model, predictions, linking)
    return predictions


def _inside(spans: list[tuple[int, int]], example: SentenceExample) -> list[tuple[int, int]]:
    """Document-level spans that lie inside the sentence, in sentence offsets."""
    n = len(example.tokens)
    return [(s - example.offset, e - example.offset) for s, e in spans
            if example.offset <= s and e <= example.offset + n]


def _given(doc: Document, example: SentenceExample) -> list[tuple[int, int]]:
    """Gold linked mentions inside the sentence (mentions crossing a sentence break are lost)."""
    return _inside([(m.start, m.end) for m in doc.mentions if m.entity is not None], example)


def best_linking(model: JointNerElModel, documents: list[Document],
                 prediction_sets: dict[str, list[DocumentPrediction]],
                 grid: list[LinkingConfig]) -> tuple[LinkingConfig, dict[str, dict], list[dict]]:
    """The settings of `grid` with the best mean EL micro F1 over `prediction_sets` (the same
    validation documents decoded with different candidate sources; the first on a tie), each
    set's scores there, and every setting's (``mean_el_micro_f1`` and each set's scores).
    Every set ends up linked with the chosen settings."""
    curve = []
    for linking in grid:
        scores = {}
        for name, predictions in prediction_sets.items():
            link_predictions(model, predictions, linking)
            scores[name] = score_predictions(documents, predictions)
        curve.append({"mean_el_micro_f1": float(np.mean([v["el_micro_f1"] for v in scores.values()])), **scores})
    best = max(range(len(grid)), key=lambda i: curve[i]["mean_el_micro_f1"])
    for predictions in prediction_sets.values():
        link_predictions(model, predictions, grid[best])
    return grid[best], {name: curve[best][name] for name in prediction_sets}, curve


def calibrate_linking(model: JointNerElModel, documents: list[Document], predictions: list[DocumentPrediction],
                      base: LinkingConfig = LinkingConfig()) -> tuple[LinkingConfig, dict]:
    """The linking settings (coherence weight, NIL threshold; the rest as in `base`) with the
    best EL micro F1 on these (validation) documents, and the scores there; `predictions`
    end up linked with them."""
    thresholds = NIL_THRESHOLDS if model.config.use_nil_classifier else (LinkingConfig.nil_threshold,)
    grid = [replace(base, nil_threshold=t, coherence_weight=w) for w in WEIGHTS for t in thresholds]
    linking, scores, _ = best_linking(model, documents, {"validation": predictions}, grid)
    return linking, scores["validation"]


OPEN_NIL_THRESHOLDS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9, 1.0)


def calibrate_open_threshold(model: JointNerElModel, documents: list[Document],
                             prediction_sets: dict[str, list[DocumentPrediction]],
                             linking: LinkingConfig) -> tuple[LinkingConfig, dict[str, dict], dict[float, dict]]:
    """`linking` with the open-knowledge-base NIL threshold that gives the best mean EL micro
    F1 over `prediction_sets` (`best_linking`; e.g. validation as served and the unseen-KB
    proxy, by `model.settings.KB_MODES` name), each set's scores there, and every threshold's."""
    grid = [replace(linking, open_nil_threshold=t) for t in OPEN_NIL_THRESHOLDS]
    chosen, scores, curve = best_linking(model, documents, prediction_sets, grid)
    return chosen, scores, dict(zip(OPEN_NIL_THRESHOLDS, curve))


def validate(model: JointNerElModel, documents: list[Document], contextual) -> tuple[dict[str, float], LinkingConfig]:
    """Scores on (validation) documents at the linking settings best there, and those settings
    (the open knowledge base's NIL threshold too when the model links with it)."""
    given = model.config.objective == "el"  # Only-EL has no NER to find mentions
    predictions = decode_documents(model, documents, contextual, given_spans=given)
    if not model.config.links:
        linking = LinkingConfig()
        link_predictions(model, predictions, linking)
        return score_predictions(documents, predictions), linking
    linking, scores = calibrate_linking(model, documents, predictions)
    if any(m.from_open_kb for p in predictions for m in p.mentions):  # linked with the open knowledge base too
        linking, by_mode, _ = calibrate_open_threshold(model, documents, {"open": predictions}, linking)
        scores = by_mode["open"]
    return {**scores, **linking.to_dict()}, linking


def rounded_scores(scores: dict) -> dict:
    """Scores as reports print them: percentages to 2 decimals, counts unchanged."""
    return {k: round(v, 2) if isinstance(v, float) else v for k, v in scores.items()}


def score_predictions(documents: list[Document], predictions: list[DocumentPrediction]) -> dict[str, float]:
    """NER F1 and InKB strong-match EL scores, in percent."""
    gold_ner = {(d, n.start, n.end, n.ner_type) for d, doc in enumerate(documents) for n in doc.ner_spans}
    pred_ner = {(d, m.start, m.end, m.ner_type) for d, p in enumerate(predictions) for m in p.mentions}
    ner = span_f1(gold_ner, pred_ner)
    gold_el = [{(m.start, m.end, m.entity) for m in doc.mentions if m.entity is not None} for doc in documents]
    pred_el = [{(m.start, m.end, m.entity) for m in p.mentions if m.entity is not None} for p in predictions]
    el = strong_match_scores(gold_el, pred_el)
    return {
        "ner_f1": ner["f1"], "ner_p": ner["precision"], "ner_r": ner["recall"],
        "el_micro_f1": el["micro_f1"], "el_macro_f1": el["macro_f1"],
        "el_micro_p": el["micro_p"], "el_micro_r": el["micro_r"],
        "el_gold": el["gold"], "el_predicted": el["predicted"],
    }


def candidate_recall(candidates: CandidateSource, documents: list[Document]) -> float:
    """Percentage of gold linked mentions whose entity is among their span's candidates:
    what linking could get right at most with perfect mention detection."""
    linked = [(doc, m) for doc in documents for m in doc.mentions if m.entity is not None]
    tokens = {id(doc): doc.tokens for doc in documents}  # built once per document
    found = sum(m.entity in candidates(tokens[id(doc)][m.start:m.end]).titles for doc, m in linked)
    return 100.0 * found / len(linked) if linked else 0.0


OPEN_CALIBRATION_MODES = {"open": ("open",), "open-only": ("open-only",), "both": ("open", "open-only")}


def calibrate_system(system: TrainedSystem, cache: DataCache, command: str, open_kb: str | None = None) -> dict:
    """Calibrate `system` in place (its linking settings and meta, `command` recorded there):
    the coherence weight and NIL threshold on validation with the AIDA dictionary, or with
    `open_kb` (`OPEN_CALIBRATION_MODES`) the open knowledge base's NIL threshold, on validation
    linked in that mode or both. Returns the rounded validation scores (per mode with
    `open_kb`) and, with `open_kb`, every threshold's (``thresholds``; ``mean_el_micro_f1``)."""
    model = system.model
    if not model.config.links:
        raise ValueError("an Only-NER model links nothing: there is nothing to calibrate")
    before = system.linking
    documents = cache.documents()["validation"]
    contextual = cache.features_for(model.config, "validation", documents)

    def decoded(mode: str):
        return decode_documents(model.linking_against(mode), documents, contextual,
                                given_spans=model.config.objective == "el")

    if not open_kb:
        system.linking, scores = calibrate_linking(model, documents, decoded("aida"), before)
        # "validation" describes the checkpoint as it now decodes; what training saw stays beside it.
        trained = system.meta.get("validation_before_calibration", system.meta.get("validation"))
        system.meta = {**system.meta, "validation_before_calibration": trained,
                       "validation": {**scores, **system.linking.to_dict()},
                       "calibration": {"command": command, "before": before.to_dict()}}
        return {"validation": rounded_scores(scores)}
    sets = {mode: decoded(mode) for mode in OPEN_CALIBRATION_MODES[open_kb]}
    system.linking, by_mode, curve = calibrate_open_threshold(model, documents, sets, before)
    scores = {mode: rounded_scores(s) for mode, s in by_mode.items()}
    curve = {str(t): {"mean_el_micro_f1": round(v["mean_el_micro_f1"], 2),
                      **{m: {k: round(v[m][k], 2) for k in ("el_micro_f1", "el_micro_p", "el_micro_r")} for m in sets}}
             for t, v in curve.items()}
    system.meta = {**system.meta, "open_kb_calibration": {"command": command, "before": before.to_dict(),
                                                          "kb": open_kb, "validation": scores, "thresholds": curve}}
    return {"validation": scores, "thresholds": curve}


def evaluate_checkpoint(checkpoint: Path, split: str, cache: DataCache, d2kb: bool = False,
                        mentions_from: Path | None = None, coherence: bool = True, kb: str = "aida") -> dict:
    """The checkpoint's NER F1 and end-to-end EL scores on `split`, linking against `kb`: A2KB,
    or D2KB on the gold linked mentions (`d2kb`), or on the mentions the checkpoint
    `mentions_from` detects (the paper's Only EL); `coherence` off links each mention from its
    sentence alone. What ``python -m scripts evaluate`` prints."""
    system = TrainedSystem.load(checkpoint, kb=kb)
    model = system.model
    linking = system.linking if coherence else replace(system.linking, coherence_weight=0.0)
    documents = cache.documents()[split]
    spans = None
    if mentions_from is not None:
        detector = TrainedSystem.load(mentions_from)
        found = predict_documents(detector.model, documents, cache.features_for(detector.model.config, split, documents),
                                  detector.linking)
        spans = [[(m.start, m.end) for m in doc.mentions] for doc in found]
    started = time.time()
    predictions = predict_documents(model, documents, cache.features_for(model.config, split, documents), linking,
                                    given_spans=d2kb, mention_spans=spans)
    seconds = time.time() - started
    scores = rounded_scores({**score_predictions(documents, predictions),
                             "gold_in_candidates": candidate_recall(model.candidates, documents)})
    return {"split": split, "checkpoint": str(checkpoint), "mode": "d2kb" if d2kb else "a2kb", "kb": kb,
            "mentions_from": str(mentions_from) if mentions_from else None,
            "coherence_weight": linking.coherence_weight, **scores,
            "documents": len(documents), "seconds": round(seconds, 1)}
