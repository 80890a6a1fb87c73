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
        # One step of the module's own single-layer weights; `nn.LSTM`'s sequence call costs
        # ~3x more per step on CPU and gives the same states (to 1e-7).
        lstm = self.lstm
        h, c = torch.lstm_cell(inputs, (self.h[rows], self.c[rows]), lstm.weight_ih_l0, lstm.weight_hh_l0,
                               lstm.bias_ih_l0, lstm.bias_hh_l0)
        self.h[rows], self.c[rows] = h, c
        self.depth[rows] += 1

    def clear(self, rows: Tensor) -> None:
        """Empty the stacks of sentences `rows` (back to the zero LSTM state)."""
        self.h[rows] = 0.0
        self.c[rows] = 0.0
        self.depth[rows] = 0
