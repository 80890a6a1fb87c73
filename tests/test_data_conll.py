"""CoNLL-2003 reader: IOB1 decoding/encoding, documents, document-level offsets."""
from __future__ import annotations

import random

import pytest

from model.data.conll import ConllDocument, iob1_to_spans, ner_spans, read_conll, spans_to_iob1
from model.data.records import NerSpan

TYPES = ("PER", "LOC", "ORG", "MISC")


# ---- iob1_to_spans ------------------------------------------------------------------
@pytest.mark.parametrize(
    "tags, spans",
    [
        # B- separates two touching entities of the same type.
        (["I-PER", "I-PER", "B-PER", "I-PER"], [(0, 2, "PER"), (2, 4, "PER")]),
        # Three touching single-token entities of one type (CoNLL: "SPD FDP Greens").
        (["I-ORG", "B-ORG", "B-ORG", "O"], [(0, 1, "ORG"), (1, 2, "ORG"), (2, 3, "ORG")]),
        # I-X right after I-Y of another type opens a new entity.
        (["I-ORG", "I-LOC", "I-LOC"], [(0, 1, "ORG"), (1, 3, "LOC")]),
        (["O", "I-MISC", "I-PER", "O"], [(1, 2, "MISC"), (2, 3, "PER")]),
        # Entity at the end of the sentence.
        (["O", "O", "I-LOC", "I-LOC"], [(2, 4, "LOC")]),
        (["O", "I-LOC"], [(1, 2, "LOC")]),
        # Single-token entities and an entity at the start.
        (["I-PER", "O", "I-MISC", "O", "I-ORG"], [(0, 1, "PER"), (2, 3, "MISC"), (4, 5, "ORG")]),
        # A (non-canonical) B- after O still opens an entity.
        (["O", "B-PER", "I-PER"], [(1, 3, "PER")]),
        (["O", "O"], []),
        ([], []),
    ],
)
def test_iob1_to_spans(tags, spans):
    assert iob1_to_spans(tags) == spans


@pytest.mark.parametrize(
    "length, spans, tags",
    [
        (4, [(0, 2, "PER"), (2, 4, "PER")], ["I-PER", "I-PER", "B-PER", "I-PER"]),
        (3, [(0, 1, "ORG"), (1, 3, "LOC")], ["I-ORG", "I-LOC", "I-LOC"]),
        (5, [(1, 2, "ORG"), (2, 3, "ORG"), (3, 4, "ORG")], ["O", "I-ORG", "B-ORG", "B-ORG", "O"]),
        (3, [(2, 3, "MISC")], ["O", "O", "I-MISC"]),
        (2, [], ["O", "O"]),
    ],
)
def test_spans_to_iob1_exact_tags(length, spans, tags):
    assert spans_to_iob1(length, spans) == tags
    assert iob1_to_spans(tags) == spans


def _random_spans(rng: random.Random, length: int) -> list[tuple[int, int, str]]:
    spans, i = [], 0
    while i < length:
        if rng.random() < 0.5:
            end = min(length, i + rng.randint(1, 3))
            spans.append((i, end, rng.choice(TYPES[:2])))  # few types: many touching same-type pairs
            i = end
        else:
            i += rng.randint(1, 2)
    return spans


def test_spans_iob1_round_trip_random():
    rng = random.Random(13)
    for _ in range(500):
        length = rng.randint(0, 12)
        spans = _random_spans(rng, length)
        tags = spans_to_iob1(length, spans)
        assert len(tags) == length
        assert iob1_to_spans(tags) == spans, (spans, tags)
        # B- only where an entity touches a previous one of its type.
        for start, end, kind in spans:
            touching = any(e == start and k == kind for _, e, k in spans)
            assert tags[start] == (f"B-{kind}" if touching else f"I-{kind}")


def test_spans_round_trip_on_real_data(conll_docs):
    """Re-encoding the decoded spans of every real sentence decodes to the same spans."""
    for docs in conll_docs.values():
        for doc in docs:
            for tags in doc.tags:
                spans = iob1_to_spans(tags)
                assert iob1_to_spans(spans_to_iob1(len(tags), spans)) == spans


# ---- read_conll ---------------------------------------------------------------------
FIXTURE = """-DOCSTART- -X- -X- O

EU NNP B-NP I-ORG
rejects VBZ B-VP O
German JJ B-NP I-MISC
call NN I-NP O
. . O O

Peter NNP B-NP I-PER
Blackburn NNP I-NP I-PER

-DOCSTART- -X- -X- O

BRUSSELS NNP B-NP I-LOC
1996-08-22 CD I-NP O

The DT B-NP O
European NNP I-NP I-ORG
Commission NNP I-NP I-ORG


"""


@pytest.fixture
def conll_file(tmp_path):
    path = tmp_path / "tiny.conll"
    path.write_text(FIXTURE, encoding="utf-8")
    return path


def test_read_conll_fixture(conll_file):
    docs = read_conll(conll_file)
    assert len(docs) == 2
    assert docs[0].sentences == [["EU", "rejects", "German", "call", "."], ["Peter", "Blackburn"]]
    assert docs[0].tags == [["I-ORG", "O", "I-MISC", "O", "O"], ["I-PER", "I-PER"]]
    assert docs[1].sentences == [["BRUSSELS", "1996-08-22"], ["The", "European", "Commission"]]
    assert docs[1].tags == [["I-LOC", "O"], ["O", "I-ORG", "I-ORG"]]


def test_read_conll_without_blank_line_before_docstart(tmp_path):
    path = tmp_path / "nobreak.conll"
    path.write_text("-DOCSTART- -X- -X- O\nA NNP B-NP I-PER\n-DOCSTART- -X- -X- O\nB NNP B-NP I-LOC\n", encoding="utf-8")
    docs = read_conll(path)
    assert [d.sentences for d in docs] == [[["A"]], [["B"]]]


def test_ner_spans_are_document_level(conll_file):
    doc0, doc1 = read_conll(conll_file)
    assert ner_spans(doc0) == [NerSpan(0, 1, "ORG"), NerSpan(2, 3, "MISC"), NerSpan(5, 7, "PER")]
    assert ner_spans(doc1) == [NerSpan(0, 1, "LOC"), NerSpan(3, 5, "ORG")]
    tokens = [t for s in doc0.sentences for t in s]
    assert tokens[5:7] == ["Peter", "Blackburn"]


def test_ner_spans_never_cross_sentences():
    doc = ConllDocument([["A", "B"], ["C"]], [["O", "I-PER"], ["I-PER"]])
    assert ner_spans(doc) == [NerSpan(1, 2, "PER"), NerSpan(2, 3, "PER")]


@pytest.mark.parametrize(
    "text, line_no",
    [
        ("-DOCSTART- -X- -X- O\n\nEU NNP I-ORG\n", 3),  # three fields
        ("-DOCSTART- -X- -X- O\n\nEU NNP B-NP I-ORG extra\n", 3),  # five fields
        ("EU NNP B-NP I-ORG\n", 1),  # token before any -DOCSTART-
    ],
)
def test_read_conll_malformed_line(tmp_path, text, line_no):
    path = tmp_path / "bad.conll"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=rf"bad\.conll:{line_no}:"):
        read_conll(path)


# ---- real data ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "name, documents, tokens",
    [("eng.train", 946, 203621), ("eng.testa", 216, 51362), ("eng.testb", 231, 46435)],
)
def test_real_conll_counts(conll_docs, name, documents, tokens):
    docs = conll_docs[name]
    assert len(docs) == documents
    assert sum(len(s) for d in docs for s in d.sentences) == tokens
    assert all(len(s) == len(t) for d in docs for s, t in zip(d.sentences, d.tags))
    assert all(d.sentences and all(d.sentences) for d in docs)  # no empty document or sentence
