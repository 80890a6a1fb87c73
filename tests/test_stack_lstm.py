"""Batched Stack-LSTM tops: pushes equal the LSTM run over each stack's inputs, rows are
independent, clearing returns to the empty summary and the zero LSTM state."""
from __future__ import annotations

import pytest
import torch
from torch import nn

from model.stack_lstm import StackTops

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
def test_pushes_of_different_depths_equal_the_lstm_over_each_sequence(lstm):
    torch.manual_seed(1)
    sequences = [torch.randn(k, 5) for k in (1, 3, 0, 2)]
    empty = torch.full((7,), -1.0)
    stacks = StackTops(lstm, len(sequences), empty)
    for t in range(3):  # at step t push onto every stack that still has an input
        rows = torch.tensor([i for i, s in enumerate(sequences) if t < len(s)])
        stacks.push(rows, torch.stack([sequences[i][t] for i in rows.tolist()]))
    tops = stacks.top(torch.arange(len(sequences)))
    assert stacks.depth.tolist() == [1, 3, 0, 2]
    for i, seq in enumerate(sequences):
        expected = run(lstm, list(seq)) if len(seq) else empty
        assert torch.allclose(tops[i], expected, atol=1e-6)


@torch.no_grad()
def test_clear_returns_to_the_empty_state_and_leaves_other_rows(lstm):
    a, b, c = torch.randn(3, 5)
    empty = torch.full((7,), -1.0)
    stacks = StackTops(lstm, 2, empty)
    stacks.push(torch.tensor([0, 1]), torch.stack([a, b]))
    kept = stacks.top(torch.tensor([1])).clone()
    stacks.clear(torch.tensor([0]))
    assert torch.equal(stacks.top(torch.tensor([0]))[0], empty)
    assert torch.equal(stacks.top(torch.tensor([1])), kept)  # exactly: nothing recomputed
    stacks.push(torch.tensor([0]), c[None])  # after clearing, a push starts from the zero state
    assert torch.allclose(stacks.top(torch.tensor([0]))[0], run(lstm, [c]), atol=1e-6)


def test_push_of_no_rows_is_a_no_op(lstm):
    stacks = StackTops(lstm, 1, torch.zeros(7))
    stacks.push(torch.tensor([], dtype=torch.long), torch.zeros(0, 5))
    assert stacks.depth.tolist() == [0]
