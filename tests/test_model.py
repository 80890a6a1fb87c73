"""The joint NER + EL Stack-LSTM: teacher forcing vs step-wise decoding, constrained
decoding, a tiny overfit, checkpoint round trips and the ablation switches.

Everything runs on tiny configs, a tiny random "GloVe" and a hand-made knowledge base
(the checkpoint test alone loads the real 50-d GloVe from its pip package, ~0.5 s).
"""
from __future__ import annotations

import string

import numpy as np
import pytest
import torch

from model.checkpoint import TrainedSystem
from model.config import ModelConfig
from model.data.knowledge_base import KnowledgeBase, alias_key
from model.data.records import Candidate
from model.decoder import greedy_decode
from model.features import (CandidateLookup, CharVocabulary, SentenceExample, WordVocabulary, document_vector,
                            mention_target)
from model.transitions import legal_actions, oracle, spans_from_actions

torch.set_num_threads(1)

TITLES = ["Paris", "Paris_Hilton", "Bonn", "Bonn_(band)", "European_Union", "EU_(group)", "Moody's",
          "Moody_Blues", "Germany", "Germany_national_football_team", "Atlantis_(band)"]
ALIASES = {  # surface → [(title, prior)], best first (as KnowledgeBase keeps them)
    "Paris Hilton": [("Paris_Hilton", 0.9), ("Paris", 0.1)],
    "Paris": [("Paris", 0.8), ("Paris_Hilton", 0.2)],
    "Bonn": [("Bonn", 0.7), ("Bonn_(band)", 0.3)],
    "EU": [("EU_(group)", 0.6), ("European_Union", 0.4)],
    "Moody's": [("Moody_Blues", 0.55), ("Moody's", 0.45)],
    "Germany": [("Germany", 0.9), ("Germany_national_football_team", 0.1)],
    "Atlantis": [("Atlantis_(band)", 1.0)],
}
# (tokens, [(start, end, type, gold entity or None)])
SENTENCES = [
    ("Paris Hilton visited Bonn .".split(), [(0, 2, "PER", "Paris_Hilton"), (3, 4, "LOC", "Bonn")]),
    ("The EU met in Paris".split(), [(1, 2, "ORG", "European_Union"), (4, 5, "LOC", "Paris")]),
    ("Germany beat Moody 's".split(), [(0, 1, "ORG", "Germany_national_football_team"), (2, 4, "ORG", "Moody's")]),
    ("Rain fell .".split(), []),
    ("Atlantis sank near Bonn".split(), [(0, 1, "LOC", None), (3, 4, "LOC", "Bonn")]),
]
GLOVE_WORDS = ["paris", "hilton", "visited", "bonn", ".", "the", "eu", "met", "in", "germany", "beat", "'s",
               "rain", "fell", "sank", "near"]
CHARS = CharVocabulary(sorted(set(string.ascii_letters + string.digits + ".,'-()")))
WORDS = WordVocabulary(sorted(GLOVE_WORDS[:10]))


def make_kb() -> KnowledgeBase:
    entities = {t: Candidate(t, i + 1, 100 * (i + 1), 10, "UNK") for i, t in enumerate(TITLES)}
    return KnowledgeBase(entities, {alias_key(s): list(v) for s, v in ALIASES.items()})


def entity_vectors(seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((len(TITLES), 6)).astype(np.float32)


def tiny_glove(seed: int = 0) -> tuple[np.ndarray, dict[str, int]]:
    matrix = np.random.default_rng(seed).standard_normal((len(GLOVE_WORDS), 10)).astype(np.float32)
    return matrix, {w: i for i, w in enumerate(GLOVE_WORDS)}


def tiny_config(**overrides) -> ModelConfig:
    values = dict(hidden=16, el_hidden=32, nil_hidden=8, char_dim=8, char_hidden=8, case_dim=4, action_dim=8,
                  type_dim=8, max_candidates=5, use_contextual=False)
    values.update(overrides)
    return ModelConfig(**values)


def tiny_model(config: ModelConfig, seed: int = 0):
    torch.manual_seed(seed)
    glove, index = tiny_glove()
    from model.joint_model import JointNerElModel

    return JointNerElModel(config, glove, index, CHARS, entity_vectors(), WORDS)


def lookup_for(config: ModelConfig, kb: KnowledgeBase | None = None) -> CandidateLookup:
    return CandidateLookup(kb or make_kb(), {t: i for i, t in enumerate(TITLES)}, config.max_candidates)


def make_examples(config: ModelConfig, sentences=SENTENCES, seed: int = 0) -> list[SentenceExample]:
    lookup = lookup_for(config)
    rng = np.random.default_rng(seed)
    examples = []
    for d, (tokens, gold) in enumerate(sentences):
        spans = [(s, e, t) for s, e, t, _ in gold]
        contextual = rng.standard_normal((len(tokens), 384)).astype(np.float16) if config.use_contextual else None
        ex = SentenceExample(tokens, spans, oracle(len(tokens), spans), contextual=contextual, doc_index=d,
                             document=None if contextual is None else document_vector([contextual]))
        for s, e, _, entity in gold:
            ex.mentions[(s, e)] = mention_target(lookup, tokens, s, e, entity)
        examples.append(ex)
    return examples


def decoded(predictions) -> list[list[tuple]]:
    return [[(m.start, m.end, m.ner_type, m.entity) for m in p.mentions] for p in predictions]


def gold_output(sentences=SENTENCES) -> list[list[tuple]]:
    return [list(gold) for _, gold in sentences]


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
    m = torch.stack([enc.layer2[b, s:e].mean(0) for b, s, e, _ in spans])
    rows = torch.tensor(reduce_rows)
    context = model.mention_context(state[rows], m, None if v_t is None else v_t[rows], [examples[b] for b, *_ in spans])
    return steps, scores, spans, targets, context


@pytest.mark.parametrize("overrides", [
    dict(use_contextual=True),
    dict(use_contextual=True, use_document_rep=True),
    dict(use_contextual=True, use_document_rep=True, el_bilinear=True, tune_entities=True),
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
    steps, scores, spans, targets, context = teacher_forced(model, examples)
    lookup = lookup_for(config)
    predictions = greedy_decode(model, examples, lookup, actions=[ex.actions for ex in examples], record=True)

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
    el_scores, _ = model.candidate_scores(context, targets)
    el_probs = torch.softmax(el_scores, dim=-1)
    nil = torch.sigmoid(model.nil_logit(context, el_scores, targets))
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
    predictions = greedy_decode(model, examples, lookup_for(config), spans=given)
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
    lookup = lookup_for(config)
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
            result = decoded(greedy_decode(model, plain, lookup))
            if result == gold_output():
                break
    assert result == gold_output(), f"not learned after {step} steps: {result}"
    assert {"ner", "el", "nil"} == set(losses)


# ---- checkpoints ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def system():
    config = tiny_config()
    torch.manual_seed(5)
    return TrainedSystem.create(config, make_kb(), list(TITLES), entity_vectors(), CHARS, {"note": "tiny"}, WORDS)


@pytest.mark.parametrize("half", [False, True])
@torch.no_grad()
def test_checkpoint_round_trip(system, tmp_path, half):
    system.model.eval()
    examples = [SentenceExample(tokens) for tokens, _ in SENTENCES]
    given = [[(s, e) for s, e, _, _ in gold] for _, gold in SENTENCES]
    before_free = greedy_decode(system.model, examples, system.candidate_lookup(), record=True)
    before_given = greedy_decode(system.model, examples, system.candidate_lookup(), spans=given)

    path = tmp_path / "ckpt" / "model.pt"
    system.save(path, half=half)
    assert path.exists() and not path.with_suffix(".pt.tmp").exists()
    loaded, payload = TrainedSystem.load(path)

    assert "encoder.glove" not in payload["state_dict"]  # GloVe comes from its package
    dtypes = {v.dtype for v in payload["state_dict"].values() if v.is_floating_point()}
    assert dtypes == ({torch.float16} if half else {torch.float32})
    assert not loaded.model.training
    assert loaded.model.config == system.model.config
    assert loaded.titles == system.titles and loaded.chars.chars == system.chars.chars
    assert loaded.kb.to_state() == system.kb.to_state() and loaded.meta == {"note": "tiny"}

    original = {k: v for k, v in system.model.state_dict().items()}
    for key, value in loaded.model.state_dict().items():
        expected = original[key].half().float() if half and value.is_floating_point() else original[key]
        assert torch.equal(value, expected), key

    after_free = greedy_decode(loaded.model, examples, loaded.candidate_lookup(), record=True)
    after_given = greedy_decode(loaded.model, examples, loaded.candidate_lookup(), spans=given)
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
    (dict(use_contextual=True, use_document_rep=True), {"ner", "el", "nil"}),
    (dict(el_bilinear=True, tune_entities=True), {"ner", "el", "nil"}),
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
    plain = [SentenceExample(ex.tokens, contextual=ex.contextual, document=ex.document) for ex in examples]
    given = [[(s, e) for s, e, _ in ex.spans] for ex in examples]
    with torch.no_grad():
        free = greedy_decode(model, plain, lookup_for(config))
        constrained = greedy_decode(model, plain, lookup_for(config), spans=given)
    assert len(free) == len(plain)
    assert [[(m.start, m.end) for m in p.mentions] for p in constrained] == given
    mentions = [m for p in constrained for m in p.mentions]
    if config.objective == "ner":
        assert all(m.entity is None and m.candidates == [] and m.el_score is None for m in mentions)
    else:
        linked = [m for m in mentions if m.candidates]
        assert len(linked) == sum(len(g) for g in given)  # every given mention has KB candidates
        if not config.use_nil_classifier:
            assert all(m.nil_score == 0.0 and m.entity is not None for m in linked)


def test_invalid_objective_and_config_keys():
    with pytest.raises(ValueError, match="objective"):
        ModelConfig(objective="ner+el")
    with pytest.raises(ValueError, match="unknown"):
        ModelConfig.from_dict({"hidden": 8, "no_such_switch": True})
    config = tiny_config(objective="el", use_mention_rep=False)
    assert ModelConfig.from_dict(config.to_dict()) == config


def test_contextual_required_when_enabled():
    config = tiny_config(use_contextual=True)
    model = tiny_model(config)
    with pytest.raises(ValueError, match="contextual"):
        model.loss(make_examples(tiny_config())[:1])  # examples built without contextual arrays


# ---- document representation (beyond the paper) -------------------------------------------
def test_document_vector_is_the_token_mean_over_all_sentences():
    first, second = np.ones((2, 384), dtype=np.float16), np.full((1, 384), 4.0, dtype=np.float16)
    vector = document_vector([first, second])
    assert vector.dtype == np.float32 and vector.shape == (384,)
    assert np.allclose(vector, 2.0)  # (1 + 1 + 4) / 3 tokens, not the mean of sentence means (2.5)
    assert document_vector([]) is None


@torch.no_grad()
def test_document_rep_changes_links_but_not_transitions():
    config = tiny_config(use_contextual=True, use_document_rep=True)
    model = tiny_model(config).eval()
    examples = make_examples(config)
    other = [SentenceExample(ex.tokens, contextual=ex.contextual, document=ex.document + 3.0) for ex in examples]
    lookup = lookup_for(config)
    given = [[(s, e) for s, e, _ in ex.spans] for ex in examples]
    base, moved = greedy_decode(model, examples, lookup, spans=given), greedy_decode(model, other, lookup, spans=given)
    assert [p.actions for p in base] == [p.actions for p in moved]  # NER does not see the document vector
    probs = [[p for _, p in m.candidates] for pred in base for m in pred.mentions]
    moved_probs = [[p for _, p in m.candidates] for pred in moved for m in pred.mentions]
    assert any(not np.allclose(a, b) for a, b in zip(probs, moved_probs) if len(a) > 1)


def test_document_rep_needs_contextual_vectors_and_the_document_vector():
    with pytest.raises(ValueError, match="use_contextual"):
        tiny_config(use_document_rep=True)
    config = tiny_config(use_contextual=True, use_document_rep=True)
    model = tiny_model(config)
    examples = make_examples(config)[:1]
    examples[0].document = None
    with pytest.raises(ValueError, match="document vector"):
        model.loss(examples)


# ---- entity-side extras (beyond the paper) ------------------------------------------------
def test_tuned_entity_offsets_move_only_the_batch_candidates():
    config = tiny_config(tune_entities=True)
    model = tiny_model(config).train()
    examples = make_examples(config, SENTENCES[:2])  # candidates: Paris, Paris_Hilton, Bonn, Bonn_(band), EU pair
    sum(model.loss(examples).values()).backward()
    moved = {TITLES[i] for i in model.entity_offset.weight.grad.abs().sum(1).nonzero().flatten().tolist()}
    assert moved == {"Paris", "Paris_Hilton", "Bonn", "Bonn_(band)", "European_Union", "EU_(group)"}
    assert torch.equal(model.entity_vectors, torch.from_numpy(entity_vectors()))  # the fixed vectors stay


@torch.no_grad()
def test_bilinear_match_starts_as_the_plain_scorer_and_then_ranks_by_context_entity_product():
    plain, bilinear = tiny_model(tiny_config()).eval(), tiny_model(tiny_config(el_bilinear=True)).eval()
    bilinear.load_state_dict({**plain.state_dict(), "el_match.weight": bilinear.el_match.weight})
    examples = make_examples(tiny_config())
    given = [[(s, e) for s, e, _ in ex.spans] for ex in examples]
    lookup = lookup_for(tiny_config())
    probs = lambda model: [[p for _, p in m.candidates] for pred in greedy_decode(model, examples, lookup, spans=given)
                           for m in pred.mentions]
    assert probs(plain) == probs(bilinear)  # zero-initialised: training starts from the paper's scorer
    bilinear.el_match.weight.normal_()
    assert any(not np.allclose(a, b) for a, b in zip(probs(plain), probs(bilinear)) if len(a) > 1)
