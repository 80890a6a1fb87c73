"""Knowledge base: aliases, priors p(e|m) from the TRAINING split only, state round trip."""
from __future__ import annotations

import copy
import json
import math

import pytest

from model.data.knowledge_base import (
    KnowledgeBase,
    alias_key,
    build_knowledge_base,
    gold_link_counts,
    held_out_knowledge_base,
    popularity_weight,
    title_aliases,
)
from model.data.records import Candidate, Document, LinkedMention, NerSpan
from model.candidates import CandidateLookup
from model.features import CrossFittedLookup, document_examples

CANDS = {
    "Paris": Candidate("Paris", 1, 80000, 3000, "GPE"),
    "Paris_Hilton": Candidate("Paris_Hilton", 2, 2000, 100, "PER"),
    "Paris,_Texas": Candidate("Paris,_Texas", 3, 700, 80, "GPE"),
    "Moody's": Candidate("Moody's", 4, 900, 50, "ORG"),
    "Moody_Blues": Candidate("Moody_Blues", 5, 900, 70, "ORG"),
    "European_Union": Candidate("European_Union", 6, 90000, 2000, "ORG"),
    "EU_(group)": Candidate("EU_(group)", 7, 10, 5, "ORG"),
    "Bonn": Candidate("Bonn", 8, 5000, 400, "GPE"),
    "Bonn_(band)": Candidate("Bonn_(band)", 9, 5, 1, "UNK"),
}
FREEBASE = {"Paris": 7.0, "Paris_Hilton": 6.0, "European_Union": 8.0}


def mention(surface: str, entity: str | None, titles: list[str]) -> LinkedMention:
    return LinkedMention(0, len(surface.split()), surface, entity, [CANDS[t] for t in titles])


def make_splits() -> dict[str, list[Document]]:
    paris = ["Paris", "Paris_Hilton", "Paris,_Texas"]
    moody = ["Moody's", "Moody_Blues"]
    train = [
        Document(1, "train", [["x"]], mentions=[
            mention("Paris", "Paris_Hilton", paris),
            mention("Paris", "Paris_Hilton", paris),
            mention("Paris", "Paris", paris),
            mention("Moody 's", "Moody's", moody),
        ]),
        Document(2, "train", [["x"]], mentions=[mention("EU", "European_Union", ["European_Union", "EU_(group)"])]),
    ]
    validation = [Document(947, "validation", [["x"]], mentions=[
        mention("Paris", "Paris,_Texas", paris),  # disagrees with train
        mention("Bonn", "Bonn_(band)", ["Bonn", "Bonn_(band)"]),  # alias never seen in train
    ])]
    test = [Document(1163, "test", [["x"]], mentions=[
        mention("PARIS", "Paris,_Texas", paris),
        mention("Moody's", None, moody),
    ])]
    return {"train": train, "validation": validation, "test": test}


def test_validation_and_test_gold_do_not_change_priors():
    splits = make_splits()
    reference = build_knowledge_base(splits, FREEBASE).to_state()
    for split in ("validation", "test"):
        for replacement in (None, "Paris", "Bonn"):
            changed = copy.deepcopy(splits)
            for doc in changed[split]:
                for m in doc.mentions:
                    m.entity = replacement
            assert build_knowledge_base(changed, FREEBASE).to_state() == reference, (split, replacement)


def test_train_gold_changes_priors():
    splits = make_splits()
    reference = build_knowledge_base(splits, FREEBASE)
    changed = copy.deepcopy(splits)
    changed["train"][0].mentions[0].entity = "Paris,_Texas"
    kb = build_knowledge_base(changed, FREEBASE)
    assert kb.to_state() != reference.to_state()
    assert dict(kb.candidates("Paris"))["Paris,_Texas"] > dict(reference.candidates("Paris"))["Paris,_Texas"]


def test_prior_formula_hand_computed():
    kb = build_knowledge_base(make_splits(), FREEBASE)
    weights = {t: popularity_weight(CANDS[t], FREEBASE) for t in ("Paris", "Paris_Hilton", "Paris,_Texas")}
    total = sum(weights.values())
    expected = {
        "Paris_Hilton": (2 + weights["Paris_Hilton"] / total) / (3 + 1),
        "Paris": (1 + weights["Paris"] / total) / (3 + 1),
        "Paris,_Texas": (0 + weights["Paris,_Texas"] / total) / (3 + 1),
    }
    got = dict(kb.candidates("paris"))
    # "paris" is also a title alias of "Paris,_Texas" (text before the comma): same three titles.
    assert set(got) == set(expected)
    for title, prior in expected.items():
        assert got[title] == pytest.approx(prior)
    assert kb.candidates("Paris")[0][0] == "Paris_Hilton"  # train evidence beats popularity
    assert sum(got.values()) == pytest.approx(1.0)
    assert weights["Paris"] == pytest.approx(math.log1p(80000) + 7.0 + 1.0)


def test_unseen_alias_backs_off_to_popularity():
    kb = build_knowledge_base(make_splits(), FREEBASE)
    bonn = kb.candidates("Bonn")  # only in validation: no gold counts
    assert [t for t, _ in bonn] == ["Bonn", "Bonn_(band)"]  # more in-links → higher prior
    assert bonn[0][1] > bonn[1][1]
    assert sum(p for _, p in bonn) == pytest.approx(1.0)
    w = {t: popularity_weight(CANDS[t], FREEBASE) for t in ("Bonn", "Bonn_(band)")}
    assert bonn[0][1] == pytest.approx(w["Bonn"] / sum(w.values()))


def test_freebase_popularity_breaks_equal_in_links():
    mentions = [mention("Moody", None, ["Moody's", "Moody_Blues"])]
    splits = {"train": [], "validation": [Document(947, "validation", [["x"]], mentions=mentions)], "test": []}
    plain = dict(build_knowledge_base(splits, {}).candidates("Moody"))
    assert plain["Moody's"] == pytest.approx(plain["Moody_Blues"])  # equal in-links, no Freebase
    boosted = build_knowledge_base(splits, {"Moody_Blues": 3.0}).candidates("Moody")
    assert boosted[0][0] == "Moody_Blues" and boosted[0][1] > boosted[1][1]


def test_alias_key():
    assert alias_key("Moody 's") == alias_key("Moody's") == alias_key("MOODY'S") == "moody's"
    assert alias_key("New  York") == alias_key("new york") == "newyork"
    assert alias_key("Straße") == alias_key("STRASSE")  # case folding, not just lower()
    assert alias_key("ﬁnance") == "finance"  # NFKC
    assert alias_key("Bonn") != alias_key("Bonn (band)")


def test_title_aliases():
    assert title_aliases("EU_(group)") == {"EU (group)", "EU"}
    assert title_aliases("Eu,_Seine-Maritime") == {"Eu, Seine-Maritime", "Eu"}
    assert title_aliases("Germany") == {"Germany"}


def test_title_and_surface_aliases_in_kb():
    kb = build_knowledge_base(make_splits(), FREEBASE)
    assert "EU_(group)" in dict(kb.candidates("EU (group)"))
    assert {t for t, _ in kb.candidates("eu")} == {"European_Union", "EU_(group)"}
    # Moody 's (train, with a space) and Moody's (test) are one alias.
    assert kb.candidates("Moody 's") == kb.candidates("moody's")
    assert kb.candidates("Moody's")[0][0] == "Moody's"
    assert set(kb.entities) == set(CANDS)


def test_candidates_sorted_and_limited():
    kb = build_knowledge_base(make_splits(), FREEBASE)
    for key in kb.aliases:
        priors = [p for _, p in kb.aliases[key]]
        assert priors == sorted(priors, reverse=True)
    full = kb.candidates("Paris")
    assert len(full) == 3
    assert kb.candidates("Paris", limit=1) == full[:1]
    assert kb.candidates("Paris", limit=2) == full[:2]
    assert kb.candidates("Atlantis") == []


def test_max_candidates_caps_aliases():
    kb = build_knowledge_base(make_splits(), FREEBASE, max_candidates=2)
    assert max(len(v) for v in kb.aliases.values()) == 2
    assert [t for t, _ in kb.candidates("Paris")] == ["Paris_Hilton", "Paris"]


def test_state_round_trip():
    kb = build_knowledge_base(make_splits(), FREEBASE)
    state = kb.to_state()
    again = KnowledgeBase.from_state(json.loads(json.dumps(state)))  # plain, serialisable data
    assert again.entities == kb.entities
    assert again.aliases == kb.aliases
    assert again.to_state() == state
    assert again.candidates("Moody's") == kb.candidates("Moody's")


def splits_with_uncounted_gold() -> dict[str, list[Document]]:
    """make_splits plus a train link to a title outside its mention's candidates, which
    the priors cannot count (PPRforNED has a few)."""
    splits = make_splits()
    splits["train"][0].mentions.append(mention("Paris", "Paris_(band)", ["Paris", "Paris_Hilton", "Paris,_Texas"]))
    return splits


@pytest.mark.parametrize("held_out", [[0], [1], [0, 1]])
def test_held_out_priors_equal_a_rebuild_without_those_documents(held_out):
    splits = splits_with_uncounted_gold()
    kb = build_knowledge_base(splits, FREEBASE)
    removed = [splits["train"][i] for i in held_out]
    kept = [d for i, d in enumerate(splits["train"]) if i not in held_out]
    # The same documents under another split name: same aliases, no gold counts.
    rebuilt = build_knowledge_base({**splits, "train": kept, "elsewhere": removed}, FREEBASE)
    derived = held_out_knowledge_base(kb, gold_link_counts(splits["train"]), gold_link_counts(removed))
    assert derived.aliases.keys() == rebuilt.aliases.keys()
    for key, expected in rebuilt.aliases.items():
        got = derived.aliases[key]
        assert [t for t, _ in got] == [t for t, _ in expected], key
        assert [p for _, p in got] == pytest.approx([p for _, p in expected]), key
    assert derived.aliases != kb.aliases  # the held-out links did count in kb
    assert kb.candidates("Paris")[0][0] == "Paris_Hilton"  # kb itself is left as it was


def test_gold_link_counts_skip_nil_and_merge_spellings():
    splits = make_splits()
    counts = gold_link_counts(splits["train"] + splits["test"])
    assert counts["paris"] == {"Paris_Hilton": 2, "Paris": 1, "Paris,_Texas": 1}  # "PARIS" in test too
    assert counts["moody's"] == {"Moody's": 1}  # the test mention is NIL


def one_sentence_document(doc_id: int, tokens: list[str], entity: str, titles: list[str]) -> Document:
    surface = " ".join(tokens)
    return Document(doc_id, "train", [tokens], [NerSpan(0, len(tokens), "ORG")],
                    [LinkedMention(0, len(tokens), surface, entity, [CANDS[t] for t in titles])])


def test_cross_fitted_lookup_hides_each_documents_own_fold():
    moody = ["Moody's", "Moody_Blues"]
    train = [one_sentence_document(1, ["Moody", "'s"], "Moody_Blues", moody),
             one_sentence_document(2, ["Moody", "'s"], "Moody_Blues", moody),
             one_sentence_document(3, ["Moody", "'s"], "Moody's", moody)]
    kb = build_knowledge_base({"train": train}, {})
    rows = {t: i for i, t in enumerate(CANDS)}
    lookup = CrossFittedLookup(kb, rows, 10, train, folds=2)  # folds: documents [1, 2] and [3]
    assert lookup.for_document(0) is lookup.for_document(1) is not lookup.for_document(2)
    # Equal popularity: the counts alone decide, each fold sees only the other's.
    found = [lookup.for_document(d)(["Moody", "'s"]) for d in (0, 2)]
    first, last = (dict(zip(c.titles, c.priors)) for c in found)
    assert first == pytest.approx({"Moody's": (1 + 0.5) / 2, "Moody_Blues": 0.5 / 2})
    assert last == pytest.approx({"Moody_Blues": (2 + 0.5) / 3, "Moody's": 0.5 / 3})
    titles = {i: t for t, i in rows.items()}
    examples = document_examples(train, lookup)
    priors = [{titles[r]: p for r, p in zip(e.mentions[(0, 2)].candidates, e.mentions[(0, 2)].priors)} for e in examples]
    assert priors == [first, first, last]
    plain = document_examples(train, CandidateLookup(kb, rows, 10))  # what serving sees: every training link
    assert all(e.mentions[(0, 2)].priors == plain[0].mentions[(0, 2)].priors for e in plain)


def test_cross_fitted_lookup_needs_a_fold():
    kb = build_knowledge_base(make_splits(), FREEBASE)
    with pytest.raises(ValueError, match="folds must be at least 1"):
        CrossFittedLookup(kb, {t: i for i, t in enumerate(CANDS)}, 10, make_splits()["train"], folds=0)
