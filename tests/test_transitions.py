"""The NER transition system: legality, static oracle, and its inverse."""
from __future__ import annotations

import random

import pytest
import torch

from model.annotation import NER_TYPES
from model.data.conll import iob1_to_spans
from model.transitions import (
    ACTIONS,
    NUM_ACTIONS,
    OUT,
    SHIFT,
    is_reduce,
    legal_action_mask,
    legal_actions,
    oracle,
    reduce_action,
    reduce_type,
    spans_from_actions,
)

REDUCES = [reduce_action(t) for t in NER_TYPES]


def test_action_inventory():
    assert NUM_ACTIONS == 2 + len(NER_TYPES) == len(ACTIONS)
    assert ACTIONS[SHIFT] == "SHIFT" and ACTIONS[OUT] == "OUT"
    for t in NER_TYPES:
        assert ACTIONS[reduce_action(t)] == f"REDUCE-{t}"
        assert is_reduce(reduce_action(t)) and reduce_type(reduce_action(t)) == t
    assert not is_reduce(SHIFT) and not is_reduce(OUT)


@pytest.mark.parametrize("buffer_size", [0, 1, 5])
@pytest.mark.parametrize("stack_size", [0, 1, 3])
def test_legal_actions(buffer_size, stack_size):
    legal = legal_actions(buffer_size, stack_size)
    assert len(legal) == NUM_ACTIONS
    assert legal[SHIFT] == (buffer_size > 0)
    assert legal[OUT] == (buffer_size > 0 and stack_size == 0)
    assert all(legal[a] == (stack_size > 0) for a in REDUCES)


def test_legal_action_mask_equals_legal_actions():
    sizes = [(b, s) for b in range(4) for s in range(3)]
    mask = legal_action_mask(torch.tensor([b for b, _ in sizes]), torch.tensor([s for _, s in sizes]))
    assert mask.tolist() == [legal_actions(b, s) for b, s in sizes]


def simulate(length: int, actions: list[int]) -> None:
    """Assert every action is legal in the state it is taken in, and the parse ends cleanly."""
    cursor, stack = 0, 0
    for action in actions:
        assert legal_actions(length - cursor, stack)[action], (cursor, stack, action)
        if action == SHIFT:
            cursor, stack = cursor + 1, stack + 1
        elif action == OUT:
            cursor += 1
        else:
            stack = 0
    assert cursor == length and stack == 0


def test_oracle_hand_example():
    # "EU rejects German call" : [EU]ORG rejects [German]MISC call
    actions = oracle(4, [(0, 1, "ORG"), (2, 3, "MISC")])
    assert actions == [SHIFT, reduce_action("ORG"), OUT, SHIFT, reduce_action("MISC"), OUT]
    # Touching entities of one type: reduced separately.
    assert oracle(3, [(0, 2, "PER"), (2, 3, "PER")]) == [SHIFT, SHIFT, reduce_action("PER"), SHIFT, reduce_action("PER")]
    assert oracle(2, []) == [OUT, OUT]
    assert oracle(0, []) == []


def test_oracle_round_trip_random():
    rng = random.Random(3)
    for _ in range(300):
        n = rng.randint(0, 15)
        spans, i = [], 0
        while i < n:
            if rng.random() < 0.4:
                end = min(n, i + rng.randint(1, 4))
                spans.append((i, end, rng.choice(NER_TYPES)))
                i = end
            else:
                i += 1
        actions = oracle(n, spans)
        simulate(n, actions)
        assert spans_from_actions(actions) == spans
        assert len(actions) == n + len(spans)


def test_oracle_round_trip_every_training_sentence(conll_docs):
    sentences = 0
    for doc in conll_docs["eng.train"]:
        for tags in doc.tags:
            spans = iob1_to_spans(tags)
            actions = oracle(len(tags), spans)
            assert spans_from_actions(actions) == spans
            assert actions.count(SHIFT) == sum(e - s for s, e, _ in spans)
            assert actions.count(OUT) == len(tags) - actions.count(SHIFT)
            sentences += 1
    assert sentences > 14000


def test_oracle_actions_are_legal_on_training_data(conll_docs):
    for doc in conll_docs["eng.train"][:200]:
        for tags in doc.tags:
            simulate(len(tags), oracle(len(tags), iob1_to_spans(tags)))


@pytest.mark.parametrize(
    "spans",
    [
        [(0, 2, "PER"), (1, 3, "LOC")],  # overlap
        [(0, 3, "PER"), (1, 2, "LOC")],  # nested
        [(1, 2, "PER"), (1, 2, "ORG")],  # same span twice
        [(2, 2, "PER")],  # empty
        [(3, 5, "PER")],  # past the end
        [(-1, 1, "PER")],  # negative start
    ],
)
def test_oracle_rejects_bad_spans(spans):
    with pytest.raises(ValueError):
        oracle(4, spans)


@pytest.mark.parametrize(
    "actions",
    [
        [SHIFT, OUT],  # OUT with a non-empty stack
        [reduce_action("PER")],  # REDUCE with an empty stack
        [OUT, reduce_action("LOC")],
        [SHIFT],  # ends with a non-empty stack
        [SHIFT, reduce_action("ORG"), reduce_action("ORG")],
    ],
)
def test_spans_from_actions_rejects_illegal_sequences(actions):
    with pytest.raises(ValueError):
        spans_from_actions(actions)
