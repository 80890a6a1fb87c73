"""Metrics: CoNLL span F1 (checked against seqeval) and GERBIL strong-match EL F1."""
from __future__ import annotations

import random

import pytest
from seqeval.metrics import f1_score, precision_score, recall_score

from model.metrics import prf, span_f1, strong_match_scores

TYPES = ("PER", "LOC", "ORG", "MISC")


def iob2(length: int, spans) -> list[str]:
    tags = ["O"] * length
    for start, end, kind in spans:
        tags[start] = f"B-{kind}"
        for i in range(start + 1, end):
            tags[i] = f"I-{kind}"
    return tags


def random_spans(rng: random.Random, length: int) -> list[tuple[int, int, str]]:
    spans, i = [], 0
    while i < length:
        if rng.random() < 0.35:
            end = min(length, i + rng.randint(1, 3))
            spans.append((i, end, rng.choice(TYPES)))
            i = end
        else:
            i += 1
    return spans


def perturb(rng: random.Random, spans, length: int):
    out = []
    for s, e, t in spans:
        r = rng.random()
        if r < 0.15:
            continue  # missed
        if r < 0.3:
            t = rng.choice(TYPES)  # maybe wrong type
        elif r < 0.4 and e < length:
            e += 1  # boundary error (may overlap the next span: then drop it)
        out.append((s, e, t))
    out = [x for k, x in enumerate(out) if k == 0 or x[0] >= out[k - 1][1]]
    taken = {i for s, e, _ in out for i in range(s, e)}
    for i in range(length):  # spurious single-token mentions
        if i not in taken and rng.random() < 0.05:
            out.append((i, i + 1, rng.choice(TYPES)))
    return sorted(out)


def compare_with_seqeval(gold_sents, pred_sents, lengths):
    gold = {(d, s, e, t) for d, spans in enumerate(gold_sents) for s, e, t in spans}
    pred = {(d, s, e, t) for d, spans in enumerate(pred_sents) for s, e, t in spans}
    ours = span_f1(gold, pred)
    y_true = [iob2(n, spans) for n, spans in zip(lengths, gold_sents)]
    y_pred = [iob2(n, spans) for n, spans in zip(lengths, pred_sents)]
    assert ours["f1"] == pytest.approx(100 * f1_score(y_true, y_pred), abs=1e-9)
    assert ours["precision"] == pytest.approx(100 * precision_score(y_true, y_pred), abs=1e-9)
    assert ours["recall"] == pytest.approx(100 * recall_score(y_true, y_pred), abs=1e-9)
    return ours


def test_span_f1_matches_seqeval_on_random_predictions():
    rng = random.Random(7)
    for _ in range(30):
        lengths = [rng.randint(1, 20) for _ in range(rng.randint(1, 8))]
        gold = [random_spans(rng, n) for n in lengths]
        pred = [perturb(rng, spans, n) for spans, n in zip(gold, lengths)]
        if not any(gold) or not any(pred):
            continue
        compare_with_seqeval(gold, pred, lengths)


def test_span_f1_hand_worked():
    lengths = [6, 4]
    gold = [[(0, 2, "PER"), (3, 4, "LOC"), (5, 6, "ORG")], [(0, 1, "MISC"), (2, 4, "ORG")]]
    pred = [[(0, 2, "PER"), (3, 4, "ORG"), (4, 6, "ORG")], [(0, 1, "MISC"), (3, 4, "ORG")]]
    # TP: (0,0,2,PER), (1,0,1,MISC) → P = 2/5, R = 2/5, F1 = 40.
    ours = compare_with_seqeval(gold, pred, lengths)
    assert ours == pytest.approx({"precision": 40.0, "recall": 40.0, "f1": 40.0})


def test_span_f1_same_span_in_other_documents_is_not_a_match():
    assert span_f1({(0, 1, 2, "PER")}, {(1, 1, 2, "PER")})["f1"] == 0.0
    assert span_f1({(0, 1, 2, "PER")}, {(0, 1, 2, "PER")})["f1"] == 100.0
    assert span_f1([], [])["f1"] == 0.0  # conlleval reports 0 for nothing at all


def test_prf():
    assert prf(0, 0, 0) == (1.0, 1.0, 1.0)
    assert prf(0, 3, 0) == (0.0, 0.0, 0.0)
    assert prf(0, 0, 3) == (0.0, 0.0, 0.0)
    p, r, f = prf(1, 2, 4)
    assert (p, r) == (0.5, 0.25) and f == pytest.approx(1 / 3)


def test_strong_match_hand_computed():
    gold = [
        {(0, 2, "A"), (5, 6, "B")},
        {(3, 4, "D")},
        set(),
        {(1, 2, "E")},
    ]
    pred = [
        {(0, 2, "A"), (5, 6, "C"), (7, 8, "B")},  # same span, other entity = wrong; B elsewhere = wrong
        {(3, 5, "D")},  # right entity, shifted span = wrong
        set(),  # nothing to find, nothing found: F1 = 1 (GERBIL)
        set(),
    ]
    scores = strong_match_scores(gold, pred)
    assert (scores["true_positives"], scores["predicted"], scores["gold"]) == (1, 4, 4)
    assert scores["micro_p"] == pytest.approx(25.0)
    assert scores["micro_r"] == pytest.approx(25.0)
    assert scores["micro_f1"] == pytest.approx(25.0)
    # Per-document F1: 2*(1/3)*(1/2)/(5/6) = 0.4, 0, 1, 0 → macro 35.
    assert scores["macro_f1"] == pytest.approx(35.0)


def test_strong_match_micro_is_over_all_annotations():
    gold = [{(0, 1, "A")}, {(0, 1, "B"), (2, 3, "C"), (4, 5, "D")}]
    pred = [{(0, 1, "A")}, {(0, 1, "B")}]
    scores = strong_match_scores(gold, pred)
    assert scores["micro_p"] == pytest.approx(100.0)
    assert scores["micro_r"] == pytest.approx(50.0)
    assert scores["micro_f1"] == pytest.approx(200 / 3)
    assert scores["macro_f1"] == pytest.approx((1.0 + 0.5) / 2 * 100)  # doc 2: P=1, R=1/3 → F1=0.5


def test_strong_match_requires_aligned_documents():
    with pytest.raises(ValueError):
        strong_match_scores([set()], [])


def test_ner_errors_split_headlines_from_other_sentences_and_count_confusions():
    from model.data.records import Document, NerSpan
    from scripts.research.ner_errors import error_table

    doc = Document(1, "validation", [["LEEDS", "BEAT", "CHELSEA"], ["Leeds", "beat", "Chelsea", "in", "Leeds", "."]],
                   ner_spans=[NerSpan(0, 1, "ORG"), NerSpan(2, 3, "ORG"), NerSpan(3, 4, "ORG"), NerSpan(5, 6, "ORG"),
                              NerSpan(7, 8, "LOC")])
    predicted = [{(0, 1, "ORG"), (2, 3, "LOC"), (3, 4, "ORG"), (5, 6, "ORG"), (7, 8, "LOC"), (4, 5, "MISC")}]
    table = error_table([doc], predicted)
    assert table["by_sentence_and_type"]["headline/ORG"] == {"tp": 1, "fn": 1, "f1": 66.67}
    assert table["by_sentence_and_type"]["headline/LOC"] == {"fp": 1, "f1": 0.0}
    assert table["by_sentence"]["other"]["tp"] == 3 and table["by_sentence"]["other"]["fp"] == 1
    assert table["confusions"] == {"ORG->LOC": 1}


def test_a_span_the_two_knowledge_bases_answer_differently_falls_in_one_class():
    from scripts.research.kb_difference import difference_class

    assert difference_class(None, "Reuters", "Reuters", annotated=True) == "open right"
    assert difference_class("Amnesty_International", "Amnesty", "Amnesty_International", True) == "aida right"
    assert difference_class(None, "United_Kingdom", None, annotated=True) == "open links a NIL span"
    assert difference_class(None, "Cyril_Bos", None, annotated=False) == "open links an unannotated span"
    assert difference_class("Becerril", None, None, annotated=True) == "aida links a NIL or unannotated span"
    assert difference_class(None, "Turkey", "Turkey_national_football_team", True) == "both wrong"
