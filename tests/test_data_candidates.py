"""PPRforNED reader. THE CANDIDATE-ORDER LEAK TEST.

The PPRforNED files list the gold candidate first. `read_document` must return the
candidates in an order that depends only on gold-independent fields, so that nothing
downstream (priors, features, a "first candidate" baseline, ties in argmax) can learn
the answer from the position. These tests prove it on fixtures and on the real data.
"""
from __future__ import annotations

import random
from pathlib import Path

import pytest

from model.data.pprforned import (
    WIKI_PREFIX,
    candidate_sort_key,
    document_paths,
    read_document,
    read_popularity,
    url_to_title,
)

# (title, id, inCount, outCount, links, predictedType) — gold listed first, as in the file.
ENTITIES = [
    ("Germany", "Germany", [
        ("Germany", 11867, 50000, 900, [9317], "GPE"),
        ("Germany_national_football_team", 250204, 4000, 300, [11867], "ORG"),
        ("German_Empire", 12674, 4000, 500, [], "GPE"),  # ties with the team on inCount
        ("Germany_(band)", 999, 3, 2, [], "UNK"),
    ]),
    ("EU", "NIL", [
        ("Euthanasia_device", 20753177, 36, 83, [], "UNK"),
        ("European_Council", 9582, 1137, 478, [11867, 9317], "UNK"),
        ("Eu,_Seine-Maritime", 21347120, 806, 762, [], "ORG"),
        ("European_Union", 9317, 90000, 2000, [11867], "ORG"),
    ]),
    ("Paris", "Paris_Hilton", [
        ("Paris_Hilton", 23214, 2000, 100, [], "PER"),
        ("Paris", 22989, 80000, 3000, [11867], "GPE"),
        ("Paris,_Texas", 126947, 700, 80, [], "GPE"),
        ("Paris_Saint-Germain_F.C.", 164024, 2000, 400, [], "ORG"),  # ties with the gold
    ]),
]


def entity_line(orig: str, url: str, index: int) -> str:
    url_field = "NIL" if url == "NIL" else WIKI_PREFIX + url
    return (f"ENTITY\ttext:{orig}\tnormalName:{orig.lower()}\tpredictedType:UNK\tq:true\tqid:Q{index}"
            f"\tdocId:1\torigText:{orig}\turl:{url_field}")


def candidate_line(title, wiki_id, in_count, out_count, links, kind) -> str:
    return (f"CANDIDATE\tid:{wiki_id}\tinCount:{in_count}\toutCount:{out_count}\tlinks:{';'.join(map(str, links))}"
            f"\turl:{WIKI_PREFIX}{title}\tname:{title.replace('_', ' ')}\tnormalName:x\tnormalWikiTitle:x"
            f"\tpredictedType:{kind}\t")


def write_ppr(path: Path, entities=ENTITIES) -> Path:
    lines = []
    for index, (orig, url, candidates) in enumerate(entities, 1):
        lines.append(entity_line(orig, url, index))
        lines.extend(candidate_line(*c) for c in candidates)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def titles(entity) -> list[str]:
    return [c.title for c in entity.candidates]


def test_read_document_fields(tmp_path):
    ents = read_document(write_ppr(tmp_path / "1"))
    assert [e.orig_text for e in ents] == ["Germany", "EU", "Paris"]
    assert [e.entity for e in ents] == ["Germany", None, "Paris_Hilton"]
    germany = {c.title: c for c in ents[0].candidates}["Germany"]
    assert (germany.wiki_id, germany.in_count, germany.out_count, germany.predicted_type) == (11867, 50000, 900, "GPE")
    assert ents[1].links[9582] == [11867, 9317] and ents[1].links[20753177] == []


def test_candidates_sorted_by_gold_independent_key(tmp_path):
    ents = read_document(write_ppr(tmp_path / "1"))
    # Most in-links first, ties by title — never the file's gold-first order.
    assert titles(ents[0]) == ["Germany", "German_Empire", "Germany_national_football_team", "Germany_(band)"]
    assert titles(ents[1]) == ["European_Union", "European_Council", "Eu,_Seine-Maritime", "Euthanasia_device"]
    assert titles(ents[2]) == ["Paris", "Paris_Hilton", "Paris_Saint-Germain_F.C.", "Paris,_Texas"]
    for e in ents:
        assert [candidate_sort_key(c) for c in e.candidates] == sorted(candidate_sort_key(c) for c in e.candidates)


def test_permuting_candidate_lines_does_not_change_the_order(tmp_path):
    reference = read_document(write_ppr(tmp_path / "ref"))
    rng = random.Random(2015)
    for trial in range(12):
        permuted = [(orig, url, rng.sample(cands, len(cands))) for orig, url, cands in ENTITIES]
        got = read_document(write_ppr(tmp_path / f"perm{trial}", permuted))
        assert [e.candidates for e in got] == [e.candidates for e in reference]
        assert [e.links for e in got] == [e.links for e in reference]


def test_changing_the_gold_does_not_change_the_order(tmp_path):
    reference = read_document(write_ppr(tmp_path / "ref"))
    for e_index, (orig, _, cands) in enumerate(ENTITIES):
        for new_gold in [c[0] for c in cands] + ["NIL"]:
            # The new gold is listed first, as the file would have it.
            reordered = sorted(cands, key=lambda c: c[0] != new_gold)
            changed = list(ENTITIES)
            changed[e_index] = (orig, new_gold, reordered)
            got = read_document(write_ppr(tmp_path / f"gold_{e_index}_{len(new_gold)}", changed))
            assert [e.candidates for e in got] == [e.candidates for e in reference]
            assert got[e_index].entity == (None if new_gold == "NIL" else new_gold)


def test_candidate_before_entity_is_an_error(tmp_path):
    path = tmp_path / "bad"
    path.write_text(candidate_line("Paris", 1, 1, 1, [], "GPE") + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match="CANDIDATE before any ENTITY"):
        read_document(path)


def test_unknown_line_kind_is_an_error(tmp_path):
    path = tmp_path / "bad"
    path.write_text(entity_line("EU", "NIL", 1) + "\nSOMETHING\tx:1\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad:2"):
        read_document(path)


# ---- real data ----------------------------------------------------------------------
def _raw_gold_first(paths: list[Path]) -> tuple[int, int]:
    """(linked entities whose gold is among the candidates, of which the gold is listed first) in file order."""
    eligible = first = 0
    for path in paths:
        gold, candidate_urls = None, []

        def close():
            nonlocal eligible, first
            if gold is not None and gold in candidate_urls:
                eligible += 1
                first += candidate_urls[0] == gold

        with open(path, encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("ENTITY"):
                    close()
                    url = line.rstrip("\n").split("\turl:")[1].split("\t")[0]
                    gold, candidate_urls = (None if url == "NIL" else url), []
                elif line.startswith("CANDIDATE"):
                    candidate_urls.append(line.split("\turl:")[1].split("\t")[0])
        close()
    return eligible, first


def test_real_data_gold_is_first_in_file_but_not_after_sorting(data_dir, aida):
    paths = document_paths(data_dir / "pprforned")
    assert sorted(paths) == list(range(1, 1394))
    eligible, first = _raw_gold_first(list(paths.values()))
    assert eligible > 27000
    assert first == eligible  # the raw file ALWAYS lists the gold first: the leak is real

    splits, _ = aida
    linked = [m for docs in splits.values() for d in docs for m in d.mentions
              if m.entity is not None and any(c.title == m.entity for c in m.candidates)]
    assert len(linked) == eligible
    at_zero = sum(m.candidates[0].title == m.entity for m in linked) / len(linked)
    assert at_zero < 0.95, f"gold still first for {at_zero:.1%} of mentions after re-sorting"
    for m in linked:
        keys = [candidate_sort_key(c) for c in m.candidates]
        assert keys == sorted(keys)
        assert len(set(keys)) == len(keys)  # a total order: file order cannot break ties


# ---- popularity and URLs ------------------------------------------------------------
def test_url_to_title():
    assert url_to_title(WIKI_PREFIX + "Eu,_Seine-Maritime") == "Eu,_Seine-Maritime"
    assert url_to_title(WIKI_PREFIX + "São_Paulo") == "São_Paulo"
    assert url_to_title("NIL") is None
    with pytest.raises(ValueError):
        url_to_title("http://de.wikipedia.org/wiki/Bonn")


def test_read_popularity(tmp_path):
    path = tmp_path / "Freebase_popularity"
    path.write_text(
        f"url:{WIKI_PREFIX}Boeing_X-51\t6.69709300\n"
        f"url:{WIKI_PREFIX}China,_IL\t6.36129200\n"
        "url:NIL\t1.0\n"
        "\n"
        "garbage line\n",
        encoding="utf-8",
    )
    assert read_popularity(path) == {"Boeing_X-51": pytest.approx(6.697093), "China,_IL": pytest.approx(6.361292)}


def test_read_popularity_real(data_dir):
    scores = read_popularity(data_dir / "pprforned" / "Freebase_popularity")
    assert len(scores) > 1000
    assert all(isinstance(v, float) for v in scores.values())
