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
        """`empty` is the learned summary of an empty stack (its LSTM state is zeros)."""
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
        _, (h, c) = self.lstm(inputs[:, None, :], (self.h[rows][None], self.c[rows][None]))
        self.h[rows], self.c[rows] = h[0], c[0]
        self.depth[rows] += 1

    def clear(self, rows: Tensor) -> None:
        """Empty the stacks of sentences `rows` (back to the zero LSTM state)."""
        self.h[rows] = 0.0
        self.c[rows] = 0.0
        self.depth[rows] = 0
