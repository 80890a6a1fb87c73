"""Stack-LSTM with stack-pointer semantics: pops restore earlier states exactly."""
from __future__ import annotations

import pytest
import torch
from torch import nn

from model.stack_lstm import StateStack

torch.set_num_threads(1)


@pytest.fixture
def lstm() -> nn.LSTM:
    torch.manual_seed(0)
    return nn.LSTM(5, 7, batch_first=True)


def run(lstm: nn.LSTM, inputs: list[torch.Tensor]) -> torch.Tensor:
    """Final hidden state of the LSTM over `inputs` from the zero state."""
    with torch.no_grad():
        out, _ = lstm(torch.stack(inputs)[None])
    return out[0, -1]


@torch.no_grad()
def test_pop_restores_the_exact_previous_state(lstm):
    a, b, c = torch.randn(3, 5)
    empty = torch.full((7,), -1.0)
    stack = StateStack()
    assert stack.top(empty) is empty
    StateStack.push_many(lstm, [stack], a[None])
    after_a = stack.top(empty).clone()
    StateStack.push_many(lstm, [stack], b[None])
    assert len(stack) == 2
    assert not torch.allclose(stack.top(empty), after_a)
    stack.pop()
    assert len(stack) == 1
    assert torch.equal(stack.top(empty), after_a)  # exactly, nothing recomputed
    assert torch.allclose(after_a, run(lstm, [a]), atol=1e-6)
    StateStack.push_many(lstm, [stack], c[None])
    assert torch.allclose(stack.top(empty), run(lstm, [a, c]), atol=1e-6)
    assert not torch.allclose(stack.top(empty), run(lstm, [a, b, c]), atol=1e-3)


@torch.no_grad()
def test_pop_empty_raises_and_clear(lstm):
    stack = StateStack()
    with pytest.raises(IndexError):
        stack.pop()
    StateStack.push_many(lstm, [stack], torch.randn(1, 5))
    stack.clear()
    assert len(stack) == 0
    with pytest.raises(IndexError):
        stack.pop()


@torch.no_grad()
def test_push_many_equals_one_by_one(lstm):
    torch.manual_seed(1)
    sequences = [torch.randn(k, 5) for k in (1, 3, 2)]
    batched, single = [StateStack() for _ in sequences], [StateStack() for _ in sequences]
    # Batched: at step t push onto every stack that still has an input (different depths).
    for t in range(3):
        idx = [i for i, s in enumerate(sequences) if t < len(s)]
        StateStack.push_many(lstm, [batched[i] for i in idx], torch.stack([sequences[i][t] for i in idx]))
    for stack, seq in zip(single, sequences):
        for x in seq:
            StateStack.push_many(lstm, [stack], x[None])
    empty = torch.zeros(7)
    for b, s, seq in zip(batched, single, sequences):
        assert len(b) == len(s) == len(seq)
        for (hb, cb), (hs, cs) in zip(b.states, s.states):
            assert torch.allclose(hb, hs, atol=1e-6) and torch.allclose(cb, cs, atol=1e-6)
        assert torch.allclose(b.top(empty), run(lstm, list(seq)), atol=1e-6)


def test_push_many_with_no_stacks_is_a_no_op(lstm):
    StateStack.push_many(lstm, [], None)
