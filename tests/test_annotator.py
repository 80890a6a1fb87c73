"""The inference API on raw text: exact offsets for A2KB and for given spans (D2KB)."""
from __future__ import annotations

from dataclasses import replace

import pytest
import torch

from model.annotator import Annotator
from model.span_rules import symbol_trimmed
from model.config import LinkingConfig
from model.linking import LinkDecision, decide_links
from model.tokenizer import tokenize
from model.transitions import SHIFT, reduce_action
from tests.conftest import request_ttl, tiny_system

TEXT = "Paris Hilton visited Bonn. 😀 The EU met in Germany!\nRain fell near Bonn ."


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    path = tmp_path_factory.mktemp("ckpt") / "tiny.pt"
    tiny_system(seed=11).save(path)
    return path


@pytest.fixture(scope="module")
def annotator(checkpoint) -> Annotator:
    return Annotator.load(checkpoint, threads=1, kb="aida")


@torch.no_grad()
def test_annotate_offsets_are_exact(checkpoint):
    """Every token becomes a one-token mention (the action biases force SHIFT on an empty
    stack, REDUCE on a full one), so every token's offsets are checked, those after an emoji
    included; a token without a letter or digit ("😀", ".") is no mention (`symbol_trimmed`)."""
    annotator = Annotator.load(checkpoint, threads=1, kb="aida")
    bias = annotator.model.action_out.bias
    bias.zero_()
    bias[SHIFT], bias[reduce_action("PER")] = 50.0, 100.0
    mentions = annotator.annotate(TEXT)
    tokens = [t for sentence in tokenize(TEXT) for t in sentence if t.text not in {"😀", ".", "!"}]
    assert [t.text for t in tokens] == ("Paris Hilton visited Bonn The EU met in Germany Rain fell near Bonn").split()
    # "Paris" grows to "Paris Hilton", a title of the fixture KB (`model.span_rules.title_extensions`)
    spans = [(tokens[0].start, tokens[1].end)] + [(t.start, t.end) for t in tokens[2:]]
    assert [(m.start, m.end) for m in mentions] == spans
    for m in mentions:
        assert TEXT[m.start:m.end] == m.surface
        assert m.surface == m.surface.strip() and m.start < m.end and m.ner_type == "PER"


@torch.no_grad()
def test_annotate_many_gives_each_text_what_annotate_gives_it(checkpoint):
    """Decoding texts together (what the server does with concurrent requests) changes no
    answer: the same mentions, types and links (coherence re-ranks per text), the same scores
    to float rounding (candidates are scored in chunks that now mix texts)."""
    annotator = Annotator.load(checkpoint, threads=1, kb="aida")
    annotator.linking = replace(annotator.linking, coherence_weight=40.0)
    bias = annotator.model.action_out.bias  # every token a mention, so every token is linked
    bias.zero_()
    bias[SHIFT], bias[reduce_action("LOC")] = 50.0, 100.0
    texts = [TEXT, "", "Germany beat Paris in Bonn.", "Bonn", TEXT[:30]]
    together = annotator.annotate_many(texts)
    alone = [annotator.annotate(text) for text in texts]
    def decided(answers):
        return [[(m.start, m.end, m.ner_type, m.entity, [t for t, _ in m.candidates]) for m in ms] for ms in answers]

    def scores(answers):
        return [s for ms in answers for m in ms
                for s in [m.ner_score, m.el_score or 0.0, m.nil_score or 0.0] + [p for _, p in m.candidates]]

    assert decided(together) == decided(alone)
    assert scores(together) == pytest.approx(scores(alone), abs=1e-6)
    assert sum(1 for mentions in alone for m in mentions if m.entity) >= 4


def test_a_found_mention_never_starts_or_ends_with_a_symbol():
    """Issue 28: an emoji next to a name or before a headline word was taken into the mention,
    and half a flag came back as a PER mention."""
    assert symbol_trimmed(["Björk", "🎶"]) == (0, 1)
    assert symbol_trimmed(["🔥", "MERKEL", "WINS", "👍🏽"]) == (1, 3)
    assert symbol_trimmed(["🇩🇪", "🇫🇷", "Angela", "🇩🇪", "Merkel", "👨‍👩‍👧", "1️⃣"]) == (2, 5)  # inside: the model's call
    assert symbol_trimmed(["Paris"]) == (0, 1)
    for only_symbols in (["🇩🇪"], ["👍🏽", "1️⃣"], ["(", "🎶", ")"], ["."]):
        assert symbol_trimmed(only_symbols) is None, only_symbols
    # Punctuation and math signs end names (CoNLL's gold has "Mladost ( L )", "Wisc ."): left to the model.
    assert symbol_trimmed(["Mladost", "(", "L", ")"]) == (0, 4)
    assert symbol_trimmed(["C", "+", "+"]) == (0, 3)


@torch.no_grad()
def test_found_mentions_are_trimmed_of_symbols_and_given_spans_are_not(checkpoint):
    """The action biases make every sentence one mention: it comes back without the symbols
    at its ends, decoded again on its words (the same answer as linking that span), and a
    sentence of flags gives none. Spans the client gives (D2KB) are kept exactly."""
    annotator = Annotator.load(checkpoint, threads=1, kb="aida")
    bias = annotator.model.action_out.bias
    bias.zero_()
    bias[SHIFT], bias[reduce_action("PER")] = 100.0, 50.0
    text = "🔥 Paris Hilton 👍🏽\n🇫🇷 🇩🇪\n🎶Bonn🎶 1️⃣"
    mentions = annotator.annotate(text)
    assert [m.surface for m in mentions] == ["Paris Hilton", "Bonn"]
    for mention in mentions:
        assert text[mention.start:mention.end] == mention.surface
        given = annotator.link(text, [(mention.start, mention.end)])[0]
        assert (given.ner_type, given.entity, [t for t, _ in given.candidates]) == \
            (mention.ner_type, mention.entity, [t for t, _ in mention.candidates])
        assert given.ner_score == pytest.approx(mention.ner_score, abs=1e-6)
    assert mentions[0].candidates  # looked up on "Paris Hilton", which the tiny knowledge base knows
    spans = [(2, text.index("\n")), (text.index("🇫🇷"), text.index("🇫🇷") + 2)]  # "Paris Hilton 👍🏽", a flag
    assert [(m.start, m.end, m.surface) for m in annotator.link(text, spans)] == [(s, e, text[s:e]) for s, e in spans]
    # a word in angle brackets is a ticker symbol or markup, no name ("Pennzoil Co <PZL>", as Reuters writes)
    bias[SHIFT], bias[reduce_action("PER")] = 50.0, 100.0  # every token its own mention
    ticker = "Bonn <PZL> rose"
    assert [m.surface for m in annotator.annotate(ticker)] == ["Bonn", "rose"]
    assert [m.surface for m in annotator.link(ticker, [(6, 9)])] == ["PZL"]  # a span the client gives is kept


def test_a_found_state_abbreviation_keeps_its_dot(annotator):
    """CoNLL's tokens split "Ore." in two; the place is the abbreviation with its dot."""
    text = "Shots in Portland, Ore., on Friday; Ore fell."
    tokens = tokenize(text)[0]
    ore, ore_word = (LinkDecision(i, i + 1, t, 1.0, words=("Ore",)) for i, t in ((4, "LOC"), (4, "MISC")))
    assert annotator._mention(text, tokens, ore).surface == "Ore."
    assert annotator._mention(text, tokens, ore_word).surface == "Ore"  # no place: the token's own span
    portland = LinkDecision(2, 3, "LOC", 1.0, words=("Portland",))
    assert annotator._mention(text, tokens, portland).surface == "Portland"


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


def test_server_serves_a_real_checkpoint_over_nif_and_json(checkpoint):
    """create_app with MODEL_PATH: the real Annotator behind both endpoints, emoji included."""
    from nif.answers import read_answer
    from server.app import create_app

    client = create_app({"MODEL_PATH": str(checkpoint), "KB": "aida"}).test_client()
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
    spans = [(0, 12), (0, 5), (TEXT.index("Germany"), TEXT.index("Germany") + 7), (TEXT.rindex("Bonn"), TEXT.rindex("Bonn") + 4)]
    saved = annotator.linking
    try:
        annotator.linking = replace(saved, coherence_weight=0.0)
        local = annotator.link(TEXT, spans)
        annotator.linking = replace(saved, coherence_weight=40.0)
        coherent = annotator.link(TEXT, spans)
    finally:
        annotator.linking = saved
    assert all(len(m.candidates) < 5 for m in local)  # Mention keeps the top 5: here all of them
    expected = [LinkDecision(0, 1, m.ner_type, 1.0, m.entity, m.el_score, m.nil_score, list(m.candidates),
                             words=tuple(m.surface.split())) for m in local]
    decide_links(expected, LinkingConfig(saved.nil_threshold, 40.0), annotator.model.coherence())
    assert sum(1 for m in local if m.candidates) >= 2
    for got, want in zip(coherent, expected):
        assert got.entity == want.entity
        assert sorted(t for t, _ in got.candidates) == sorted(t for t, _ in want.candidates)
        assert dict(got.candidates) == pytest.approx(dict(want.candidates), abs=1e-6)  # shown most probable first
    assert any(g.candidates != l.candidates for g, l in zip(coherent, local))


def test_the_open_knowledge_base_links_what_the_dictionary_does_not_know(checkpoint, tiny_open_kb, monkeypatch):
    """The README's example through the server: "Angela Merkel" is no AIDA candidate, the open
    knowledge base has her under her real title; "Paris" keeps the dictionary's candidates."""
    from model.kb.lookup import index_path
    from server.app import create_app

    monkeypatch.setenv("NEREL_CACHE_DIR", str(tiny_open_kb))
    app = create_app({"MODEL_PATH": str(checkpoint), "KB": "open"})
    app.extensions["nerel.annotator"].annotator  # loaded eagerly
    text = "Angela Merkel met the mayor of Paris."
    closed = Annotator.load(checkpoint, threads=1, kb="aida").link(text, [(0, 13)])
    assert closed[0].candidates == [] and closed[0].entity is None
    opened = Annotator.load(checkpoint, threads=1, kb="open", open_kb_path=index_path(tiny_open_kb))
    opened.linking = LinkingConfig(nil_threshold=1.0)  # the tiny untrained NIL classifier must not decide
    merkel, paris = opened.link(text, [(0, 13), (31, 36)])
    assert merkel.entity == "Angela_Merkel" and [t for t, _ in merkel.candidates] == ["Angela_Merkel"]
    assert [t for t, _ in paris.candidates] == ["Paris", "Paris_Hilton"]  # the dictionary's, with its priors
    nyse, = opened.link("Shares fell on the NYSE.", [(19, 23)])
    assert nyse.entity == "New_York_Stock_Exchange"
