"""The joint NER + EL Stack-LSTM: teacher forcing vs step-wise decoding, constrained
decoding, a tiny overfit, checkpoint round trips and the ablation switches.

Everything runs on tiny configs, a tiny random "GloVe" and a hand-made knowledge base
(tests/conftest.py; the checkpoint test alone loads the real 50-d GloVe from its pip
package, ~0.5 s).
"""
from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
import torch

from model.annotation import NER_TYPES
from model.checkpoint import FORMAT, CheckpointFormatError, read_checkpoint
from model.config import LinkingConfig, ModelConfig
from model.features import SentenceExample
from model.joint_model import JointNerElModel, TrainedSystem
from model.transitions import legal_actions, spans_from_actions
from tests.conftest import (CHARS, SENTENCES, TITLES, WORDS, decoded, entity_vectors, gold_output, make_examples,
                            make_kb, tiny_config, tiny_model, tiny_system)

torch.set_num_threads(1)

def linked(model, predictions, linking: LinkingConfig = LinkingConfig()):
    """Sentence predictions with their links decided (each sentence on its own)."""
    for prediction in predictions:
        model.link(prediction.mentions, linking)
    return predictions


def test_fixture_targets():
    config = tiny_config()
    examples = make_examples(config)
    target = examples[2].mentions[(0, 1)]
    assert [TITLES[r] for r in target.candidates] == ["Germany", "Germany_national_football_team"]
    assert target.gold == 1 and not target.nil  # the gold is NOT the prior's favourite
    atlantis = examples[4].mentions[(0, 1)]
    assert atlantis.nil and atlantis.gold == -1 and atlantis.candidates


# ---- teacher forcing == step-wise decoding -------------------------------------------
def teacher_forced(model, examples):
    """What `JointNerElModel.loss` computes up to the action scores (and the EL/NIL heads)."""
    enc, steps, reduce_rows, spans, v_t, state = model.teacher_forced(examples)
    scores = model.action_scores(state, steps.legal)
    targets = [examples[b].mentions[(s, e)] for b, s, e, _ in spans]
    el_scores, nil_logits = model.mention_scores(enc, state, v_t, reduce_rows, [span[:3] for span in spans], targets)
    return steps, scores, spans, targets, el_scores, nil_logits


@pytest.mark.parametrize("overrides", [
    dict(use_contextual=True),
    dict(use_sentence_rep=False, use_mention_rep=False),
])
@torch.no_grad()
def test_teacher_forced_equals_stepwise(overrides):
    config = tiny_config(**overrides)
    model = tiny_model(config).eval()
    # Different lengths (padding), a sentence without entities, entities at start and end,
    # touching entities of the same type.
    sentences = SENTENCES + [("Bonn Bonn Paris".split(), [(0, 1, "LOC", "Bonn"), (1, 2, "LOC", "Bonn_(band)"),
                                                          (2, 3, "LOC", "Paris")])]
    examples = make_examples(config, sentences)
    steps, scores, spans, targets, el_scores, nil_logits = teacher_forced(model, examples)
    predictions = model.decode(examples, actions=[ex.actions for ex in examples], record=True)

    for b, (ex, pred) in enumerate(zip(examples, predictions)):
        assert pred.actions == ex.actions
        tf = scores[steps.sentence == b]
        sw = torch.stack(pred.step_scores)
        assert tf.shape == sw.shape == (len(ex.actions), scores.shape[1])
        assert torch.equal(torch.isfinite(tf), torch.isfinite(sw))  # same legality mask
        finite = torch.isfinite(tf)
        assert torch.allclose(tf[finite], sw[finite], atol=1e-5, rtol=0), (tf - sw).abs()[finite].max()
        assert [(m.start, m.end, m.ner_type) for m in pred.mentions] == ex.spans

    # The EL and NIL heads see the same mention context in both paths.
    el_probs = torch.softmax(el_scores, dim=-1)
    nil = torch.sigmoid(nil_logits)
    for i, ((b, s, e, _), target) in enumerate(zip(spans, targets)):
        decision = next(m for m in predictions[b].mentions if (m.start, m.end) == (s, e))
        assert [TITLES.index(t) for t, _ in decision.candidates] == target.candidates
        got = torch.tensor([p for _, p in decision.candidates])
        assert torch.allclose(got, el_probs[i, :len(target.candidates)], atol=1e-5)
        assert decision.nil_score == pytest.approx(float(nil[i]), abs=1e-5)


# ---- constrained decoding ---------------------------------------------------------------
@torch.no_grad()
def test_decoding_constrained_to_given_spans():
    config = tiny_config()
    model = tiny_model(config, seed=3).eval()
    examples = [SentenceExample(tokens) for tokens, _ in SENTENCES]
    given = [[(0, 2), (3, 4)], [(1, 2), (2, 3), (4, 5)], [(0, 4)], [], [(0, 1), (1, 2), (2, 3), (3, 4)]]
    predictions = model.decode(examples, spans=given)
    for ex, spans, pred in zip(examples, given, predictions):
        assert [(m.start, m.end) for m in pred.mentions] == spans
        assert [(s, e) for s, e, _ in spans_from_actions(pred.actions)] == spans
        cursor = stack = 0
        for action in pred.actions:  # every chosen action was legal
            assert legal_actions(len(ex.tokens) - cursor, stack)[action]
            cursor, stack = (cursor + 1, stack + 1) if action == 0 else (cursor + 1, 0) if action == 1 else (cursor, 0)
        for m in pred.mentions:
            assert 0.0 < m.ner_score <= 1.0
            if m.candidates:  # linked against the lookup's candidates
                assert sum(p for _, p in m.candidates) == pytest.approx(1.0, abs=1e-5)


# ---- tiny end-to-end overfit --------------------------------------------------------------
def test_overfit_tiny_corpus():
    config = tiny_config(dropout=0.0)
    model = tiny_model(config, seed=1)
    examples = make_examples(config)
    plain = [SentenceExample(ex.tokens) for ex in examples]
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    result = None
    for step in range(1, 151):
        model.train()
        losses = model.loss(examples)
        optimizer.zero_grad()
        sum(losses.values()).backward()
        optimizer.step()
        if step % 10 == 0:
            model.eval()
            result = decoded(linked(model, model.decode(plain)))
            if result == gold_output():
                break
    assert result == gold_output(), f"not learned after {step} steps: {result}"
    assert {"ner", "el", "nil"} == set(losses)


# ---- checkpoints ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def system():
    trained = tiny_system(seed=5, meta={"note": "tiny"})
    trained.linking = LinkingConfig(nil_threshold=0.8, coherence_weight=8.0)
    return trained


@pytest.mark.parametrize("half", [False, True])
@torch.no_grad()
def test_checkpoint_round_trip(system, tmp_path, half):
    system.model.eval()
    examples = [SentenceExample(tokens) for tokens, _ in SENTENCES]
    given = [[(s, e) for s, e, _, _ in gold] for _, gold in SENTENCES]
    before_free = linked(system.model, system.model.decode(examples, record=True), system.linking)
    before_given = linked(system.model, system.model.decode(examples, spans=given), system.linking)

    path = tmp_path / "ckpt" / "model.pt"
    system.save(path, half=half)
    assert path.exists() and not path.with_suffix(".pt.tmp").exists()
    loaded, payload = TrainedSystem.load(path), read_checkpoint(path)

    assert payload["format"] == FORMAT
    assert "encoder.glove" not in payload["state_dict"]  # GloVe comes from its package
    dtypes = {v.dtype for v in payload["state_dict"].values() if v.is_floating_point()}
    assert dtypes == ({torch.float16} if half else {torch.float32})
    model = loaded.model
    assert not model.training
    assert model.config == system.model.config and loaded.linking == system.linking
    assert model.titles == system.model.titles and model.chars.chars == system.model.chars.chars
    assert model.words.words == system.model.words.words
    assert model.kb.to_state() == system.model.kb.to_state() and loaded.meta == {"note": "tiny"}

    original = {k: v for k, v in system.model.state_dict().items()}
    for key, value in model.state_dict().items():
        expected = original[key].half().float() if half and value.is_floating_point() else original[key]
        assert torch.equal(value, expected), key

    after_free = linked(model, model.decode(examples, record=True), loaded.linking)
    after_given = linked(model, model.decode(examples, spans=given), loaded.linking)
    assert decoded(after_free) == decoded(before_free)
    assert decoded(after_given) == decoded(before_given)
    assert [p.actions for p in after_free] == [p.actions for p in before_free]
    if not half:
        for a, b in zip(after_free, before_free):
            assert all(torch.equal(x, y) for x, y in zip(a.step_scores, b.step_scores))
            assert [m.candidates for m in a.mentions] == [m.candidates for m in b.mentions]
    else:
        for a, b in zip(after_given, before_given):
            for x, y in zip(a.mentions, b.mentions):
                assert [t for t, _ in x.candidates] == [t for t, _ in y.candidates]
                assert np.allclose([p for _, p in x.candidates], [p for _, p in y.candidates], atol=1e-2)


# ---- configuration switches ---------------------------------------------------------------
@pytest.mark.parametrize("overrides, keys", [
    (dict(), {"ner", "el", "nil"}),
    (dict(use_contextual=True), {"ner", "el", "nil"}),
    (dict(use_sentence_rep=False), {"ner", "el", "nil"}),
    (dict(use_mention_rep=False), {"ner", "el", "nil"}),
    (dict(use_nil_classifier=False), {"ner", "el"}),
    (dict(objective="ner"), {"ner"}),
    (dict(objective="el"), {"el", "nil"}),
    (dict(objective="el", use_nil_classifier=False), {"el"}),
    (dict(objective="joint"), {"ner", "el", "nil"}),
])
def test_config_switches(overrides, keys):
    config = tiny_config(**overrides)
    model = tiny_model(config)
    examples = make_examples(config)
    model.train()
    losses = model.loss(examples)
    assert set(losses) == keys
    assert all(torch.isfinite(v) and v.ndim == 0 for v in losses.values())
    total = sum(losses.values())
    total.backward()
    grads = [p.grad for p in model.parameters() if p.grad is not None]
    assert grads and all(torch.isfinite(g).all() for g in grads)

    model.eval()
    plain = [SentenceExample(ex.tokens, contextual=ex.contextual) for ex in examples]
    given = [[(s, e) for s, e, _ in ex.spans] for ex in examples]
    with torch.no_grad():
        free = model.decode(plain)
        constrained = linked(model, model.decode(plain, spans=given))
    assert len(free) == len(plain)
    assert [[(m.start, m.end) for m in p.mentions] for p in constrained] == given
    mentions = [m for p in constrained for m in p.mentions]
    if config.objective == "ner":
        assert all(m.entity is None and m.candidates == [] and m.el_score is None for m in mentions)
    else:
        with_candidates = [m for m in mentions if m.candidates]
        assert len(with_candidates) == sum(len(g) for g in given)  # every given mention has KB candidates
        if not config.use_nil_classifier:
            assert all(m.nil_score == 0.0 and m.entity is not None for m in with_candidates)


def test_invalid_objective_and_config_keys():
    with pytest.raises(ValueError, match="objective"):
        ModelConfig(objective="ner+el")
    with pytest.raises(ValueError, match="unknown"):
        ModelConfig.from_dict({"hidden": 8, "no_such_switch": True})
    with pytest.raises(ValueError, match="unknown"):
        LinkingConfig.from_dict({"nil_threshold": 0.9, "use_coherence": True})
    config = tiny_config(objective="el", use_mention_rep=False)
    assert ModelConfig.from_dict(config.to_dict()) == config
    assert ModelConfig.from_dict({}) == ModelConfig()  # no hidden legacy defaults
    linking = LinkingConfig(nil_threshold=0.9, coherence_weight=16.0)
    assert LinkingConfig.from_dict(linking.to_dict()) == linking
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.hidden = 3  # architecture is fixed once the model exists


def test_checkpoint_of_another_format_is_refused_with_a_message(tmp_path):
    path = tmp_path / "old.pt"
    torch.save({"format": 1, "config": {}, "state_dict": {}}, path)
    with pytest.raises(CheckpointFormatError, match="format 1.*reads format 2"):
        TrainedSystem.load(path)


def test_entity_titles_must_match_the_entity_vectors():
    glove = np.zeros((2, 10), dtype=np.float32)
    with pytest.raises(ValueError, match="entity titles"):
        JointNerElModel(tiny_config(), glove, {"a": 0, "b": 1}, CHARS, list(TITLES[:3]), entity_vectors(), make_kb(), WORDS)


def test_contextual_required_when_enabled():
    config = tiny_config(use_contextual=True)
    model = tiny_model(config)
    with pytest.raises(ValueError, match="contextual"):
        model.loss(make_examples(tiny_config())[:1])  # examples built without contextual arrays


def test_pair_hidden_is_the_el_hidden_layer_of_each_pair():
    """`pair_hidden` rearranges the EL hidden layer tanh(el_entity([c_e; p; log p]) + el_context(s)[mention]);
    it must be that function, gradients included, for table rows, repeats, own vectors and rows without one."""
    model = tiny_model(tiny_config()).eval()
    rows = torch.tensor([2, 3, 2, -1, 3, -1])  # repeated candidates, an own vector (position 3), a row -1 without
    priors = torch.tensor([0.7, 0.3, 0.5, 0.25, 0.25, 0.0])
    mention = torch.tensor([0, 0, 1, 1, 1, 2])
    own_vector = np.linspace(-1, 1, model.entity_vectors.shape[1]).astype(np.float32)
    context = torch.randn(3, model.el_context.in_features)
    vectors = model.entity_vectors[rows.clamp_min(0)].clone()
    vectors[3], vectors[5] = torch.from_numpy(own_vector), 0.0
    features = torch.cat([vectors, priors[:, None], torch.log(priors.clamp_min(1e-6))[:, None]], dim=-1)
    expected = torch.tanh(model.el_entity(features) + model.el_context(context)[mention])
    got = model.pair_hidden(rows, priors, {3: own_vector}, model.el_context(context), mention)
    assert torch.allclose(got, expected, atol=1e-5)
    weights = torch.randn_like(expected)
    grads = [torch.autograd.grad((h * weights).sum(), [model.el_entity.weight, model.el_context.weight])
             for h in (expected, model.pair_hidden(rows, priors, {3: own_vector}, model.el_context(context), mention))]
    assert all(torch.allclose(a, b, atol=1e-4) for a, b in zip(*grads))



def test_compose_spans_is_the_bilstm_over_each_span_whatever_the_lengths():
    """Spans are composed in batches of equal length; each must get the final states of the
    compose BiLSTM run over that span alone, in the order given."""
    model = tiny_model(tiny_config()).eval()
    words = torch.randn(2, 6, model.config.hidden)
    spans = [(0, 0, 3, "PER"), (1, 2, 3, "LOC"), (0, 4, 6, "ORG"), (1, 0, 3, "MISC"), (1, 5, 6, "PER")]
    expected = []
    for b, s, e, kind in spans:
        _, (hn, _) = model.compose_lstm(words[b, s:e][None])
        type_vector = model.type_embedding(torch.tensor([NER_TYPES.index(kind)]))
        expected.append(torch.tanh(model.compose(torch.cat([hn[0], hn[1], type_vector], dim=-1)))[0])
    assert torch.allclose(model.compose_spans(words, spans), torch.stack(expected), atol=1e-6)


def test_linking_against_another_knowledge_base_is_a_view_not_a_switch(tmp_path: Path, tiny_open_kb: Path) -> None:
    """The same weights, its own candidate source; the model it came from is unchanged."""
    from model.candidates import CandidateLookup, LayeredCandidates
    from model.kb.lookup import index_path

    model = tiny_system().model
    opened = model.linking_against("open", index_path(tiny_open_kb))
    assert isinstance(opened.candidates, LayeredCandidates) and isinstance(model.candidates, CandidateLookup)
    assert opened.candidates(["Angela", "Merkel"]).titles == ["Angela_Merkel"]
    assert model.candidates(["Angela", "Merkel"]).titles == []  # the dictionary does not know her
    with torch.no_grad():
        next(model.parameters()).add_(1.0)  # a weight changed in one is changed in both
    assert all(a is b for a, b in zip(model.parameters(), opened.parameters()))
    path = tmp_path / "m.pt"
    tiny_system().save(path)
    loaded = TrainedSystem.load(path, kb="open", open_kb_path=index_path(tiny_open_kb))
    assert isinstance(loaded.model.candidates, LayeredCandidates)
