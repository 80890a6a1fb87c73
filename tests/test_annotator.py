"""The inference API on raw text: exact offsets for A2KB and for given spans (D2KB)."""
from __future__ import annotations

import pytest
import torch

from model.annotator import Annotator
from model.checkpoint import TrainedSystem
from tests.test_model import CHARS, TITLES, WORDS, entity_vectors, make_kb, tiny_config

TEXT = "Paris Hilton visited Bonn. 😀 The EU met in Germany!\nRain fell near Bonn ."


@pytest.fixture(scope="module")
def annotator(tmp_path_factory) -> Annotator:
    torch.manual_seed(11)
    system = TrainedSystem.create(tiny_config(), make_kb(), list(TITLES), entity_vectors(), CHARS, {}, WORDS)
    path = tmp_path_factory.mktemp("ckpt") / "tiny.pt"
    system.save(path)
    return Annotator.load(path, threads=1)


def test_annotate_offsets_are_exact(annotator, monkeypatch):
    """A2KB offsets map back to the exact text (emoji, newline) for every mention decoded.

    The untrained tiny model finds no mention by itself, which would leave nothing to check:
    the real decoder is made to build one mention per capitalised token (typed and linked by
    the model as usual)."""
    import model.annotator as annotator_module

    decode = annotator_module.greedy_decode

    def capitalised_tokens_are_mentions(model, examples, candidates, spans=None, **options):
        forced = [[(i, i + 1) for i, word in enumerate(example.tokens) if word[:1].isupper()] for example in examples]
        return decode(model, examples, candidates, spans=forced, **options)

    monkeypatch.setattr(annotator_module, "greedy_decode", capitalised_tokens_are_mentions)
    mentions = annotator.annotate(TEXT)
    assert [m.surface for m in mentions] == ["Paris", "Hilton", "Bonn", "The", "EU", "Germany", "Rain", "Bonn"]
    for m in mentions:
        assert TEXT[m.start:m.end] == m.surface and m.start < m.end
    assert [m.start for m in mentions] == sorted(m.start for m in mentions)
    assert mentions[-1].start == TEXT.rindex("Bonn")  # after the emoji and the line break


def test_link_answers_each_span_in_order(annotator):
    spans = [(TEXT.index("Germany"), TEXT.index("Germany") + 7), (0, 12), (TEXT.rindex("Bonn"), TEXT.rindex("Bonn") + 4)]
    mentions = annotator.link(TEXT, spans)
    assert [(m.start, m.end) for m in mentions] == spans
    assert [m.surface for m in mentions] == ["Germany", "Paris Hilton", "Bonn"]
    assert all(m.ner_type is not None for m in mentions)
    # the tiny knowledge base knows these surfaces, so each linked answer is one of their candidates
    for m in mentions:
        assert m.entity is None or m.entity in {t for t, _ in m.candidates}


def test_link_copes_with_spans_that_split_tokens_cross_sentences_overlap_or_hold_no_token(annotator):
    inside = TEXT.index("Hilton") + 2  # "lton": not a token boundary
    across = (TEXT.index("Bonn."), TEXT.index("The EU") + 3)  # "Bonn. 😀 The": crosses a sentence break
    blank = (TEXT.index("\n"), TEXT.index("\n") + 1)
    spans = [(inside, inside + 4), across, (0, 5), (0, 12), blank]
    mentions = annotator.link(TEXT, spans)
    assert [(m.start, m.end) for m in mentions] == spans
    assert [m.surface for m in mentions] == [TEXT[s:e] for s, e in spans]
    assert mentions[-1].entity is None and mentions[-1].ner_type is None  # nothing to link in a newline


def test_empty_text_has_no_mentions(annotator):
    assert annotator.annotate("") == []
    assert annotator.link("   ", []) == []


def test_server_serves_a_real_checkpoint_over_nif_and_json(annotator, tmp_path):
    """create_app with MODEL_PATH: the real Annotator behind both endpoints, emoji included."""
    from nif.answers import read_answer
    from server.app import create_app
    from tests.conftest import request_ttl

    path = tmp_path / "model.pt"
    annotator.system.save(path)
    client = create_app({"MODEL_PATH": str(path)}).test_client()
    assert client.get("/health").status_code == 200

    text = "😀 Paris Hilton visited Bonn."
    start = text.index("Bonn")
    reply = client.post("/gerbil?nil=emerging", data=request_ttl(text, [(start, start + 4, "Bonn")]),
                        content_type="application/x-turtle")
    assert reply.status_code == 200
    phrases = read_answer(reply.data, "text/turtle")
    assert [(p.begin, p.end) for p in phrases] == [(start + 1, start + 5)]  # UTF-16 units after the emoji
    body = client.post("/annotate", json={"text": text, "spans": [[start, start + 4]]}).get_json()
    assert [(m["start"], m["end"], m["surface"]) for m in body["mentions"]] == [(start, start + 4, "Bonn")]


def test_coherence_reranks_all_mentions_of_the_text_together(annotator):
    """With a coherence weight the answers are the document-level re-ranking of the
    sentence-level ones, over every span (here two overlapping passes) at once."""
    from model.decoder import LinkDecision

    spans = [(0, 12), (0, 5), (TEXT.index("Germany"), TEXT.index("Germany") + 7), (TEXT.rindex("Bonn"), TEXT.rindex("Bonn") + 4)]
    config = annotator.system.model.config
    saved = (config.use_coherence, config.coherence_weight)
    try:
        config.use_coherence, config.coherence_weight = True, 0.0
        local = annotator.link(TEXT, spans)
        config.coherence_weight = 40.0
        coherent = annotator.link(TEXT, spans)
    finally:
        config.use_coherence, config.coherence_weight = saved
    assert all(len(m.candidates) < 5 for m in local)  # Mention keeps the top 5: here all of them
    expected = [LinkDecision(0, 1, m.ner_type, 1.0, m.entity, m.el_score, m.nil_score, list(m.candidates),
                             words=tuple(m.surface.split())) for m in local]
    annotator.system.coherence().rerank(expected, 40.0, config.nil_threshold)
    assert sum(1 for m in local if m.candidates) >= 2
    for got, want in zip(coherent, expected):
        assert got.entity == want.entity
        assert [t for t, _ in got.candidates] == [t for t, _ in want.candidates]
        assert [p for _, p in got.candidates] == pytest.approx([p for _, p in want.candidates], abs=1e-6)
    assert any(g.candidates != l.candidates for g, l in zip(coherent, local))


class _TokenHashEncoder:
    """Stands in for MiniLM: a fixed random vector per token, so the test needs no model."""

    def __init__(self, *args, **kwargs) -> None:
        pass

    def embed(self, sentences):
        import numpy as np

        return [np.stack([np.random.default_rng(sum(map(ord, t))).standard_normal(384) for t in s]).astype(np.float16)
                if s else np.zeros((0, 384), dtype=np.float16) for s in sentences]


def test_document_rep_links_with_the_whole_text(tmp_path, monkeypatch):
    """With the document representation a mention's link depends on the rest of the text
    (the mean contextual vector of all its sentences), its span and type do not."""
    import model.embeddings.contextual as contextual

    monkeypatch.setattr(contextual, "ContextualEncoder", _TokenHashEncoder)
    torch.manual_seed(11)
    config = tiny_config(use_contextual=True, use_document_rep=True)
    system = TrainedSystem.create(config, make_kb(), list(TITLES), entity_vectors(), CHARS, {}, WORDS)
    path = tmp_path / "doc.pt"
    system.save(path)
    annotator = Annotator.load(path, threads=1)
    first = "Paris Hilton visited Bonn."
    spans = [(0, 12), (21, 25)]
    alone = annotator.link(first, spans)
    longer = annotator.link(first + " Rain fell near Germany and Moody 's .", spans)
    assert [m.ner_type for m in alone] == [m.ner_type for m in longer]
    assert [[t for t, _ in m.candidates] for m in alone] == [[t for t, _ in m.candidates] for m in longer]
    assert any(m.candidates and [p for _, p in m.candidates] != pytest.approx([p for _, p in n.candidates], abs=1e-6)
               for m, n in zip(alone, longer))
