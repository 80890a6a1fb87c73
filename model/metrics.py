"""Evaluation metrics: CoNLL span F1 for NER, GERBIL-style strong-match F1 for EL.

Strong matching: a predicted (span, entity) counts only if both the exact span and
the exact entity equal a gold linked mention. Callers pass InKB annotations only
(gold NIL mentions and NIL predictions are left out before scoring). Macro F1 is the
mean of per-document F1, where a document with nothing to find and nothing predicted
scores 1, as in GERBIL. All figures are percentages.
"""
from __future__ import annotations

from typing import Hashable, Iterable


def prf(true_positives: int, predicted: int, gold: int) -> tuple[float, float, float]:
    """Precision, recall, F1 (fractions); 0 where undefined, except an empty-vs-empty 1."""
    if predicted == 0 and gold == 0:
        return 1.0, 1.0, 1.0
    precision = true_positives / predicted if predicted else 0.0
    recall = true_positives / gold if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def strong_match_scores(gold_docs: list[set[Hashable]], pred_docs: list[set[Hashable]]) -> dict[str, float]:
    """Micro P/R/F1 and macro F1 over documents of annotation sets such as ``(start, end, entity)``."""
    if len(gold_docs) != len(pred_docs):
        raise ValueError("gold and predictions must cover the same documents")
    tp = sum(len(g & p) for g, p in zip(gold_docs, pred_docs))
    n_pred = sum(len(p) for p in pred_docs)
    n_gold = sum(len(g) for g in gold_docs)
    micro_p, micro_r, micro_f1 = prf(tp, n_pred, n_gold)
    per_doc = [prf(len(g & p), len(p), len(g))[2] for g, p in zip(gold_docs, pred_docs)]
    macro_f1 = sum(per_doc) / len(per_doc) if per_doc else 0.0
    return {
        "micro_p": 100 * micro_p, "micro_r": 100 * micro_r, "micro_f1": 100 * micro_f1,
        "macro_f1": 100 * macro_f1, "true_positives": tp, "predicted": n_pred, "gold": n_gold,
    }


def span_f1(gold: Iterable[Hashable], predicted: Iterable[Hashable]) -> dict[str, float]:
    """CoNLL NER score: exact span and type; inputs are sets of ``(doc, start, end, type)``."""
    gold_set, pred_set = set(gold), set(predicted)
    p, r, f = prf(len(gold_set & pred_set), len(pred_set), len(gold_set))
    if not gold_set and not pred_set:
        p = r = f = 0.0
    return {"precision": 100 * p, "recall": 100 * r, "f1": 100 * f}
