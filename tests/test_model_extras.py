"""Features beyond the paper: tuned word offsets, candidate-aware NIL, NIL threshold, coherence."""
from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import numpy as np
import pytest

import torch

from model.coherence import CoherenceReranker
from model.config import LinkingConfig, ModelConfig
from model.data.cache import DataCache
from model.data.records import Document, LinkedMention
from model.evaluation import DocumentPrediction, calibrate_linking, link_predictions
from model.features import WordVocabulary
from model.linking import LinkDecision, decide_links, document_coreference
from tests.conftest import SENTENCES, WORDS, make_examples, tiny_config, tiny_model


def test_word_vocabulary_is_case_insensitive_and_zero_is_unknown():
    vocab = WordVocabulary(["bonn", "paris"])
    assert vocab.id("Bonn") == vocab.id("BONN") == 1
    assert vocab.id("Atlantis") == 0
    assert len(vocab) == 3


def test_word_offsets_start_at_glove_and_learn_only_for_vocabulary_words():
    config = tiny_config(dropout=0.0)
    model = tiny_model(config)
    encoder = model.encoder
    assert torch.count_nonzero(encoder.word_offset.weight) == 0  # starts exactly at GloVe
    examples = make_examples(config, SENTENCES)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    optimizer.zero_grad()
    sum(model.loss(examples).values()).backward()
    optimizer.step()
    changed = torch.nonzero(encoder.word_offset.weight.abs().sum(-1)).flatten().tolist()
    seen = {WORDS.id(t) for ex in examples for t in ex.tokens} - {0}
    assert changed and set(changed) <= seen
    assert torch.count_nonzero(encoder.word_offset.weight[0]) == 0  # unknown words keep pure GloVe


def test_without_tune_words_there_are_no_offsets():
    model = tiny_model(tiny_config(tune_words=False))
    assert not hasattr(model.encoder, "word_offset")


def test_nil_classifier_input_grows_with_candidate_evidence():
    with_evidence = tiny_model(tiny_config())
    without = tiny_model(tiny_config(nil_uses_candidates=False))
    assert with_evidence.nil_hidden.in_features == without.nil_hidden.in_features + 3


def _decision(start, entity_probs, nil, ner_type="LOC"):
    return LinkDecision(start, start + 1, ner_type, 1.0, entity=None, el_score=max(p for _, p in entity_probs),
                        nil_score=nil, candidates=entity_probs)


def test_nil_threshold_is_calibrated_for_el_micro_f1():
    doc = Document(1, "validation", [["A", "B", "C"]],
                   mentions=[LinkedMention(0, 1, "A", "X"), LinkedMention(1, 2, "B", "Y"), LinkedMention(2, 3, "C", None)])
    prediction = DocumentPrediction([
        _decision(0, [("X", 0.9), ("Z", 0.1)], nil=0.55),  # right, but the classifier says NIL at 0.5
        _decision(1, [("Y", 0.8)], nil=0.75),  # right, NIL at 0.5 and 0.7
        _decision(2, [("W", 0.6)], nil=0.97),  # gold NIL: linking it would be a false positive
    ])
    model = _LinkingModel(["X", "Y", "Z", "W"], np.eye(4))
    linking, scores = calibrate_linking(model, [doc], [prediction])
    assert linking.coherence_weight == 0.0 and 0.75 <= linking.nil_threshold < 0.97
    assert scores["el_micro_f1"] == 100.0
    assert [m.entity for m in prediction.mentions] == ["X", "Y", None]
    link_predictions(model, [prediction], LinkingConfig(nil_threshold=0.5))
    assert [m.entity for m in prediction.mentions] == [None, None, None]


@dataclass
class _LinkingModel:
    """What calibrate_linking needs of a JointNerElModel: its config and its `link`."""

    titles: list[str]
    graph: np.ndarray
    config: ModelConfig = ModelConfig()

    def link(self, document: list[LinkDecision], linking: LinkingConfig, text: str | None = None) -> None:
        reranker = CoherenceReranker.from_entity_vectors(np.asarray(self.graph, dtype=np.float32), self.titles)
        decide_links(document, linking, reranker, text)


# Graph vectors: two ice-hockey teams and a city point one way, the baseball team another.
TEAMS = ["Chicago_White_Sox", "Chicago_Blackhawks", "Detroit_Red_Wings", "Boston_Bruins", "Chicago"]
GRAPH = np.array([[0.0, 1.0], [1.0, 0.1], [1.0, 0.0], [0.9, 0.1], [0.3, 0.3]])


def _hockey_document():
    return [
        _decision(0, [("Chicago_White_Sox", 0.6), ("Chicago_Blackhawks", 0.3), ("Chicago", 0.1)], nil=0.1),
        _decision(1, [("Detroit_Red_Wings", 1.0)], nil=0.1),
        _decision(2, [("Boston_Bruins", 1.0)], nil=0.1),
    ]


def test_coherence_moves_an_ambiguous_mention_to_the_candidate_that_fits_the_document():
    reranker = CoherenceReranker.from_entity_vectors(GRAPH, TEAMS)
    decisions = _hockey_document()
    decide_links(decisions, LinkingConfig(coherence_weight=8.0), reranker)
    assert decisions[0].entity == "Chicago_Blackhawks"
    assert abs(sum(p for _, p in decisions[0].candidates) - 1.0) < 1e-6
    assert decisions[0].el_score == max(p for _, p in decisions[0].candidates)
    assert [d.entity for d in decisions[1:]] == ["Detroit_Red_Wings", "Boston_Bruins"]
    # The local probabilities stay the base: weight 0 gives the sentence-level answer back.
    decide_links(decisions, LinkingConfig(coherence_weight=0.0), reranker)
    assert decisions[0].entity == "Chicago_White_Sox"
    assert [p for _, p in decisions[0].candidates] == [0.6, 0.3, 0.1]


def test_coherence_keeps_nil_decisions_and_leaves_a_lone_mention_alone():
    reranker = CoherenceReranker.from_entity_vectors(GRAPH, TEAMS)
    decisions = _hockey_document()
    decisions[0].nil_score = 0.9
    decide_links(decisions, LinkingConfig(coherence_weight=8.0), reranker)
    assert decisions[0].entity is None
    assert max(decisions[0].candidates, key=lambda c: c[1])[0] == "Chicago_Blackhawks"
    assert decisions[0].el_score is None  # NIL: its decision is nil_score, no entity's probability
    assert decisions[1].entity is not None and decisions[1].el_score == dict(decisions[1].candidates)[decisions[1].entity]
    lone = _hockey_document()[:1]
    decide_links(lone, LinkingConfig(coherence_weight=8.0), reranker)
    assert lone[0].entity == "Chicago_White_Sox" and lone[0].candidates[0][1] == 0.6


def test_an_entity_outside_the_link_graph_keeps_its_local_rank_against_one_in_it():
    # "Chicago" (in the graph, near the document) against an open entity (no graph vector):
    # coherence must not rank the graph's entity first for being the only one it can place.
    reranker = CoherenceReranker.from_entity_vectors(GRAPH, TEAMS)
    decisions = _hockey_document()
    decisions[0] = _decision(0, [("Chicago", 0.3), ("Chicago_(open)", 0.7)], nil=0.1)
    decide_links(decisions, LinkingConfig(coherence_weight=8.0), reranker)
    assert decisions[0].entity == "Chicago_(open)"
    assert dict(decisions[0].candidates)["Chicago_(open)"] == pytest.approx(0.7)  # it takes the mean of the rest


def test_a_person_left_to_the_open_knowledge_base_is_no_namesake_place():
    obama = _decision(0, [("Obama,_Fukui", 0.8), ("Barack_Obama", 0.2)], nil=0.0, ner_type="PER")
    obama.from_open_kb = True
    decide_links([obama], LinkingConfig(coherence_weight=0.0))
    assert obama.entity == "Barack_Obama"
    town = _decision(0, [("Obama,_Fukui", 0.8), ("Barack_Obama", 0.2)], nil=0.0, ner_type="LOC")
    town.from_open_kb = True
    decide_links([town], LinkingConfig(coherence_weight=0.0))
    assert town.entity == "Obama,_Fukui"
    # an organisation is no namesake place either, whichever knowledge base gave its candidates
    club = _decision(0, [("Queen's_Park,_Chesterfield", 0.8), ("Queen's_Park_F.C.", 0.2)], nil=0.0, ner_type="ORG")
    decide_links([club], LinkingConfig(coherence_weight=0.0))
    assert club.entity == "Queen's_Park_F.C."
    person = _decision(0, [("Obama,_Fukui", 0.8), ("Barack_Obama", 0.2)], nil=0.0, ner_type="PER")
    decide_links([person], LinkingConfig(coherence_weight=0.0))
    assert person.entity == "Obama,_Fukui"  # the dictionary's candidates of a person keep their ranking
    # a company's legal form after the comma is no place: no namesake of an organisation, but of a person
    named = _decision(0, [("Tesla", 0.6), ("Tesla,_Inc.", 0.3), ("Tesla,_Texas", 0.1)], nil=0.0, ner_type="ORG")
    decide_links([named], LinkingConfig(coherence_weight=0.0))
    probabilities = dict(named.candidates)
    assert abs(probabilities["Tesla,_Inc."] / probabilities["Tesla"] - 0.5) < 1e-9
    assert probabilities["Tesla,_Texas"] < 0.01
    mccain = _decision(0, [("McCain,_Inc.", 0.7), ("John_McCain", 0.3)], nil=0.0, ner_type="PER")
    mccain.from_open_kb = True
    decide_links([mccain], LinkingConfig(coherence_weight=0.0))
    assert dict(mccain.candidates)["John_McCain"] > 0.9 and mccain.entity == "John_McCain"


def test_a_place_is_no_sports_club_named_after_it_but_an_organisation_may_be():
    from model.kb.keys import is_sports_club

    assert [is_sports_club(t) for t in ("Lincoln_City_F.C.", "Essex_County_Cricket_Club", "Adelaide_Football_Club",
                                        "FC_Groningen", "KV_Mechelen", "Lincoln,_England", "England_cricket_team",
                                        "US_Airways", "ACME_Corporation")] == [True] * 5 + [False] * 4
    town = _decision(0, [("Lincoln_City_F.C.", 0.77), ("Lincoln,_England", 0.23)], nil=0.0, ner_type="LOC")
    decide_links([town], LinkingConfig(coherence_weight=0.0))  # the dictionary's candidates too
    assert town.entity == "Lincoln,_England"
    sure = _decision(0, [("Lincoln_City_F.C.", 0.999), ("Lincoln,_England", 0.001)], nil=0.0, ner_type="LOC")
    decide_links([sure], LinkingConfig(coherence_weight=0.0))
    assert sure.entity == "Lincoln_City_F.C."  # a factor, not a ban
    club = _decision(0, [("Lincoln_City_F.C.", 0.77), ("Lincoln,_England", 0.23)], nil=0.0, ner_type="ORG")
    decide_links([club], LinkingConfig(coherence_weight=0.0))
    assert club.entity == "Lincoln_City_F.C."


def test_a_town_the_text_places_is_no_lone_surname():
    """The NER reads a list of towns as surnames; the text names their state."""
    def dalton() -> LinkDecision:
        d = _decision(0, [("Dalton,_Minnesota", 0.9), ("Dalton", 0.1)], nil=0.0, ner_type="PER")
        d.from_open_kb, d.words = True, ("Dalton",)
        return d

    placed, unplaced = dalton(), dalton()
    decide_links([placed], LinkingConfig(coherence_weight=0.0), text="The trail passes Alexandria and Dalton , Minnesota .")
    decide_links([unplaced], LinkingConfig(coherence_weight=0.0), text="The trail passes Alexandria and Dalton .")
    assert placed.entity == "Dalton,_Minnesota" and unplaced.entity is None  # unplaced: a lone surname


def test_a_common_noun_is_the_page_it_spells_and_links_when_the_caller_gave_it():
    def oak(given: bool, words: tuple[str, ...] = ("oak",)) -> LinkDecision:
        d = _decision(0, [("Oak,_West_Virginia", 0.9), ("Oak", 0.1)], nil=0.99)
        d.words, d.given_span = words, given
        return d

    found, given, name = oak(False), oak(True), oak(True, ("Oak",))
    decide_links([found, given, name], LinkingConfig(coherence_weight=0.0, nil_threshold=0.95))
    assert found.entity is None and max(found.candidates, key=lambda c: c[1])[0] == "Oak"  # found: P(NIL) decides
    assert given.entity == "Oak"  # the caller asked for the page "oak" spells
    assert name.entity is None and max(name.candidates, key=lambda c: c[1])[0] == "Oak,_West_Virginia"  # a name
    walls = _decision(0, [("Walls,_Shetland", 0.9), ("Wall", 0.1)], nil=0.99)
    walls.words, walls.given_span = ("walls",), True
    decide_links([walls], LinkingConfig(coherence_weight=0.0, nil_threshold=0.95))
    assert walls.entity == "Wall"  # a plural spells its singular's page
    building = _decision(0, [("Building_(magazine)", 1.0), ("Building", 1e-12), ("Building_society", 0.0)], nil=0.0)
    building.words = ("building",)
    decide_links([building], LinkingConfig(coherence_weight=0.0))
    assert building.entity == "Building"  # however small a dictionary prior made the page it spells


def test_a_company_named_with_its_legal_form_links_to_its_company_page_whatever_p_nil_says():
    def company(words):
        d = _decision(0, [("Tesla", 0.6), ("Tesla,_Inc.", 0.3), ("Tesla,_West_Virginia", 0.1)], nil=0.66,
                      ner_type="ORG")
        d.words, d.from_open_kb = tuple(words), True
        return d

    named, bare = company(["Tesla", "Inc"]), company(["Tesla"])
    for document in ([named], [bare]):  # apart: in one document "Tesla" would take the longer name's entity
        decide_links(document, LinkingConfig(coherence_weight=0.0, open_nil_threshold=0.05))
    assert named.entity == "Tesla,_Inc."  # its company page, though P(NIL) is above the open threshold
    assert bare.entity is None  # without a legal form: P(NIL) decides
    # the dictionary's candidates: the company's page by its bare name too ("Texaco Inc" → Texaco)
    texaco = _decision(0, [("Texaco", 1.0)], nil=0.97, ner_type="ORG")
    texaco.words = ("Texaco", "Inc")
    open_kb = _decision(0, [("Texaco", 1.0)], nil=0.97, ner_type="ORG")
    open_kb.words, open_kb.from_open_kb = ("Texaco", "Inc"), True
    for document in ([texaco], [open_kb]):
        decide_links(document, LinkingConfig(coherence_weight=0.0, open_nil_threshold=0.05))
    assert texaco.entity == "Texaco" and open_kb.entity is None


def test_calibration_picks_a_coherence_weight_only_when_it_helps_on_validation():
    doc = Document(1, "validation", [["Chicago", "Detroit", "Boston"]], mentions=[
        LinkedMention(0, 1, "Chicago", "Chicago_Blackhawks"), LinkedMention(1, 2, "Detroit", "Detroit_Red_Wings"),
        LinkedMention(2, 3, "Boston", "Boston_Bruins")])
    prediction = DocumentPrediction(_hockey_document())
    linking, scores = calibrate_linking(_LinkingModel(TEAMS, GRAPH), [doc], [prediction])
    assert linking.coherence_weight > 0 and scores["el_micro_f1"] == 100.0
    assert prediction.mentions[0].entity == "Chicago_Blackhawks"
    doc.mentions[0].entity = "Chicago_White_Sox"  # now the local answer is the right one
    linking, scores = calibrate_linking(_LinkingModel(TEAMS, GRAPH), [doc], [DocumentPrediction(_hockey_document())])
    assert linking.coherence_weight == 0.0 and scores["el_micro_f1"] == 100.0


def test_contextual_vectors_come_from_one_cache_file_per_split(tmp_path):
    cache = DataCache(tmp_path)
    assert cache.contextual_path("test").name == "contextual_test.npy"
    assert cache.features_for(ModelConfig(use_contextual=False), "test", []) is None


def _linked(words, ner_type, entity, candidates, from_open_kb=False):
    """A mention as decoding leaves it, linked to `entity` at its candidate's probability."""
    return LinkDecision(0, len(words), ner_type, 1.0, entity=entity, el_score=dict(candidates).get(entity),
                        nil_score=0.0, candidates=candidates, words=tuple(words), from_open_kb=from_open_kb)


def test_a_short_name_takes_the_entity_of_the_full_name_in_the_document():
    mention = _linked

    full = mention(["Bill", "Clinton"], "PER", "Bill_Clinton", [("Bill_Clinton", 1.0)])
    short = mention(["Clinton"], "PER", "Hillary_Clinton", [("Hillary_Clinton", 0.6), ("Bill_Clinton", 0.4)])
    unrelated = mention(["Clinton"], "LOC", "Clinton,_Iowa", [("Clinton,_Iowa", 1.0)])  # the person is no candidate
    nil = mention(["Clinton"], "PER", None, [("Hillary_Clinton", 0.6), ("Bill_Clinton", 0.4)])
    not_person = mention(["Clinton", "Foundation"], "ORG", "Clinton_Foundation", [("Clinton_Foundation", 1.0)])
    document_coreference([short, unrelated, nil, not_person, full])
    assert short.entity == "Bill_Clinton" and short.el_score == 0.4
    assert unrelated.entity == "Clinton,_Iowa" and nil.entity is None
    assert full.entity == "Bill_Clinton" and not_person.entity == "Clinton_Foundation"


def test_a_surname_the_dictionary_does_not_know_takes_the_person_named_in_full():
    """The open knowledge base offers a surname page for "Merkel", and nothing for a rare name:
    neither is evidence against the person the document named in full."""
    mention = _linked

    full = mention(["Angela", "Merkel"], "PER", "Angela_Merkel", [("Angela_Merkel", 0.9)], True)
    surname = mention(["Merkel"], "PER", "Merkel", [("Merkel", 1.0)], True)
    left_nil = mention(["Merkel"], "PER", None, [("Merkel", 1.0)], True)
    unknown = mention(["Merkel"], "PER", None, [], True)  # the open knowledge base has no candidate either
    place = mention(["Merkel"], "LOC", "Merkel,_Texas", [("Merkel,_Texas", 1.0)], True)
    dictionary = mention(["Merkel"], "PER", None, [("Merkel_(surname)", 1.0)], False)
    no_dictionary_candidate = mention(["Merkel"], "PER", None, [], False)  # linking with the dictionary alone
    document_coreference([surname, left_nil, unknown, place, dictionary, no_dictionary_candidate, full])
    assert [d.entity for d in (surname, left_nil, unknown)] == ["Angela_Merkel"] * 3
    assert surname.el_score == 0.9  # the person's own confidence
    assert place.entity == "Merkel,_Texas" and dictionary.entity is None and no_dictionary_candidate.entity is None


def test_short_names_and_acronyms_of_organisations_take_the_entity_named_in_full():
    mention = partial(_linked, from_open_kb=True)

    company = mention(["Goldman", "Sachs", "Group", "Inc"], "ORG", "Goldman_Sachs", [("Goldman_Sachs", 0.8)])
    short = mention(["Goldman"], "ORG", "Goldman", [("Goldman", 0.7), ("Goldman_(surname)", 0.3)])
    fund = mention(["International", "Monetary", "Fund"], "ORG", "International_Monetary_Fund",
                   [("International_Monetary_Fund", 0.9)])
    imf = mention(["IMF"], "ORG", "Imf", [("Imf", 1.0)])
    dotted = mention(["I.M.F."], "ORG", None, [])
    word = mention(["Imf"], "ORG", None, [])  # capitalised, not written as an acronym
    city = mention(["Goldman"], "LOC", "Goldman,_Louisiana", [("Goldman,_Louisiana", 1.0)])  # another type
    known = mention(["IMF"], "ORG", "IMF_(band)", [("IMF_(band)", 1.0)], from_open_kb=False)  # the dictionary's
    decide_links([short, imf, dotted, word, city, known, company, fund], LinkingConfig(nil_threshold=0.5))
    assert short.entity == "Goldman_Sachs" and short.el_score == 0.8
    assert imf.entity == dotted.entity == "International_Monetary_Fund"
    assert word.entity is None and city.entity == "Goldman,_Louisiana" and known.entity == "IMF_(band)"


def test_a_company_called_by_its_first_word_is_the_company_even_when_read_as_a_person():
    mention = _linked

    bank = mention(["Goldman", "Sachs"], "ORG", "Goldman_Sachs", [("Goldman_Sachs", 0.9)])
    short = mention(["Goldman"], "PER", "William_Goldman", [("William_Goldman", 1.0)])  # the dictionary's
    document_coreference([short, bank])
    assert short.entity == "Goldman_Sachs" and short.el_score == 0.9
    # a person of the document named with that word keeps it a person
    writer = mention(["William", "Goldman"], "PER", "William_Goldman", [("William_Goldman", 1.0)])
    short = mention(["Goldman"], "PER", "William_Goldman", [("William_Goldman", 1.0)])
    document_coreference([short, bank, writer])
    assert short.entity == "William_Goldman"
    # typed as the organisation it is, with only other things named so among its candidates
    short = mention(["Goldman"], "ORG", "William_Goldman", [("William_Goldman", 1.0)])
    document_coreference([short, bank])
    assert short.entity == "Goldman_Sachs" and short.el_score == 0.9
    # a word with a page of its own keeps it
    board = mention(["Nottinghamshire", "Cricket", "Board"], "ORG", "Nottinghamshire_Cricket_Board",
                    [("Nottinghamshire_Cricket_Board", 1.0)])
    county = mention(["Nottinghamshire"], "ORG", "Nottinghamshire_County_Cricket_Club",
                     [("Nottinghamshire_County_Cricket_Club", 0.8), ("Nottinghamshire", 0.2)])
    document_coreference([county, board])
    assert county.entity == "Nottinghamshire_County_Cricket_Club"
    # not the first word of the organisation's name
    sachs = mention(["Sachs"], "PER", "Jeffrey_Sachs", [("Jeffrey_Sachs", 1.0)])
    document_coreference([sachs, bank])
    assert sachs.entity == "Jeffrey_Sachs"


def test_a_clipped_name_takes_the_organisation_it_cuts_short_when_among_its_candidates():
    """"Fed" after "Federal Reserve": the document's full name decides, where the EL scorer
    ranked the US government first in that sentence."""
    mention = _linked

    reserve = mention(["Federal", "Reserve"], "ORG", "Federal_Reserve_System", [("Federal_Reserve_System", 0.7)])
    fed = mention(["Fed"], "ORG", "Federal_government_of_the_United_States",
                  [("Federal_government_of_the_United_States", 0.86), ("Federal_Reserve_System", 0.01)])
    document_coreference([fed, reserve])
    assert fed.entity == "Federal_Reserve_System" and fed.el_score == 0.01
    # not among its candidates, another type, a two-letter cut, or not a clipping of the first word
    for words, ner_type in ((["Fed"], "PER"), (["Fe"], "ORG"), (["Res"], "ORG"), (["FED"], "ORG")):
        other = mention(words, ner_type, "Other", [("Other", 0.9), ("Federal_Reserve_System", 0.1)])
        document_coreference([other, reserve])
        assert other.entity == "Other", words
    alone = mention(["Fed"], "ORG", "Other", [("Other", 1.0)])
    left_open = mention(["Fed"], "ORG", None, [("Fed_(band)", 1.0)])
    left_open.from_open_kb = True
    document_coreference([alone, left_open, reserve])
    assert alone.entity == "Other" and left_open.entity is None


def test_a_place_inside_a_longer_place_name_keeps_its_own_entity():
    """"Burgas" beside "Burgas Airport" is the city: a place named inside another place's name
    does not take that entity when it is not among its own candidates."""
    def mention(words, entity, candidates):
        return LinkDecision(0, len(words), "LOC", 1.0, entity=entity, el_score=dict(candidates).get(entity),
                            nil_score=0.0, candidates=candidates, words=tuple(words), from_open_kb=True)

    airport = mention(["Burgas", "Airport"], "Burgas_Airport", [("Burgas_Airport", 0.9)])
    city = mention(["Burgas"], "Burgas", [("Burgas", 1.0)])
    county = mention(["St.", "Helens", ",", "Oregon"], "St._Helens,_Oregon", [("St._Helens,_Oregon", 0.9)])
    state = mention(["Oregon"], "Oregon", [("Oregon", 0.7), ("St._Helens,_Oregon", 0.3)])  # among its candidates
    document_coreference([city, state, airport, county])
    assert city.entity == "Burgas" and state.entity == "St._Helens,_Oregon"  # the first rule still applies


def test_a_name_of_several_words_with_a_page_of_its_own_keeps_it_beside_a_longer_name():
    def mention(words, entity, candidates):
        return LinkDecision(0, len(words), "ORG", 1.0, entity=entity, el_score=dict(candidates).get(entity),
                            nil_score=0.0, candidates=candidates, words=tuple(words), from_open_kb=True)

    system = mention(["Louisiana", "State", "University", "System"], "Louisiana_State_University_System",
                     [("Louisiana_State_University_System", 0.9)])
    university = mention(["Louisiana", "State", "University"], "Louisiana_State_University",
                         [("Louisiana_State_University", 1.0)])
    state = mention(["Louisiana", "State"], "Louisiana_State_Police", [("Louisiana_State_Police", 1.0)])
    bank = mention(["Goldman", "Sachs", "Group", "Inc"], "Goldman_Sachs", [("Goldman_Sachs", 0.8)])
    short = mention(["Goldman"], "Goldman", [("Goldman", 1.0)])  # one word: a surname page is no evidence
    document_coreference([university, state, short, system, bank])
    assert university.entity == "Louisiana_State_University" and state.entity == "Louisiana_State_University_System"
    assert short.entity == "Goldman_Sachs"
    cricket = LinkDecision(0, 1, "MISC", 1.0, entity="Cricket", el_score=1.0, nil_score=0.0,
                           candidates=[("Cricket", 1.0)], words=("cricket",), from_open_kb=True)
    first_class = LinkDecision(0, 2, "MISC", 1.0, entity="First-class_cricket", el_score=1.0, nil_score=0.0,
                               candidates=[("First-class_cricket", 1.0)], words=("first-class", "cricket"),
                               from_open_kb=True)
    document_coreference([cricket, first_class])
    assert cricket.entity == "Cricket"  # a common noun with a page of its own, not the longer phrase's


def test_a_unique_full_name_links_and_given_spans_have_their_own_open_threshold():
    unique = _decision(0, [("Rico_Lebrun", 1.0)], nil=0.9)
    unique.from_open_kb = unique.unique_name = True
    common = _decision(1, [("Lebrun", 1.0)], nil=0.9)
    common.from_open_kb = True
    given = _decision(2, [("Asteroid", 1.0)], nil=0.9)
    given.from_open_kb = given.given_span = True
    dictionary = _decision(3, [("X", 1.0)], nil=0.9)
    dictionary.given_span = True  # the dictionary's threshold whatever the span's origin
    decide_links([unique, common, given, dictionary], LinkingConfig(nil_threshold=0.5, open_nil_threshold=0.5))
    assert [d.entity for d in (unique, common, given, dictionary)] == ["Rico_Lebrun", None, None, None]
    linking = LinkingConfig(nil_threshold=0.5, open_nil_threshold=0.5, given_span_open_nil_threshold=1.0)
    decide_links([unique, common, given, dictionary], linking)
    assert [d.entity for d in (unique, common, given, dictionary)] == ["Rico_Lebrun", None, "Asteroid", None]


def test_a_namesake_whose_place_the_document_names_wins():
    from model.kb.keys import place_disambiguator

    assert [place_disambiguator(t) for t in ("Killen,_Alabama", "Central_Park_(Wigan)", "Lee_Allen_(musician)",
                                             "Killen", "Lower_Saxony")] == ["Alabama", "Wigan", None, None, None]
    text = "The route ends at the Tennessee state line north of Killen , in northern Alabama ."
    open_kb = _decision(0, [("Killen,_County_Tyrone", 0.9), ("Killen,_Alabama", 0.1)], nil=0.0)
    open_kb.from_open_kb = True
    dictionary = _decision(1, [("Killen,_County_Tyrone", 0.9), ("Killen,_Alabama", 0.1)], nil=0.0)
    far = _decision(2, [("Killen,_County_Tyrone", 0.999), ("Killen,_Alabama", 0.001)], nil=0.0)  # the dictionary sure
    unnamed = _decision(3, [("Killen,_County_Tyrone", 0.9), ("Killen,_Alabama_(town)", 0.1)], nil=0.0)
    decisions = [open_kb, dictionary, far, unnamed]
    decide_links(decisions, LinkingConfig(nil_threshold=0.5, open_nil_threshold=0.5))
    assert [d.entity for d in decisions] == ["Killen,_County_Tyrone"] * 4  # no text: no evidence
    decide_links(decisions, LinkingConfig(nil_threshold=0.5, open_nil_threshold=0.5), text=text)
    assert [d.entity for d in decisions] == ["Killen,_Alabama", "Killen,_Alabama", "Killen,_County_Tyrone",
                                             "Killen,_County_Tyrone"]
    assert abs(sum(p for _, p in open_kb.candidates) - 1) < 1e-9 and open_kb.el_score > 0.99
    # the mention that is the disambiguator names the place itself, not a town in it
    state = _decision(4, [("Maine", 0.6), ("Rockland,_Maine", 0.4)], nil=0.0)
    state.from_open_kb, state.words = True, ("Maine",)
    decide_links([state], LinkingConfig(open_nil_threshold=0.5), text="Forests of Maine , Vermont and New York .")
    assert state.entity == "Maine" and state.el_score == 0.6  # the text names Maine: the mention itself
    town = _decision(5, [("Rockland", 0.6), ("Rockland,_Maine", 0.4)], nil=0.0)
    town.from_open_kb, town.words = True, ("Rockland",)
    decide_links([town], LinkingConfig(open_nil_threshold=0.5), text="Rockland is a city in Maine .")
    assert town.entity == "Rockland,_Maine"
    # both places named: the one named more often
    county = _decision(6, [("Lauderdale_County,_Tennessee", 0.6), ("Lauderdale_County,_Alabama", 0.4)], nil=0.0)
    county.from_open_kb, county.words = True, ("Lauderdale", "County")
    decide_links([county], LinkingConfig(open_nil_threshold=0.5),
                 text="Alabama 13 is a road in Alabama . It ends at the Tennessee line in Lauderdale County .")
    assert county.entity == "Lauderdale_County,_Alabama"
    # named as often: the place the text names first, which a text about a place says at its start
    town = _decision(7, [("Carthage,_Ohio", 0.6), ("Carthage,_Indiana", 0.4)], nil=0.0)
    town.from_open_kb, town.words = True, ("Carthage",)
    decide_links([town], LinkingConfig(open_nil_threshold=0.5),
                 text="A river in Indiana , part of the Ohio basin , it flows past Carthage .")
    assert town.entity == "Carthage,_Indiana"
    decide_links([town], LinkingConfig(open_nil_threshold=0.5),
                 text="Ind. river of the Ohio basin , it flows past Carthage and Indianapolis .")
    assert town.entity == "Carthage,_Indiana"  # the state as news agencies abbreviate it counts where it stands
    # whole words only, or a place in -a's adjective ("Alabaman", "Tasmanian")
    decide_links([open_kb], LinkingConfig(open_nil_threshold=0.5), text="Alabamas food near Killen .")
    assert open_kb.entity == "Killen,_County_Tyrone"
    decide_links([open_kb], LinkingConfig(open_nil_threshold=0.5), text="Alabaman food near Killen .")
    assert open_kb.entity == "Killen,_Alabama"


def test_a_place_after_a_name_and_its_comma_is_the_place_itself():
    from model.place_linking import mark_place_qualifiers

    words = "Born in Preston , Lancashire , he played for Lancashire .".split()
    town = LinkDecision(2, 3, "LOC", 1.0, words=("Preston",))
    county = LinkDecision(4, 5, "LOC", 1.0, words=("Lancashire",),
                          candidates=[("Lancashire_County_Cricket_Club", 0.9), ("Lancashire", 0.1)])
    club = LinkDecision(9, 10, "ORG", 1.0, words=("Lancashire",),
                        candidates=[("Lancashire_County_Cricket_Club", 0.9), ("Lancashire", 0.1)])
    mark_place_qualifiers(words, [town, county, club])
    assert [d.place_qualifier for d in (town, county, club)] == [False, True, False]
    decide_links([county, club], LinkingConfig(nil_threshold=0.5))
    assert (county.entity, club.entity) == ("Lancashire", "Lancashire_County_Cricket_Club")
    # a comma with no mention before it ("In 1990 , Lancashire …") places nothing
    alone = LinkDecision(3, 4, "LOC", 1.0, words=("Lancashire",))
    mark_place_qualifiers("In 1990 , Lancashire won".split(), [alone])
    assert not alone.place_qualifier


def test_a_list_of_names_a_division_follows_or_introduces_is_looked_up_as_those_divisions():
    from model.place_linking import mark_listed_divisions

    def mentions(words: list[str], names: list[str]) -> list[LinkDecision]:
        return [LinkDecision(words.index(n), words.index(n) + 1, "LOC", 1.0, words=(n,)) for n in names]

    words = "It flows through Rush , Hancock and Shelby counties past Knightstown .".split()
    listed = mentions(words, ["Rush", "Hancock", "Shelby", "Knightstown"])
    mark_listed_divisions(words, listed)
    assert [d.lookup_words for d in listed] == [("Rush", "County"), ("Hancock", "County"), ("Shelby", "County"), None]
    words = "It covers the counties of Ashland , Barron and Bayfield in Wisconsin .".split()
    introduced = mentions(words, ["Ashland", "Barron", "Bayfield", "Wisconsin"])
    mark_listed_divisions(words, introduced)
    assert [d.lookup_words for d in introduced][:3] == [("Ashland", "County"), ("Barron", "County"),
                                                        ("Bayfield", "County")]
    assert introduced[3].lookup_words is None  # "in" ends the list
    words = "Salem and Rutland townships".split()
    townships = mentions(words, ["Salem", "Rutland"])
    mark_listed_divisions(words, townships)
    assert townships[0].lookup_words == ("Salem", "Township")
    words = "Kars , Rize and Erzurum provinces".split()
    provinces = mentions(words, ["Kars", "Rize", "Erzurum"])
    mark_listed_divisions(words, provinces)
    assert provinces[2].lookup_words == ("Erzurum", "Province")
    words = "Paris , London and Berlin are capitals .".split()
    capitals = mentions(words, ["Paris", "London", "Berlin"])
    mark_listed_divisions(words, capitals)
    assert all(d.lookup_words is None for d in capitals)  # no division names them


def test_a_name_followed_by_its_place_is_the_namesake_in_that_place():
    from model.place_linking import mark_place_qualifiers

    words = "Police in Springfield , Ill , and Preston , Lancashire said .".split()
    springfield = LinkDecision(2, 3, "LOC", 1.0, words=("Springfield",), nil_score=0.0,
                               candidates=[("Springfield,_Massachusetts", 0.9995), ("Springfield,_Illinois", 0.0005)])
    state = LinkDecision(4, 5, "LOC", 1.0, words=("Ill",), nil_score=0.0, candidates=[("Illinois", 1.0)])
    preston = LinkDecision(7, 8, "LOC", 1.0, words=("Preston",), nil_score=0.0,
                           candidates=[("Preston,_Victoria", 0.8), ("Preston,_Lancashire", 0.2)])
    county = LinkDecision(9, 10, "LOC", 1.0, words=("Lancashire",), nil_score=0.0, candidates=[("Lancashire", 1.0)])
    mark_place_qualifiers(words, [springfield, state, preston, county])
    assert (springfield.qualified_by, preston.qualified_by) == ("Illinois", "Lancashire")  # "Ill": the state spelled out
    assert state.qualified_by is None and county.qualified_by is None
    decide_links([springfield, state, preston, county], LinkingConfig(nil_threshold=0.5))
    assert [d.entity for d in (springfield, preston)] == ["Springfield,_Illinois", "Preston,_Lancashire"]
    # a large city's page has no qualifier: it stays beside its namesakes in the place
    words = "MILWAUKEE , Wisconsin and Ohio , Kentucky".split()
    city = LinkDecision(0, 1, "LOC", 1.0, words=("MILWAUKEE",), nil_score=0.0, candidates=[
        ("Milwaukee_Brewers", 0.6), ("Milwaukee", 0.3), ("Milwaukee_County,_Wisconsin", 0.1)])
    wisconsin = LinkDecision(2, 3, "LOC", 1.0, words=("Wisconsin",), nil_score=0.0, candidates=[("Wisconsin", 1.0)])
    ohio = LinkDecision(4, 5, "LOC", 1.0, words=("Ohio",), nil_score=0.0,
                        candidates=[("Ohio", 0.9), ("Ohio_County,_Kentucky", 0.1)])
    kentucky = LinkDecision(6, 7, "LOC", 1.0, words=("Kentucky",), nil_score=0.0, candidates=[("Kentucky", 1.0)])
    mark_place_qualifiers(words, [city, wisconsin, ohio, kentucky])
    decide_links([city, wisconsin, ohio, kentucky], LinkingConfig(nil_threshold=0.5))
    assert (city.entity, ohio.entity) == ("Milwaukee", "Ohio")  # "Ohio , Kentucky": a list of states
    # no candidate in the place after the comma: a list of towns, the priors decide
    words = "Carthage , Morristown".split()
    carthage = LinkDecision(0, 1, "LOC", 1.0, words=("Carthage",), nil_score=0.0,
                            candidates=[("Carthage,_Ohio", 0.6), ("Carthage", 0.4)])
    morristown = LinkDecision(2, 3, "LOC", 1.0, words=("Morristown",), nil_score=0.0, candidates=[("Morristown", 1.0)])
    mark_place_qualifiers(words, [carthage, morristown])
    decide_links([carthage, morristown], LinkingConfig(nil_threshold=0.5))
    assert carthage.qualified_by == "Morristown" and carthage.entity == "Carthage,_Ohio"
    # no candidate adds the place: the priors decide as before
    alone = LinkDecision(2, 3, "LOC", 1.0, words=("Springfield",), nil_score=0.0, qualified_by="Ohio",
                         candidates=[("Springfield,_Massachusetts", 0.9), ("Springfield,_Illinois", 0.1)])
    decide_links([alone], LinkingConfig(nil_threshold=0.5))
    assert alone.entity == "Springfield,_Massachusetts"
    # the namesake in the place the text names after the comma links whatever P(NIL) says
    kenosha = LinkDecision(0, 1, "LOC", 1.0, words=("Kenosha",), nil_score=0.3, from_open_kb=True,
                           qualified_by="Wisconsin", candidates=[("Kenosha,_Wisconsin", 1.0)])
    unplaced = LinkDecision(0, 1, "LOC", 1.0, words=("Kenosha",), nil_score=0.3, from_open_kb=True,
                            qualified_by="Ohio", candidates=[("Kenosha,_Wisconsin", 1.0)])
    decide_links([kenosha], LinkingConfig(open_nil_threshold=0.05))
    decide_links([unplaced], LinkingConfig(open_nil_threshold=0.05))
    assert (kenosha.entity, unplaced.entity) == ("Kenosha,_Wisconsin", None)


def test_a_us_state_abbreviated_as_news_agencies_write_it():
    from model.kb.places import ap_abbreviation, ap_state, with_state_spelled_out

    assert [ap_state(s) for s in ("Ore.", "Ore", "Calif.", "N.H.", "W.Va.", "Wash")] == [
        "Oregon", "Oregon", "California", "New Hampshire", "West Virginia", "Washington"]
    # words, postal codes (the knowledge base's aliases know them) and states AP spells out are none
    assert [ap_state(s) for s in ("ore", "mass", "NY", "PA", "Ohio", "Texas", "", "Sc")] == [None] * 8
    # two undotted letters are a state only after a place and its comma ("La" alone: lanthanum)
    assert ap_state("La") is None and ap_state("La", qualifier=True) == "Louisiana"
    assert ap_abbreviation("Oregon") == "Ore." and ap_abbreviation("Ohio") is None
    assert with_state_spelled_out("Columbia , Mo") == "Columbia, Missouri"
    assert with_state_spelled_out("Columbia") is None and with_state_spelled_out(", Mo") is None
    # the document names a namesake's state by its abbreviation: "Albany, N.Y."
    albany = _decision(0, [("Albany,_California", 0.9), ("Albany,_New_York", 0.1)], nil=0.0)
    albany.from_open_kb = True
    decide_links([albany], LinkingConfig(open_nil_threshold=0.5), text="He moved to Albany , N.Y. , in 1990 .")
    assert albany.entity == "Albany,_New_York"
    decide_links([albany], LinkingConfig(open_nil_threshold=0.5), text="He moved to Albany , NY. , in 1990 .")
    assert albany.entity == "Albany,_California"  # "NY." is no agency's abbreviation


def test_a_dictionary_name_that_spells_an_established_page_links_whatever_p_nil_says():
    """AIDA's annotators left "Turkey" NIL in all 30 of its training mentions (their knowledge
    base lacked it), and the NIL classifier learned that; the open world knows the page."""
    turkey = _decision(0, [("Turkey", 0.998), ("Turkey_(bird)", 0.002)], nil=0.99)
    turkey.named_page = "Turkey"
    bird = _decision(1, [("Turkey", 0.3), ("Turkey_(bird)", 0.7)], nil=0.99)
    bird.named_page = "Turkey"  # the model ranks another candidate first: P(NIL) decides
    plain = _decision(2, [("Turkey", 0.998), ("Turkey_(bird)", 0.002)], nil=0.99)  # with the dictionary alone
    decide_links([turkey, bird, plain], LinkingConfig(nil_threshold=0.5))
    assert [d.entity for d in (turkey, bird, plain)] == ["Turkey", None, None]


def test_candidates_of_the_open_knowledge_base_have_their_own_nil_threshold():
    from model.evaluation import calibrate_open_threshold

    dictionary = _decision(0, [("X", 1.0)], nil=0.3)
    unseen = _decision(1, [("Y", 1.0)], nil=0.3)
    unseen.from_open_kb = True
    decide_links([dictionary, unseen], LinkingConfig(nil_threshold=0.5, open_nil_threshold=0.2))
    assert (dictionary.entity, unseen.entity) == ("X", None)
    decide_links([dictionary, unseen], LinkingConfig(nil_threshold=0.2, open_nil_threshold=0.5))
    assert (dictionary.entity, unseen.entity) == (None, "Y")

    doc = Document(1, "validation", [["A", "B"]], mentions=[LinkedMention(0, 1, "A", "Y"), LinkedMention(1, 2, "B", None)])
    right, wrong = _decision(0, [("Y", 1.0)], nil=0.15), _decision(1, [("Z", 1.0)], nil=0.4)
    for d in (right, wrong):
        d.from_open_kb = True
    base = LinkingConfig(nil_threshold=0.9, coherence_weight=16.0)
    linking, by_mode, _ = calibrate_open_threshold(_LinkingModel(["Y", "Z"], np.eye(2)), [doc],
                                                   {"open": [DocumentPrediction([right, wrong])]}, base)
    scores = by_mode["open"]
    assert 0.15 <= linking.open_nil_threshold < 0.4 and scores["el_micro_f1"] == 100.0
    assert (linking.nil_threshold, linking.coherence_weight) == (0.9, 16.0)  # the rest is kept


def test_the_open_threshold_serves_both_kinds_of_text():
    """Calibrated on two decodings of validation, the open threshold maximises their mean F1:
    here one alone wants it low (its unknown surface is NIL), the other alone high."""
    from model.evaluation import calibrate_open_threshold

    doc = Document(1, "validation", [["A", "B"]], mentions=[LinkedMention(0, 1, "A", "Y"), LinkedMention(1, 2, "B", None)])
    served = [_decision(0, [("Y", 1.0)], nil=0.15), _decision(1, [("Z", 1.0)], nil=0.4)]
    unseen = [_decision(0, [("Y", 1.0)], nil=0.6)]
    for d in served + unseen:
        d.from_open_kb = True
    sets = {"open": [DocumentPrediction(served)], "open-only": [DocumentPrediction(unseen)]}
    linking, by_mode, curve = calibrate_open_threshold(_LinkingModel(["Y", "Z"], np.eye(2)), [doc], sets, LinkingConfig())
    assert linking.open_nil_threshold == 0.7
    assert round(by_mode["open"]["el_micro_f1"], 1) == 66.7 and by_mode["open-only"]["el_micro_f1"] == 100.0
    assert curve[0.2]["open"]["el_micro_f1"] == 100.0 and curve[0.2]["mean_el_micro_f1"] == 50.0
    assert unseen[0].entity == "Y" and served[1].entity == "Z"  # every set is left linked with the choice


def test_a_lone_surname_left_to_the_open_knowledge_base_stays_nil_unless_it_names_a_full_name():
    def mention(words, ner_type, candidates, from_open_kb=True):
        return LinkDecision(0, len(words), ner_type, 1.0, nil_score=0.0, candidates=candidates, words=tuple(words),
                            from_open_kb=from_open_kb)

    surname = mention(["Fleming"], "PER", [("Fleming", 0.9), ("Fleming,_Ohio", 0.1)])
    place = mention(["Duran"], "PER", [("Duran,_Ecuador", 1.0)])
    redirect = mention(["Obama"], "PER", [("Barack_Obama", 0.9), ("Obama,_Fukui", 0.1)])
    town = mention(["Fleming"], "LOC", [("Fleming", 1.0)])
    known = mention(["Fleming"], "PER", [("Fleming", 1.0)], from_open_kb=False)  # the dictionary's
    full = mention(["Ian", "Fleming"], "PER", [("Ian_Fleming", 1.0)])
    again = mention(["Fleming"], "PER", [("Fleming", 1.0)])
    decide_links([surname, place, redirect, town, known], LinkingConfig(nil_threshold=0.5))
    assert [d.entity for d in (surname, place, redirect, town, known)] == [None, None, "Barack_Obama", "Fleming",
                                                                           "Fleming"]
    decide_links([full, again], LinkingConfig(nil_threshold=0.5))
    assert again.entity == "Ian_Fleming"  # the document names him in full
    common = mention(["engineer"], "PER", [("Engineer", 1.0)])  # the NER's person, in lowercase: no name
    decide_links([common], LinkingConfig(nil_threshold=0.5))
    assert common.entity == "Engineer"
    one_name = mention(["Rihanna"], "PER", [("Rihanna", 1.0)])
    one_name.one_name_title = "Rihanna"  # redirects name the page: a person known by one name
    decide_links([one_name], LinkingConfig(nil_threshold=0.5))
    assert one_name.entity == "Rihanna"


def test_a_lone_surname_links_its_famous_bearer_unless_the_document_names_someone_else():
    def merkel(candidates, nil_score=0.0):
        d = LinkDecision(0, 1, "PER", 1.0, nil_score=nil_score, candidates=candidates, words=("Merkel",),
                         from_open_kb=True)
        d.famous_bearer = "Angela_Merkel"
        return d

    page = merkel([("Merkel", 0.9), ("Angela_Merkel", 0.1)])  # the surname's page first
    refused = merkel([("Angela_Merkel", 1.0)], nil_score=0.9)  # the bearer alone, P(NIL) above the threshold
    decide_links([page], LinkingConfig(nil_threshold=0.5))
    decide_links([refused], LinkingConfig(nil_threshold=0.5))
    assert (page.entity, page.el_score) == ("Angela_Merkel", pytest.approx(0.1))
    assert refused.entity == "Angela_Merkel"
    full = LinkDecision(0, 2, "PER", 1.0, nil_score=0.0, candidates=[("Thérèse_Merkel", 1.0)],
                        words=("Thérèse", "Merkel"), from_open_kb=True)
    again = merkel([("Merkel", 0.9), ("Angela_Merkel", 0.1)])
    decide_links([full, again], LinkingConfig(nil_threshold=0.5))
    assert again.entity == "Thérèse_Merkel"  # the document names her in full


def test_the_open_world_threshold_is_the_best_mean_over_the_dev_rows():
    from scripts.calibrate import best_mean_threshold

    curves = {"OKE a2kb": {0.1: 50.0, 0.5: 52.0, 1.0: 49.0}, "AIDA a2kb": {0.1: 87.0, 0.5: 86.0, 1.0: 85.0}}
    threshold, mean = best_mean_threshold(curves)
    assert threshold == 0.5 and mean == {0.1: 68.5, 0.5: 69.0, 1.0: 67.0}
    assert best_mean_threshold({"a": {0.1: 1.0, 0.5: 1.0}})[0] == 0.1  # a tie: the lower threshold


def test_deciding_again_equals_deciding_once_and_other_types_keep_their_entity():
    def mention(words, ner_type, candidates, from_open_kb=True, nil=0.3):
        return LinkDecision(0, len(words), ner_type, 1.0, nil_score=nil, candidates=candidates, words=tuple(words),
                            from_open_kb=from_open_kb)

    full = mention(["Angela", "Merkel"], "PER", [("Angela_Merkel", 1.0)])
    short = mention(["Merkel"], "PER", [])  # no candidate: only coreference links it
    decide_links([full, short], LinkingConfig(open_nil_threshold=0.5))
    assert short.entity == "Angela_Merkel"
    decide_links([full, short], LinkingConfig(open_nil_threshold=0.1))  # the full name is now NIL
    assert full.entity is None and short.entity is None

    team = mention(["Washington", "Redskins"], "ORG", [("Washington_Redskins", 1.0)], from_open_kb=False, nil=0.0)
    city = mention(["Washington"], "LOC", [("Washington,_D.C.", 0.7), ("Washington_Redskins", 0.3)],
                   from_open_kb=False, nil=0.0)
    decide_links([team, city], LinkingConfig(nil_threshold=0.5))
    assert city.entity == "Washington,_D.C."  # a place is no short name of a team


def test_a_mention_joining_names_with_a_conjunction_splits_into_them():
    from model.span_rules import conjunction_parts

    assert conjunction_parts(["Google", "and", "Facebook"]) == [(0, 1), (2, 3)]
    assert conjunction_parts(["Google", ",", "Apple", "and", "Amazon"]) == [(0, 1), (2, 3), (4, 5)]
    assert conjunction_parts(["Bank", "of", "America"]) is None
    assert conjunction_parts(["Performance", "&", "Visual", "Media"]) is None  # "&" joins words inside names
    assert conjunction_parts(["Marks", "and", "spencer"]) is None  # a part that is no name
    assert conjunction_parts(["and", "Uber"]) is None and conjunction_parts(["Uber", "and"]) is None


def test_a_headline_in_title_case_splits_its_names_from_its_other_words():
    from model.span_rules import headline_parts, in_title_case

    common = frozenset({"beats", "estimates", "as", "sales", "soar", "in", "new", "health", "care", "into", "law",
                        "signs", "the", "of", "bank", "said", "on"})
    headline = "Apple Beats Estimates As iPhone Sales Soar In China".split()
    assert in_title_case(headline, common)
    assert not in_title_case("The Bank of England said on Tuesday that Apple sales rose".split(), common)  # prose
    assert not in_title_case("APPLE BEATS ESTIMATES".split(), common)  # capitals: `case_parts`' business
    assert not in_title_case("State Street Bank and Trust Company Beats Inc".split(), common | {"street", "trust"})
    titles = {"Apple", "iPhone", "China", "New York", "Health Care Bill"}
    dictionary = {"Apple", "China", "New York"}

    def parts(text):
        words = text.split()
        phrase = lambda a, b: " ".join(words[a:b])  # noqa: E731
        return [phrase(a, b) for a, b in headline_parts(words, common, lambda a, b: phrase(a, b) in titles,
                                                        lambda a, b: phrase(a, b) in titles | {"Cupertino"},
                                                        lambda a, b: phrase(a, b) in dictionary) or []]

    assert parts("Apple Beats") == ["Apple"]
    assert parts("iPhone Sales Soar In China") == ["iPhone", "China"]
    assert parts("New York Newsdesk") == ["New York"]  # a name the dictionary knows may begin with a common word
    assert parts("Health Care Bill Into Law") == []  # a page nothing points to, begun by common words
    assert parts("Cupertino Event") == ["Cupertino"]  # names something, though no title spells it
    assert parts("Apple") == []  # the whole mention is the name: nothing to split


def test_a_headline_in_title_case_finds_the_names_the_dictionary_knows_that_the_ner_missed():
    from model.span_rules import headline_names

    common = frozenset({"oil", "rises", "as", "agrees", "to", "cut", "output", "new", "beats"})
    words = "Oil Rises As OPEC Agrees To Cut Output In New York".split()
    known = {"OPEC", "New York", "York", "Output"}

    def missed(found):
        return [" ".join(words[a:b]) for a, b in headline_names(words, found, common,
                                                                lambda a, b: " ".join(words[a:b]) in known)]

    assert missed([]) == ["OPEC", "York"]  # names only; "Output" is a common word, "New" begins no run
    assert missed([(3, 4)]) == ["York"]  # a name the NER found is not found again


def test_a_mention_running_a_name_and_words_in_capitals_together_splits_into_them():
    from model.span_rules import case_parts

    def parts(text):
        return case_parts(text.split())

    # a byline and its dateline read as one sentence; a league and a team in a table
    assert parts("Richard Finn NEW YORK") == [(0, 2), (2, 4)]
    assert parts("Liutauras Stremaitis URUS-MARTAN") == [(0, 2), (2, 3)]
    assert parts("American League DETROIT") == [(0, 2), (2, 3)]
    assert parts("KOMPAS Indonesian") == [(0, 1), (1, 2)]  # capitals first: four letters at least
    # names that mix them so
    for name in ("Henry VIII", "Rio Tinto PLC", "Ruch SA", "PGA Tour", "SC Freiburg", "U.S. Open",
                 "PT Timor Putra Nasional", "NEW YORK", "New York", "Mladost ( BJ )"):
        assert parts(name) is None, name
    assert parts("Richard Finn NEW YORK Mets") is None  # more than two runs: not this shape


def test_a_mention_running_two_titles_together_across_a_preposition_splits_into_them():
    from model.span_rules import connector_parts

    titles = {"National Art School", "Sydney", "Louisiana State University", "Louisiana State University System",
              "Walk", "Peace", "Bank", "America", "University of Iowa", "School of Art"}

    def parts(text):
        words = text.split()
        return connector_parts(words, lambda a, b: " ".join(words[a:b]) in titles)

    assert parts("National Art School in Sydney") == [(0, 3), (4, 5)]
    assert parts("Louisiana State University of Louisiana State University System") == [(0, 3), (4, 8)]
    # the fewest cuts, not one at every "of"
    assert parts("School of Art at University of Iowa") == [(0, 3), (4, 7)]
    assert parts("Walk for Peace") is None and parts("Bank of America") is None  # one-word parts only
    assert parts("National Art School in Sydneyside") is None  # a part that spells no title
    assert parts("National Art School in sydney") is None  # nor one that is no name
    assert parts("of National Art School") is None


def test_a_company_and_its_officer_run_together_across_a_roles_acronym_split_into_them():
    from model.span_rules import connector_parts

    titles = {"Facebook", "Sheryl Sandberg", "NEW", "YORK CITY", "Walt Disney"}

    def parts(text):
        words = text.split()
        return connector_parts(words, lambda a, b: " ".join(words[a:b]) in titles)

    assert parts("Facebook COO Sheryl Sandberg") == [(0, 1), (2, 4)]
    assert parts("Facebook Sheryl Sandberg") is None  # no acronym between them: not this rule's
    assert parts("Facebook CHIEF Sheryl Sandberg") is None  # five letters: a word, not a role's acronym
    assert parts("NEW AT YORK CITY") is None  # in capitals every word is in capitals, none a role
    assert parts("Walt Disney CFO Christine McCarthy") is None  # a part that spells no title


def test_a_name_begins_after_the_numbers_lowercase_words_and_adjectives_a_mention_opens_with():
    from model.span_rules import name_start

    assert name_start("Seattle-based Amazon".split()) == 1
    assert name_start("100 Air France".split()) == 1 and name_start("1,000 Air Force".split()) == 1
    assert name_start("pakistan Saeed Anwar".split()) == 1
    # names: one that opens so, a particle, a hyphen inside the name, a lone word
    for name in ("Air France", "de Silva", "van Gogh", "Coca-Cola Co", "X-ray", "100"):
        assert name_start(name.split()) is None, name


def test_a_dateline_follows_a_place_in_capitals_with_its_date():
    from model.span_rules import dateline_follows

    assert dateline_follows("Richard Finn NEW YORK 1996-08-31 This".split(), 4)  # CoNLL's Reuters datelines
    assert dateline_follows("Vera Haller VENICE , Italy 1996-08-31".split(), 3)  # after its region
    assert dateline_follows("Jim Adams WASHINGTON , Aug. 30".split(), 3)  # as wires write the date
    assert not dateline_follows("American League DETROIT 75 59 .560".split(), 3)  # a table's line
    assert not dateline_follows("Richard Finn NEW YORK".split(), 4)  # nothing after it
    assert dateline_follows("Jim Adams WASHINGTON , Sept. 3".split(), 3)
    assert not dateline_follows("Jim Adams WASHINGTON Marc Smith".split(), 3)  # a name, not a month


def test_two_names_in_capitals_run_together_split_into_them():
    from model.span_rules import adjacent_names

    titles = {"DETROIT", "CHICAGO", "NEW YORK", "COLORADO", "Iowa", "District Court"}

    def parts(text):
        words = text.split()
        return adjacent_names(words, lambda a, b: " ".join(words[a:b]) in titles)

    assert parts("DETROIT CHICAGO") == [(0, 1), (1, 2)]
    assert parts("NEW YORK COLORADO") == [(0, 2), (2, 3)]
    assert parts("DETROIT GARDENS") is None  # a part that spells no title
    assert parts("Iowa District Court") is None  # in mixed case a name is often built of titles


def test_a_name_and_the_place_after_its_comma_join_when_the_joined_surface_names_an_entity():
    from model.span_rules import qualified_place_pairs

    words = "Born in Madison , Wisconsin and Texas , Arizona and Smith , Ohio".split()
    mentions = [(2, 3, "LOC"), (4, 5, "LOC"), (6, 7, "LOC"), (8, 9, "LOC"), (10, 11, "PER"), (12, 13, "LOC")]
    titles = {"Madison , Wisconsin", "Texas , Arizona", "Smith , Ohio"}
    known = lambda a, b, exact: " ".join(words[a:b]) in titles
    # Texas, Arizona is joined only because the fixture says it names an entity; Smith is a person
    assert qualified_place_pairs(words, mentions, known) == [(0, 1), (2, 3)]
    titles.discard("Texas , Arizona")  # a list of places stays a list
    assert qualified_place_pairs(words, mentions, known) == [(0, 1)]
    # only a comma between them; the qualifier must be a place; a mention joins once
    assert qualified_place_pairs("Madison in Wisconsin".split(), [(0, 1, "LOC"), (2, 3, "LOC")], lambda a, b, exact: True) == []
    assert qualified_place_pairs("Oxford , Smith".split(), [(0, 1, "LOC"), (2, 3, "PER")], lambda a, b, exact: True) == []
    abroad = "Cape Town , South Africa".split()
    assert qualified_place_pairs(abroad, [(0, 2, "LOC"), (3, 5, "LOC")], lambda a, b, exact: True,
                                 countries=frozenset({"southafrica"})) == []  # a city and its country stay apart
    dateline = "MILWAUKEE , Wisconsin".split()
    assert qualified_place_pairs(dateline, [(0, 1, "LOC"), (2, 3, "LOC")], lambda a, b, exact: True) == []
    # after a town, only a title the joined words spell; after a US state, any entity found
    def spelled(sentence):  # the fixture KB: one title, "Christ_Church,_Oxford"; "The Oval, London" finds another
        return lambda a, b, exact: not exact or " ".join(sentence[a:b]) == "Christ Church , Oxford"

    town = "The Oval , London".split()
    assert qualified_place_pairs(town, [(0, 2, "LOC"), (3, 4, "LOC")], spelled(town)) == []
    college = "Christ Church , Oxford".split()
    assert qualified_place_pairs(college, [(0, 2, "LOC"), (3, 4, "LOC")], spelled(college)) == [(0, 1)]
    # the NER may read the town as its university: an ORG qualifier joins on the same terms
    assert qualified_place_pairs(college, [(0, 2, "LOC"), (3, 4, "ORG")], spelled(college)) == [(0, 1)]
    party = "Oxford , Labour".split()
    assert qualified_place_pairs(party, [(0, 1, "LOC"), (2, 3, "ORG")], spelled(party)) == []
    state = "Smith , Ohio".split()
    assert qualified_place_pairs(state, [(0, 1, "ORG"), (2, 3, "LOC")], spelled(state),
                                 states=frozenset({"ohio"})) == [(0, 1)]
    chain = "Ab , Bc , Cd".split()
    assert qualified_place_pairs(chain, [(0, 1, "LOC"), (2, 3, "LOC"), (4, 5, "LOC")], lambda a, b, exact: True) == [(0, 1)]


def test_a_mention_shows_its_most_probable_candidates_first():
    from model.annotation import Token
    from model.annotator import Annotator

    annotator = Annotator.__new__(Annotator)  # no model needed to turn a decision into a Mention
    annotator.candidates_shown = 2
    decision = LinkDecision(0, 1, "ORG", 1.0, entity="B", el_score=0.7,
                            candidates=[("A", 0.1), ("B", 0.7), ("C", 0.2)], words=("X",))
    mention = annotator._mention("X rose.", [Token("X", 0, 1)], decision)
    assert mention.candidates == [("B", 0.7), ("C", 0.2)] and mention.entity == "B"


def test_a_mention_grows_to_the_title_that_continues_past_its_end():
    from model.span_rules import title_extensions

    words = "He studied at the State University of New York at Cortland , not Cortland .".split()
    titles = {"State University of New York at Cortland", "State University of New York at"}

    def is_title(a, b):
        return " ".join(words[a:b]) in titles

    # "at Cortland" continues the title: the place after it is absorbed; the second Cortland stays
    assert title_extensions(words, [(4, 9), (10, 11), (13, 14)], is_title) == [(4, 11), (13, 14)]
    # it ends on a capitalised word ("… at" is no end), and only the end grows
    assert title_extensions(words, [(5, 9)], lambda a, b: " ".join(words[a:b]) in titles | {"University of New York at Cortland"}) == [(5, 11)]
    assert title_extensions(words, [(6, 9)], is_title) == [(6, 9)]
    # never ending inside a later mention; a name in capitals (a headline) stays as found
    assert title_extensions(words, [(4, 9), (10, 12)], lambda a, b: (a, b) == (4, 11)) == [(4, 9), (10, 12)]
    caps = "STATE UNIVERSITY OF NEW YORK AT CORTLAND".split()
    assert title_extensions(caps, [(0, 5)], lambda a, b: True) == [(0, 5)]
    # a lowercase word that joins no title stops it: "Germany beat France" is no title's continuation
    beat = "Germany beat France".split()
    assert title_extensions(beat, [(0, 1), (2, 3)], lambda a, b: True) == [(0, 1), (2, 3)]
    # a possessive inside a title joins its words ("St. Peter" + "'s Square")
    square = "Mass in St. Peter 's Square at the Vatican".split()
    assert title_extensions(square, [(2, 4), (5, 6), (8, 9)],
                            lambda a, b: " ".join(square[a:b]) == "St. Peter 's Square") == [(2, 6), (8, 9)]
    # a mention that names nothing may also grow at its start, by capitalised words outside other mentions
    erdogan = "Turkish President Recep Tayyip Erdogan spoke .".split()
    spans_of = {"Recep Tayyip Erdogan", "President Recep Tayyip Erdogan"}

    def spelled(a, b):
        return " ".join(erdogan[a:b]) in spans_of

    assert title_extensions(erdogan, [(0, 1), (3, 5)], spelled) == [(0, 1), (3, 5)]  # it has candidates
    assert title_extensions(erdogan, [(0, 1), (3, 5)], spelled, frozenset({(3, 5)})) == [(0, 1), (1, 5)]
    assert title_extensions(erdogan, [(0, 2), (3, 5)], spelled, frozenset({(3, 5)})) == [(0, 2), (2, 5)]


def test_a_mention_takes_the_capitalised_article_its_title_begins_with():
    from model.span_rules import title_extensions

    words = "He told The Sunday Telegraph and the Sunday Times that The Netherlands won .".split()
    titles = {"The Sunday Telegraph", "The Sunday Times"}

    def is_title(a, b):
        return " ".join(words[a:b]) in titles

    # "The" joins a mention with a candidate titled "The" and its words, not a lowercase "the",
    # nor a mention without such a candidate (a title "The Netherlands" exists, the mention's candidate is another)
    titled = frozenset({(3, 5), (7, 9)})
    assert title_extensions(words, [(3, 5), (7, 9), (11, 12)], is_title, article_titled=titled) == [(2, 5), (7, 9), (11, 12)]
    assert title_extensions(words, [(3, 5), (11, 12)], lambda a, b: False) == [(3, 5), (11, 12)]
    # never into the previous mention
    assert title_extensions(words, [(0, 3), (3, 5)], lambda a, b: False, article_titled=titled) == [(0, 3), (3, 5)]


def test_a_state_in_full_joins_its_city_but_a_news_abbreviation_stays_apart():
    from model.kb.places import state_keys
    from model.span_rules import qualified_place_pairs

    found_not_spelled = lambda a, b, exact: not exact  # the KB finds an entity for any joined pair, spells none
    states = state_keys(codes=False)
    assert "wisconsin" in states and "mo" not in states and "mo" in state_keys()
    # encyclopedic text (OKE: 16 of 16 joined) writes the state in full; news (AIDA: "Kansas City, Mo.") keeps it apart
    assert qualified_place_pairs("Madison , Wisconsin".split(), [(0, 1, "LOC"), (2, 3, "LOC")], found_not_spelled,
                                 states=states) == [(0, 1)]
    for abbreviated in ("Kansas City , Mo", "Kansas City , MO", "Albany , N.Y"):
        words = abbreviated.split()
        mentions = [(0, len(words) - 2, "LOC"), (len(words) - 1, len(words), "LOC")]
        assert qualified_place_pairs(words, mentions, found_not_spelled, states=states) == []


def test_a_role_before_a_persons_name_leaves_the_span_when_the_rest_spells_the_title():
    from model.span_rules import role_trimmed

    assert role_trimmed("Justice Ruth Bader Ginsburg".split(), "PER", "Ruth_Bader_Ginsburg") == (1, 4)
    assert role_trimmed("Pope Francis".split(), "PER", "Pope_Francis") is None  # the title keeps the word
    assert role_trimmed("President Obama".split(), "PER", "Barack_Obama") is None  # the rest spells no title
    assert role_trimmed("Treaty of Baden".split(), "MISC", "Baden") is None  # persons only
    assert role_trimmed("ENGLISH COUNTY CHAMPIONSHIP".split(), "PER", "County_Championship") is None  # a headline
    assert role_trimmed("Ginsburg".split(), "PER", "Ruth_Bader_Ginsburg") is None
    assert role_trimmed("Justice Ginsburg".split(), "PER", None) is None


def test_a_leading_the_leaves_the_span_unless_the_title_keeps_it():
    from model.span_rules import article_trimmed

    assert article_trimmed("The Commerce Department".split(), "United_States_Department_of_Commerce") == (1, 3)
    assert article_trimmed("The Treaty of Baden".split(), "Treaty_of_Baden") == (1, 4)
    assert article_trimmed("The Hague".split(), "The_Hague") is None  # the name keeps its article
    assert article_trimmed("The Pentagon".split(), "The_Pentagon") is None
    assert article_trimmed("The Orioles".split(), "The_Orioles_(band)") is None  # the best title begins with it
    assert article_trimmed("The Decaying Mansion".split(), None) is None  # names nothing: a work's title
    assert article_trimmed("THE HAGUE".split(), "Hague") is None  # a headline
    assert article_trimmed("the Commerce Department".split(), "United_States_Department_of_Commerce") is None
    assert article_trimmed("Thea Commerce".split(), "Commerce") is None


def test_a_company_the_dictionary_knows_by_its_first_words_takes_the_entity_named_in_full():
    mention = _linked

    full = mention(["Samsung", "Electronics"], "ORG", "Samsung_Electronics", [("Samsung_Electronics", 1.0)])
    short = mention(["Samsung"], "ORG", "Samsung_Heavy_Industries",
                    [("Samsung_Heavy_Industries", 0.98), ("Samsung_Electronics", 0.02)])
    document_coreference([short, full])
    assert short.entity == "Samsung_Electronics" and short.el_score == 0.02
    # a team named inside another's name is not that team ("Stirling" beside "East Stirling")
    east = mention(["East", "Stirling"], "ORG", "East_Stirlingshire_F.C.", [("East_Stirlingshire_F.C.", 1.0)])
    stirling = mention(["Stirling"], "ORG", "Stirling_Albion_F.C.",
                       [("Stirling_Albion_F.C.", 0.9), ("East_Stirlingshire_F.C.", 0.1)])
    document_coreference([stirling, east])
    assert stirling.entity == "Stirling_Albion_F.C."


def test_an_acronyms_expansion_the_scorer_is_sure_of_links_whatever_p_nil_says():
    def mention(surface, probability, from_open_kb=True):
        title = "Trades_Union_Congress"
        return LinkDecision(0, 1, "ORG", 1.0, nil_score=0.99, words=(surface,), from_open_kb=from_open_kb,
                            candidates=[(title, probability), ("TUC", 1 - probability)])

    sure, unsure, word, dictionary = mention("TUC", 0.995), mention("TUC", 0.95), mention("Tuc", 0.995), \
        mention("TUC", 0.995, from_open_kb=False)
    decide_links([sure, unsure, word, dictionary], LinkingConfig(nil_threshold=0.5, open_nil_threshold=0.05))
    assert sure.entity == "Trades_Union_Congress"
    assert unsure.entity is None and word.entity is None  # less sure, or a capitalised word: P(NIL) decides
    assert dictionary.entity is None  # the dictionary's own candidates: its threshold decides


def test_an_organisation_named_with_several_words_takes_the_page_its_name_spells():
    def decision(words, ner_type):
        return LinkDecision(0, len(words), ner_type, 1.0, nil_score=0.0, words=tuple(words.split()),
                            candidates=[("Amnesty", 0.6), ("Amnesty_International", 0.27), ("Amnesty_USA", 0.13)])

    organisation, one_word = decision("Amnesty International", "ORG"), decision("Amnesty", "ORG")
    decide_links([organisation], LinkingConfig(nil_threshold=0.5))
    decide_links([one_word], LinkingConfig(nil_threshold=0.5))
    assert organisation.entity == "Amnesty_International"  # the EL scorer had put `Amnesty` first
    assert one_word.entity == "Amnesty"
    place = LinkDecision(0, 2, "LOC", 1.0, nil_score=0.0, words=("New", "York"),
                         candidates=[("New_York_City", 0.7), ("New_York", 0.3)])
    decide_links([place], LinkingConfig(nil_threshold=0.5))
    assert place.entity == "New_York_City"  # a place's name is most often the city, not the state it spells
