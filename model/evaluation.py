"""Offline evaluation on AIDA documents: NER span F1 and end-to-end EL strong match."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model.coherence import WEIGHTS
from model.decoder import LinkDecision, greedy_decode
from model.features import SentenceExample, document_vector
from model.metrics import span_f1, strong_match_scores
from model.data.records import Document


@dataclass
class DocumentPrediction:
    """Predicted mentions of one document, in document token offsets."""

    mentions: list[LinkDecision]


def sentence_examples(documents: list[Document], contextual: list[list[np.ndarray]] | None) -> list[SentenceExample]:
    """Plain sentences (no gold) for prediction."""
    topics = [None if contextual is None else document_vector(contextual[d]) for d in range(len(documents))]
    return [
        SentenceExample(sentence, doc_index=d, offset=offset, contextual=None if contextual is None else contextual[d][s],
                        document=topics[d])
        for d, doc in enumerate(documents)
        for s, (sentence, offset) in enumerate(zip(doc.sentences, doc.sentence_starts))
    ]


def predict_documents(system, documents: list[Document], contextual: list[list[np.ndarray]] | None,
                      batch_size: int = 128, given_spans: bool = False,
                      mention_spans: list[list[tuple[int, int]]] | None = None) -> list[DocumentPrediction]:
    """Greedy predictions.

    With `given_spans` the gold linked mentions are imposed (D2KB); with
    `mention_spans` (document token offsets, one list per document) those mentions are
    linked instead, e.g. the mentions another model detected (the paper's Only-EL).
    """
    system.model.eval()
    examples = sentence_examples(documents, contextual)
    lookup = system.candidate_lookup()
    out = [DocumentPrediction([]) for _ in documents]
    order = sorted(range(len(examples)), key=lambda i: len(examples[i].tokens))  # similar lengths together
    for begin in range(0, len(order), batch_size):
        batch = [examples[i] for i in order[begin:begin + batch_size]]
        if mention_spans is not None:
            spans = [_inside(mention_spans[e.doc_index], e) for e in batch]
        elif given_spans:
            spans = [_given(documents[e.doc_index], e) for e in batch]
        else:
            spans = None
        for example, prediction in zip(batch, greedy_decode(system.model, batch, lookup, spans=spans)):
            for m in prediction.mentions:
                m.start += example.offset
                m.end += example.offset
                out[example.doc_index].mentions.append(m)
    for doc in out:
        doc.mentions.sort(key=lambda m: m.start)
        system.link_document(doc.mentions)
    return out


def _inside(spans: list[tuple[int, int]], example: SentenceExample) -> list[tuple[int, int]]:
    """Document-level spans that lie inside the sentence, in sentence offsets."""
    n = len(example.tokens)
    return [(s - example.offset, e - example.offset) for s, e in spans
            if example.offset <= s and e <= example.offset + n]


def _given(doc: Document, example: SentenceExample) -> list[tuple[int, int]]:
    """Gold linked mentions inside the sentence (mentions crossing a sentence break are lost)."""
    return _inside([(m.start, m.end) for m in doc.mentions if m.entity is not None], example)


NIL_THRESHOLDS = (0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95)


def apply_linking(system, predictions: list[DocumentPrediction], coherence_weight: float, nil_threshold: float) -> None:
    """Re-decide every link for another coherence weight and NIL threshold. EL decisions
    never feed back into the transitions, so this equals decoding again with them."""
    reranker = system.coherence()
    for doc in predictions:
        reranker.rerank(doc.mentions, coherence_weight, nil_threshold)


def calibrate_linking(system, documents: list[Document], predictions: list[DocumentPrediction]) -> tuple[float, float, dict]:
    """(coherence weight, NIL threshold, scores) with the best EL micro F1 on these
    (validation) documents; the weight stays 0 unless the config uses coherence."""
    config = system.model.config
    weights = WEIGHTS if config.use_coherence else (0.0,)
    thresholds = NIL_THRESHOLDS if config.use_nil_classifier else (config.nil_threshold,)
    best = None
    for weight in weights:
        for threshold in thresholds:
            apply_linking(system, predictions, weight, threshold)
            scores = score_predictions(documents, predictions)
            if best is None or scores["el_micro_f1"] > best[2]["el_micro_f1"]:
                best = (weight, threshold, scores)
    apply_linking(system, predictions, best[0], best[1])
    return best


def validate(system, documents: list[Document], contextual) -> dict[str, float]:
    """Scores on (validation) documents at the coherence weight and NIL threshold best
    there, which are left in the model config so a saved checkpoint decodes with them."""
    config = system.model.config
    given = config.objective == "el"  # Only-EL has no NER to find mentions
    config.coherence_weight = 0.0  # predict with the local model; calibrate_linking adds coherence
    predictions = predict_documents(system, documents, contextual, given_spans=given)
    if config.objective == "ner" or not (config.use_nil_classifier or config.use_coherence):
        return score_predictions(documents, predictions)
    config.coherence_weight, config.nil_threshold, scores = calibrate_linking(system, documents, predictions)
    return {**scores, "nil_threshold": config.nil_threshold, "coherence_weight": config.coherence_weight}


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
