"""Stack-LSTM tops of a batch of sentences (Dyer et al., 2015), as batched tensors.

In the transition system no stack is ever popped part-way: the mention stack is pushed
(SHIFT) and emptied whole (REDUCE), the output and action-history stacks are only pushed.
So a stack's summary is just the LSTM state after its last push, or the initial zero
state once emptied, and a batch's stacks fit in one ``(B, H)`` tensor pair. Pushes of
many sentences run as one LSTM step and write their rows back in place; nothing is
gathered per sentence, nothing recomputed.
"""
from __future__ import annotations

import torch
from torch import Tensor, nn


def lstm_step(lstm: nn.LSTM, inputs: Tensor, state: tuple[Tensor, Tensor], reverse: bool = False) -> tuple[Tensor, Tensor]:
    """One step of a single-layer `nn.LSTM`'s own weights (its backward direction's if
    `reverse`): the states its sequence call computes, to 1e-7, at ~1/3 of its cost per call
    on CPU, which is what matters when each decoding step runs a few short sequences."""
    suffix = "_reverse" if reverse else ""
    return torch.lstm_cell(inputs, state, getattr(lstm, f"weight_ih_l0{suffix}"), getattr(lstm, f"weight_hh_l0{suffix}"),
                           getattr(lstm, f"bias_ih_l0{suffix}"), getattr(lstm, f"bias_hh_l0{suffix}"))


def final_state(lstm: nn.LSTM, inputs: Tensor, reverse: bool = False) -> Tensor:
    """Last hidden state of one direction of a single-layer `nn.LSTM` over `inputs`
    ``(batch, length, input)``, all of one length, from the zero state."""
    h = c = inputs.new_zeros(len(inputs), lstm.hidden_size)
    for t in reversed(range(inputs.shape[1])) if reverse else range(inputs.shape[1]):
        h, c = lstm_step(lstm, inputs[:, t], (h, c), reverse)
    return h


class StackTops:
    """One stack per sentence of a batch: the top ``(h, c)`` LSTM state and the depth."""

    def __init__(self, lstm: nn.LSTM, batch: int, empty: Tensor) -> None:
        """`lstm` is a one-layer unidirectional LSTM with biases; `empty` is the learned
        summary of an empty stack (its LSTM state is zeros)."""
        if lstm.num_layers != 1 or lstm.bidirectional or not lstm.bias:
            raise ValueError("a stack runs a one-layer unidirectional LSTM with biases")
        self.lstm, self.empty = lstm, empty
        self.h = empty.new_zeros(batch, lstm.hidden_size)
        self.c = empty.new_zeros(batch, lstm.hidden_size)
        self.depth = torch.zeros(batch, dtype=torch.long)

    def top(self, rows: Tensor) -> Tensor:
        """Summaries of the stacks of sentences `rows`: top hidden state, or `empty`."""
        return torch.where((self.depth[rows] > 0)[:, None], self.h[rows], self.empty)

    def push(self, rows: Tensor, inputs: Tensor) -> None:
        """Push ``inputs[i]`` onto the stack of sentence ``rows[i]`` for all i, one LSTM step."""
        if len(rows) == 0:
            return
        h, c = lstm_step(self.lstm, inputs, (self.h[rows], self.c[rows]))
        self.h[rows], self.c[rows] = h, c
        self.depth[rows] += 1

    def clear(self, rows: Tensor) -> None:
        """Empty the stacks of sentences `rows` (back to the zero LSTM state)."""
        self.h[rows] = 0.0
        self.c[rows] = 0.0
        self.depth[rows] = 0
