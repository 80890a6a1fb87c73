"""Features beyond the paper: tuned word offsets, candidate-aware NIL, NIL threshold."""
from __future__ import annotations

import torch

from model.config import ModelConfig
from model.data.records import Document, LinkedMention
from model.decoder import LinkDecision
from model.evaluation import DocumentPrediction, apply_nil_threshold, calibrate_nil_threshold
from model.features import WordVocabulary
from tests.test_model import SENTENCES, WORDS, make_examples, tiny_config, tiny_model


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


def test_checkpoints_from_before_the_new_features_load_with_them_off():
    old = {k: v for k, v in ModelConfig().to_dict().items() if k not in ("tune_words", "nil_uses_candidates")}
    config = ModelConfig.from_dict(old)
    assert config.tune_words is False and config.nil_uses_candidates is False


def test_nil_classifier_input_grows_with_candidate_evidence():
    with_evidence = tiny_model(tiny_config())
    without = tiny_model(tiny_config(nil_uses_candidates=False))
    assert with_evidence.nil_hidden.in_features == without.nil_hidden.in_features + 3


def _decision(start, entity_probs, nil):
    return LinkDecision(start, start + 1, "LOC", 1.0, entity=None, el_score=max(p for _, p in entity_probs),
                        nil_score=nil, candidates=entity_probs)


def test_nil_threshold_is_calibrated_for_el_micro_f1():
    doc = Document(1, "validation", [["A", "B", "C"]],
                   mentions=[LinkedMention(0, 1, "A", "X"), LinkedMention(1, 2, "B", "Y"), LinkedMention(2, 3, "C", None)])
    prediction = DocumentPrediction([
        _decision(0, [("X", 0.9), ("Z", 0.1)], nil=0.55),  # right, but the classifier says NIL at 0.5
        _decision(1, [("Y", 0.8)], nil=0.75),  # right, NIL at 0.5 and 0.7
        _decision(2, [("W", 0.6)], nil=0.97),  # gold NIL: linking it would be a false positive
    ])
    threshold, scores = calibrate_nil_threshold([doc], [prediction])
    assert 0.75 <= threshold < 0.97
    assert scores["el_micro_f1"] == 100.0
    assert [m.entity for m in prediction.mentions] == ["X", "Y", None]
    apply_nil_threshold([prediction], 0.5)
    assert [m.entity for m in prediction.mentions] == [None, None, None]


def test_contextual_scope_is_validated_and_picks_its_cache_file(tmp_path):
    import pytest

    from model.data.cache import DataCache

    cache = DataCache(tmp_path)
    assert cache.contextual_path("test").name == "contextual_test.npy"
    assert cache.contextual_path("test", "document").name == "contextual_document_test.npy"
    assert cache.features_for(ModelConfig(use_contextual=False), "test", []) is None
    with pytest.raises(ValueError):
        ModelConfig(contextual_scope="paragraph")
    with pytest.raises(ValueError):
        cache.contextual_path("test", "paragraph")
