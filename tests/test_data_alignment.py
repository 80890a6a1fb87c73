"""Aligning PPRforNED ENTITY lines to CoNLL document tokens (AIDA reconstruction)."""
from __future__ import annotations

import pytest

from model.data.aida import AlignmentReport, DataDirError, align_entities, resolve_data_dir
from model.data.pprforned import PprEntity
from model.data.records import Candidate, Document


def entity(text: str, title: str | None = None, candidates: list[Candidate] | None = None) -> PprEntity:
    return PprEntity(text, text, title, list(candidates or []))


def spans(mentions) -> list[tuple[int, int]]:
    return [(m.start, m.end) for m in mentions]


def test_tokenisation_mismatches_align():
    tokens = ["Shares", "of", "Moody", "'s", "rose", "in", "Madison", ",", "Wisc", ".", "today"]
    report = AlignmentReport()
    mentions = align_entities(tokens, [entity("Moody's", "Moody's"), entity("Wisc.", "Wisconsin")], report)
    assert spans(mentions) == [(2, 4), (8, 10)]
    assert [m.surface for m in mentions] == ["Moody's", "Wisc."]
    assert [m.entity for m in mentions] == ["Moody's", "Wisconsin"]
    assert (report.aligned, report.unaligned) == (2, 0)


def test_whitespace_in_orig_text_is_ignored():
    tokens = ["Moody's", "said"]
    assert spans(align_entities(tokens, [entity("Moody 's")])) == [(0, 1)]


def test_prefix_of_longer_token_run_does_not_match():
    # "NewYorker" starts like "NewYork" but is not equal: the later exact span is chosen.
    tokens = ["New", "Yorker", "in", "New", "York"]
    assert spans(align_entities(tokens, [entity("New York")])) == [(3, 5)]


def test_entity_across_a_sentence_break():
    doc = Document(1, "train", [["He", "visited", "the", "Czech"], ["Republic", "again", "."]])
    mentions = align_entities(doc.tokens, [entity("Czech Republic", "Czech_Republic")])
    assert spans(mentions) == [(3, 5)]
    assert doc.sentence_starts == [0, 4]  # the span crosses the break at token 4


def test_alignment_is_in_order():
    tokens = ["Bonn", "and", "Paris", "and", "Bonn", "again", "Paris"]
    mentions = align_entities(tokens, [entity("Bonn"), entity("Bonn"), entity("Paris")])
    # The second "Bonn" takes the later span; "Paris" is searched after it.
    assert spans(mentions) == [(0, 1), (4, 5), (6, 7)]


def test_unalignable_entity_is_counted_and_cursor_does_not_move():
    tokens = ["Bonn", "met", "Paris", "and", "Paris"]
    report = AlignmentReport()
    mentions = align_entities(tokens, [entity("Bonn"), entity("Atlantis"), entity("Paris")], report)
    assert spans(mentions) == [(0, 1), (2, 3)]  # first "Paris", not the last one
    assert [m.surface for m in mentions] == ["Bonn", "Paris"]
    assert (report.aligned, report.unaligned) == (2, 1)


def test_entity_already_passed_is_unaligned():
    tokens = ["Paris", "and", "Bonn"]
    report = AlignmentReport()
    mentions = align_entities(tokens, [entity("Bonn"), entity("Paris")], report)
    assert spans(mentions) == [(2, 3)]
    assert (report.aligned, report.unaligned) == (1, 1)


def test_alignment_without_report_and_candidates_carried():
    cand = Candidate("Bonn", 3295, 10, 5, "LOC")
    mentions = align_entities(["in", "Bonn"], [entity("Bonn", "Bonn", [cand])])
    assert spans(mentions) == [(1, 2)]
    assert mentions[0].candidates == [cand]


# ---- data directory -----------------------------------------------------------------
def test_resolve_data_dir_wrong_path(tmp_path):
    wrong = tmp_path / "no_such_dir"
    with pytest.raises(DataDirError) as info:
        resolve_data_dir(str(wrong))
    message = str(info.value)
    assert str(wrong) in message
    assert "conll2003/eng.train" in message and "pprforned/AIDA_candidates" in message
    assert isinstance(info.value, FileNotFoundError)


def test_resolve_data_dir_names_only_what_is_missing(tmp_path, monkeypatch):
    (tmp_path / "conll2003").mkdir()
    for name in ("eng.train", "eng.testa", "eng.testb"):
        (tmp_path / "conll2003" / name).write_text("")
    monkeypatch.setenv("NEREL_DATA_DIR", str(tmp_path))
    with pytest.raises(DataDirError) as info:
        resolve_data_dir(None)  # from the environment variable
    message = str(info.value)
    assert str(tmp_path) in message
    assert "pprforned/AIDA_candidates" in message and "pprforned/Freebase_popularity" in message
    assert "eng.train" not in message


def test_resolve_data_dir_cli_wins_over_env(data_dir, monkeypatch, tmp_path):
    monkeypatch.setenv("NEREL_DATA_DIR", str(tmp_path / "elsewhere"))
    assert resolve_data_dir(str(data_dir)) == data_dir


# ---- real data ----------------------------------------------------------------------
def test_real_alignment_is_complete(aida):
    splits, report = aida
    assert report.unaligned == 0
    assert report.aligned == 30428
    assert sum(len(d.mentions) for docs in splits.values() for d in docs) == 30428


def test_real_split_figures(aida):
    splits, _ = aida
    linked = {s: sum(m.entity is not None for d in docs for m in d.mentions) for s, docs in splits.items()}
    assert linked == {"train": 18540, "validation": 4791, "test": 4485}
    assert {s: len(docs) for s, docs in splits.items()} == {"train": 946, "validation": 216, "test": 231}
    assert [d.doc_id for d in splits["train"]][:2] == [1, 2]
    assert splits["validation"][0].doc_id == 947 and splits["test"][-1].doc_id == 1393


def test_real_mentions_match_their_tokens(aida):
    splits, _ = aida
    crossing = 0
    for docs in splits.values():
        for doc in docs:
            tokens, starts = doc.tokens, set(doc.sentence_starts)
            previous_end = 0
            for m in doc.mentions:
                assert 0 <= m.start < m.end <= len(tokens)
                assert "".join(tokens[m.start:m.end]) == "".join(m.surface.split()), (doc.doc_id, m)
                assert m.start >= previous_end  # in order, non-overlapping
                previous_end = m.end
                crossing += any(m.start < s < m.end for s in starts)
    assert 0 < crossing < 0.01 * 30428  # a few mentions cross a CoNLL sentence break
