"""Candidate sources: the paper's dictionary, the open knowledge base, and the two layered."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
import torch

from model.candidates import IN_LINK_SHARE, CandidateLookup, LayeredCandidates, with_in_link_shares
from model.open_candidates import OpenCandidates, OpenEntityVectors, open_priors
from model.data.entity_embeddings import GRAPH_DIM
from model.embeddings.glove import GloveVectors
from model.features import SentenceExample
from tests.conftest import TITLES, make_examples, make_kb, tiny_config, tiny_model


@dataclass(frozen=True)
class Found:
    """What `model.kb.OpenKnowledgeBase.candidates` returns, as far as candidates read it."""

    title: str
    match: str
    redirects: int
    in_pprforned: bool = False
    population: int = 0
    in_links: int = 0


class FakeOpenKb:
    def __init__(self, table: dict[str, list[Found]]) -> None:
        self.table = table

    def candidates(self, surface: str, limit: int = 30, acronyms: int = 0) -> list[Found]:
        return self.table.get(surface.lower(), [])[:max(limit, acronyms)]

    def famous_bearer(self, surname: str) -> Found | None:
        return None


GLOVE = GloveVectors(["angela", "merkel", "paris", "tim", "cook"], np.eye(5, dtype=np.float32))
OPEN = FakeOpenKb({
    "angela merkel": [Found("Angela_Merkel", "title", 40)],
    "paris": [Found("Paris", "title", 300), Found("Paris_(mythology)", "name", 2)],
    "cook": [Found("Cook", "title", 0), Found("Tim_Cook", "redirect", 9), Found("Cook_(surname)", "name", 0)],
})


def open_source(use_table: bool = True) -> OpenCandidates:
    vectors = OpenEntityVectors(GLOVE, ["GPE", "ORG", "PER", "UNK"])
    return OpenCandidates(OPEN, {t: i for i, t in enumerate(TITLES)}, vectors, limit=30, use_table=use_table)


def test_open_entity_vectors_have_the_table_layout_with_no_graph_and_unknown_type():
    vectors = OpenEntityVectors(GLOVE, ["GPE", "ORG", "PER", "UNK"])
    vector = vectors("Angela_Merkel")
    assert vector.shape == (GRAPH_DIM + 5 + 4,) and vectors.dim == len(vector)
    assert not vector[:GRAPH_DIM].any()
    assert np.allclose(vector[GRAPH_DIM:GRAPH_DIM + 5], np.array([1, 1, 0, 0, 0]) / np.sqrt(2))  # unit title mean
    assert vector[-4:].tolist() == [0, 0, 0, 1]
    assert not vectors("Zzyzx")[GRAPH_DIM:GRAPH_DIM + 5].any()  # no known word: zero title part


def test_open_priors_prefer_the_exact_title_and_popular_entities():
    priors = open_priors(OPEN.candidates("cook"))
    assert sum(priors) == pytest.approx(1.0)
    assert priors[1] > priors[0] > priors[2]  # a redirect with 9 redirects beats an unpopular exact title
    assert open_priors([]) == []


def test_open_candidates_keep_table_rows_and_bring_vectors_for_the_rest():
    found = open_source()(["Paris"])
    assert found.titles == ["Paris", "Paris_(mythology)"]
    assert found.rows == [TITLES.index("Paris"), -1] and set(found.vectors) == {1}
    unseen = open_source(use_table=False)(["Paris"])
    assert unseen.rows == [-1, -1] and set(unseen.vectors) == {0, 1}


def test_layered_candidates_use_the_dictionary_first_and_the_open_kb_for_the_rest():
    dictionary = CandidateLookup(make_kb(), {t: i for i, t in enumerate(TITLES)}, 30)
    layered = LayeredCandidates(dictionary, open_source())
    assert layered(["Paris"]).titles == ["Paris", "Paris_Hilton"]  # the dictionary's, with its priors
    assert layered(["Paris"]).priors == [0.8, 0.2]
    merkel = layered(["Angela", "Merkel"])
    assert merkel.titles == ["Angela_Merkel"] and merkel.rows == [-1] and merkel.priors == [1.0]
    assert len(layered(["Nowhere"])) == 0
    # a dictionary's candidate whose established page the surface spells: "Paris" (300 redirects)
    assert layered(["Paris"]).named_page == "Paris" and layered(["PARIS"]).named_page == "Paris"
    assert layered(["Paris", "Hilton"]).named_page is None  # the open KB does not know it as a page
    assert merkel.named_page is None  # the open KB's own candidates: unique names decide there


def test_dictionary_priors_take_a_share_of_wikipedias_in_links():
    # AIDA's training links a city's name to its club; Wikipedia links the city far more
    in_links = {"Lyon_club": 999, "Lyon": 9_999, "Lyon_band": 0}
    mixed = with_in_link_shares([("Lyon_club", 0.6), ("Lyon", 0.35), ("Lyon_band", 0.05)], in_links.__getitem__,
                                IN_LINK_SHARE)
    assert [title for title, _ in mixed] == ["Lyon", "Lyon_club", "Lyon_band"]  # most probable first
    assert sum(p for _, p in mixed) == pytest.approx(1.0)
    shares = {"Lyon_club": 1_000 / 11_001, "Lyon": 10_000 / 11_001, "Lyon_band": 1 / 11_001}
    prior = {"Lyon_club": 0.6, "Lyon": 0.35, "Lyon_band": 0.05}
    for title, p in mixed:
        assert p == pytest.approx((1 - IN_LINK_SHARE) * prior[title] + IN_LINK_SHARE * shares[title])
    assert with_in_link_shares([], in_links.__getitem__, IN_LINK_SHARE) == []
    kb = make_kb()  # the dictionary mixes them only when asked (serving beside the open KB), not for `aida`
    rows = {t: i for i, t in enumerate(TITLES)}
    assert CandidateLookup(kb, rows, 30)(["Paris"]).priors == [0.8, 0.2]
    served = CandidateLookup(kb, rows, 30, in_link_share=IN_LINK_SHARE)(["Paris"])
    assert [kb.entities[t].in_count for t in served.titles] == [100, 200]
    keep = 1 - IN_LINK_SHARE
    assert served.priors == pytest.approx([keep * 0.8 + IN_LINK_SHARE * 101 / 302, keep * 0.2 + IN_LINK_SHARE * 201 / 302])


def test_whether_aida_trained_a_surface_reads_its_own_prior_not_the_mixed_one():
    from model.data.knowledge_base import KnowledgeBase, alias_key
    from model.data.records import Candidate

    entities = {t: Candidate(t, i, 100, 0, "UNK") for i, t in enumerate(["Club", "Town", "Band"])}
    kb = KnowledgeBase(entities, {alias_key("Town"): [("Club", 0.55), ("Town", 0.25), ("Band", 0.2)],
                                  alias_key("Flat"): [("Club", 0.4), ("Town", 0.35), ("Band", 0.25)]})
    lookup = CandidateLookup(kb, {"Club": 0, "Town": 1, "Band": 2}, 30, in_link_share=IN_LINK_SHARE)
    assert max(lookup(["Town"]).priors) < 0.5  # mixed with equal in-link shares, the club's 0.55 falls below
    assert lookup.trained(["Town"]) and not lookup.trained(["Flat"]) and not lookup.trained(["Nowhere"])


def test_an_abbreviation_aida_never_linked_takes_the_candidates_of_its_other_spelling():
    from model.data.knowledge_base import KnowledgeBase, alias_key
    from model.data.records import Candidate

    titles = [".uk", "UK_Singles_Chart", "United_Kingdom", "Paris", "Iran", "Irish_Republican_Army", "I.R.A._(band)"]
    kb = KnowledgeBase({t: Candidate(t, i + 1, 10, 1, "UNK") for i, t in enumerate(titles)}, {
        alias_key("UK"): [("UK_Singles_Chart", 0.125), (".uk", 0.1), ("United_Kingdom", 0.05)],  # flat: never linked
        alias_key("U.K."): [("United_Kingdom", 0.712), ("UK_Singles_Chart", 0.04)],
        alias_key("Paris"): [("Paris", 0.3)],
        alias_key("IRA"): [("Iran", 0.07), ("Irish_Republican_Army", 0.05)],
        alias_key("I.R.A."): [("I.R.A._(band)", 1.0)],  # a lone candidate: 1.0 whatever training saw
    })
    layered = LayeredCandidates(CandidateLookup(kb, {t: i for i, t in enumerate(titles)}, 30), open_source())
    uk = layered(["UK"])
    assert uk.titles == ["United_Kingdom", "UK_Singles_Chart"] and uk.named_page == "United_Kingdom"
    assert layered(["U.K."]).titles == ["United_Kingdom", "UK_Singles_Chart"]  # its own: trained
    assert layered(["Paris"]).titles == ["Paris"]  # no other spelling: its own flat priors
    assert layered(["IRA"]).titles == ["Irish_Republican_Army"]  # not the band: its initials instead


def test_an_acronym_aida_never_linked_names_the_candidate_it_abbreviates():
    from model.data.knowledge_base import KnowledgeBase, alias_key
    from model.data.records import Candidate

    titles = [".eu", "Europe", "European_Union", "U.S._Securities_and_Exchange_Commission", "Second", "Ob'_Bay", "Ob_River"]
    kb = KnowledgeBase({t: Candidate(t, i + 1, 0 if t == "Ob'_Bay" else 10, 1, "UNK") for i, t in enumerate(titles)}, {
        alias_key("EU"): [(".eu", 0.1), ("Europe", 0.09), ("European_Union", 0.07)],
        alias_key("SEC"): [("Second", 0.08), ("U.S._Securities_and_Exchange_Commission", 0.06)],
        alias_key("Europe"): [("Europe", 0.2), ("European_Union", 0.1)],
        alias_key("OB"): [("Ob_River", 0.13), ("Ob'_Bay", 0.11)],  # the bay's initials, but nothing links to it
    })
    layered = LayeredCandidates(CandidateLookup(kb, {t: i for i, t in enumerate(titles)}, 30), open_source())
    eu, sec = layered(["EU"]), layered(["SEC"])
    assert (eu.titles, eu.named_page) == (["European_Union"], "European_Union")
    assert sec.titles == ["U.S._Securities_and_Exchange_Commission"]  # its initials after the country's
    assert layered(["Europe"]).titles == ["Europe", "European_Union"]  # a name, not an acronym
    assert layered(["OB"]).titles == ["Ob_River", "Ob'_Bay"]  # its own candidates


@torch.no_grad()
def test_the_model_links_an_entity_outside_its_table_with_the_vector_it_brings():
    config = tiny_config()
    model = tiny_model(config).eval()
    dim = model.entity_vectors.shape[1]

    class OneOpenEntity:
        def __init__(self, vector):
            self.vector = vector

        def __call__(self, tokens, ner_type=None):
            from model.candidate_set import CandidateSet

            return CandidateSet(["Bonn", "Angela_Merkel"], [TITLES.index("Bonn"), -1], [0.5, 0.5], {1: self.vector})

    sentence = [SentenceExample("Angela Merkel visited Bonn".split())]
    spans = [[(0, 2)]]
    first = model.decode(sentence, spans=spans, candidates=OneOpenEntity(np.zeros(dim, dtype=np.float32)))
    second = model.decode(sentence, spans=spans, candidates=OneOpenEntity(np.ones(dim, dtype=np.float32)))
    (a,), (b,) = first[0].mentions, second[0].mentions
    assert [t for t, _ in a.candidates] == ["Bonn", "Angela_Merkel"]
    assert a.candidates[1][1] != pytest.approx(b.candidates[1][1])  # its own vector is what gets scored


def test_training_candidates_teach_the_open_kb_on_a_stable_share_of_mentions():
    from model.candidates import TrainingCandidates

    dictionary = CandidateLookup(make_kb(), {t: i for i, t in enumerate(TITLES)}, 30)
    mixed = TrainingCandidates(dictionary, open_source(), open_source(use_table=False), open_only=0.5)
    assert TrainingCandidates(dictionary, open_source(), open_source(use_table=False), 0.0)(["Paris"]).priors == [0.8, 0.2]
    everything_open = TrainingCandidates(dictionary, open_source(), open_source(use_table=False), 1.0)
    assert everything_open(["Paris"]).rows == [-1, -1]  # unseen: the open KB alone, no table rows
    unknown = TrainingCandidates(dictionary, open_source(), open_source(use_table=False), 0.0)(["Angela", "Merkel"])
    assert unknown.titles == ["Angela_Merkel"] and unknown.from_open_kb  # as served: the open KB fills in
    surfaces = [[f"Name{i}"] for i in range(400)]
    chosen = [mixed.for_document(d).chosen_for_open_only(s) for d in range(3) for s in surfaces]
    assert 0.4 < sum(chosen) / len(chosen) < 0.6
    assert chosen == [mixed.for_document(d).chosen_for_open_only(s) for d in range(3) for s in surfaces]  # every epoch
    with pytest.raises(ValueError, match="share"):
        TrainingCandidates(dictionary, open_source(), open_source(), 1.5)


def test_training_learns_from_candidates_outside_the_table():
    from model.features import MentionTarget

    config = tiny_config()
    model = tiny_model(config).train()
    examples = make_examples(config)
    target = examples[0].mentions[(0, 2)]  # "Paris Hilton": add an entity the table lacks, as the gold
    dim = model.entity_vectors.shape[1]
    examples[0].mentions[(0, 2)] = MentionTarget(0, 2, target.candidates + [-1], [0.5, 0.3, 0.2], gold=2,
                                                 vectors={2: np.ones(dim, dtype=np.float32)})
    losses = model.loss(examples)
    sum(losses.values()).backward()
    assert torch.isfinite(losses["el"]) and model.el_entity.weight.grad.abs().sum() > 0


def test_a_unique_name_is_several_words_or_one_word_running_text_does_not_write_in_lowercase():
    from model.open_candidates import is_unique_name

    title = [Found("Spotify", "title", 0)]
    common = frozenset({"marketing"})
    assert is_unique_name(["Spotify"], title, [False], common)
    assert not is_unique_name(["Marketing"], [Found("Marketing", "title", 0)], [False], common)
    assert not is_unique_name(["spotify"], title, [False], common)  # lowercase: no name
    assert not is_unique_name(["SPOTIFY"], title, [False], common)  # a headline says nothing
    # a brand written in lowercase with capitals inside is a name; its title begins in uppercase
    assert is_unique_name(["iPhone"], [Found("IPhone", "title", 0)], [False], common)
    assert is_unique_name(["eBay"], [Found("EBay", "title", 0)], [False], common)
    assert not is_unique_name(["iphone"], [Found("IPhone", "title", 0)], [False], common)
    assert not is_unique_name(["e-Bay"], [Found("E-Bay", "title", 0)], [False], common)
    # an acronym is a name when its one title is a page something points to, not a listed redirect
    assert is_unique_name(["RCA"], [Found("RCA", "title", 5)], [False], common)
    assert not is_unique_name(["CIA"], [Found("CIA", "title", 0)], [False], common)
    # ... also beside namesakes nothing points to, and not beside one something does
    assert is_unique_name(["NASA"], [Found("NASA", "title", 6), Found("NASA,_Ghana", "name", 0)], [False], common)
    assert not is_unique_name(["ABC"], [Found("ABC", "title", 6), Found("ABC_(band)", "name", 2)], [False], common)
    # the one title a redirect of the acronym's name reaches, when the acronym spells it out
    society = Found("Royal_Society_for_the_Prevention_of_Cruelty_to_Animals", "redirect", 1)
    assert is_unique_name(["RSPCA"], [society], [False], common)
    assert not is_unique_name(["RSPB"], [society], [False], common)
    assert is_unique_name(["Rico", "Lebrun"], [Found("Rico_Lebrun", "title", 0)], [False], common)
    # found through another spelling: the title's words decide
    assert is_unique_name(["Pennzoil", "Co"], [Found("Pennzoil", "title", 0)], [True], common)
    assert not is_unique_name(["Marketing", "Inc"], [Found("Marketing", "title", 0)], [True], common)
    assert not is_unique_name(["Spotify"], [Found("Spotify", "redirect", 0)], [False], common)
    assert not is_unique_name(["Austin"], [Found("Austin", "title", 0), Found("Austin,_Texas", "name", 0)],
                              [False, False], common)


def test_a_person_whose_dictionary_candidates_are_all_places_or_organisations_asks_the_open_kb():
    from model.data.records import Candidate
    from model.data.knowledge_base import KnowledgeBase, alias_key

    entities = {"Cook,_Place": Candidate("Cook,_Place", 1, 10, 1, "GPE"), "Paris": Candidate("Paris", 2, 10, 1, "UNK"),
                "Zed,_Place": Candidate("Zed,_Place", 3, 10, 1, "GPE")}
    kb = KnowledgeBase(entities, {alias_key("Cook"): [("Cook,_Place", 1.0)], alias_key("Paris"): [("Paris", 1.0)],
                                  alias_key("Zed"): [("Zed,_Place", 1.0)]})
    layered = LayeredCandidates(CandidateLookup(kb, {t: i for i, t in enumerate(entities)}, 30), open_source())
    assert layered(["Cook"], "PER").titles == ["Cook", "Tim_Cook", "Cook_(surname)"]  # the open KB's people
    assert layered(["Cook"], "LOC").titles == ["Cook,_Place"]  # a place may be the place
    assert layered(["Paris"], "PER").titles == ["Paris"]  # an untyped entity may be a person
    assert layered(["Zed"], "PER").titles == ["Zed,_Place"]  # the open KB knows none: the dictionary's stay


def test_a_company_named_with_its_legal_forms_is_a_unique_name_through_the_redirect_of_its_name():
    from model.open_candidates import is_unique_name

    redirect = [Found("Goldman_Sachs", "redirect", 8)]
    assert is_unique_name("Goldman Sachs Group Inc".split(), redirect, [True], frozenset())
    assert is_unique_name("Caterpillar Inc".split(), [Found("Caterpillar_Inc.", "redirect", 11)], [False], frozenset())
    assert not is_unique_name("Barnett Banks Inc.".split(), [Found("NationsBank", "redirect", 2)], [False], frozenset())
    # the company's name written together or with "The" before it is the same name
    assert is_unique_name("Exxon Mobil Corp.".split(), [Found("ExxonMobil", "redirect", 17)], [False], frozenset())
    assert is_unique_name("Coca-Cola Co".split(), [Found("The_Coca-Cola_Company", "redirect", 11)], [False], frozenset())
    assert not is_unique_name("Exxon Corp.".split(), [Found("ExxonMobil", "redirect", 17)], [False], frozenset())
    assert not is_unique_name(["Goldman"], redirect, [False], frozenset())  # no legal form: a redirect is no evidence
    # the title's name is the company's first word: Wikipedia redirects the legal name to it
    assert is_unique_name("Toyota Motor Corp".split(), [Found("Toyota", "redirect", 3)], [True], frozenset())
    assert not is_unique_name("Toyotaka Motor Corp".split(), [Found("Toyota", "redirect", 3)], [True], frozenset())
    assert not is_unique_name("Toyota Corp".split(), [Found("Toyota_Motor", "redirect", 3)], [True], frozenset())


def test_a_name_begins_another_word_by_word():
    from model.kb.keys import begins_name

    assert begins_name("Toyota", "Toyota Motor") and begins_name("The_Coca-Cola", "Coca-Cola Bottling")
    assert not begins_name("Toyota", "Toyota") and not begins_name("Toyota", "Toyotaka Motor")
    assert not begins_name("Bank_of_America", "Bank of")


def test_a_common_noun_in_the_plural_also_finds_its_singular_page():
    kb = FakeOpenKb({"walls": [Found("Walls", "title", 0)], "wall": [Found("Wall", "title", 5)]})
    source = OpenCandidates(kb, {}, OpenEntityVectors(GLOVE, ["UNK"]), limit=30)
    assert source(["walls"]).titles == ["Walls", "Wall"]
    assert source(["Walls"]).titles == ["Walls"]  # a name: no singular is tried


def test_other_spellings_reaching_one_entity_give_one_candidate_cased_by_its_own_title():
    kb = FakeOpenKb({"digital equipment": [Found("Digital_equipment_Corporation", "redirect", 3)],
                     "digital equipment corporation": [Found("Digital_Equipment_Corporation", "title", 3)]})
    source = OpenCandidates(kb, {}, OpenEntityVectors(GLOVE, ["UNK"]), limit=30)
    # the redirect's title is cased by the casing lexicon alone; the title's own spelling wins
    assert source("Digital Equipment Corp".split(), "ORG").titles == ["Digital_Equipment_Corporation"]


def test_a_one_word_name_redirects_name_is_a_person_known_by_one_name():
    from model.open_candidates import one_name_title

    assert one_name_title(["Rihanna"], [Found("Rihanna", "title", 10)], frozenset()) == "Rihanna"
    assert one_name_title(["Erdmann"], [Found("Erdmann", "title", 0)], frozenset()) is None  # a surname page
    assert one_name_title(["Mayor"], [Found("Mayor", "title", 9)], frozenset({"mayor"})) is None  # a common word
    assert one_name_title(["Prince"], [Found("Prince", "title", 11), Found("Prince,_Ontario", "name", 0)],
                          frozenset()) is None  # beside namesakes
    assert one_name_title(["Barack", "Obama"], [Found("Barack_Obama", "title", 40)], frozenset()) is None


def test_an_acronyms_expansion_gains_by_the_affinity_of_its_words_with_the_acronym():
    from model.open_candidates import acronym_affinities

    # the acronym's vector lies near "louisiana" and "university", far from "uprising"
    glove = GloveVectors(["lsu", "louisiana", "state", "university", "left", "sr", "uprising"],
                         np.array([[1, 1, 0], [1, 0, 0], [0, 0, 1], [1, 1, 0], [0, 0, 1], [0, 0, 1], [0, 1, -1]],
                                  dtype=np.float32))
    found = [Found("LSU", "title", 0), Found("Left_SR_Uprising", "acronym", 3),
             Found("Louisiana_State_University", "acronym", 2)]
    affinity = acronym_affinities("LSU", found, glove)
    assert affinity[0] == 0.0 and affinity[2] > affinity[1]  # only acronym matches are scored
    plain, informed = open_priors(found), open_priors(found, affinity=affinity)
    assert plain[1] > plain[2] and informed[2] > informed[1]  # redirects alone favour the uprising
    # among expansions, Wikipedia's in-links (PPRforNED's, where it knows the page) count too
    scottish, slovenian = Found("Scottish_National_Party", "acronym", 2, True, 0, 1768), \
        Found("Slovenian_National_Party", "acronym", 2, True, 0, 52)
    assert open_priors([slovenian, scottish])[1] > 0.5
    titles = [Found("SNP", "title", 2, True, 0, 1768), Found("SNP_(band)", "title", 2, True, 0, 52)]
    assert open_priors(titles) == [0.5, 0.5]  # only expansions: other matches say what the surface names
    # more expansions than the source's limit: all are looked up, the best by prior stay, in order
    source = OpenCandidates(FakeOpenKb({"lsu": found}), {}, OpenEntityVectors(glove, ["UNK"]), limit=1)
    assert source(["LSU"], "ORG").titles == ["Louisiana_State_University"]
    assert acronym_affinities("Lsu", found, glove) is None  # a capitalised word is a name, not an acronym
    assert acronym_affinities("XYZ", found, glove) is None  # GloVe does not know it
